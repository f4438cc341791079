import { describe, expect, test } from "vitest";
import { NOW } from "../tests/snapshot-factories";
import { CATALOG } from "./catalog";
import { resolveChecks } from "./evaluate";
import { type CustomCheck, catalogFor, eventColumnsFor, type Rules, VERSION_ONE } from "./rules";
import { computeScore } from "./score";
import { DEFAULT_SCORING, describeScoringChange } from "./scoring";

const custom = (id: string, over: Partial<CustomCheck> = {}): CustomCheck => ({
  id,
  kind: "manual",
  section: "training",
  question: `Question ${id}?`,
  planIds: [],
  event: null,
  createdBy: "admin@example.com",
  createdAt: NOW,
  retiredAt: null,
  retiredBy: null,
  ...over,
});
const rules = (over: Partial<Rules> = {}): Rules => ({ scoring: VERSION_ONE, custom: [], extras: [], minSdkVersions: {}, ...over });

describe("the catalogue in force", () => {
  test("is the 24 built-ins when the team added nothing", () => {
    expect(catalogFor(rules(), null).map((c) => c.id)).toEqual(CATALOG.map((c) => c.id));
  });

  test("adds extras switched on and custom checks for the customer's plan, never retired ones", () => {
    const r = rules({
      extras: ["extra.reverse_proxy"],
      custom: [
        custom("custom.all_plans"),
        custom("custom.growth_only", { planIds: [2] }),
        custom("custom.retired", { retiredAt: NOW }),
        custom("custom.signups", {
          kind: "event",
          section: "value",
          event: { event: "signed_up", property: null, operator: null, value: null, minCount: 1, days: 60 },
        }),
      ],
    });
    const ids = (plan: number | null) =>
      catalogFor(r, plan)
        .slice(CATALOG.length)
        .map((c) => c.id);
    expect(ids(2)).toEqual(["extra.reverse_proxy", "custom.all_plans", "custom.growth_only", "custom.signups"]);
    expect(ids(3)).toEqual(["extra.reverse_proxy", "custom.all_plans", "custom.signups"]);
    expect(ids(null)).toEqual(["extra.reverse_proxy", "custom.all_plans", "custom.signups"]);
    const signups = catalogFor(r, null).find((c) => c.id === "custom.signups")!;
    expect(signups).toMatchObject({
      kind: "automated",
      origin: "custom",
      fromSnapshot: true,
      rule: "Passes when signed_up happened at least once in the 60×24 hours before the refresh.",
    });
    const { columns, lookbackDays } = eventColumnsFor(r, 2);
    expect(columns.map((c) => [c.alias, c.checkId])).toEqual([["c_1", "custom.signups"]]);
    expect(lookbackDays).toBe(61);
  });
});

describe("scoring versions", () => {
  test("version 1 is the handbook's weights and bands from code", () => {
    expect(VERSION_ONE.version).toBe("1");
    expect(VERSION_ONE.bands).toEqual(DEFAULT_SCORING.bands);
    for (const [id, w] of Object.entries(DEFAULT_SCORING.weights)) expect(VERSION_ONE.weights[id]).toBe(w);
  });

  test("a change is described check by check", () => {
    const next = { weights: { ...VERSION_ONE.weights, "setup.actions": 0, "custom.demo": 3 }, bands: { healthy: 75, concerning: 40 } };
    delete (next.weights as Record<string, number>)["setup.toolbar"];
    expect(describeScoringChange(VERSION_ONE, next)).toEqual([
      "custom.demo: added with weight 3",
      "setup.actions: weight 1 → 0",
      "setup.toolbar: removed (was weight 1)",
      "healthy band from 70 → 75",
    ]);
    expect(describeScoringChange(VERSION_ONE, VERSION_ONE)).toEqual([]);
  });

  test("weight 0 takes a check out of the score; a custom check counts with its weight; the version is stored", () => {
    const r = rules({ custom: [custom("custom.kickoff")] });
    const answered = resolveChecks({
      automated: [],
      answers: [
        { checkId: "custom.kickoff", answer: "no", note: "", authorName: "a", createdAt: NOW },
        { checkId: "training.demo_received", answer: "yes", note: "", authorName: "a", createdAt: NOW },
      ],
      overrides: [],
      now: NOW,
      catalog: catalogFor(r, null),
    });
    const v2 = { version: "2", weights: { ...VERSION_ONE.weights, "custom.kickoff": 2 }, bands: VERSION_ONE.bands };
    expect(computeScore(answered, v2)).toMatchObject({ score: 50, version: "2" });
    const v3 = { ...v2, version: "3", weights: { ...v2.weights, "custom.kickoff": 0 } };
    expect(computeScore(answered, v3)).toMatchObject({ score: 100, version: "3" });
  });
});

import { describe, expect, test } from "vitest";
import { isDecided } from "../scoring";
import type { CheckStatus } from "../types";
import type { StoredContribution } from "./contributions";
import { explain, explainedPoints, type Stamp } from "./explain";

type Spec = { status: CheckStatus; weight?: number } & Partial<StoredContribution>;

const round1 = (n: number) => Math.round(n * 10) / 10;

/** A stored assessment as the writer would store it: points and score computed the same way. */
function stamp(checks: Record<string, Spec>, extra: Partial<Stamp> = {}): Stamp {
  const contributions = Object.entries(checks).map(
    ([checkId, { status, weight = 1, ...rest }]): StoredContribution => ({
      checkId,
      section: "setup",
      weight,
      status,
      source: "posthog",
      points: status === "pass" ? weight : 0,
      maxPoints: isDecided(status) ? weight : 0,
      ...rest,
    }),
  );
  const p = contributions.reduce((s, c) => s + c.points, 0);
  const d = contributions.reduce((s, c) => s + c.maxPoints, 0);
  return { at: "2026-11-01T00:00:00Z", version: "1", score: d > 0 ? round1((100 * p) / d) : null, contributions, ...extra };
}

describe("explain", () => {
  test("status changes under one version: one line per check, adding up to the move", () => {
    const before = stamp({ a: { status: "fail", weight: 4 }, b: { status: "pass", weight: 1 }, c: { status: "unknown", weight: 2 } });
    const after = stamp({ a: { status: "pass", weight: 4 }, b: { status: "pass", weight: 1 }, c: { status: "fail", weight: 2 } });
    const e = explain(before, after);
    expect(e.delta).toBe(round1(after.score! - before.score!));
    expect(e.scoring).toBeNull();
    expect(e.lines.map((l) => [l.checkId, l.cause, l.from, l.to])).toEqual([
      ["a", "data", "fail", "pass"],
      ["c", "data", "unknown", "fail"],
    ]);
    expect(e.lines[0]!.points).toBeGreaterThan(0);
    expect(e.lines[1]!.points).toBeLessThan(0);
    expect(explainedPoints(e)).toBe(e.delta);
  });

  test("a new scoring version: the rules' share first, then status changes under the new weights", () => {
    const before = stamp({ a: { status: "pass", weight: 4 }, b: { status: "fail", weight: 1 }, c: { status: "fail", weight: 1 } });
    // v4 weighs the failing b much more, and c started passing.
    const after = stamp(
      { a: { status: "pass", weight: 4 }, b: { status: "fail", weight: 6 }, c: { status: "pass", weight: 1 } },
      { version: "4" },
    );
    const e = explain(before, after);
    // Old statuses under new weights: 4 of 11 = 36.4, from 66.7.
    expect(e.scoring).toMatchObject({ from: "1", to: "4", points: round1(100 * (4 / 11) - 100 * (4 / 6)) });
    expect(e.lines.map((l) => [l.checkId, l.from, l.to])).toEqual([["c", "fail", "pass"]]);
    expect(explainedPoints(e)).toBe(e.delta);
  });

  test("bands that changed are said even when they moved no points", () => {
    const before = stamp({ a: { status: "pass" } }, { bands: { healthy: 70, concerning: 40 } });
    const after = stamp({ a: { status: "pass" } }, { version: "2", bands: { healthy: 75, concerning: 45 } });
    const e = explain(before, after);
    expect(e.scoring).toEqual({ from: "1", to: "2", points: 0, bands: { from: before.bands, to: after.bands } });
    expect(e.lines).toEqual([]);
  });

  test("overrides set, expired and cleared are named as such", () => {
    const before = stamp({
      a: { status: "pass", source: "override", override: { status: "pass", expiresAt: "2026-11-10T00:00:00Z", active: true } },
      b: { status: "fail" },
      c: { status: "pass", source: "override", override: { status: "pass", expiresAt: null, active: true } },
    });
    const after = stamp({
      a: { status: "fail", override: { status: "pass", expiresAt: "2026-11-10T00:00:00Z", active: false } },
      b: { status: "pass", source: "override", override: { status: "pass", expiresAt: null, active: true } },
      c: { status: "pass" },
    });
    const e = explain(before, after);
    expect(Object.fromEntries(e.lines.map((l) => [l.checkId, l.cause]))).toEqual({
      a: "override-expired",
      b: "override-set",
      // Cleared without changing the status: still said, with no points.
      c: "override-cleared",
    });
    expect(e.lines.find((l) => l.checkId === "c")!.points).toBe(0);
    expect(explainedPoints(e)).toBe(e.delta);
  });

  test("an override that confirms the status is said, not left out as 'nothing changed'", () => {
    const before = stamp({ a: { status: "fail" }, b: { status: "pass" } });
    const after = stamp({
      a: { status: "fail", source: "override", override: { status: "fail", expiresAt: null, active: true } },
      b: { status: "pass" },
    });
    expect(explain(before, after).lines).toEqual([
      { checkId: "a", section: "setup", cause: "override-set", from: "fail", to: "fail", points: 0 },
    ]);
  });

  test("answers, answers gone stale and delight's records", () => {
    const before = stamp({
      m: { status: "unknown", source: "manual" },
      s: { status: "pass", source: "manual", answer: { answer: "yes", stale: false } },
      q: { status: "fail", source: "delight" },
      x: { status: "pass" },
    });
    const after = stamp({
      m: { status: "pass", source: "manual", answer: { answer: "yes", stale: false } },
      s: { status: "unknown", source: "manual", answer: { answer: "yes", stale: true } },
      q: { status: "pass", source: "delight" },
      x: { status: "pass" },
    });
    const e = explain(before, after);
    expect(Object.fromEntries(e.lines.map((l) => [l.checkId, l.cause]))).toEqual({ m: "answer", s: "answer-stale", q: "records" });
    expect(explainedPoints(e)).toBe(e.delta);
  });

  test("team checks added and retired, and a plan change", () => {
    const before = stamp(
      { a: { status: "pass" }, old: { status: "fail", origin: "custom" }, "value.plan_usage_80": { status: "unknown", source: "posthog" } },
      { plan: null },
    );
    const after = stamp(
      { a: { status: "pass" }, neu: { status: "fail", origin: "custom", weight: 2 }, "value.plan_usage_80": { status: "pass", weight: 2 } },
      { plan: "Growth" },
    );
    const e = explain(before, after);
    expect(e.plan).toEqual({ from: null, to: "Growth" });
    // With the plan changed, a team check entering or leaving may be the plan's doing.
    expect(Object.fromEntries(e.lines.map((l) => [l.checkId, l.cause]))).toEqual({
      neu: "plan",
      old: "plan",
      "value.plan_usage_80": "plan",
    });
    const samePlan = explain({ ...before, plan: "Growth" }, after);
    expect(Object.fromEntries(samePlan.lines.map((l) => [l.checkId, l.cause]))).toEqual({
      neu: "check-added",
      old: "check-retired",
      "value.plan_usage_80": "data",
    });
    expect(explainedPoints(e)).toBe(e.delta);
  });

  test("a side without a score: the changes are listed without points", () => {
    const before = stamp({ a: { status: "unknown" } });
    const after = stamp({ a: { status: "pass" } });
    const e = explain(before, after);
    expect(e.delta).toBeNull();
    expect(e.lines).toEqual([{ checkId: "a", section: "setup", cause: "data", from: "unknown", to: "pass", points: null }]);
  });

  test("history stored without per-check detail is not taken apart: the whole move is unexplained", () => {
    const before = { ...stamp({ a: { status: "fail" }, b: { status: "pass" } }), contributions: [] };
    const after = stamp({ a: { status: "pass" }, b: { status: "pass" } });
    const e = explain(before, after);
    expect(e.detailed).toBe(false);
    expect(e.lines).toEqual([]);
    expect(e.rounding).toBe(e.delta);
  });

  test("always adds up to the stored difference, to the tenth, over many random moves", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const statuses: CheckStatus[] = ["pass", "fail", "na", "unknown"];
    const pick = () => statuses[Math.floor(rand() * 4)]!;
    let checked = 0;
    for (let run = 0; run < 500; run++) {
      const ids = Array.from({ length: 3 + Math.floor(rand() * 25) }, (_, i) => `c${i}`);
      const side = (version: string) =>
        stamp(Object.fromEntries(ids.filter(() => rand() > 0.1).map((id) => [id, { status: pick(), weight: Math.floor(rand() * 6) }])), {
          version,
        });
      const before = side("1");
      const after = side(rand() > 0.5 ? "1" : "2");
      const e = explain(before, after);
      if (e.delta === null) continue;
      checked++;
      expect(explainedPoints(e)).toBe(e.delta);
      // Rounding is settled on the lines, never dumped on one: a residual is at most a tenth or two.
      expect(Math.abs(e.rounding)).toBeLessThanOrEqual(0.2);
    }
    expect(checked).toBeGreaterThan(300);
  });
});

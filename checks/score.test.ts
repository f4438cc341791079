import { describe, expect, test } from "vitest";
import { CHECK_IDS, getCheck } from "./catalog";
import type { ResolvedCheck } from "./evaluate";
import { computeScore } from "./score";
import { bandFor, DEFAULT_SCORING, type ScoringConfig } from "./scoring";
import type { CheckStatus } from "./types";

/** Resolved checks with the given statuses; only the fields scoring reads matter. */
function resolved(statuses: Record<string, CheckStatus>): ResolvedCheck[] {
  return Object.entries(statuses).map(([checkId, status]) => {
    const check = getCheck(checkId)!;
    return {
      checkId,
      section: check.section,
      question: check.question,
      kind: check.kind,
      rule: check.rule,
      answers: [],
      status,
      source: "posthog",
      evidence: {},
      summary: "",
      automated: null,
      answer: null,
      answerStale: false,
      override: null,
      overrideActive: false,
    };
  });
}

const SMALL: ScoringConfig = {
  version: "test",
  weights: {
    "setup.production": 4,
    "setup.actions": 1,
    "training.demo_received": 2,
    "value.regular_usage": 3,
  },
  bands: { healthy: 70, concerning: 40 },
};
const all = (status: CheckStatus) => Object.fromEntries(CHECK_IDS.map((id) => [id, status]));

describe("DEFAULT_SCORING", () => {
  test("weighs every catalogue check, and only those, with a positive weight", () => {
    expect(Object.keys(DEFAULT_SCORING.weights).sort()).toEqual([...CHECK_IDS].sort());
    expect(Object.values(DEFAULT_SCORING.weights).every((w) => w > 0)).toBe(true);
  });

  test.each(["setup.production", "setup.events_recurring", "value.regular_usage"])("%s is among the heaviest", (id) => {
    expect(DEFAULT_SCORING.weights[id]).toBe(Math.max(...Object.values(DEFAULT_SCORING.weights)));
  });
});

describe("bandFor", () => {
  test.each([
    [100, "healthy"],
    [70, "healthy"],
    [69.9, "concerning"],
    [40, "concerning"],
    [39.9, "poor"],
    [0, "poor"],
    [null, null],
  ])("%s → %s", (score, band) => {
    expect(bandFor(score)).toBe(band);
  });
});

describe("computeScore", () => {
  test.each<[string, Record<string, CheckStatus>, number | null, number]>([
    [
      "all pass",
      {
        "setup.production": "pass",
        "setup.actions": "pass",
        "training.demo_received": "pass",
        "value.regular_usage": "pass",
      },
      100,
      1,
    ],
    [
      "all fail",
      {
        "setup.production": "fail",
        "setup.actions": "fail",
        "training.demo_received": "fail",
        "value.regular_usage": "fail",
      },
      0,
      1,
    ],
    // 4 of 4+1 decided weight passed; na and unknown leave the denominator
    [
      "na and unknown leave the denominator",
      {
        "setup.production": "pass",
        "setup.actions": "fail",
        "training.demo_received": "na",
        "value.regular_usage": "unknown",
      },
      80,
      0.5,
    ],
    [
      "nothing decided gives no score",
      {
        "setup.production": "unknown",
        "setup.actions": "na",
        "training.demo_received": "unknown",
        "value.regular_usage": "unknown",
      },
      null,
      0,
    ],
    [
      "rounds to one decimal",
      {
        "setup.production": "fail",
        "setup.actions": "pass",
        "training.demo_received": "pass",
        "value.regular_usage": "unknown",
      },
      42.9,
      0.7,
    ],
  ])("%s", (_name, statuses, score, coverage) => {
    const s = computeScore(resolved(statuses), SMALL);
    expect(s.score).toBe(score);
    expect(s.coverage).toBeCloseTo(coverage, 10);
    expect(s.band).toBe(bandFor(score, SMALL));
    expect(s.version).toBe("test");
  });

  test("sections score and cover separately", () => {
    const s = computeScore(
      resolved({
        "setup.production": "pass",
        "setup.actions": "fail",
        "training.demo_received": "unknown",
        "value.regular_usage": "fail",
      }),
      SMALL,
    );
    expect(s.sections).toEqual({
      setup: { score: 80, coverage: 1 },
      training: { score: null, coverage: 0 },
      value: { score: 0, coverage: 1 },
    });
    expect([s.failing, s.unknown]).toEqual([2, 1]);
  });

  test("contributions show each check's points", () => {
    const s = computeScore(resolved({ "setup.production": "pass", "setup.actions": "fail", "training.demo_received": "na" }), SMALL);
    expect(s.contributions).toEqual([
      { checkId: "setup.production", section: "setup", weight: 4, status: "pass", points: 4, maxPoints: 4 },
      { checkId: "setup.actions", section: "setup", weight: 1, status: "fail", points: 0, maxPoints: 1 },
      {
        checkId: "training.demo_received",
        section: "training",
        weight: 2,
        status: "na",
        points: 0,
        maxPoints: 0,
      },
    ]);
  });

  test("a check without a weight takes no part", () => {
    const s = computeScore(resolved({ "setup.production": "pass", "setup.funnels": "fail" }), SMALL);
    expect([s.score, s.coverage]).toEqual([100, 1]);
    expect(s.contributions[1]).toMatchObject({ weight: 0, points: 0, maxPoints: 0 });
  });

  test("the default config scores the whole catalogue", () => {
    const s = computeScore(resolved(all("pass")));
    expect([s.score, s.band, s.coverage, s.version]).toEqual([100, "healthy", 1, "1"]);
    expect(computeScore(resolved(all("unknown")))).toMatchObject({
      score: null,
      band: null,
      coverage: 0,
      unknown: 24,
    });
  });
});

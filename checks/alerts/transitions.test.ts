import { describe, expect, test } from "vitest";
import { type AssessmentInput, assess } from "../assessment/assess";
import { shiftDay } from "../days";
import type { AutomatedResult } from "../evaluate";
import { VERSION_ONE } from "../rules";
import { DEFAULT_THRESHOLDS } from "./kinds";
import { alertMessage, shortDay } from "./messages";
import { type AlertSignals, transition } from "./transitions";

const NOW = new Date("2025-03-15T12:00:00Z");
const DAY = 86_400_000;
const TODAY = "2025-03-15";
const AUTOMATED = ["setup.logged_in", "setup.team_added", "setup.production", "setup.actions", "setup.funnels", "setup.dashboards"];

type Scenario = {
  now?: Date;
  failing?: number;
  perDay?: number;
  quietDays?: number;
  monthlyEvents?: number | null;
  lastSuccessDaysAgo?: number | null;
  lastError?: string;
  catchups?: AssessmentInput["catchups"];
  answers?: Record<string, "yes" | "no" | "na">;
  scoringVersion?: string;
};

/** An assessment of one customer on the Growth 1M plan, shaped by the scenario. */
function assessed(s: Scenario = {}) {
  const now = s.now ?? NOW;
  const today = now.toISOString().slice(0, 10);
  const automated: AutomatedResult[] = AUTOMATED.map((checkId, i) => ({
    checkId,
    status: i < (s.failing ?? 0) ? "fail" : "pass",
    evidence: {},
    summary: checkId,
  }));
  const successAt = s.lastSuccessDaysAgo === null ? null : new Date(now.getTime() - (s.lastSuccessDaysAgo ?? 0) * DAY);
  const daily = Array.from({ length: 60 }, (_, i) => ({
    day: shiftDay(today, -(i + 1)),
    events: i < (s.quietDays ?? 0) ? 0 : (s.perDay ?? 10_000),
  }));
  return assess({
    now,
    customer: {
      id: 1,
      planId: 1,
      planName: "Growth 1M",
      monthlyEvents: s.monthlyEvents === undefined ? 1_000_000 : s.monthlyEvents,
      billingDay: 1,
      timezone: "UTC",
      createdAt: new Date("2024-01-01T00:00:00Z"),
    },
    rules: { scoring: { ...VERSION_ONE, version: s.scoringVersion ?? "1" }, custom: [], extras: [], minSdkVersions: {} },
    results: successAt ? { runId: 1, finishedAt: successAt, automated, snapshot: null } : null,
    lastRun: {
      id: 2,
      status: s.lastError ? "failed" : "ok",
      finishedAt: now,
      errors: s.lastError ? [{ call: "project", kind: "auth", message: s.lastError }] : [],
      apiCalls: 1,
    },
    answers: Object.entries(s.answers ?? {}).map(([checkId, answer]) => ({
      checkId,
      answer,
      note: "",
      authorName: "casey@example.com",
      createdAt: new Date(now.getTime() - 60_000),
    })),
    overrides: [],
    catchups: s.catchups ?? [{ date: shiftDay(TODAY, -10), status: "held" }],
    usage: { daily, measuredAt: now },
  });
}

const context = { sparkline: [] as [string, number][], thresholds: DEFAULT_THRESHOLDS };

/** Runs assessments in order, carrying the signals like the writer does; returns the kinds raised at each step. */
function run(steps: Scenario[]): string[][] {
  let previous: AlertSignals | null = null;
  let sparkline: [string, number][] = [];
  return steps.map((s) => {
    const a = assessed(s);
    const t = transition(previous, a, { ...context, sparkline });
    previous = t.signals;
    if (a.score !== null) sparkline = [...sparkline.filter(([d]) => d !== a.assessedAt.slice(0, 10)), [a.assessedAt.slice(0, 10), a.score]];
    return t.raised.map((r) => (r.kind === "answer_no" ? `${r.kind}:${r.checkId}` : r.kind));
  });
}

describe("alerts fire on a change, once, and re-arm when the condition clears", () => {
  test("a healthy first assessment raises nothing", () => {
    expect(run([{}])).toEqual([[]]);
  });

  test("usage: the first assessment counts as a change from unknown; held → nothing; cleared and back → again", () => {
    // 30,000 a day is 90 % of Growth 1M over the month; 40,000 is 120 %.
    expect(run([{ perDay: 30_000 }, { perDay: 30_000 }, { perDay: 40_000 }, { perDay: 10_000 }, { perDay: 30_000 }])).toEqual([
      ["usage_80"],
      [],
      ["usage_100"],
      [],
      ["usage_80"],
    ]);
  });

  test("band_drop on each fall, not while it stays; score_drop once for a 15-point fall within 7 days", () => {
    // 6 checks: 0 failing = 100, 2 failing ≈ 67 (concerning), 4 failing ≈ 33 (poor).
    expect(run([{ failing: 0 }, { failing: 2 }, { failing: 2 }, { failing: 4 }, { failing: 4 }, { failing: 0 }, { failing: 2 }])).toEqual([
      [],
      ["score_drop", "band_drop"],
      [],
      ["band_drop"],
      [],
      [],
      ["score_drop", "band_drop"],
    ]);
  });

  test("a 15-point fall spread over more than 7 days is no score_drop", () => {
    const day = (n: number) => new Date(NOW.getTime() + n * DAY);
    // 100 → 83 (one failing: 16.7 points) … only within the window does it count.
    const kinds = run([
      { now: day(0), failing: 0 },
      { now: day(8), failing: 1 },
    ]);
    expect(kinds).toEqual([[], []]);
  });

  test("a new scoring version re-baselines band and score without alerts", () => {
    expect(run([{ failing: 0 }, { failing: 2, scoringVersion: "2" }, { failing: 2, scoringVersion: "2" }])).toEqual([[], [], []]);
  });

  test("usage_drop when events stop for 3 days or fall under half; a gap in data neither raises nor re-arms", () => {
    expect(run([{ quietDays: 3 }, { quietDays: 4 }, { quietDays: 0 }, { perDay: 10_000, quietDays: 7 }])).toEqual([
      ["usage_drop"],
      [],
      [],
      ["usage_drop"],
    ]);
  });

  test("stale after N days without a successful refresh, with the last error", () => {
    let previous: AlertSignals | null = null;
    const step = (s: Scenario) => {
      const t = transition(previous, assessed(s), context);
      previous = t.signals;
      return t.raised;
    };
    expect(step({ lastSuccessDaysAgo: 1 })).toEqual([]);
    const [stale] = step({ lastSuccessDaysAgo: 4, lastError: "PostHog rejected the API key" });
    expect(stale).toMatchObject({ kind: "stale", days: 4, lastError: "PostHog rejected the API key" });
    expect(alertMessage("Acme", stale!)).toBe("Acme has had no successful refresh for 4 days: PostHog rejected the API key");
    expect(step({ lastSuccessDaysAgo: 5, lastError: "PostHog rejected the API key" })).toEqual([]);
    expect(step({ lastSuccessDaysAgo: 0 })).toEqual([]);
    expect(step({ lastSuccessDaysAgo: 3.5 }).map((r) => r.kind)).toEqual(["stale"]);
  });

  test("catchup_overdue when the last one is over 100 days old and none is scheduled", () => {
    const old: AssessmentInput["catchups"] = [{ date: "2024-10-01", status: "held" }];
    const scheduled: AssessmentInput["catchups"] = [...old, { date: "2025-04-01", status: "scheduled" }];
    expect(run([{ catchups: old }, { catchups: old }, { catchups: scheduled }, { catchups: old }])).toEqual([
      ["catchup_overdue"],
      [],
      [],
      ["catchup_overdue"],
    ]);
  });

  test("answer_no only for yes → no, per check", () => {
    // (With so few checks an answer also moves the score a lot; only answer_no matters here.)
    const answerAlerts = (steps: string[][]) => steps.map((kinds) => kinds.filter((k) => k.startsWith("answer_no")));
    expect(
      answerAlerts(
        run([
          { answers: { "training.demo_received": "no" } },
          { answers: { "training.demo_received": "yes", "training.told_support": "yes" } },
          { answers: { "training.demo_received": "no", "training.told_support": "yes" } },
          { answers: { "training.demo_received": "no", "training.told_support": "no" } },
          { answers: { "training.demo_received": "yes", "training.told_support": "no" } },
          { answers: { "training.demo_received": "no", "training.told_support": "no" } },
        ]),
      ),
    ).toEqual([
      [],
      [],
      ["answer_no:training.demo_received"],
      ["answer_no:training.told_support"],
      [],
      ["answer_no:training.demo_received"],
    ]);
  });

  test("what cleared is reported so open alerts can say so", () => {
    const first = transition(null, assessed({ perDay: 30_000 }), context);
    const second = transition(first.signals, assessed({ perDay: 10_000 }), context);
    expect(second.cleared).toEqual([{ kind: "usage_80", subject: "" }]);
  });

  test("an assessment stored before alerts existed (no activity, catch-ups or addedAt) can be read as previous signals", () => {
    const legacy = assessed({ perDay: 30_000 }) as Partial<ReturnType<typeof assessed>>;
    delete legacy.activity;
    delete legacy.catchups;
    delete legacy.addedAt;
    const signals = transition(null, legacy as ReturnType<typeof assessed>, context).signals;
    expect(signals).toMatchObject({ usage80: true, usageDrop: null, catchupOverdue: null });
    expect(transition(signals, assessed({ perDay: 30_000 }), context).raised).toEqual([]);
  });
});

describe("messages: one line naming the customer", () => {
  test.each([
    [
      { kind: "usage_80", percent: 87.2, projectedPercent: 104, plan: "Growth 1M", periodEnd: "2025-11-30" },
      "Acme Analytics is at 87 % of Growth 1M, projected 104 % by 30 Nov",
    ],
    [
      { kind: "usage_100", percent: 87, projectedPercent: 104, plan: "Growth 1M", periodEnd: "2025-11-30" },
      "Acme Analytics is projected to use 104 % of Growth 1M by 30 Nov (87 % so far)",
    ],
    [
      { kind: "usage_100", percent: 112, projectedPercent: 150, plan: "Growth 1M", periodEnd: "2025-11-30" },
      "Acme Analytics is at 112 % of Growth 1M, projected 150 % by 30 Nov",
    ],
    [
      { kind: "usage_80", percent: null, projectedPercent: null, plan: null, periodEnd: null },
      "Acme Analytics used at least 80 % of its plan in the last 30 days",
    ],
    [
      { kind: "usage_80", percent: 8, projectedPercent: null, plan: "Scale 2M", periodEnd: "2025-12-27" },
      "Acme Analytics used at least 80 % of Scale 2M in the last 30 days (8 % of this period so far)",
    ],
    [
      { kind: "usage_80", percent: 50, projectedPercent: 95, plan: "Scale 2M", periodEnd: "2025-12-27" },
      "Acme Analytics is projected to use 95 % of Scale 2M by 27 Dec (50 % so far)",
    ],
    [
      { kind: "score_drop", from: 72, to: 55, newlyFailing: ["setup.production", "training.everyone_used"] },
      "Acme Analytics: score 72 → 55 within 7 days: setup.production and training.everyone_used now failing",
    ],
    [
      { kind: "band_drop", from: "healthy", to: "poor", score: 35, previousScore: 71.6 },
      "Acme Analytics fell from healthy to poor (score 72 → 35)",
    ],
    [
      { kind: "usage_drop", last7Days: 0, weeklyAverageBefore: 7000, quietDays: 4, lastEventDay: "2025-03-10" },
      "Acme Analytics has sent no events for 4 days (last event 10 Mar)",
    ],
    [
      { kind: "usage_drop", last7Days: 1200, weeklyAverageBefore: 9800, quietDays: 0, lastEventDay: "2025-03-14" },
      "Acme Analytics sent 1,200 events in the last 7 days, under half its weekly average of 9,800",
    ],
    [
      { kind: "stale", days: 5, lastSuccessAt: null, lastError: null },
      "Acme Analytics has not been refreshed successfully since it was added 5 days ago",
    ],
    [
      { kind: "catchup_overdue", lastHeld: "2024-07-02", addedAt: null },
      "Acme Analytics has had no catch-up for over 100 days (last held 2 Jul) and none is scheduled",
    ],
    [
      { kind: "answer_no", checkId: "training.demo_received", question: "", by: "casey@example.com", note: "they\nchurned\n" },
      "Acme Analytics: training.demo_received answered no (was yes) by casey@example.com — they churned",
    ],
  ] as const)("%o", (facts, message) => {
    expect(alertMessage("Acme Analytics", facts as never)).toBe(message);
  });

  test("shortDay", () => {
    expect(shortDay("2025-01-05")).toBe("5 Jan");
  });
});

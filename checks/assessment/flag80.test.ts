import { describe, expect, test } from "vitest";
import { shiftDay } from "../days";
import { VERSION_ONE } from "../rules";
import type { CheckStatus, Evidence } from "../types";
import { assess } from "./assess";
import { flag80Reason, flag80Why } from "./flag80";
import { healthSummary } from "./summary";

const PLAN = 1_000_000;

type Scenario = {
  now: string;
  /** Events a day on the days before `now`'s day, back 60 days. */
  perDay: number;
  /** Events measured so far on `now`'s own day (none when omitted). */
  today?: number;
  /** What the value.plan_usage_80 check decided at the last refresh, with its 30-day percentage. */
  planCheck: { status: CheckStatus; percent?: number };
  overridden?: "pass" | "fail";
};

/** A customer on a 1M-event plan billed from the 1st, in UTC. */
function assessed(s: Scenario) {
  const now = new Date(s.now);
  const today = s.now.slice(0, 10);
  const daily = Array.from({ length: 60 }, (_, i) => ({ day: shiftDay(today, -(i + 1)), events: s.perDay }));
  if (s.today !== undefined) daily.push({ day: today, events: s.today });
  const evidence: Evidence = s.planCheck.percent === undefined ? {} : { percentOfPlan: s.planCheck.percent, planMonthlyEvents: PLAN };
  return assess({
    now,
    customer: { id: 1, planId: 1, planName: "Growth 1M", monthlyEvents: PLAN, billingDay: 1, timezone: "UTC" },
    rules: { scoring: VERSION_ONE, custom: [], extras: [], minSdkVersions: {} },
    results: {
      runId: 1,
      finishedAt: now,
      automated: [{ checkId: "value.plan_usage_80", status: s.planCheck.status, evidence, summary: "plan usage" }],
      snapshot: null,
    },
    lastRun: { id: 1, status: "ok", finishedAt: now, errors: [], apiCalls: 8 },
    answers: [],
    overrides: s.overridden
      ? [
          {
            checkId: "value.plan_usage_80",
            status: s.overridden,
            reason: "annual contract",
            expiresAt: null,
            authorName: "casey@example.com",
            createdAt: new Date(now.getTime() - 60_000),
          },
        ]
      : [],
    catchups: [],
    usage: { daily, measuredAt: now },
  });
}

describe("why a customer is flagged at 80 % of plan", () => {
  test("this period's events: the period's percentage", () => {
    // 14 days of March at 60,000 = 840,000 of 1M.
    const a = assessed({ now: "2025-03-15T00:00:00Z", perDay: 60_000, planCheck: { status: "pass", percent: 180 } });
    expect(a.usage.percentOfQuota).toBe(84);
    expect(flag80Why(a)).toEqual({ basis: "this-period", percent: 84 });
  });

  test("this period's projection: the projected percentage, though the period is still under 80 %", () => {
    const a = assessed({ now: "2025-03-15T00:00:00Z", perDay: 40_000, planCheck: { status: "fail", percent: 40 } });
    expect(a.usage.percentOfQuota).toBe(56);
    expect(a.flagged80).toBe(true);
    expect(flag80Why(a)).toEqual({ basis: "projected", percent: a.usage.projectedPercent });
    expect(a.usage.projectedPercent).toBeGreaterThan(100);
  });

  test("the first hours of a period: the check's last 30 days, beside a period figure near 0 %", () => {
    const a = assessed({ now: "2025-03-01T03:00:00Z", perDay: 30_000, today: 2_000, planCheck: { status: "pass", percent: 90 } });
    expect(a.usage.percentOfQuota).toBe(0.2);
    expect(a.usage.flagged80).toBe(false);
    expect(a.flagged80).toBe(true);
    const why = flag80Why(a)!;
    expect(why).toEqual({ basis: "last-30-days", percent: 90 });
    expect(flag80Reason(why)).toBe("90% of plan in the last 30 days");
  });

  test("nothing measured this period yet: the last period with data", () => {
    // February: 28 days at 40,000 = 1.12M; nothing measured on 1 March yet.
    const a = assessed({ now: "2025-03-01T12:00:00Z", perDay: 40_000, planCheck: { status: "fail", percent: 70 } });
    expect(a.usage.percentOfQuota).toBe(null);
    expect(flag80Why(a)).toEqual({ basis: "last-period", percent: null });
  });

  test("a person's override of the check, with no figure of its own", () => {
    const a = assessed({ now: "2025-03-15T00:00:00Z", perDay: 10_000, planCheck: { status: "fail", percent: 30 }, overridden: "pass" });
    expect(a.flagged80).toBe(true);
    expect(flag80Why(a)).toEqual({ basis: "override", percent: null });
  });

  test("not flagged: no reason, and an override to fail takes the check's reason away", () => {
    expect(flag80Why(assessed({ now: "2025-03-15T00:00:00Z", perDay: 10_000, planCheck: { status: "fail", percent: 30 } }))).toBe(null);
    const overruled = assessed({
      now: "2025-03-01T03:00:00Z",
      perDay: 30_000,
      today: 2_000,
      planCheck: { status: "pass", percent: 90 },
      overridden: "fail",
    });
    expect(overruled.flagged80).toBe(false);
    expect(flag80Why(overruled)).toBe(null);
  });

  test("the summary every reader shows carries the reason", () => {
    const a = assessed({ now: "2025-03-01T03:00:00Z", perDay: 30_000, today: 2_000, planCheck: { status: "pass", percent: 90 } });
    expect(healthSummary(a)).toMatchObject({ flagged80: true, planPercent: 0.2, flagged80Why: { basis: "last-30-days", percent: 90 } });
  });

  test("one sentence per reason, its figure rounded as the portfolio rounds its percentages", () => {
    expect(flag80Reason({ basis: "this-period", percent: 84.6 })).toBe("85% of plan this billing period");
    expect(flag80Reason({ basis: "projected", percent: 85.5 })).toBe("projected to reach 86% of plan by the end of this billing period");
    expect(flag80Reason({ basis: "last-period", percent: null })).toBe("at or above 80% of plan in the last billing period with data");
    expect(flag80Reason({ basis: "last-30-days", percent: 80 })).toBe("80% of plan in the last 30 days");
    expect(flag80Reason({ basis: "last-30-days", percent: null })).toBe("at or above 80% of plan in the last 30 days");
    expect(flag80Reason({ basis: "override", percent: null })).toBe("set by an override of the check “generally above 80% usage”");
  });
});

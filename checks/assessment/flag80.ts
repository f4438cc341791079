import type { Assessment } from "./assess";

/**
 * Why a customer carries the "≥ 80 % of plan" flag. The flag is this billing period's figure
 * (or its projection) or the check value.plan_usage_80, which looks at the last 30×24 hours; on
 * the first days of a period the two differ, and "≥ 80 %" beside "1 %" needs its reason said.
 */
export type Flag80Why =
  /** This period's events, as a percentage of the plan. */
  | { basis: "this-period"; percent: number }
  /** This period's projection to its end. */
  | { basis: "projected"; percent: number }
  /** Nothing measured this period yet: the newest period with data was at or above 80 %. */
  | { basis: "last-period"; percent: null }
  /** The value.plan_usage_80 check: events in the 30×24 hours before the refresh. */
  | { basis: "last-30-days"; percent: number | null }
  /** A person overrode the value.plan_usage_80 check to pass. */
  | { basis: "override"; percent: null };

const PLAN_CHECK = "value.plan_usage_80";

/** Why `a.flagged80` is set, from the same figures that set it; null when it is not. */
export function flag80Why(a: Pick<Assessment, "flagged80" | "usage" | "checks">): Flag80Why | null {
  if (!a.flagged80) return null;
  const { usage } = a;
  if (usage.flagged80) {
    if (usage.percentOfQuota === null) return { basis: "last-period", percent: null };
    if (usage.percentOfQuota >= 80) return { basis: "this-period", percent: usage.percentOfQuota };
    if (usage.projectedPercent !== null) return { basis: "projected", percent: usage.projectedPercent };
  }
  const check = a.checks.find((c) => c.checkId === PLAN_CHECK);
  if (check?.source === "override") return { basis: "override", percent: null };
  const percent = check?.evidence.percentOfPlan;
  return { basis: "last-30-days", percent: typeof percent === "number" ? percent : null };
}

// Rounded as the portfolio rounds its percentages, so "86% projected" and its reason agree. Every
// value here passed an exact "at least 80 %" test, so none reads as 80 % without being it.
const whole = (n: number) => `${Math.round(n)}%`;

/** The one sentence every page, export and command shows beside the flag; null without a flag. */
export function flag80Reason(why: Flag80Why): string;
export function flag80Reason(why: Flag80Why | null): string | null;
export function flag80Reason(why: Flag80Why | null): string | null {
  if (!why) return null;
  switch (why.basis) {
    case "this-period":
      return `${whole(why.percent)} of plan this billing period`;
    case "projected":
      return `projected to reach ${whole(why.percent)} of plan by the end of this billing period`;
    case "last-period":
      return "at or above 80% of plan in the last billing period with data";
    case "last-30-days":
      return `${why.percent === null ? "at or above 80%" : whole(why.percent)} of plan in the last 30 days`;
    case "override":
      return "set by an override of the check “generally above 80% usage”";
  }
}

import type { Day } from "../days";
import { type RefreshProblem, refreshProblem } from "../refresh-problem";
import type { Band } from "../scoring";
import type { Assessment, RunStatus } from "./assess";
import { type Flag80Why, flag80Why } from "./flag80";

/**
 * A customer's health as every reader shows it: the portfolio row, the customer page, the
 * catch-up pack, the CSV, the JSON API, `delight customer list --json` and `report --json`, and
 * what posthog-node sends. Built here, from the stored assessment, and nowhere else.
 */
export type HealthSummary = {
  score: number | null;
  band: Band | null;
  /** Share of the total weight decided, 0–1 (three decimals). */
  coverage: number;
  failing: number;
  unknown: number;
  planPercent: number | null;
  projectedPercent: number | null;
  flagged80: boolean;
  /** While the data behind the flag is stale: the day it was last measured. */
  flagged80AsOf: Day | null;
  /** Why the flag is set (this period, projected, the last 30 days …); null when it is not. */
  flagged80Why: Flag80Why | null;
  over100: boolean;
  dataThrough: Day | null;
  stale: boolean;
  lastRefresh: { at: string; status: RunStatus } | null;
  lastSuccessAt: string | null;
  /** A failed or partial last refresh, in one sentence with what to do; null when it succeeded. */
  problem: RefreshProblem | null;
  scoringVersion: string;
  assessedAt: string;
  validUntil: string;
};

export function healthSummary(a: Assessment): HealthSummary {
  return {
    score: a.score,
    band: a.band,
    coverage: Math.round(a.coverage * 1000) / 1000,
    failing: a.failing,
    unknown: a.unknown,
    planPercent: a.usage.percentOfQuota,
    projectedPercent: a.usage.projectedPercent,
    flagged80: a.flagged80,
    flagged80AsOf: a.flagged80AsOf,
    flagged80Why: flag80Why(a),
    over100: a.usage.over100,
    dataThrough: a.freshness.dataThrough,
    stale: a.freshness.stale,
    lastRefresh: a.freshness.lastRefresh ? { at: a.freshness.lastRefresh.at, status: a.freshness.lastRefresh.status } : null,
    lastSuccessAt: a.freshness.lastSuccessAt,
    problem: refreshProblem(a.freshness.lastRefresh),
    scoringVersion: a.scoringVersion,
    assessedAt: a.assessedAt,
    validUntil: a.validUntil,
  };
}

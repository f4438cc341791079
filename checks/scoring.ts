import type { CheckStatus } from "./types";

export type Band = "healthy" | "concerning" | "poor";

export type ScoringConfig = {
  /** Stored with every score so a change of weights is visible in history. */
  version: string;
  weights: Record<string, number>;
  /** Lowest score of each band; anything below `concerning` is poor. */
  bands: { healthy: number; concerning: number };
};

/*
 * Weights favour what shows a customer getting value now: events arriving every week, data from
 * production and people logging in regularly (4). Foundations that make analysis possible and our
 * own high-touch work sit in the middle (2–3); nice-to-haves and "if applicable" checks weigh 1.
 */
export const DEFAULT_SCORING: ScoringConfig = {
  version: "1",
  weights: {
    "setup.logged_in": 2,
    "setup.team_added": 2,
    "setup.events_recurring": 4,
    "setup.identify_calls": 3,
    "setup.user_properties": 2,
    "setup.actions": 1,
    "setup.funnels": 1,
    "setup.dashboards": 2,
    "setup.toolbar": 1,
    "setup.production": 4,
    "setup.test_data_removed": 1,
    "setup.feature_flags": 1,
    "training.analytics_experience": 1,
    "training.demo_received": 2,
    "training.everyone_used": 2,
    "training.knows_guides": 1,
    "training.told_support": 2,
    "training.joint_slack": 1,
    "value.newsletter": 1,
    "value.usage_dashboard": 1,
    "value.plan_usage_80": 2,
    "value.quarterly_catchup": 2,
    "value.good_support_experience": 2,
    "value.regular_usage": 4,
  },
  bands: { healthy: 70, concerning: 40 },
};

export function bandFor(score: number | null, config: ScoringConfig = DEFAULT_SCORING): Band | null {
  if (score === null) return null;
  if (score >= config.bands.healthy) return "healthy";
  if (score >= config.bands.concerning) return "concerning";
  return "poor";
}

/** Whether a status takes part in the score (na and unknown leave the denominator). */
export const isDecided = (status: CheckStatus | null | undefined) => status === "pass" || status === "fail";

/** Weight changes, added and removed checks, and band changes between two configs, in words. */
export function describeScoringChange(before: ScoringConfig, after: Pick<ScoringConfig, "weights" | "bands">): string[] {
  const ids = [...new Set([...Object.keys(before.weights), ...Object.keys(after.weights)])].sort();
  const lines = ids.flatMap((id) => {
    const from = before.weights[id];
    const to = after.weights[id];
    if (from === to) return [];
    if (from === undefined) return [`${id}: added with weight ${to}`];
    if (to === undefined) return [`${id}: removed (was weight ${from})`];
    return [`${id}: weight ${from} → ${to}`];
  });
  for (const band of ["healthy", "concerning"] as const) {
    if (before.bands[band] !== after.bands[band]) lines.push(`${band} band from ${before.bands[band]} → ${after.bands[band]}`);
  }
  return lines;
}

/*
 * The alert kinds. Their ids are part of the CLI and API contract: never rename one.
 * Each is raised when a customer's stored assessment changes *into* its condition, never again
 * while the condition holds, and re-armed once it clears (checks/alerts/transitions.ts).
 */

export const ALERT_KINDS = [
  "usage_80",
  "usage_100",
  "band_drop",
  "score_drop",
  "usage_drop",
  "stale",
  "catchup_overdue",
  "answer_no",
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export const isAlertKind = (value: string): value is AlertKind => (ALERT_KINDS as readonly string[]).includes(value);

/** Short names for badges and the Settings matrix, and the condition in words (README, Settings). */
export const ALERT_KIND_INFO: Record<AlertKind, { label: string; when: string }> = {
  usage_80: { label: "≥ 80 % of plan", when: "The ≥ 80 % flag turns on: this period, projected, or the value.plan_usage_80 check." },
  usage_100: { label: "≥ 100 % of plan", when: "Usage reaches the whole quota, now or projected to the period's end." },
  band_drop: { label: "Band fell", when: "The band falls: healthy → concerning or poor, concerning → poor." },
  score_drop: { label: "Score fell", when: "The score is at least N points (default 15) below its highest in the last 7 days." },
  usage_drop: {
    label: "Usage fell",
    when: "Events in the last 7 days below half the weekly average of the 4 weeks before, or no events for 3 days.",
  },
  stale: { label: "Stale data", when: "No successful refresh for N days (default 3); says the last error." },
  catchup_overdue: { label: "Catch-up overdue", when: "No catch-up held in the last 100 days and none scheduled." },
  answer_no: { label: "Answer turned no", when: 'A check answered "no" that was "yes" before.' },
};

/** Team-wide numbers admins can change in Settings. */
export type AlertThresholds = { scoreDropPoints: number; staleDays: number };

export const DEFAULT_THRESHOLDS: AlertThresholds = { scoreDropPoints: 15, staleDays: 3 };

import { type Day, daysBetween } from "./days";

/** A customer is due a catch-up this many days after the last one (the handbook's "quarterly", with slack). */
export const CATCHUP_DUE_DAYS = 100;

export type CatchupStatus = {
  lastHeld: Day | null;
  /** The next scheduled catch-up from today on; one whose date passed no longer counts. */
  nextScheduled: Day | null;
  /** No catch-up held in the last 100 days, none scheduled, and the customer is older than that. */
  overdue: boolean;
};

export function catchupStatus(
  catchups: { date: Day; status: "scheduled" | "held" | "cancelled" }[],
  today: Day,
  customerSince: Day | null,
): CatchupStatus {
  const held = catchups.filter((c) => c.status === "held" && c.date <= today).map((c) => c.date);
  const scheduled = catchups.filter((c) => c.status === "scheduled" && c.date >= today).map((c) => c.date);
  const lastHeld = held.sort().at(-1) ?? null;
  const nextScheduled = scheduled.sort()[0] ?? null;
  const longAgo = (day: Day | null) => day === null || daysBetween(day, today) > CATCHUP_DUE_DAYS;
  // A customer added last month cannot have gone 100 days without a catch-up.
  return { lastHeld, nextScheduled, overdue: nextScheduled === null && longAgo(lastHeld) && longAgo(customerSince) };
}

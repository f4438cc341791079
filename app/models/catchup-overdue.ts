/*
 * A catch-up scheduled for a day that has passed and never recorded as held: we do not know it
 * happened, so value.quarterly_catchup does not count it and every page asks a person to settle
 * it. Pure, so the customer page and the catch-up pack say it the same way.
 */

export const OVERDUE_TEXT = "overdue: record it or reschedule";

type CatchupLike = { id: number; date: string; status: string };

/** Scheduled catch-ups dated before `today` (the customer's calendar day), oldest first. */
export function overdueCatchups<T extends CatchupLike>(rows: T[], today: string): T[] {
  return rows
    .filter((r) => r.status === "scheduled" && r.date < today)
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
}

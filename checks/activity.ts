import { type Day, daysBetween, shiftDay } from "./days";

/*
 * Whether a customer's event volume fell off: the last 7 complete days against the 4 weeks
 * before them, and how many days in a row nothing arrived. Computed from measured days only (a
 * day never measured is missing, not zero), in the project's own calendar.
 */

export type Activity = {
  /** Events over the 7 complete days before today, scaled up when some were not measured. */
  last7Days: number | null;
  /** Weekly average of the 28 days before those 7; null with under 14 of them measured. */
  weeklyAverageBefore: number | null;
  /** The newest measured day with any event. */
  lastEventDay: Day | null;
  /** Complete days in a row, ending yesterday, measured with no event at all. */
  quietDays: number | null;
  /** Under half the weekly average, or quiet for QUIET_DAYS; null when it cannot be told. */
  dropped: boolean | null;
};

export const QUIET_DAYS = 3;
const MIN_RECENT_DAYS = 3;
const MIN_HISTORY_DAYS = 14;

export const UNKNOWN_ACTIVITY: Activity = {
  last7Days: null,
  weeklyAverageBefore: null,
  lastEventDay: null,
  quietDays: null,
  dropped: null,
};

function total(byDay: Map<Day, number>, from: Day, to: Day) {
  let events = 0;
  let measured = 0;
  for (let day = from; day <= to; day = shiftDay(day, 1)) {
    const value = byDay.get(day);
    if (value === undefined) continue;
    events += value;
    measured += 1;
  }
  return { events, measured };
}

export function activityOf(daily: { day: Day; events: number }[], today: Day): Activity {
  const byDay = new Map<Day, number>();
  for (const row of daily) if (row.day <= today) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.events);
  const lastEventDay =
    [...byDay]
      .filter(([, events]) => events > 0)
      .map(([day]) => day)
      .sort()
      .at(-1) ?? null;
  const yesterday = shiftDay(today, -1);
  // Without yesterday's measurement the data is behind (refreshes failing): that is `stale`'s business.
  if (!byDay.has(yesterday)) return { ...UNKNOWN_ACTIVITY, lastEventDay };

  let quietDays = 0;
  for (let day = yesterday; byDay.get(day) === 0; day = shiftDay(day, -1)) quietDays += 1;
  // Events already arriving today end the quiet spell.
  if ((byDay.get(today) ?? 0) > 0) quietDays = 0;

  const recent = total(byDay, shiftDay(today, -7), yesterday);
  const before = total(byDay, shiftDay(today, -35), shiftDay(today, -8));
  const last7Days = recent.measured >= MIN_RECENT_DAYS ? Math.round((recent.events / recent.measured) * 7) : null;
  const weeklyAverageBefore = before.measured >= MIN_HISTORY_DAYS ? Math.round((before.events / before.measured) * 7) : null;
  const fell = last7Days !== null && weeklyAverageBefore !== null && weeklyAverageBefore > 0 && last7Days * 2 < weeklyAverageBefore;
  return { last7Days, weeklyAverageBefore, lastEventDay, quietDays, dropped: fell || quietDays >= QUIET_DAYS };
}

/** Days from the newest event to today (0 = today), for messages. */
export function daysSinceEvent(activity: Activity, today: Day): number | null {
  return activity.lastEventDay ? daysBetween(activity.lastEventDay, today) : null;
}

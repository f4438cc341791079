import { tz } from "@date-fns/tz";
import { format, getDate, setDate, subDays, subMonths } from "date-fns";
import { localDay as usageLocalDay, shiftDay } from "../usage";
import type { DailyCounts } from "../snapshot";
import type { HogQLResult } from "./client";

/** Name sent with the query: shows in PostHog's query log, and lets the sandbox recognise it. */
export const DAILY_QUERY_NAME = "delight: daily usage";

// NULL rules (posthog-api.md §16): a missing $host is NULL and would make NOT(...) NULL too,
// silently dropping server-side events from non_local. coalesce makes "no $host" non-local.
const HOST = "coalesce(properties.$host, '')";
const IS_LOCAL = `(${HOST} IN ('localhost', '127.0.0.1') OR startsWith(${HOST}, 'localhost:') OR startsWith(${HOST}, '127.0.0.1:'))`;

// The window is at most ~67 days (36 days or a billing period plus one), so LIMIT 1000 is far
// above the row count: PostHog caps an unlimited query at 100 rows, and OFFSET paging is refused.
export const DAILY_QUERY = `SELECT
  toDate(timestamp) AS day,
  count() AS events,
  countIf(event = '$identify') AS identifies,
  countIf(${IS_LOCAL}) AS local_events,
  countIf(NOT ${IS_LOCAL}) AS non_local_events,
  countIf(event = '$feature_flag_called') AS flag_calls
FROM events
WHERE toDate(timestamp) >= toDate({from}) AND toDate(timestamp) <= today()
GROUP BY day
ORDER BY day
LIMIT 1000`;

export const DAILY_COLUMNS = ["day", "events", "identifies", "local_events", "non_local_events", "flag_calls"] as const;

const UTC = tz("UTC");
const ymd = (date: Date, zone = UTC) => format(date, "yyyy-MM-dd", { in: zone });

/**
 * First day the query covers: 36 days back, or the day before the current billing period starts
 * if that is earlier. Computed in UTC before the project's zone is known; the extra day covers
 * any zone's offset, so the window is only ever wider than needed.
 */
export function dailyFromDate(now: Date, billingDay: number | null): string {
  const back = subDays(now, 36, { in: UTC });
  if (billingDay === null) return ymd(back);
  const anchor = Math.min(Math.max(Math.trunc(billingDay), 1), 28);
  const thisMonth = getDate(now, { in: UTC }) >= anchor ? now : subMonths(now, 1, { in: UTC });
  const periodStart = setDate(thisMonth, anchor, { in: UTC });
  const before = subDays(periodStart, 1, { in: UTC });
  return ymd(before < back ? before : back);
}

/** The project-local date of `now`; an unknown zone falls back to UTC rather than failing the call. */
export function localDay(now: Date, timezone: string | null): string {
  try {
    return usageLocalDay(now, timezone ?? "UTC");
  } catch {
    return ymd(now);
  }
}

function toCount(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * Reads the rows by column name and fills the days PostHog left out (GROUP BY returns no row
 * for a day without events). Returns null when the columns or a value are not what was asked.
 */
export function zeroFillDaily(result: HogQLResult, from: string, today: string): DailyCounts[] | null {
  const index = DAILY_COLUMNS.map((c) => result.columns.indexOf(c));
  if (index.some((i) => i < 0)) return null;
  // A project zone ahead of UTC can put "today" a day past ours; anything further is ignored.
  const latest = shiftDay(today, 2);
  const byDay = new Map<string, DailyCounts>();
  for (const row of result.results) {
    const day = typeof row[index[0]] === "string" ? (row[index[0]] as string).slice(0, 10) : null;
    const counts = index.slice(1).map((i) => toCount(row[i]));
    if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day) || counts.some((c) => c === null)) return null;
    if (day < from || day > latest) continue;
    const [events, identifies, localEvents, nonLocalEvents, flagCalls] = counts as number[];
    const prev = byDay.get(day);
    byDay.set(day, {
      day,
      events: events + (prev?.events ?? 0),
      identifies: identifies + (prev?.identifies ?? 0),
      localEvents: localEvents + (prev?.localEvents ?? 0),
      nonLocalEvents: nonLocalEvents + (prev?.nonLocalEvents ?? 0),
      flagCalls: flagCalls + (prev?.flagCalls ?? 0),
    });
  }
  const last = [...byDay.keys()].reduce((max, d) => (d > max ? d : max), today);
  const filled: DailyCounts[] = [];
  // Plain day-string stepping: this runs for every day of every refresh, and zone-aware date
  // objects made it the costliest part of collecting.
  for (let day = from; day <= last; day = shiftDay(day, 1)) {
    filled.push(byDay.get(day) ?? { day, events: 0, identifies: 0, localEvents: 0, nonLocalEvents: 0, flagCalls: 0 });
  }
  return filled;
}

import { tz } from "@date-fns/tz";
import { format, getDate, setDate, subDays, subMonths } from "date-fns";
import { shiftDay } from "../days";
import type { DailyBreakdown, DailyCounts } from "../snapshot";
import type { HogQLResult } from "./client";

/** Name sent with the query: shows in PostHog's query log, and lets the sandbox recognise it. */
export const DAILY_QUERY_NAME = "delight: daily usage";

// NULL rules (posthog-api.md §16): a missing $host is NULL and would make NOT(...) NULL too,
// silently dropping server-side events from non_local. coalesce makes "no $host" non-local.
const HOST = "coalesce(properties.$host, '')";
const IS_LOCAL = `(${HOST} IN ('localhost', '127.0.0.1') OR startsWith(${HOST}, 'localhost:') OR startsWith(${HOST}, '127.0.0.1:'))`;

// Columns the extras read (checks/extras.ts). Always measured, so switching an extra on decides it
// from the stored snapshot without another query. Only fixed text: nothing here comes from a user.
const EXTRA_SELECT = [
  "countIf(coalesce(properties.$lib_custom_api_host, '') != '') AS x_proxy_events",
  "countIf(event = '$autocapture') AS x_autocapture_events",
  "countIf(event = '$groupidentify') AS x_group_identifies",
  "groupUniqArrayIf(concat(coalesce(properties.$lib, ''), '@', properties.$lib_version), coalesce(properties.$lib_version, '') != '') AS x_lib_versions",
];
export const EXTRA_COLUMNS = ["x_proxy_events", "x_autocapture_events", "x_group_identifies", "x_lib_versions"] as const;

/** A team-defined event check compiled to one countIf (see checks/event-checks.ts). */
export type QueryColumn = { alias: string; checkId: string; expression: string; values: Record<string, string> };

/**
 * The one HogQL query of a refresh: one row per project-local day with the handbook's counts,
 * the extras' columns and one countIf per event check. Its values (the {from} date and every
 * event check's event, property and value) travel as placeholders, never in the SQL text.
 * The window is at most ~92 days (an event check's 90 days or a billing period plus one), so
 * LIMIT 1000 is far above the row count: PostHog caps an unlimited query at 100 rows, and
 * OFFSET paging is refused.
 */
export function buildDailyQuery(custom: QueryColumn[] = []): { query: string; values: Record<string, string> } {
  const select = [
    "toDate(timestamp) AS day",
    "count() AS events",
    "countIf(event = '$identify') AS identifies",
    `countIf(${IS_LOCAL}) AS local_events`,
    `countIf(NOT ${IS_LOCAL}) AS non_local_events`,
    "countIf(event = '$feature_flag_called') AS flag_calls",
    ...EXTRA_SELECT,
    ...custom.map((c) => `${c.expression} AS ${c.alias}`),
  ];
  const query = `SELECT
  ${select.join(",\n  ")}
FROM events
WHERE toDate(timestamp) >= toDate({from}) AND toDate(timestamp) <= today()
GROUP BY day
ORDER BY day
LIMIT 1000`;
  return { query, values: Object.assign({}, ...custom.map((c) => c.values)) };
}

export const DAILY_QUERY = buildDailyQuery().query;

export const DAILY_COLUMNS = ["day", "events", "identifies", "local_events", "non_local_events", "flag_calls"] as const;

const UTC = tz("UTC");
const ymd = (date: Date, zone = UTC) => format(date, "yyyy-MM-dd", { in: zone });

/**
 * First day the query covers: 36 days back, or the day before the current billing period starts
 * if that is earlier. Computed in UTC before the project's zone is known; the extra day covers
 * any zone's offset, so the window is only ever wider than needed.
 */
export function dailyFromDate(now: Date, billingDay: number | null, lookbackDays = 36): string {
  const back = subDays(now, Math.max(36, lookbackDays), { in: UTC });
  if (billingDay === null) return ymd(back);
  const anchor = Math.min(Math.max(Math.trunc(billingDay), 1), 28);
  const thisMonth = getDate(now, { in: UTC }) >= anchor ? now : subMonths(now, 1, { in: UTC });
  const periodStart = setDate(thisMonth, anchor, { in: UTC });
  const before = subDays(periodStart, 1, { in: UTC });
  return ymd(new Date(Math.min(before.getTime(), back.getTime())));
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

function toVersions(value: unknown): string[] | null {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) return null;
  return value.filter((v): v is string => typeof v === "string" && v.includes("@")).slice(0, 200);
}

/**
 * The extras' columns and the event checks' counts from the same rows, zero-filled like
 * `zeroFillDaily`. Null when a column is missing or a value is not what was asked.
 */
export function readBreakdown(
  result: HogQLResult,
  from: string,
  today: string,
  custom: Pick<QueryColumn, "alias" | "checkId">[],
): DailyBreakdown[] | null {
  const at = (name: string) => result.columns.indexOf(name);
  const dayAt = at("day");
  const extra = EXTRA_COLUMNS.map(at);
  const customAt = custom.map((c) => ({ checkId: c.checkId, index: at(c.alias) }));
  if (dayAt < 0 || extra.some((i) => i < 0) || customAt.some((c) => c.index < 0)) return null;
  const latest = shiftDay(today, 2);
  const byDay = new Map<string, DailyBreakdown>();
  const empty = (day: string): DailyBreakdown => ({
    day,
    proxyEvents: 0,
    autocaptureEvents: 0,
    groupIdentifies: 0,
    libVersions: [],
    custom: Object.fromEntries(custom.map((c) => [c.checkId, 0])),
  });
  for (const row of result.results) {
    const day = typeof row[dayAt] === "string" ? (row[dayAt] as string).slice(0, 10) : null;
    const [proxy, autocapture, groups] = extra.slice(0, 3).map((i) => toCount(row[i]));
    const versions = toVersions(row[extra[3]!]);
    const counts = customAt.map((c) => toCount(row[c.index]));
    if (
      !day ||
      !/^\d{4}-\d{2}-\d{2}$/.test(day) ||
      proxy === null ||
      autocapture === null ||
      groups === null ||
      versions === null ||
      counts.some((c) => c === null)
    )
      return null;
    if (day < from || day > latest) continue;
    const prev = byDay.get(day) ?? empty(day);
    byDay.set(day, {
      day,
      proxyEvents: prev.proxyEvents + proxy!,
      autocaptureEvents: prev.autocaptureEvents + autocapture!,
      groupIdentifies: prev.groupIdentifies + groups!,
      libVersions: [...new Set([...prev.libVersions, ...versions])],
      custom: Object.fromEntries(customAt.map((c, i) => [c.checkId, (prev.custom[c.checkId] ?? 0) + counts[i]!])),
    });
  }
  const last = [...byDay.keys()].reduce((max, d) => (d > max ? d : max), today);
  const filled: DailyBreakdown[] = [];
  for (let day = from; day <= last; day = shiftDay(day, 1)) filled.push(byDay.get(day) ?? empty(day));
  return filled;
}

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
export const DAILY_COLUMNS = ["day", "age", "events", "identifies", "local_events", "non_local_events", "flag_calls"] as const;

/*
 * Time. HogQL's now() is the moment the query runs, in the project's time zone, and toDate() of
 * an event is its project-local day; today() is not zone-aware, so it is never used. Each row is
 * one (local day, age) pair, age = whole 24-hour spans between the event and now(): a local day
 * splits into at most three ages (two, or three across a 25-hour DST day), so calendar days for
 * usage and exact N×24-hour windows for the rules come from the same rows. Events dated after
 * now() (clock skew) all fall into one row with age -1, dated today, whatever their date.
 */
const IS_FUTURE = "timestamp > now()";
const DAY_EXPR = `if(${IS_FUTURE}, toDate(now()), toDate(timestamp))`;
const AGE_EXPR = `if(${IS_FUTURE}, -1, intDiv(dateDiff('second', timestamp, now()), 86400))`;

/** The age of the row holding events dated after the refresh. */
export const FUTURE_AGE = -1;
/** How far back the longest event check makes the query reach (its 90 days and a day of margin). */
export const MAX_EVENT_LOOKBACK = 91;
/** Longest span of days the query covers: MAX_EVENT_LOOKBACK plus the zone margin of dailyFromDate. */
export const MAX_QUERY_DAYS = 93;
/**
 * Above the most rows the query can return (three per day, one for the future, with a day of
 * margin at each end): PostHog caps a query without LIMIT at 100 rows, and OFFSET paging is
 * refused, so the one query must ask for all of them at once.
 */
export const QUERY_LIMIT = 1000;

/**
 * A team-defined event check compiled to one column (see checks/event-checks.ts): `countIf`
 * per row for checks that count events, or a scalar subquery over the check's own window for
 * checks that count distinct persons (a count of persons per row could not be added up).
 */
export type QueryColumn = {
  alias: string;
  checkId: string;
  expression: string;
  values: Record<string, string | number>;
  counts: "events" | "persons";
};

/**
 * The one HogQL query of a refresh: rows per (project-local day, age) with the handbook's
 * counts, the extras' columns and one column per event check. Its values (the {from} date and
 * every event check's event, property, value and window) travel as placeholders, never in the
 * SQL text.
 */
export function buildDailyQuery(custom: QueryColumn[] = []): { query: string; values: Record<string, string | number> } {
  const select = [
    `${DAY_EXPR} AS day`,
    `${AGE_EXPR} AS age`,
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
WHERE toDate(timestamp) >= toDate({from})
GROUP BY day, age
ORDER BY day, age
LIMIT ${QUERY_LIMIT}`;
  return { query, values: Object.assign({}, ...custom.map((c) => c.values)) };
}

export const DAILY_QUERY = buildDailyQuery().query;

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * First day the query covers: 36 days back, or the day before the current billing period starts
 * if that is earlier. Computed in UTC before the project's zone is known; the extra day covers
 * any zone's offset, so the window is only ever wider than needed. (Plain UTC arithmetic: it runs
 * for every customer of a refresh, and date-fns' zoned dates cost more than the rest of the query.)
 */
export function dailyFromDate(now: Date, billingDay: number | null, lookbackDays = 36): string {
  const back = now.getTime() - Math.max(36, lookbackDays) * DAY_MS;
  if (billingDay === null) return utcDay(back);
  const anchor = Math.min(Math.max(Math.trunc(billingDay), 1), 28);
  // The period began on the anchor day of this month, or of the last one before the anchor; the
  // day before it starts at UTC midnight, so the earlier instant is on the earlier day.
  const month = now.getUTCMonth() - (now.getUTCDate() >= anchor ? 0 : 1);
  return utcDay(Math.min(Date.UTC(now.getUTCFullYear(), month, anchor - 1), back));
}

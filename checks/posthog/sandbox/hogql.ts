import type { SandboxProject } from "./project-builder";
import { type DayCounts, addDaysTo, dayIn, daysBetween } from "./synthetic";

export type QueryAnswer = { status: number; body: Record<string, unknown> };

const COLUMNS: Record<string, keyof DayCounts | "day"> = {
  day: "day",
  events: "events",
  identifies: "identifies",
  local_events: "localEvents",
  non_local_events: "nonLocalEvents",
  flag_calls: "flagCalls",
};

const invalid = (detail: string): QueryAnswer => ({
  status: 400,
  body: { type: "validation_error", code: "invalid_input", detail, attr: null },
});

/**
 * The sandbox runs no SQL: it recognises delight's daily query by its column aliases and the
 * `{from}` placeholder, and computes the rows from the project's synthetic traffic. Like
 * ClickHouse's GROUP BY it returns no row for a day without events, and like PostHog it caps
 * a query without LIMIT at 100 rows.
 */
export function answerQuery(project: SandboxProject, body: unknown, now: Date): QueryAnswer {
  const request = body as { query?: { kind?: unknown; query?: unknown; values?: Record<string, unknown> } } | null;
  const query = request?.query;
  if (!query || query.kind !== "HogQLQuery" || typeof query.query !== "string") {
    return invalid("Query must be an object with kind HogQLQuery and a query string");
  }
  const sql = query.query;
  const selected = Object.keys(COLUMNS)
    .map((name) => ({ name, at: sql.search(new RegExp(`\\bAS\\s+${name}\\b`, "i")) }))
    .filter((c) => c.at >= 0)
    .sort((a, b) => a.at - b.at);
  if (selected.length !== Object.keys(COLUMNS).length || !sql.includes("{from}") || !/\bFROM\s+events\b/i.test(sql)) {
    return invalid("The sandbox only answers delight's daily usage query");
  }
  const from = query.values?.from;
  if (typeof from !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(from)) return invalid("Placeholder {from} is not defined or not a date");
  const today = dayIn(now, project.timezone);
  if (daysBetween(from, today) > 5_000) return invalid("The sandbox keeps about 400 days of data; {from} is too early");
  const limitMatch = /\bLIMIT\s+(\d+)\s*$/i.exec(sql.trim());
  const limit = limitMatch ? Math.min(Number(limitMatch[1]), 50_000) : 100;

  const rows: unknown[][] = [];
  for (let day = from; day <= today; day = addDaysTo(day, 1)) {
    const counts = project.traffic(daysBetween(day, today));
    if (counts.events === 0) continue;
    rows.push(selected.map(({ name }) => (COLUMNS[name] === "day" ? day : counts[COLUMNS[name] as keyof DayCounts])));
  }
  const results = rows.slice(0, limit);
  return {
    status: 200,
    body: {
      columns: selected.map((c) => c.name),
      types: selected.map((c) => [c.name, c.name === "day" ? "Date" : "UInt64"]),
      results,
      hasMore: limitMatch ? null : rows.length > limit,
      limit: limitMatch ? null : limit,
      offset: limitMatch ? null : 0,
      hogql: sql,
      clickhouse: null,
      timings: [],
      modifiers: {},
      error: null,
      cache_key: `cache_${project.customer.projectId}_${from}`,
      is_cached: false,
      last_refresh: now.toISOString(),
      next_allowed_client_refresh: now.toISOString(),
      timezone: project.timezone,
      query_status: null,
    },
  };
}

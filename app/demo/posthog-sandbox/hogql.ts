import type { SandboxProject } from "./project-builder";
import { addDaysTo, type DayCounts, dayIn, daysBetween, type SyntheticStream } from "./synthetic";

export type QueryAnswer = { status: number; body: Record<string, unknown> };

const COLUMNS: Record<string, keyof DayCounts | "day"> = {
  day: "day",
  events: "events",
  identifies: "identifies",
  local_events: "localEvents",
  non_local_events: "nonLocalEvents",
  flag_calls: "flagCalls",
};

/** The extras' columns, computed from the day's streams. */
const EXTRAS: Record<string, (streams: SyntheticStream[]) => number | string[]> = {
  x_proxy_events: (ss) => ss.filter((s) => (s.properties.$lib_custom_api_host ?? "") !== "").reduce((n, s) => n + s.count, 0),
  x_autocapture_events: (ss) => ss.filter((s) => s.event === "$autocapture").reduce((n, s) => n + s.count, 0),
  x_group_identifies: (ss) => ss.filter((s) => s.event === "$groupidentify").reduce((n, s) => n + s.count, 0),
  x_lib_versions: (ss) => [
    ...new Set(ss.filter((s) => s.properties.$lib_version).map((s) => `${s.properties.$lib ?? ""}@${s.properties.$lib_version}`)),
  ],
};

type EventColumn = { event: string; property: string | null; test: (value: string) => boolean };

/*
 * The only shapes an event-check column may take (checks/event-checks.ts), with N its number.
 * Everything the user chose is a placeholder; a column with any other text is refused, as a
 * query PostHog could not run would be.
 */
const PROP = (n: string) => `coalesce\\(toString\\(properties\\[\\{p_${n}\\}\\]\\), ''\\)`;
function eventColumn(alias: string, expression: string, values: Record<string, unknown>): EventColumn | null {
  const n = /^c_(\d{1,3})$/.exec(alias)?.[1];
  if (!n) return null;
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : null);
  const event = str(`e_${n}`);
  const property = str(`p_${n}`);
  const value = str(`v_${n}`);
  if (event === null) return null;
  const head = `countIf\\(event = \\{e_${n}\\}`;
  if (new RegExp(`^${head}\\)$`).test(expression)) return { event, property: null, test: () => true };
  if (property === null) return null;
  if (value !== null && new RegExp(`^${head} AND ${PROP(n)} = \\{v_${n}\\}\\)$`).test(expression))
    return { event, property, test: (v) => v === value };
  if (value !== null && new RegExp(`^${head} AND position\\(${PROP(n)}, \\{v_${n}\\}\\) > 0\\)$`).test(expression))
    return { event, property, test: (v) => v.includes(value) };
  if (new RegExp(`^${head} AND ${PROP(n)} != ''\\)$`).test(expression)) return { event, property, test: (v) => v !== "" };
  return null;
}

const countMatching = (column: EventColumn, streams: SyntheticStream[]) =>
  streams
    .filter((s) => s.event === column.event && column.test(column.property === null ? "" : (s.properties[column.property] ?? "")))
    .reduce((n, s) => n + s.count, 0);

/** The SELECT list split at its top-level commas (not inside brackets or quotes). */
function selectItems(sql: string): string[] | null {
  const m = /^\s*SELECT\s+([\s\S]*?)\s+FROM\s+events\s/i.exec(sql);
  if (!m) return null;
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  const list = m[1]!;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === "'") quoted = !quoted;
    else if (!quoted && (ch === "(" || ch === "[")) depth++;
    else if (!quoted && (ch === ")" || ch === "]")) depth--;
    else if (!quoted && depth === 0 && ch === ",") {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items;
}

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
  if (query?.kind !== "HogQLQuery" || typeof query.query !== "string") {
    return invalid("Query must be an object with kind HogQLQuery and a query string");
  }
  const sql = query.query;
  const values = query.values ?? {};
  const items = selectItems(sql);
  if (!items || !sql.includes("{from}")) return invalid("The sandbox only answers delight's daily usage query");
  type Selected = { name: string; base?: keyof DayCounts | "day"; extra?: (typeof EXTRAS)[string]; event?: EventColumn };
  const selected: Selected[] = [];
  for (const item of items) {
    const m = /^([\s\S]+?)\s+AS\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (!m) return invalid(`Unsupported column: ${item.slice(0, 80)}`);
    const [, expression, name] = m as unknown as [string, string, string];
    if (name in COLUMNS) selected.push({ name, base: COLUMNS[name] });
    else if (name in EXTRAS) selected.push({ name, extra: EXTRAS[name] });
    else {
      const event = eventColumn(name, expression, values);
      if (!event) return invalid(`Unsupported column ${name}: ${expression.slice(0, 120)}`);
      selected.push({ name, event });
    }
  }
  if (Object.keys(COLUMNS).some((name) => !selected.some((c) => c.name === name))) {
    return invalid("The sandbox only answers delight's daily usage query");
  }
  // Like HogQL: every placeholder in the text must have a value.
  const missing = [...sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((p) => p[1]!).find((name) => !(name in values));
  if (missing) return invalid(`Placeholder {${missing}} is not defined`);
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
    const streams = project.streams(counts);
    rows.push(
      selected.map((c) => {
        if (c.base) return c.base === "day" ? day : counts[c.base];
        if (c.extra) return c.extra(streams);
        return countMatching(c.event!, streams);
      }),
    );
  }
  const results = rows.slice(0, limit);
  return {
    status: 200,
    body: {
      columns: selected.map((c) => c.name),
      types: selected.map((c) => [c.name, c.name === "day" ? "Date" : c.name === "x_lib_versions" ? "Array(String)" : "UInt64"]),
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

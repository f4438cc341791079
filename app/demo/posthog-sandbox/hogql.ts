import type { SandboxProject } from "./project-builder";
import {
  addDaysTo,
  type DayCounts,
  dayIn,
  daysBetween,
  localMidnight,
  NO_EVENTS,
  type SyntheticStream,
  type TimelineEvent,
} from "./synthetic";

export type QueryAnswer = { status: number; body: Record<string, unknown> };

/** A day's synthetic events are spread over this many moments (each at the middle of its slice). */
const SLICES = 24;

/*
 * The sandbox runs no SQL. It recognises delight's daily query by its exact day and age
 * expressions, column aliases and WHERE clause, and computes the rows from the project's
 * synthetic traffic, evaluating now() the way PostHog does: the query's moment, in the
 * project's time zone, so toDate(timestamp) is a project-local day. Like ClickHouse's GROUP BY
 * it returns no row for a (day, age) without events, and like PostHog it caps a query without
 * LIMIT at 100 rows. Anything else it refuses with PostHog's 400, as it could not answer it
 * truthfully (a regression to today(), which is not zone-aware, is refused rather than guessed).
 */

const DAY_EXPR = "if(timestamp > now(), toDate(now()), toDate(timestamp))";
const AGE_EXPR = "if(timestamp > now(), -1, intDiv(dateDiff('second', timestamp, now()), 86400))";
/** Everything after the SELECT list: the only FROM, WHERE, GROUP BY and ORDER BY the sandbox answers. */
const TAIL =
  /^\s+FROM\s+events\s+WHERE\s+toDate\(timestamp\) >= toDate\(\{from\}\)\s+GROUP BY day, age\s+ORDER BY day, age(\s+LIMIT\s+\d+)?\s*$/;

/** One moment with events (and its project-local day): the counts the base columns read, and the events in detail. */
type Moment = { at: number; day: string; counts: DayCounts; streams: SyntheticStream[] };

const COLUMNS: Record<string, keyof DayCounts> = {
  events: "events",
  identifies: "identifies",
  local_events: "localEvents",
  non_local_events: "nonLocalEvents",
  flag_calls: "flagCalls",
};

/** The extras' columns, computed from a row's streams. */
const EXTRAS: Record<string, (streams: SyntheticStream[]) => number | string[]> = {
  x_proxy_events: (ss) => ss.filter((s) => (s.properties.$lib_custom_api_host ?? "") !== "").reduce((n, s) => n + s.count, 0),
  x_autocapture_events: (ss) => ss.filter((s) => s.event === "$autocapture").reduce((n, s) => n + s.count, 0),
  x_group_identifies: (ss) => ss.filter((s) => s.event === "$groupidentify").reduce((n, s) => n + s.count, 0),
  x_lib_versions: (ss) => [
    ...new Set(ss.filter((s) => s.properties.$lib_version).map((s) => `${s.properties.$lib ?? ""}@${s.properties.$lib_version}`)),
  ],
};

/**
 * The events of `count` numbered from `start` that fall in slice `k` of a day whose `events`
 * are numbered 0…events-1 and spread evenly over the slices. Every column takes its events from
 * the same numbering, so no slice ever holds more of a kind than it holds events.
 */
function inSlice(start: number, count: number, k: number, events: number): number {
  const lo = Math.floor((events * k) / SLICES);
  const hi = Math.floor((events * (k + 1)) / SLICES);
  return Math.max(0, Math.min(start + count, hi) - Math.max(start, lo));
}

/**
 * The project's events as moments: each day's synthetic traffic spread evenly over the local day
 * (today's over the part already gone, so all of it is before now), plus the timeline.
 */
function momentsOf(project: SandboxProject, from: string, now: Date): Moment[] {
  const today = dayIn(now, project.timezone);
  const moments: Moment[] = [];
  for (let day = from; day <= today; day = addDaysTo(day, 1)) {
    const start = localMidnight(day, project.timezone);
    const midnight = localMidnight(addDaysTo(day, 1), project.timezone);
    const end = day === today ? now.getTime() : midnight;
    const counts = project.traffic(daysBetween(day, today), (end - start) / (midnight - start));
    if (counts.events === 0) continue;
    const streams = project.streams(counts);
    const offsets = streams.map((_, i) => streams.slice(0, i).reduce((n, s) => n + s.count, 0));
    for (let k = 0; k < SLICES; k++) {
      const events = inSlice(0, counts.events, k, counts.events);
      if (events === 0) continue;
      const local = inSlice(0, counts.localEvents, k, counts.events);
      moments.push({
        at: start + Math.floor(((k + 0.5) * (end - start)) / SLICES),
        day,
        counts: {
          events,
          identifies: inSlice(0, counts.identifies, k, counts.events),
          localEvents: local,
          nonLocalEvents: events - local,
          flagCalls: inSlice(0, counts.flagCalls, k, counts.events),
        },
        streams: streams.map((s, i) => ({ ...s, count: inSlice(offsets[i]!, s.count, k, counts.events) })).filter((s) => s.count > 0),
      });
    }
  }
  for (const e of project.timeline) moments.push(timelineMoment(e, project.timezone));
  return moments;
}

function timelineMoment(e: TimelineEvent, timeZone: string): Moment {
  const host = e.properties?.$host ?? "";
  const local = host === "localhost" || host === "127.0.0.1" || host.startsWith("localhost:") || host.startsWith("127.0.0.1:");
  return {
    at: Date.parse(e.at),
    day: dayIn(new Date(e.at), timeZone),
    counts: {
      ...NO_EVENTS,
      events: 1,
      identifies: e.event === "$identify" ? 1 : 0,
      localEvents: local ? 1 : 0,
      nonLocalEvents: local ? 0 : 1,
      flagCalls: e.event === "$feature_flag_called" ? 1 : 0,
    },
    streams: [
      { event: e.event, properties: e.properties ?? {}, count: 1, ...(e.person ? { pool: { id: `person:${e.person}`, size: 1 } } : {}) },
    ],
  };
}

type Matcher = { event: string; property: string | null; test: (value: string) => boolean };

const PROP = (n: string) => `coalesce\\(toString\\(properties\\[\\{p_${n}\\}\\]\\), ''\\)`;
const NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The only conditions an event check may compile to (checks/event-checks.ts), with N its number:
 * everything the user chose is a placeholder. Any other text is refused.
 */
function matcher(n: string, condition: string, values: Record<string, unknown>): Matcher | null {
  const str = (name: string) => (typeof values[name] === "string" ? (values[name] as string) : null);
  const event = str(`e_${n}`);
  if (event === null) return null;
  const head = `event = \\{e_${n}\\}`;
  if (new RegExp(`^${head}$`).test(condition)) return { event, property: null, test: () => true };
  const property = str(`p_${n}`);
  if (property === null) return null;
  const rest = condition.startsWith(`event = {e_${n}} AND `) ? condition.slice(`event = {e_${n}} AND `.length) : null;
  if (rest === null) return null;
  const p = PROP(n);
  const v = `\\{v_${n}\\}`;
  const text = str(`v_${n}`);
  const num = typeof values[`v_${n}`] === "number" ? (values[`v_${n}`] as number) : null;
  const is = (pattern: string) => new RegExp(`^${pattern}$`).test(rest);
  const lower = (x: string) => x.toLocaleLowerCase("en-US");
  const asNumber = (x: string) => (NUMBER.test(x) ? Number(x) : null);
  let test: ((value: string) => boolean) | null = null;
  if (text !== null && is(`${p} = ${v}`)) test = (x) => x === text;
  else if (text !== null && is(`${p} != ${v}`)) test = (x) => x !== text;
  else if (text !== null && is(`positionCaseInsensitiveUTF8\\(${p}, ${v}\\) > 0`)) test = (x) => lower(x).includes(lower(text));
  else if (text !== null && is(`positionCaseInsensitiveUTF8\\(${p}, ${v}\\) = 0`)) test = (x) => !lower(x).includes(lower(text));
  else if (is(`${p} != ''`)) test = (x) => x !== "";
  else if (is(`${p} = ''`)) test = (x) => x === "";
  else if (num !== null && is(`ifNull\\(toFloat\\(${p}\\) > ${v}, 0\\)`)) test = (x) => (asNumber(x) ?? Number.NaN) > num;
  else if (num !== null && is(`ifNull\\(toFloat\\(${p}\\) < ${v}, 0\\)`)) test = (x) => (asNumber(x) ?? Number.NaN) < num;
  return test ? { event, property, test } : null;
}

const matches = (m: Matcher, s: SyntheticStream) =>
  s.event === m.event && m.test(m.property === null ? "" : (s.properties[m.property] ?? ""));

type Column =
  | { name: string; kind: "day" | "age" }
  | { name: string; kind: "base"; key: keyof DayCounts }
  | { name: string; kind: "extra"; compute: (streams: SyntheticStream[]) => number | string[] }
  | { name: string; kind: "count"; matcher: Matcher }
  | { name: string; kind: "persons"; matcher: Matcher; seconds: number };

/** The SELECT list split at its top-level commas, ending at the top-level FROM (not one inside a subquery). */
function selectItems(sql: string): { items: string[]; tail: string } | null {
  const head = /^\s*SELECT\s+/i.exec(sql);
  if (!head) return null;
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = head[0].length;
  for (let i = start; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "'") quoted = !quoted;
    else if (quoted) continue;
    else if (ch === "(" || ch === "[") depth++;
    else if (ch === ")" || ch === "]") depth--;
    else if (depth === 0 && ch === ",") {
      items.push(sql.slice(start, i).trim());
      start = i + 1;
    } else if (depth === 0 && /^\s+FROM\s+events\s/i.test(sql.slice(i, i + 20))) {
      items.push(sql.slice(start, i).trim());
      return { items, tail: sql.slice(i) };
    }
  }
  return null;
}

const PERSONS_WINDOW = (n: string) =>
  `toDate(timestamp) >= toDate({from}) AND timestamp <= now() AND dateDiff('second', timestamp, now()) < {w_${n}} AND `;

function columnOf(name: string, expression: string, values: Record<string, unknown>): Column | null {
  if (name === "day") return expression === DAY_EXPR ? { name, kind: "day" } : null;
  if (name === "age") return expression === AGE_EXPR ? { name, kind: "age" } : null;
  if (name in COLUMNS) return { name, kind: "base", key: COLUMNS[name]! };
  if (name in EXTRAS) return { name, kind: "extra", compute: EXTRAS[name]! };
  const count = /^c_(\d{1,3})$/.exec(name)?.[1];
  if (count) {
    const m = /^countIf\((.*)\)$/.exec(expression);
    const found = m ? matcher(count, m[1]!, values) : null;
    return found ? { name, kind: "count", matcher: found } : null;
  }
  const persons = /^u_(\d{1,3})$/.exec(name)?.[1];
  if (persons) {
    const prefix = `(SELECT count(DISTINCT person_id) FROM events WHERE ${PERSONS_WINDOW(persons)}`;
    const seconds = values[`w_${persons}`];
    if (!expression.startsWith(prefix) || !expression.endsWith(")") || typeof seconds !== "number") return null;
    const found = matcher(persons, expression.slice(prefix.length, -1), values);
    return found ? { name, kind: "persons", matcher: found, seconds } : null;
  }
  return null;
}

/** Distinct persons among the streams `m` matches: each pool counts up to its size, others one per event. */
function distinctPersons(m: Matcher, streams: SyntheticStream[]): number {
  const pools = new Map<string, { size: number; events: number }>();
  let loose = 0;
  for (const s of streams) {
    if (!matches(m, s)) continue;
    if (!s.pool) loose += s.count;
    else {
      const p = pools.get(s.pool.id) ?? { size: s.pool.size, events: 0 };
      p.events += s.count;
      pools.set(s.pool.id, p);
    }
  }
  return loose + [...pools.values()].reduce((n, p) => n + Math.min(p.size, p.events), 0);
}

type Group = { day: string; age: number; moments: Moment[] };

/** One cell of a result row. */
function cellOf(c: Column, g: Group, streams: SyntheticStream[], persons: Map<string, number>): unknown {
  if (c.kind === "day") return g.day;
  if (c.kind === "age") return g.age;
  if (c.kind === "base") return g.moments.reduce((n, m) => n + m.counts[c.key], 0);
  if (c.kind === "extra") return c.compute(streams);
  if (c.kind === "count") return streams.filter((s) => matches(c.matcher, s)).reduce((n, s) => n + s.count, 0);
  return persons.get(c.name) ?? 0;
}

const invalid = (detail: string): QueryAnswer => ({
  status: 400,
  body: { type: "validation_error", code: "invalid_input", detail, attr: null },
});

export function answerQuery(project: SandboxProject, body: unknown, now: Date): QueryAnswer {
  const request = body as { query?: { kind?: unknown; query?: unknown; values?: Record<string, unknown> } } | null;
  const query = request?.query;
  if (query?.kind !== "HogQLQuery" || typeof query.query !== "string") {
    return invalid("Query must be an object with kind HogQLQuery and a query string");
  }
  const sql = query.query;
  const values = query.values ?? {};
  const parsed = selectItems(sql);
  if (!parsed || !TAIL.test(parsed.tail)) return invalid("The sandbox only answers delight's daily usage query");
  const selected: Column[] = [];
  for (const item of parsed.items) {
    const m = /^([\s\S]+?)\s+AS\s+([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (!m) return invalid(`Unsupported column: ${item.slice(0, 80)}`);
    const column = columnOf(m[2]!, m[1]!, values);
    if (!column) return invalid(`Unsupported column ${m[2]}: ${m[1]!.slice(0, 120)}`);
    selected.push(column);
  }
  const required = ["day", "age", ...Object.keys(COLUMNS)];
  if (required.some((name) => !selected.some((c) => c.name === name))) {
    return invalid("The sandbox only answers delight's daily usage query");
  }
  // Like HogQL: every placeholder in the text must have a value.
  const missing = [...sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((p) => p[1]!).find((name) => !(name in values));
  if (missing) return invalid(`Placeholder {${missing}} is not defined`);
  const from = values.from;
  if (typeof from !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(from)) return invalid("Placeholder {from} is not defined or not a date");
  const today = dayIn(now, project.timezone);
  if (daysBetween(from, today) > 5_000) return invalid("The sandbox keeps about 400 days of data; {from} is too early");
  const limitMatch = /\bLIMIT\s+(\d+)\s*$/i.exec(sql.trim());
  const limit = limitMatch ? Math.min(Number(limitMatch[1]), 50_000) : 100;

  const nowMs = now.getTime();
  const moments = momentsOf(project, from, now).filter((m) => m.day >= from);
  // GROUP BY day, age: every event after now() in one row, dated today.
  const groups = new Map<string, Group>();
  for (const m of moments) {
    const future = m.at > nowMs;
    const day = future ? today : m.day;
    const age = future ? -1 : Math.floor(Math.floor((nowMs - m.at) / 1000) / 86_400);
    const key = `${day}|${age}`;
    const group = groups.get(key) ?? { day, age, moments: [] };
    group.moments.push(m);
    groups.set(key, group);
  }
  // Scalar subqueries: one value for the whole answer, over each check's own window.
  const persons = new Map<string, number>();
  for (const c of selected) {
    if (c.kind !== "persons") continue;
    const inWindow = moments.filter((m) => m.at <= nowMs && Math.floor((nowMs - m.at) / 1000) < c.seconds);
    persons.set(
      c.name,
      distinctPersons(
        c.matcher,
        inWindow.flatMap((m) => m.streams),
      ),
    );
  }
  const rows = [...groups.values()]
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.age - b.age))
    .map((g) => {
      const streams = g.moments.flatMap((m) => m.streams);
      return selected.map((c) => cellOf(c, g, streams, persons));
    });
  const results = rows.slice(0, limit);
  return {
    status: 200,
    body: {
      columns: selected.map((c) => c.name),
      types: selected.map((c) => [
        c.name,
        c.kind === "day" ? "Date" : c.kind === "age" ? "Int64" : c.name === "x_lib_versions" ? "Array(String)" : "UInt64",
      ]),
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

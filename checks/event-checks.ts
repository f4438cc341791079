import { z } from "zod";
import type { QueryColumn } from "./posthog/daily-query";
import type { EventWindows, Fetched } from "./snapshot";
import type { RuleResult } from "./types";
import { noteFuture, windowWords, within } from "./windows";

/*
 * Team-defined automated checks: "event E (optionally where property P compares to V) happened
 * at least N times, or was done by at least N distinct persons, in the last D×24 hours". Each
 * becomes one extra column of the daily HogQL query. The event name, property name, value and
 * window only ever travel as HogQL placeholders ({e_1}, {p_1}, {v_1}, {w_1}); nothing the user
 * typed is written into the SQL text.
 */

export const OPERATORS = ["equals", "not_equals", "contains", "not_contains", "is_set", "is_not_set", "gt", "lt"] as const;
export type Operator = (typeof OPERATORS)[number];

/** How each operator reads in a rule and in Settings. */
export const OPERATOR_LABELS: Record<Operator, string> = {
  equals: "equals",
  not_equals: "does not equal",
  contains: "contains",
  not_contains: "does not contain",
  is_set: "is set",
  is_not_set: "is not set",
  gt: "is greater than",
  lt: "is less than",
};

const WITHOUT_VALUE: readonly Operator[] = ["is_set", "is_not_set"];
const NUMERIC: readonly Operator[] = ["gt", "lt"];

export const COUNTS = ["events", "persons"] as const;
export type CountMode = (typeof COUNTS)[number];

/** Longest window an event check may look back; the daily query widens to cover it. */
export const MAX_EVENT_DAYS = 90;
/** One query per refresh has room for this many event checks. */
export const MAX_EVENT_CHECKS = 40;

/**
 * PostHog property keys in practice ($lib_custom_api_host, plan, utm.source). Stricter than
 * PostHog itself on purpose: the name goes into a placeholder, but a name this plain can never
 * surprise the HogQL parser even if a future PostHog inlined it.
 */
export const PROPERTY_NAME = /^\$?[A-Za-z0-9_.-]{1,100}$/;
// Control characters cannot be stored and are never part of a real event name or value.
const PRINTABLE = /^[^\u0000-\u001F\u007F]+$/;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

export type EventDefinition = {
  event: string;
  property: string | null;
  operator: Operator | null;
  value: string | null;
  minCount: number;
  days: number;
  /** What is counted; definitions saved before persons existed count events. */
  count?: CountMode;
};

const text = (what: string, max: number) =>
  z
    .string({ required_error: `${what} is required`, invalid_type_error: `${what} is required` })
    .trim()
    .min(1, `${what} is required`)
    .max(max, `${what} is too long (${max} characters at most)`)
    .regex(PRINTABLE, `${what} cannot contain control characters`);

const emptyToNull = (v: unknown) => (v === "" || v === undefined ? null : v);

const wholeNumber = (what: string, min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ required_error: `${what} is required`, invalid_type_error: `${what} must be a whole number` })
      .int(`${what} must be a whole number`)
      .min(min, `${what} must be at least ${min}`)
      .max(max, `${what} must be at most ${max.toLocaleString("en-US")}`),
  );

const OPERATOR_CHOICE = `Choose ${Object.values(OPERATOR_LABELS)
  .join(", ")
  .replace(/, ([^,]+)$/, " or $1")}`;

export const EventDefinitionSchema = z
  .object({
    event: text("Event", 200),
    property: z.preprocess(
      emptyToNull,
      z
        .string()
        .trim()
        .regex(PROPERTY_NAME, "Property names are letters, digits, _ . - and an optional leading $ (at most 100)")
        .nullable(),
    ),
    operator: z.preprocess(emptyToNull, z.enum(OPERATORS, { errorMap: () => ({ message: OPERATOR_CHOICE }) }).nullable()),
    value: z.preprocess(emptyToNull, text("Value", 500).nullable()),
    minCount: wholeNumber("Minimum count", 1, 1_000_000_000),
    days: wholeNumber("Days", 1, MAX_EVENT_DAYS),
    count: z.preprocess(
      (v) => (v === "" || v === undefined || v === null ? "events" : v),
      z.enum(COUNTS, { errorMap: () => ({ message: "Count events or persons" }) }),
    ),
  })
  .superRefine((d, ctx) => {
    if (d.property && !d.operator) ctx.addIssue({ code: "custom", path: ["operator"], message: "Choose how the property is compared" });
    if (!d.property && d.operator) ctx.addIssue({ code: "custom", path: ["property"], message: "Name the property to compare" });
    const needsValue = d.operator !== null && !WITHOUT_VALUE.includes(d.operator);
    if (needsValue && d.value === null) ctx.addIssue({ code: "custom", path: ["value"], message: "Give the value to compare with" });
    if (!needsValue && d.value !== null)
      ctx.addIssue({ code: "custom", path: ["value"], message: "A value goes only with a comparison (not with is set / is not set)" });
    if (d.operator && NUMERIC.includes(d.operator) && d.value !== null && !(NUMBER.test(d.value) && Number.isFinite(Number(d.value))))
      ctx.addIssue({ code: "custom", path: ["value"], message: "Greater than and less than compare with a number" });
  });

/** One column of the daily query, with the placeholder values it needs. */
export type CompiledColumn = QueryColumn;

// Missing properties are NULL in HogQL (posthog-api.md §16): coalesce makes "not set" an empty
// string so every comparison is true or false, never NULL. As in PostHog's own filters, an event
// without the property counts for "does not equal" and "does not contain".
const prop = (n: number) => `coalesce(toString(properties[{p_${n}}]), '')`;

function comparison(op: Operator, n: number): string {
  const p = prop(n);
  const v = `{v_${n}}`;
  switch (op) {
    case "equals":
      return `${p} = ${v}`;
    case "not_equals":
      return `${p} != ${v}`;
    // Case-insensitive like PostHog's icontains / not_icontains; position, unlike LIKE, treats
    // % and _ in the value as plain characters.
    case "contains":
      return `positionCaseInsensitiveUTF8(${p}, ${v}) > 0`;
    case "not_contains":
      return `positionCaseInsensitiveUTF8(${p}, ${v}) = 0`;
    case "is_set":
      return `${p} != ''`;
    case "is_not_set":
      return `${p} = ''`;
    // A value that is not a number (or no value) compares as NULL; ifNull makes that "no match".
    case "gt":
      return `ifNull(toFloat(${p}) > ${v}, 0)`;
    case "lt":
      return `ifNull(toFloat(${p}) < ${v}, 0)`;
  }
}

/** The column for check number `n` (1-based). Only fixed text and placeholders. */
export function compileEventCheck(checkId: string, def: EventDefinition, n: number): CompiledColumn {
  const values: Record<string, string | number> = { [`e_${n}`]: def.event };
  let condition = `event = {e_${n}}`;
  if (def.property && def.operator) {
    values[`p_${n}`] = def.property;
    condition += ` AND ${comparison(def.operator, n)}`;
    if (!WITHOUT_VALUE.includes(def.operator)) {
      values[`v_${n}`] = NUMERIC.includes(def.operator) ? Number(def.value) : (def.value ?? "");
    }
  }
  if (def.count !== "persons") return { alias: `c_${n}`, checkId, expression: `countIf(${condition})`, values, counts: "events" };
  // Distinct persons cannot be added up across the query's rows, so this column counts them over
  // the check's own window in a scalar subquery (the same value on every row).
  values[`w_${n}`] = def.days * 86_400;
  const window = `toDate(timestamp) >= toDate({from}) AND timestamp <= now() AND dateDiff('second', timestamp, now()) < {w_${n}}`;
  return {
    alias: `u_${n}`,
    checkId,
    expression: `(SELECT count(DISTINCT person_id) FROM events WHERE ${window} AND ${condition})`,
    values,
    counts: "persons",
  };
}

const numberWords = (n: number) => n.toLocaleString("en-US");

/** "signed_up where plan equals "pro", at least 3 times in the last 14×24 hours" */
export function describeEventRule(def: EventDefinition): string {
  const caseNote = def.operator === "contains" || def.operator === "not_contains" ? " (any case)" : "";
  const where =
    !def.property || !def.operator
      ? ""
      : WITHOUT_VALUE.includes(def.operator)
        ? ` where ${def.property} ${OPERATOR_LABELS[def.operator]}`
        : NUMERIC.includes(def.operator)
          ? ` where ${def.property} ${OPERATOR_LABELS[def.operator]} ${def.value}`
          : ` where ${def.property} ${OPERATOR_LABELS[def.operator]} "${def.value}"${caseNote}`;
  if (def.count === "persons") {
    const who = def.minCount === 1 ? "at least one person" : `at least ${numberWords(def.minCount)} distinct persons`;
    return `Passes when ${who} did ${def.event}${where} in ${windowWords(def.days)}.`;
  }
  const times = def.minCount === 1 ? "at least once" : `at least ${numberWords(def.minCount)} times`;
  return `Passes when ${def.event}${where} happened ${times} in ${windowWords(def.days)}.`;
}

const unknown = (summary: string, evidence: RuleResult["evidence"] = {}): RuleResult => ({ status: "unknown", evidence, summary });

/** Pure rule of an event check over the snapshot's 24-hour spans. */
export function evaluateEventCheck(checkId: string, def: EventDefinition, windows: Fetched<EventWindows> | undefined): RuleResult {
  if (!windows) return unknown("Not measured yet: refresh to count these events");
  if (!windows.ok) {
    return unknown(`Could not read event counts from PostHog: ${windows.error.message}`, {
      reason: windows.error.message,
      call: windows.error.call,
    });
  }
  const w = windows.value;
  if (!w.eventChecks.includes(checkId)) return unknown("Not measured yet: the check was added after the last refresh");
  const persons = def.count === "persons";
  const n = persons ? (w.persons[checkId] ?? 0) : within(w.spans, def.days).reduce((sum, s) => sum + (s.custom[checkId] ?? 0), 0);
  const found = persons
    ? `${numberWords(n)} distinct ${n === 1 ? "person" : "persons"}`
    : `${numberWords(n)} matching ${n === 1 ? "event" : "events"}`;
  const evidence = { [persons ? "persons" : "events"]: n, minCount: def.minCount, days: def.days };
  const summary = `${found} in ${windowWords(def.days)} (needs ${numberWords(def.minCount)})`;
  return noteFuture({ status: n >= def.minCount ? "pass" : "fail", evidence, summary }, windows);
}

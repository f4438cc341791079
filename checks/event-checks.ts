import { z } from "zod";
import type { DailyBreakdown, Fetched } from "./snapshot";
import type { RuleResult } from "./types";

/*
 * Team-defined automated checks: "event E (optionally where property P equals / contains / is
 * set V) happened at least N times in the last D days". Each becomes one extra countIf column of
 * the daily HogQL query. The event name, property name and value only ever travel as HogQL
 * placeholders ({e_1}, {p_1}, {v_1}); nothing the user typed is written into the SQL text.
 */

export const OPERATORS = ["equals", "contains", "is_set"] as const;
export type Operator = (typeof OPERATORS)[number];

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

export type EventDefinition = {
  event: string;
  property: string | null;
  operator: Operator | null;
  value: string | null;
  minCount: number;
  days: number;
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
    operator: z.preprocess(
      emptyToNull,
      z.enum(OPERATORS, { errorMap: () => ({ message: "Choose equals, contains or is set" }) }).nullable(),
    ),
    value: z.preprocess(emptyToNull, text("Value", 500).nullable()),
    minCount: wholeNumber("Minimum count", 1, 1_000_000_000),
    days: wholeNumber("Days", 1, MAX_EVENT_DAYS),
  })
  .superRefine((d, ctx) => {
    if (d.property && !d.operator) ctx.addIssue({ code: "custom", path: ["operator"], message: "Choose how the property is compared" });
    if (!d.property && d.operator) ctx.addIssue({ code: "custom", path: ["property"], message: "Name the property to compare" });
    if (d.operator && d.operator !== "is_set" && d.value === null)
      ctx.addIssue({ code: "custom", path: ["value"], message: "Give the value to compare with" });
    if ((d.operator === "is_set" || !d.property) && d.value !== null)
      ctx.addIssue({ code: "custom", path: ["value"], message: "A value only goes with equals or contains" });
  });

/** One countIf column of the daily query, with the placeholder values it needs. */
export type CompiledColumn = { alias: string; checkId: string; expression: string; values: Record<string, string> };

// Missing properties are NULL in HogQL (posthog-api.md §16): coalesce makes "not set" an empty
// string so every comparison is true or false, never NULL.
const prop = (n: number) => `coalesce(toString(properties[{p_${n}}]), '')`;

/** The countIf column for check number `n` (1-based). Only fixed text and placeholders. */
export function compileEventCheck(checkId: string, def: EventDefinition, n: number): CompiledColumn {
  const values: Record<string, string> = { [`e_${n}`]: def.event };
  let condition = `event = {e_${n}}`;
  if (def.property && def.operator) {
    values[`p_${n}`] = def.property;
    if (def.operator === "equals") condition += ` AND ${prop(n)} = {v_${n}}`;
    else if (def.operator === "contains") condition += ` AND position(${prop(n)}, {v_${n}}) > 0`;
    else condition += ` AND ${prop(n)} != ''`;
    if (def.operator !== "is_set") values[`v_${n}`] = def.value ?? "";
  }
  return { alias: `c_${n}`, checkId, expression: `countIf(${condition})`, values };
}

/** "signed_up where plan equals "pro", at least 3 times in the last 14 days" */
export function describeEventRule(def: EventDefinition): string {
  const where = !def.property
    ? ""
    : def.operator === "is_set"
      ? ` with ${def.property} set`
      : ` where ${def.property} ${def.operator} "${def.value}"`;
  const times = def.minCount === 1 ? "at least once" : `at least ${def.minCount.toLocaleString("en-US")} times`;
  return `Passes when ${def.event}${where} happened ${times} in the last ${def.days === 1 ? "day" : `${def.days} days`}.`;
}

/** Pure rule of an event check over the snapshot's breakdown rows. */
export function evaluateEventCheck(checkId: string, def: EventDefinition, breakdown: Fetched<DailyBreakdown[]> | undefined): RuleResult {
  if (!breakdown) return { status: "unknown", evidence: {}, summary: "Not measured yet: refresh to count these events" };
  if (!breakdown.ok) {
    return {
      status: "unknown",
      evidence: { reason: breakdown.error.message, call: breakdown.error.call },
      summary: `Could not read event counts from PostHog: ${breakdown.error.message}`,
    };
  }
  const rows = breakdown.value;
  const end = rows.at(-1)?.day;
  if (!end || !rows.some((r) => checkId in r.custom)) {
    return { status: "unknown", evidence: {}, summary: "Not measured yet: the check was added after the last refresh" };
  }
  const from = new Date(Date.parse(`${end}T00:00:00Z`) - (def.days - 1) * 86_400_000).toISOString().slice(0, 10);
  const window = rows.filter((r) => r.day >= from);
  const count = window.reduce((s, r) => s + (r.custom[checkId] ?? 0), 0);
  const evidence = { events: count, minCount: def.minCount, days: def.days, from, to: end };
  const summary = `${count.toLocaleString("en-US")} matching ${count === 1 ? "event" : "events"} in the last ${def.days} days (needs ${def.minCount.toLocaleString("en-US")})`;
  return { status: count >= def.minCount ? "pass" : "fail", evidence, summary };
}

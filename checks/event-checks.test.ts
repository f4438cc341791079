import { describe, expect, test } from "vitest";
import { failed, ok } from "../tests/snapshot-factories";
import { compileEventCheck, describeEventRule, type EventDefinition, EventDefinitionSchema, evaluateEventCheck } from "./event-checks";
import { buildDailyQuery } from "./posthog/daily-query";
import type { EventWindows, SpanCounts } from "./snapshot";

const valid = { event: "signed_up", property: "", operator: "", value: "", minCount: "3", days: "14" };
const parse = (over: Record<string, unknown>) => EventDefinitionSchema.safeParse({ ...valid, ...over });
const firstError = (over: Record<string, unknown>) => {
  const r = parse(over);
  return r.success ? null : { field: String(r.error.issues[0]!.path[0]), message: r.error.issues[0]!.message };
};

describe("event check definitions are validated before they are saved", () => {
  test("a plain event, and a property comparison, parse to typed values", () => {
    expect(parse({}).data).toEqual({
      event: "signed_up",
      property: null,
      operator: null,
      value: null,
      minCount: 3,
      days: 14,
      count: "events",
    });
    expect(parse({ event: "$pageview", property: "$host", operator: "contains", value: "acme.com" }).data).toMatchObject({
      property: "$host",
      operator: "contains",
      value: "acme.com",
    });
    expect(parse({ property: "$lib_custom_api_host", operator: "is_set" }).data).toMatchObject({ operator: "is_set", value: null });
    expect(parse({ property: "plan", operator: "is_not_set", count: "persons" }).data).toMatchObject({
      operator: "is_not_set",
      count: "persons",
    });
    expect(parse({ property: "seats", operator: "gt", value: " -1.5e2 " }).data).toMatchObject({ operator: "gt", value: "-1.5e2" });
    for (const operator of ["not_equals", "not_contains", "lt"]) expect(parse({ property: "p", operator, value: "3" }).success).toBe(true);
  });

  test.each([
    ["$host') OR 1=1 --", "quote and comment"],
    ["plan}{from", "placeholder braces"],
    ["a b", "a space"],
    ["properties.$host", "not allowed: only one leading $"],
    ["$$host", "two dollars"],
    ["x".repeat(101), "too long"],
    ["host\u0000", "NUL"],
    ["ho`st", "backtick"],
    ["name[0]", "brackets"],
  ])("hostile property name %j is refused (%s)", (property) => {
    expect(firstError({ property, operator: "equals", value: "x" })).toMatchObject({ field: "property" });
  });

  test.each([
    [{ event: "" }, "event", "Event is required"],
    [{ event: "bad\u0007event" }, "event", "Event cannot contain control characters"],
    [{ days: "91" }, "days", "Days must be at most 90"],
    [{ days: "0" }, "days", "Days must be at least 1"],
    [{ minCount: "1.5" }, "minCount", "Minimum count must be a whole number"],
    [{ minCount: "0" }, "minCount", "Minimum count must be at least 1"],
    [{ property: "plan", operator: "" }, "operator", "Choose how the property is compared"],
    [{ operator: "equals", value: "x" }, "property", "Name the property to compare"],
    [{ property: "plan", operator: "equals", value: "" }, "value", "Give the value to compare with"],
    [{ property: "plan", operator: "is_set", value: "pro" }, "value", "A value goes only with a comparison (not with is set / is not set)"],
    [
      { property: "plan", operator: "is_not_set", value: "pro" },
      "value",
      "A value goes only with a comparison (not with is set / is not set)",
    ],
    [{ property: "seats", operator: "gt", value: "ten" }, "value", "Greater than and less than compare with a number"],
    [{ property: "seats", operator: "lt", value: "1e999" }, "value", "Greater than and less than compare with a number"],
    [
      { property: "plan", operator: "regex", value: "." },
      "operator",
      "Choose equals, does not equal, contains, does not contain, is set, is not set, is greater than or is less than",
    ],
    [{ count: "sessions" }, "count", "Count events or persons"],
  ])("%j is refused on %s", (over, field, message) => {
    expect(firstError(over)).toEqual({ field, message });
  });
});

describe("compiling to the daily query", () => {
  const hostile: EventDefinition = {
    event: "x'); DROP TABLE events; --",
    property: "$host",
    operator: "equals",
    value: "' OR '1'='1",
    minCount: 1,
    days: 7,
  };

  const P = "coalesce(toString(properties[{p_2}]), '')";
  test.each([
    [{ ...hostile, operator: "equals" as const }, `countIf(event = {e_2} AND ${P} = {v_2})`],
    [{ ...hostile, operator: "not_equals" as const }, `countIf(event = {e_2} AND ${P} != {v_2})`],
    [{ ...hostile, operator: "contains" as const }, `countIf(event = {e_2} AND positionCaseInsensitiveUTF8(${P}, {v_2}) > 0)`],
    [{ ...hostile, operator: "not_contains" as const }, `countIf(event = {e_2} AND positionCaseInsensitiveUTF8(${P}, {v_2}) = 0)`],
    [{ ...hostile, operator: "is_set" as const, value: null }, `countIf(event = {e_2} AND ${P} != '')`],
    [{ ...hostile, operator: "is_not_set" as const, value: null }, `countIf(event = {e_2} AND ${P} = '')`],
    [{ ...hostile, operator: "gt" as const, value: "10" }, `countIf(event = {e_2} AND ifNull(toFloat(${P}) > {v_2}, 0))`],
    [{ ...hostile, operator: "lt" as const, value: "2.5" }, `countIf(event = {e_2} AND ifNull(toFloat(${P}) < {v_2}, 0))`],
    [{ ...hostile, property: null, operator: null, value: null }, "countIf(event = {e_2})"],
  ])("%j uses only placeholders", (def, expression) => {
    const column = compileEventCheck("custom.x", def, 2);
    expect(column.expression).toBe(expression);
    expect(column.alias).toBe("c_2");
    expect(column.counts).toBe("events");
    expect(column.values.e_2).toBe(def.event);
    if (def.property) expect(column.values.p_2).toBe(def.property);
  });

  test("numeric comparisons send a number; text ones the text as typed", () => {
    expect(compileEventCheck("custom.x", { ...hostile, operator: "gt", value: "10" }, 1).values.v_1).toBe(10);
    expect(compileEventCheck("custom.x", { ...hostile, operator: "equals", value: "10" }, 1).values.v_1).toBe("10");
  });

  test("unique persons: a scalar subquery over the check's own window, the window a placeholder in seconds", () => {
    const column = compileEventCheck("custom.x", { ...hostile, operator: "not_contains", count: "persons", days: 7 }, 3);
    expect(column).toMatchObject({ alias: "u_3", counts: "persons" });
    expect(column.expression).toBe(
      "(SELECT count(DISTINCT person_id) FROM events WHERE toDate(timestamp) >= toDate({from}) AND timestamp <= now() AND dateDiff('second', timestamp, now()) < {w_3} AND event = {e_3} AND positionCaseInsensitiveUTF8(coalesce(toString(properties[{p_3}]), ''), {v_3}) = 0)",
    );
    expect(column.values).toEqual({ e_3: hostile.event, p_3: "$host", v_3: hostile.value, w_3: 604_800 });
  });

  test("the SQL text never contains the user's event, property or value; they travel as values", () => {
    const columns = [
      compileEventCheck("custom.a", hostile, 1),
      compileEventCheck(
        "custom.b",
        { event: "signed_up", property: "plan", operator: "contains", value: "{from}", minCount: 1, days: 90 },
        2,
      ),
    ];
    const { query, values } = buildDailyQuery(columns);
    for (const text of ["DROP TABLE", "OR '1'='1", "signed_up", "properties[{p_1}]".replace("{p_1}", "'$host'"), "plan"]) {
      expect(query).not.toContain(text);
    }
    expect(query).toContain("AS c_1,");
    expect(query).toMatch(/AS c_2\nFROM events/);
    expect(query).not.toMatch(/today\(\)/);
    expect(query).toMatch(/LIMIT 1000$/);
    expect(query.match(/^SELECT/gm)).toHaveLength(1);
    expect(values).toEqual({ e_1: hostile.event, p_1: "$host", v_1: hostile.value, e_2: "signed_up", p_2: "plan", v_2: "{from}" });
  });

  test("the rule reads in words", () => {
    expect(
      describeEventRule({ event: "$pageview", property: "$host", operator: "contains", value: "acme.com", minCount: 1, days: 7 }),
    ).toBe('Passes when $pageview where $host contains "acme.com" (any case) happened at least once in the 7×24 hours before the refresh.');
    expect(describeEventRule({ event: "signed_up", property: null, operator: null, value: null, minCount: 1000, days: 30 })).toBe(
      "Passes when signed_up happened at least 1,000 times in the 30×24 hours before the refresh.",
    );
    expect(
      describeEventRule({
        event: "$pageview",
        property: "$host",
        operator: "not_contains",
        value: "staging",
        minCount: 5,
        days: 1,
        count: "persons",
      }),
    ).toBe(
      'Passes when at least 5 distinct persons did $pageview where $host does not contain "staging" (any case) in the 24 hours before the refresh.',
    );
    expect(describeEventRule({ event: "paid", property: "amount", operator: "gt", value: "100", minCount: 1, days: 30 })).toBe(
      "Passes when paid where amount is greater than 100 happened at least once in the 30×24 hours before the refresh.",
    );
    expect(
      describeEventRule({ event: "x", property: "plan", operator: "is_not_set", value: null, minCount: 1, days: 30, count: "persons" }),
    ).toBe("Passes when at least one person did x where plan is not set in the 30×24 hours before the refresh.");
  });
});

describe("evaluating an event check", () => {
  const def: EventDefinition = { event: "signed_up", property: null, operator: null, value: null, minCount: 5, days: 7 };
  const span = (age: number, n: number): SpanCounts => ({
    age,
    events: n,
    identifies: 0,
    localEvents: 0,
    nonLocalEvents: n,
    flagCalls: 0,
    proxyEvents: 0,
    autocaptureEvents: 0,
    groupIdentifies: 0,
    libVersions: [],
    custom: n ? { "custom.x": n } : {},
  });
  const windows = (perAge: (age: number) => number, over: Partial<EventWindows> = {}) =>
    ok<EventWindows>({
      spans: Array.from({ length: 40 }, (_, age) => span(age, perAge(age))),
      futureEvents: 0,
      eventChecks: ["custom.x"],
      persons: {},
      ...over,
    });

  test.each([
    ["exactly enough inside the window (age 6 = the 7th 24 hours)", (age: number) => (age === 6 ? 5 : 0), "pass", 5],
    ["one short", (age: number) => (age < 4 ? 1 : 0), "fail", 4],
    ["plenty, but all before the window", (age: number) => (age >= 7 ? 100 : 0), "fail", 0],
  ])("%s", (_, perAge, status, events) => {
    const result = evaluateEventCheck("custom.x", def, windows(perAge));
    expect(result.status).toBe(status);
    expect(result.evidence).toEqual({ events, minCount: 5, days: 7 });
  });

  test("distinct persons come from the whole-window count, not from adding up spans", () => {
    const persons: EventDefinition = { ...def, count: "persons", minCount: 3 };
    const result = evaluateEventCheck(
      "custom.x",
      persons,
      windows(() => 50, { persons: { "custom.x": 3 } }),
    );
    expect(result).toMatchObject({ status: "pass", evidence: { persons: 3, minCount: 3, days: 7 } });
    expect(result.summary).toBe("3 distinct persons in the 7×24 hours before the refresh (needs 3)");
    expect(
      evaluateEventCheck(
        "custom.x",
        persons,
        windows(() => 50, { persons: { "custom.x": 2 } }),
      ).status,
    ).toBe("fail");
  });

  test("events dated after the refresh are counted in the evidence, not in the window", () => {
    const result = evaluateEventCheck(
      "custom.x",
      def,
      windows((age) => (age === 0 ? 5 : 0), { futureEvents: 2 }),
    );
    expect(result.evidence).toMatchObject({ events: 5, futureEvents: 2 });
    expect(result.summary).toBe(
      "5 matching events in the 7×24 hours before the refresh (needs 5) (2 events with future timestamps ignored)",
    );
  });

  test("unknown, never fail, when not measured or the query failed", () => {
    expect(evaluateEventCheck("custom.x", def, undefined).status).toBe("unknown");
    expect(
      evaluateEventCheck(
        "custom.y",
        def,
        windows(() => 9),
      ).summary,
    ).toMatch(/added after the last refresh/);
    expect(evaluateEventCheck("custom.x", def, failed("events", "HogQL refused")).summary).toContain("HogQL refused");
  });
});

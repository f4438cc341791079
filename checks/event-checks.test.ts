import { describe, expect, test } from "vitest";
import { failed, ok, TODAY } from "../tests/snapshot-factories";
import { shiftDay } from "./days";
import { compileEventCheck, describeEventRule, type EventDefinition, EventDefinitionSchema, evaluateEventCheck } from "./event-checks";
import { buildDailyQuery } from "./posthog/daily-query";
import type { DailyBreakdown } from "./snapshot";

const valid = { event: "signed_up", property: "", operator: "", value: "", minCount: "3", days: "14" };
const parse = (over: Record<string, unknown>) => EventDefinitionSchema.safeParse({ ...valid, ...over });
const firstError = (over: Record<string, unknown>) => {
  const r = parse(over);
  return r.success ? null : { field: String(r.error.issues[0]!.path[0]), message: r.error.issues[0]!.message };
};

describe("event check definitions are validated before they are saved", () => {
  test("a plain event, and a property comparison, parse to typed values", () => {
    expect(parse({}).data).toEqual({ event: "signed_up", property: null, operator: null, value: null, minCount: 3, days: 14 });
    expect(parse({ event: "$pageview", property: "$host", operator: "contains", value: "acme.com" }).data).toMatchObject({
      property: "$host",
      operator: "contains",
      value: "acme.com",
    });
    expect(parse({ property: "$lib_custom_api_host", operator: "is_set" }).data).toMatchObject({ operator: "is_set", value: null });
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
    [{ property: "plan", operator: "is_set", value: "pro" }, "value", "A value only goes with equals or contains"],
    [{ property: "plan", operator: "regex", value: "." }, "operator", "Choose equals, contains or is set"],
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

  test.each([
    [{ ...hostile, operator: "equals" as const }, "countIf(event = {e_2} AND coalesce(toString(properties[{p_2}]), '') = {v_2})"],
    [
      { ...hostile, operator: "contains" as const },
      "countIf(event = {e_2} AND position(coalesce(toString(properties[{p_2}]), ''), {v_2}) > 0)",
    ],
    [
      { ...hostile, operator: "is_set" as const, value: null },
      "countIf(event = {e_2} AND coalesce(toString(properties[{p_2}]), '') != '')",
    ],
    [{ ...hostile, property: null, operator: null, value: null }, "countIf(event = {e_2})"],
  ])("%j uses only placeholders", (def, expression) => {
    const column = compileEventCheck("custom.x", def, 2);
    expect(column.expression).toBe(expression);
    expect(column.alias).toBe("c_2");
    expect(column.values.e_2).toBe(def.event);
    if (def.property) expect(column.values.p_2).toBe(def.property);
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
    expect(query).toMatch(/LIMIT 1000$/);
    expect(query.match(/^SELECT/gm)).toHaveLength(1);
    expect(values).toEqual({ e_1: hostile.event, p_1: "$host", v_1: hostile.value, e_2: "signed_up", p_2: "plan", v_2: "{from}" });
  });

  test("the rule reads in words", () => {
    expect(
      describeEventRule({ event: "$pageview", property: "$host", operator: "contains", value: "acme.com", minCount: 1, days: 7 }),
    ).toBe('Passes when $pageview where $host contains "acme.com" happened at least once in the last 7 days.');
    expect(describeEventRule({ event: "signed_up", property: null, operator: null, value: null, minCount: 1000, days: 30 })).toBe(
      "Passes when signed_up happened at least 1,000 times in the last 30 days.",
    );
  });
});

describe("evaluating an event check", () => {
  const def: EventDefinition = { event: "signed_up", property: null, operator: null, value: null, minCount: 5, days: 7 };
  const rows = (perDay: (back: number) => number): DailyBreakdown[] =>
    Array.from({ length: 40 }, (_, i) => ({
      day: shiftDay(TODAY, i - 39),
      proxyEvents: 0,
      autocaptureEvents: 0,
      groupIdentifies: 0,
      libVersions: [],
      custom: { "custom.x": perDay(39 - i) },
    }));

  test.each([
    ["exactly enough inside the window", (back: number) => (back === 6 ? 5 : 0), "pass", 5],
    ["one short", (back: number) => (back < 4 ? 1 : 0), "fail", 4],
    ["plenty, but all before the window", (back: number) => (back >= 7 ? 100 : 0), "fail", 0],
  ])("%s", (_, perDay, status, events) => {
    const result = evaluateEventCheck("custom.x", def, ok(rows(perDay)));
    expect(result.status).toBe(status);
    expect(result.evidence).toMatchObject({ events, minCount: 5, days: 7, to: TODAY });
  });

  test("unknown, never fail, when not measured or the query failed", () => {
    expect(evaluateEventCheck("custom.x", def, undefined).status).toBe("unknown");
    expect(evaluateEventCheck("custom.y", def, ok(rows(() => 9))).summary).toMatch(/added after the last refresh/);
    expect(evaluateEventCheck("custom.x", def, failed("events", "HogQL refused")).summary).toContain("HogQL refused");
  });
});

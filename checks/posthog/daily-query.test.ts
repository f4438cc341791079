import { tz } from "@date-fns/tz";
import { format, getDate, setDate, subDays, subMonths } from "date-fns";
import { describe, expect, it } from "vitest";
import { compileEventCheck } from "../event-checks";
import { buildDailyQuery, DAILY_QUERY, dailyFromDate, MAX_EVENT_LOOKBACK, MAX_QUERY_DAYS, QUERY_LIMIT } from "./daily-query";
import { readEventRows } from "./daily-rows";

describe("dailyFromDate", () => {
  it.each([
    ["2025-06-15T12:00:00Z", null, "2025-05-10"],
    ["2025-06-15T12:00:00Z", 1, "2025-05-10"],
    ["2025-03-01T00:30:00Z", 28, "2025-01-24"],
    ["2024-03-31T23:59:00Z", 15, "2024-02-24"],
  ])("now %s, billing day %s → %s", (now, billingDay, expected) => {
    expect(dailyFromDate(new Date(now), billingDay)).toBe(expected);
  });

  it("always covers 36 days and the whole current billing period plus the day before", () => {
    for (let offset = 0; offset < 366; offset += 7) {
      const now = new Date(Date.UTC(2024, 0, 1, 18) + offset * 86_400_000);
      for (let anchor = 1; anchor <= 28; anchor += 1) {
        const from = dailyFromDate(now, anchor);
        const day = now.getUTCDate();
        const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (day >= anchor ? 0 : 1), anchor - 1));
        expect(from <= start.toISOString().slice(0, 10)).toBe(true);
        expect(from <= new Date(now.getTime() - 36 * 86_400_000).toISOString().slice(0, 10)).toBe(true);
      }
    }
  });

  it("agrees with the date-fns calendar arithmetic it replaced, at any hour, across month and leap-year ends", () => {
    const UTC = tz("UTC");
    const ymd = (date: Date) => format(date, "yyyy-MM-dd", { in: UTC });
    const reference = (now: Date, billingDay: number | null, lookbackDays = 36) => {
      const back = subDays(now, Math.max(36, lookbackDays), { in: UTC });
      if (billingDay === null) return ymd(back);
      const anchor = Math.min(Math.max(Math.trunc(billingDay), 1), 28);
      const thisMonth = getDate(now, { in: UTC }) >= anchor ? now : subMonths(now, 1, { in: UTC });
      const before = subDays(setDate(thisMonth, anchor, { in: UTC }), 1, { in: UTC });
      return ymd(new Date(Math.min(before.getTime(), back.getTime())));
    };
    for (let hours = 0; hours < 2 * 366 * 24; hours += 31) {
      const now = new Date(Date.UTC(2023, 11, 20, 0, 59) + hours * 3_600_000);
      for (const billingDay of [null, 0, 1, 2, 14.7, 15, 27, 28, 31]) {
        for (const lookback of [undefined, 91]) {
          expect(dailyFromDate(now, billingDay, lookback)).toBe(reference(now, billingDay, lookback));
        }
      }
    }
  });

  it("never reaches further back than MAX_QUERY_DAYS, so the row count stays under the LIMIT", () => {
    const span = (now: Date, from: string) => Math.round((now.getTime() - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
    let widest = 0;
    for (let offset = 0; offset < 366; offset += 1) {
      const now = new Date(Date.UTC(2024, 0, 1, 23, 59) + offset * 86_400_000);
      for (const anchor of [1, 15, 28]) widest = Math.max(widest, span(now, dailyFromDate(now, anchor, MAX_EVENT_LOOKBACK)));
    }
    expect(widest).toBeLessThanOrEqual(MAX_QUERY_DAYS);
    // At most three ages per local day (a 25-hour DST day), a day of margin at each end, one future row.
    expect(3 * (MAX_QUERY_DAYS + 2) + 1).toBeLessThan(QUERY_LIMIT);
  });
});

describe("the HogQL text sent", () => {
  it("is exactly this: now() in the project's zone, never today(), an explicit LIMIT and no OFFSET", () => {
    expect(DAILY_QUERY).toBe(`SELECT
  if(timestamp > now(), toDate(now()), toDate(timestamp)) AS day,
  if(timestamp > now(), -1, intDiv(dateDiff('second', timestamp, now()), 86400)) AS age,
  count() AS events,
  countIf(event = '$identify') AS identifies,
  countIf((coalesce(properties.$host, '') IN ('localhost', '127.0.0.1') OR startsWith(coalesce(properties.$host, ''), 'localhost:') OR startsWith(coalesce(properties.$host, ''), '127.0.0.1:'))) AS local_events,
  countIf(NOT (coalesce(properties.$host, '') IN ('localhost', '127.0.0.1') OR startsWith(coalesce(properties.$host, ''), 'localhost:') OR startsWith(coalesce(properties.$host, ''), '127.0.0.1:'))) AS non_local_events,
  countIf(event = '$feature_flag_called') AS flag_calls,
  countIf(coalesce(properties.$lib_custom_api_host, '') != '') AS x_proxy_events,
  countIf(event = '$autocapture') AS x_autocapture_events,
  countIf(event = '$groupidentify') AS x_group_identifies,
  groupUniqArrayIf(concat(coalesce(properties.$lib, ''), '@', properties.$lib_version), coalesce(properties.$lib_version, '') != '') AS x_lib_versions
FROM events
WHERE toDate(timestamp) >= toDate({from})
GROUP BY day, age
ORDER BY day, age
LIMIT 1000`);
    expect(DAILY_QUERY).not.toMatch(/today\(\)/i);
    expect(DAILY_QUERY).not.toMatch(/OFFSET/i);
  });

  it("with event checks: still one SELECT over events per column kind, every typed value a placeholder", () => {
    const { query, values } = buildDailyQuery([
      compileEventCheck("custom.a", { event: "signed_up", property: null, operator: null, value: null, minCount: 1, days: 7 }, 1),
      compileEventCheck(
        "custom.b",
        { event: "$pageview", property: "$host", operator: "not_contains", value: "Staging", minCount: 3, days: 30, count: "persons" },
        2,
      ),
    ]);
    expect(query).not.toMatch(/today\(\)|signed_up|Staging|\$pageview'/);
    expect(query).toContain("countIf(event = {e_1}) AS c_1");
    expect(query).toContain(
      "(SELECT count(DISTINCT person_id) FROM events WHERE toDate(timestamp) >= toDate({from}) AND timestamp <= now() AND dateDiff('second', timestamp, now()) < {w_2} AND event = {e_2} AND positionCaseInsensitiveUTF8(coalesce(toString(properties[{p_2}]), ''), {v_2}) = 0) AS u_2",
    );
    expect(values).toEqual({ e_1: "signed_up", e_2: "$pageview", p_2: "$host", v_2: "Staging", w_2: 30 * 86_400 });
  });
});

const COLUMNS = [
  "day",
  "age",
  "events",
  "identifies",
  "local_events",
  "non_local_events",
  "flag_calls",
  "x_proxy_events",
  "x_autocapture_events",
  "x_group_identifies",
  "x_lib_versions",
];
/** A row in COLUMNS order: `events` of which `local` from localhost. */
const row = (day: string, age: number, events: number, local = 0, extra: unknown[] = []) => [
  day,
  age,
  events,
  0,
  local,
  events - local,
  0,
  0,
  0,
  0,
  [],
  ...extra,
];

describe("readEventRows", () => {
  it("sums a day split at the refresh's time of day for usage, and by 24-hour age for the windows", () => {
    // Refresh at 2025-06-05 09:00 local: 2025-06-04 before 09:00 is age 1, after it age 0.
    const result = {
      columns: COLUMNS,
      results: [row("2025-06-03", 1, 4), row("2025-06-04", 0, 5), row("2025-06-04", 1, 2, 2), row("2025-06-05", 0, 3)],
    };
    const read = readEventRows(result, "2025-06-01", "2025-06-05", [])!;
    expect(read.daily.map((d) => [d.day, d.events, d.localEvents])).toEqual([
      ["2025-06-01", 0, 0],
      ["2025-06-02", 0, 0],
      ["2025-06-03", 4, 0],
      ["2025-06-04", 7, 2],
      ["2025-06-05", 3, 0],
    ]);
    expect(read.windows.spans.map((s) => [s.age, s.events, s.localEvents])).toEqual([
      [0, 8, 0],
      [1, 6, 2],
    ]);
    expect(read.windows.futureEvents).toBe(0);
  });

  it("keeps events dated after the refresh out of every day and window, and counts them", () => {
    const result = { columns: COLUMNS, results: [row("2025-06-05", -1, 3), row("2025-06-05", 0, 10)] };
    const read = readEventRows(result, "2025-06-05", "2025-06-05", [])!;
    expect(read.daily).toEqual([{ day: "2025-06-05", events: 10, identifies: 0, localEvents: 0, nonLocalEvents: 10, flagCalls: 0 }]);
    expect(read.windows.spans.map((s) => s.events)).toEqual([10]);
    expect(read.windows.futureEvents).toBe(3);
  });

  it("reads event-check columns: counts per span, distinct persons once for the whole window", () => {
    const custom = [
      { alias: "c_1", checkId: "custom.a", counts: "events" as const },
      { alias: "u_2", checkId: "custom.b", counts: "persons" as const },
    ];
    const result = {
      columns: [...COLUMNS, "c_1", "u_2"],
      results: [row("2025-06-04", 1, 5, 0, [2, 7]), row("2025-06-05", 0, 5, 0, [0, "7"])],
    };
    const read = readEventRows(result, "2025-06-04", "2025-06-05", custom)!;
    expect(read.windows.spans.map((s) => s.custom)).toEqual([{}, { "custom.a": 2 }]);
    expect(read.windows.persons).toEqual({ "custom.b": 7 });
    expect(read.windows.eventChecks).toEqual(["custom.a", "custom.b"]);
  });

  it("refuses missing columns, counts that are not whole numbers, a bad age and a truncated answer", () => {
    expect(readEventRows({ columns: COLUMNS.slice(0, 10), results: [] }, "2025-06-01", "2025-06-02", [])).toBeNull();
    expect(readEventRows({ columns: COLUMNS, results: [row("2025-06-01", 0, 1.5)] }, "2025-06-01", "2025-06-02", [])).toBeNull();
    expect(readEventRows({ columns: COLUMNS, results: [row("2025-06-01", -2, 1)] }, "2025-06-01", "2025-06-02", [])).toBeNull();
    expect(
      readEventRows({ columns: COLUMNS, results: [[20250601, ...row("", 0, 1).slice(1)]] }, "2025-06-01", "2025-06-02", []),
    ).toBeNull();
    const full = Array.from({ length: QUERY_LIMIT }, () => row("2025-06-01", 0, 1));
    expect(readEventRows({ columns: COLUMNS, results: full }, "2025-06-01", "2025-06-02", [])).toBeNull();
  });
});

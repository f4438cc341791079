import { describe, expect, it } from "vitest";
import { DAILY_QUERY, dailyFromDate, zeroFillDaily } from "./daily-query";

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
});

describe("DAILY_QUERY", () => {
  it("takes the start date as a placeholder, has an explicit LIMIT and no OFFSET", () => {
    expect(DAILY_QUERY).toContain("{from}");
    expect(DAILY_QUERY).toMatch(/LIMIT \d+$/);
    expect(DAILY_QUERY).not.toMatch(/OFFSET/i);
    // Without coalesce, NOT(...) is NULL for events with no $host and server-side events vanish.
    expect(DAILY_QUERY).toMatch(/countIf\(NOT \(coalesce\(properties\.\$host, ''\)/);
  });
});

describe("zeroFillDaily", () => {
  const columns = ["day", "events", "identifies", "local_events", "non_local_events", "flag_calls"];

  it("fills the days without rows and reads columns by name, numbers or numeric strings", () => {
    const result = {
      columns: [...columns].reverse(),
      results: [
        [1, 0, 3, 1, "5", "2025-06-02"],
        [0, 2, 0, 0, 2, "2025-06-04"],
      ],
    };
    const filled = zeroFillDaily(result, "2025-06-01", "2025-06-05");
    expect(filled?.map((d) => d.day)).toEqual(["2025-06-01", "2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05"]);
    expect(filled?.[1]).toEqual({ day: "2025-06-02", events: 5, identifies: 1, localEvents: 3, nonLocalEvents: 0, flagCalls: 1 });
    expect(filled?.[0]).toEqual({ day: "2025-06-01", events: 0, identifies: 0, localEvents: 0, nonLocalEvents: 0, flagCalls: 0 });
    expect(filled?.[3].nonLocalEvents).toBe(2);
  });

  it("extends to a project-local day after ours, and drops rows outside the window", () => {
    const result = {
      columns,
      results: [
        ["2025-05-01", 9, 0, 0, 9, 0],
        ["2025-06-06", 4, 0, 0, 4, 0],
      ],
    };
    const filled = zeroFillDaily(result, "2025-06-04", "2025-06-05");
    expect(filled?.map((d) => [d.day, d.events])).toEqual([
      ["2025-06-04", 0],
      ["2025-06-05", 0],
      ["2025-06-06", 4],
    ]);
  });

  it("refuses missing columns or non-numeric counts", () => {
    expect(zeroFillDaily({ columns: columns.slice(0, 5), results: [] }, "2025-06-01", "2025-06-02")).toBeNull();
    expect(zeroFillDaily({ columns, results: [["2025-06-01", "many", 0, 0, 0, 0]] }, "2025-06-01", "2025-06-02")).toBeNull();
    expect(zeroFillDaily({ columns, results: [[20250601, 1, 0, 0, 1, 0]] }, "2025-06-01", "2025-06-02")).toBeNull();
  });
});

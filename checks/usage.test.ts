import { describe, expect, test } from "vitest";
import { makeDaily } from "../tests/snapshot-factories";
import { billingPeriod, daysBetween, localDay, previousPeriods, shiftDay, usageVsPlan, zoneOrUtc } from "./usage";

describe("billingPeriod", () => {
  test.each([
    ["anchor 1 mid-month", "2025-03-15T12:00:00Z", 1, "UTC", "2025-03-01", "2025-03-31", 31],
    ["anchor 1 on the anchor day", "2025-03-01T00:00:00Z", 1, "UTC", "2025-03-01", "2025-03-31", 31],
    ["anchor 1, February of a leap year", "2024-02-29T12:00:00Z", 1, "UTC", "2024-02-01", "2024-02-29", 29],
    ["anchor 1, February of a common year", "2025-02-15T12:00:00Z", 1, "UTC", "2025-02-01", "2025-02-28", 28],
    ["anchor 28 before the anchor in February", "2024-02-10T12:00:00Z", 28, "UTC", "2024-01-28", "2024-02-27", 31],
    ["anchor 28 from February, leap year", "2024-02-28T12:00:00Z", 28, "UTC", "2024-02-28", "2024-03-27", 29],
    ["anchor 28 on 29 February", "2024-02-29T12:00:00Z", 28, "UTC", "2024-02-28", "2024-03-27", 29],
    ["anchor 28 from February, common year", "2025-02-28T12:00:00Z", 28, "UTC", "2025-02-28", "2025-03-27", 28],
    ["anchor 28 the day before", "2025-02-27T23:59:59Z", 28, "UTC", "2025-01-28", "2025-02-27", 31],
    ["across the new year", "2025-01-05T12:00:00Z", 10, "UTC", "2024-12-10", "2025-01-09", 31],
    ["a 30-day month", "2025-04-20T12:00:00Z", 15, "UTC", "2025-04-15", "2025-05-14", 30],
    // 12:00Z on 28 Feb is 01:00 on 1 March in Auckland
    ["Auckland is already in March", "2025-02-28T12:00:00Z", 1, "Pacific/Auckland", "2025-03-01", "2025-03-31", 31],
    ["UTC is still in February", "2025-02-28T12:00:00Z", 1, "UTC", "2025-02-01", "2025-02-28", 28],
    // 05:00Z on 1 March is 21:00 on 28 February in Los Angeles
    ["Los Angeles is still in February", "2025-03-01T05:00:00Z", 1, "America/Los_Angeles", "2025-02-01", "2025-02-28", 28],
    ["spans the US spring-forward", "2025-03-10T12:00:00Z", 9, "America/Los_Angeles", "2025-03-09", "2025-04-08", 31],
    ["on the UK fall-back night", "2025-10-26T00:30:00Z", 26, "Europe/London", "2025-10-26", "2025-11-25", 31],
    // Santiago springs forward at midnight: 00:00 on 7 September 2025 does not exist there
    ["Santiago DST at midnight", "2025-09-07T12:00:00Z", 7, "America/Santiago", "2025-09-07", "2025-10-06", 30],
  ])("%s", (_name, now, anchor, tz, start, end, days) => {
    expect(billingPeriod(new Date(now), anchor, tz)).toEqual({ start, end, days });
  });

  test.each([0, 29, 31, 1.5, -1])("rejects anchor day %s", (anchor) => {
    expect(() => billingPeriod(new Date("2025-03-15T12:00:00Z"), anchor, "UTC")).toThrow(RangeError);
  });

  test("rejects an unknown time zone", () => {
    expect(() => billingPeriod(new Date("2025-03-15T12:00:00Z"), 1, "Mars/Olympus")).toThrow(/time zone/);
  });
});

describe("previousPeriods", () => {
  test("returns complete periods before the current one, oldest first", () => {
    expect(previousPeriods(new Date("2025-03-15T12:00:00Z"), 28, "UTC", 3)).toEqual([
      { start: "2024-11-28", end: "2024-12-27", days: 30 },
      { start: "2024-12-28", end: "2025-01-27", days: 31 },
      { start: "2025-01-28", end: "2025-02-27", days: 31 },
    ]);
  });
});

describe("day helpers", () => {
  test.each([
    ["2024-02-28", 1, "2024-02-29"],
    ["2025-02-28", 1, "2025-03-01"],
    ["2025-01-01", -1, "2024-12-31"],
    ["2025-03-15", -100, "2024-12-05"],
  ])("shiftDay(%s, %i) = %s", (day, n, expected) => {
    expect(shiftDay(day, n)).toBe(expected);
    expect(daysBetween(day, expected)).toBe(n);
  });

  test("zoneOrUtc keeps a known zone and falls back to UTC for an unknown one", () => {
    const now = new Date("2025-06-15T23:30:00Z");
    expect(localDay(now, zoneOrUtc("Asia/Tokyo"))).toBe("2025-06-16");
    expect(localDay(now, zoneOrUtc("America/New_York"))).toBe("2025-06-15");
    expect(localDay(now, zoneOrUtc("Not/AZone"))).toBe("2025-06-15");
    expect(zoneOrUtc(null)).toBe("UTC");
  });

  test("localDay uses the zone", () => {
    const instant = new Date("2025-03-15T11:30:00Z");
    expect([localDay(instant, "UTC"), localDay(instant, "Pacific/Auckland")]).toEqual(["2025-03-15", "2025-03-16"]);
  });
});

describe("usageVsPlan", () => {
  const now = new Date("2025-03-15T12:00:00Z");
  // 100 events a day since 1 September 2024
  const daily = makeDaily(196, () => ({ events: 100 }));
  const base = { daily, anchorDay: 1, timeZone: "UTC", now };

  test.each<[number | null, number | null, number | null, boolean | null, boolean]>([
    // 1,500 events in 15 of 31 days → projected 3,100
    [4_000, 37.5, 77.5, false, false],
    [3_800, 39.5, 81.6, false, true],
    [3_000, 50, 103.3, true, true],
    [1_875, 80, 165.3, true, true],
    [null, null, null, null, false],
  ])("quota %s → %s%% now, %s%% projected", (monthlyEvents, percent, projectedPercent, willExceed, flagged) => {
    const u = usageVsPlan({ ...base, monthlyEvents });
    expect(u.period).toEqual({
      start: "2025-03-01",
      end: "2025-03-31",
      days: 31,
      daysElapsed: 15,
      partial: false,
    });
    expect([u.eventsThisPeriod, u.projected]).toEqual([1_500, 3_100]);
    expect([u.percentOfQuota, u.projectedPercent, u.willExceed, u.flagged80]).toEqual([percent, projectedPercent, willExceed, flagged]);
  });

  test("flags exactly 80% projected", () => {
    // 3,100 projected of 3,875 is exactly 80%
    expect(usageVsPlan({ ...base, monthlyEvents: 3_875 })).toMatchObject({
      projectedPercent: 80,
      flagged80: true,
    });
    expect(usageVsPlan({ ...base, monthlyEvents: 3_876 }).flagged80).toBe(false);
  });

  test("daily rows are zero-filled and cumulative up to today", () => {
    const sparse = [
      { day: "2025-02-20", events: 9 },
      { day: "2025-03-02", events: 5 },
      { day: "2025-03-04", events: 7 },
    ];
    const u = usageVsPlan({
      ...base,
      daily: sparse,
      now: new Date("2025-03-04T08:00:00Z"),
      monthlyEvents: 100,
    });
    expect(u.daily).toEqual([
      { day: "2025-03-01", events: 0, cumulative: 0 },
      { day: "2025-03-02", events: 5, cumulative: 5 },
      { day: "2025-03-03", events: 0, cumulative: 5 },
      { day: "2025-03-04", events: 7, cumulative: 12 },
    ]);
    expect([u.eventsThisPeriod, u.projected]).toEqual([12, 93]); // 12 / 4 × 31
  });

  test("today is the project-local day", () => {
    // 12:00Z on 15 March is 16 March in Auckland: 16 days elapsed
    const u = usageVsPlan({
      ...base,
      daily: makeDaily(20, () => ({ events: 10 }), "2025-03-16"),
      timeZone: "Pacific/Auckland",
      monthlyEvents: null,
    });
    expect([u.period.daysElapsed, u.eventsThisPeriod, u.daily.at(-1)?.day]).toEqual([16, 160, "2025-03-16"]);
  });

  test("history holds the last 6 complete periods", () => {
    const u = usageVsPlan({ ...base, monthlyEvents: 4_000 });
    expect(u.history.map((h) => [h.start, h.end, h.events, h.percentOfQuota, h.partial])).toEqual([
      ["2024-09-01", "2024-09-30", 3_000, 75, false],
      ["2024-10-01", "2024-10-31", 3_100, 77.5, false],
      ["2024-11-01", "2024-11-30", 3_000, 75, false],
      ["2024-12-01", "2024-12-31", 3_100, 77.5, false],
      ["2025-01-01", "2025-01-31", 3_100, 77.5, false],
      ["2025-02-01", "2025-02-28", 2_800, 70, false],
    ]);
  });

  test("history keeps only what the daily data covers and marks partial periods", () => {
    // collect.ts fetches about 35 days: all of February, the last days of January
    const u = usageVsPlan({
      ...base,
      daily: makeDaily(47, () => ({ events: 100 })),
      monthlyEvents: null,
      periods: 3,
    });
    expect(u.history).toEqual([
      {
        start: "2025-01-01",
        end: "2025-01-31",
        days: 31,
        events: 400,
        percentOfQuota: null,
        coveredDays: 4,
        partial: true,
      },
      {
        start: "2025-02-01",
        end: "2025-02-28",
        days: 28,
        events: 2_800,
        percentOfQuota: null,
        coveredDays: 28,
        partial: false,
      },
    ]);
  });

  test("no daily data: nothing to project", () => {
    const u = usageVsPlan({ ...base, daily: [], monthlyEvents: 1_000 });
    expect(u).toMatchObject({
      eventsThisPeriod: 0,
      percentOfQuota: null,
      projected: null,
      willExceed: null,
      flagged80: false,
      history: [],
    });
    expect(u.period.partial).toBe(true);
    expect(u.daily).toHaveLength(15);
  });
});

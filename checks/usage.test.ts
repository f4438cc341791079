import { describe, expect, test } from "vitest";
import { makeDaily } from "../tests/snapshot-factories";
import { daysBetween, localDay, shiftDay, zoneOrUtc } from "./days";
import { billingPeriod, previousPeriods, usageVsPlan } from "./usage";

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

  test.each([
    // Anchors past the 28th clamp to the month's last day (billing systems anchor on them)
    ["anchor 31 in January", "2025-01-31T12:00:00Z", 31, "UTC", "2025-01-31", "2025-02-27", 28],
    ["anchor 31 from 28 February, common year", "2025-02-28T12:00:00Z", 31, "UTC", "2025-02-28", "2025-03-30", 31],
    ["anchor 31 from 29 February, leap year", "2024-02-29T12:00:00Z", 31, "UTC", "2024-02-29", "2024-03-30", 31],
    [
      "anchor 31 on 28 February of a leap year is still January's period",
      "2024-02-28T12:00:00Z",
      31,
      "UTC",
      "2024-01-31",
      "2024-02-28",
      29,
    ],
    ["anchor 31 in a 30-day month", "2025-04-30T12:00:00Z", 31, "UTC", "2025-04-30", "2025-05-30", 31],
    ["anchor 30 across February", "2025-02-10T12:00:00Z", 30, "UTC", "2025-01-30", "2025-02-27", 29],
    ["anchor 29 in a leap February", "2024-02-29T12:00:00Z", 29, "UTC", "2024-02-29", "2024-03-28", 29],
  ])("%s", (_name, now, anchor, tz, start, end, days) => {
    expect(billingPeriod(new Date(now), anchor, tz)).toEqual({ start, end, days });
  });

  test.each([0, 32, 1.5, -1])("rejects anchor day %s", (anchor) => {
    expect(() => billingPeriod(new Date("2025-03-15T12:00:00Z"), anchor, "UTC")).toThrow(RangeError);
  });

  test("rejects an unknown time zone", () => {
    expect(() => billingPeriod(new Date("2025-03-15T12:00:00Z"), 1, "Mars/Olympus")).toThrow(/time zone/);
  });
});

describe("previousPeriods", () => {
  test("anchor 31 walks back through short months, clamped in each", () => {
    expect(previousPeriods(new Date("2025-04-15T12:00:00Z"), 31, "UTC", 3)).toEqual([
      { start: "2024-12-31", end: "2025-01-30", days: 31 },
      { start: "2025-01-31", end: "2025-02-27", days: 28 },
      { start: "2025-02-28", end: "2025-03-30", days: 31 },
    ]);
  });

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
  // Whole days measured (measuredAt null): the elapsed-time rule is tested on its own below.
  const base = { daily, anchorDay: 1, timeZone: "UTC", now, measuredAt: null };

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

  test("days never measured are missing, not zero, and too little data is not projected", () => {
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
      { day: "2025-03-01", events: null, cumulative: 0 },
      { day: "2025-03-02", events: 5, cumulative: 5 },
      { day: "2025-03-03", events: null, cumulative: 5 },
      { day: "2025-03-04", events: 7, cumulative: 12 },
    ]);
    expect([u.eventsThisPeriod, u.missingDays, u.dataDays, u.dataThrough]).toEqual([12, 2, 2, "2025-03-04"]);
    // Two measured days: too early to project, and the flag rests on the 12% measured so far.
    expect(u).toMatchObject({ projected: null, projection: { basis: "too-early" }, percentOfQuota: 12, flagged80: false });
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
    expect(u.daily.every((d) => d.events === null)).toBe(true);
    expect([u.dataThrough, u.missingDays, u.projection.basis]).toEqual([null, 15, "no-data"]);
  });
});

describe("usageVsPlan: missing data, elapsed time and the rate projected", () => {
  const steady = (from: string, to: string, events: number) => {
    const rows: { day: string; events: number }[] = [];
    for (let day = from; day <= to; day = shiftDay(day, 1)) rows.push({ day, events });
    return rows;
  };

  test("at 00:30 on day 1 the first half hour is 1/48 of a day: too early to project, flag on the measured share", () => {
    const now = new Date("2025-03-01T00:30:00Z");
    // 1,000 a day through February, and the first half hour of March (about 21 events)
    const daily = [...steady("2025-02-01", "2025-02-28", 1_000), { day: "2025-03-01", events: 21 }];
    const u = usageVsPlan({ daily, measuredAt: now, monthlyEvents: 30_000, anchorDay: 1, timeZone: "UTC", now });
    expect(u.dataDays).toBe(0);
    expect(u).toMatchObject({
      eventsThisPeriod: 21,
      projected: null,
      projection: { basis: "too-early" },
      percentOfQuota: 0.1,
      flagged80: false,
    });
  });

  test("projection uses elapsed time, not elapsed days: half of today counts as half a day", () => {
    const now = new Date("2025-03-10T12:00:00Z");
    // 9 whole days at 1,000 and today's first 12 hours at 500: 9.5 days, 9,500 events
    const daily = [...steady("2025-03-01", "2025-03-09", 1_000), { day: "2025-03-10", events: 500 }];
    const u = usageVsPlan({ daily, measuredAt: now, monthlyEvents: 40_000, anchorDay: 1, timeZone: "UTC", now });
    expect([u.eventsThisPeriod, u.dataDays]).toEqual([9_500, 9.5]);
    // 9,500 + 1,000 a day × (31 − 9.5) days = 31,000; counting whole days would say 29,450
    expect(u.projected).toBe(31_000);
    expect(u.projection).toEqual({ basis: "period-average", perDay: 1_000, periodAverage: 1_000, last7Days: 1_000 });
  });

  test("the measured share of today is taken in the project's zone", () => {
    // 00:30 UTC is 09:30 in Tokyo: 9.5 of 24 hours measured
    const now = new Date("2025-03-05T00:30:00Z");
    const daily = [...steady("2025-03-01", "2025-03-04", 1_000), { day: "2025-03-05", events: 396 }];
    const u = usageVsPlan({ daily, measuredAt: now, monthlyEvents: 40_000, anchorDay: 1, timeZone: "Asia/Tokyo", now });
    expect(u.dataDays).toBe(4.4);
    expect(u.projection.perDay).toBe(1_000);
  });

  test("a customer that stopped sending 12 days ago is projected from the last 7 days, not the period average", () => {
    const now = new Date("2025-03-20T23:00:00Z");
    const daily = [...steady("2025-03-01", "2025-03-08", 10_000), ...steady("2025-03-09", "2025-03-20", 0)];
    const u = usageVsPlan({ daily, measuredAt: null, monthlyEvents: 200_000, anchorDay: 1, timeZone: "UTC", now });
    expect(u.eventsThisPeriod).toBe(80_000);
    expect(u.projection).toMatchObject({ basis: "last-7-days", perDay: 0, last7Days: 0, periodAverage: 4_000 });
    expect([u.projected, u.projectedPercent, u.willExceed]).toEqual([80_000, 40, false]);
  });

  test("a sudden rise is projected from the last 7 days too", () => {
    const now = new Date("2025-03-20T23:00:00Z");
    const daily = [...steady("2025-03-01", "2025-03-13", 1_000), ...steady("2025-03-14", "2025-03-20", 5_000)];
    const u = usageVsPlan({ daily, measuredAt: null, monthlyEvents: 100_000, anchorDay: 1, timeZone: "UTC", now });
    expect(u.projection.basis).toBe("last-7-days");
    expect(u.projected).toBe(48_000 + 5_000 * 11);
    expect(u.flagged80).toBe(true);
  });

  test("days after the last successful refresh are missing: percent and projection use what is known", () => {
    // Measured through the 5th (90% of quota already), refreshes failing since: today is the 20th
    const daily = steady("2025-03-01", "2025-03-05", 18_000);
    const u = usageVsPlan({
      daily,
      measuredAt: new Date("2025-03-05T23:59:00Z"),
      monthlyEvents: 100_000,
      anchorDay: 1,
      timeZone: "UTC",
      now: new Date("2025-03-20T12:00:00Z"),
    });
    expect([u.eventsThisPeriod, u.percentOfQuota, u.missingDays, u.dataThrough]).toEqual([90_000, 90, 15, "2025-03-05"]);
    expect(u.daily.at(-1)).toEqual({ day: "2025-03-20", events: null, cumulative: 90_000 });
    expect(u.flagged80).toBe(true);
  });

  test("a flagged customer stays flagged when the period changes while no data comes in", () => {
    const daily = steady("2025-02-01", "2025-02-20", 5_000); // 100,000 by the 20th: 100% of quota
    const u = usageVsPlan({
      daily,
      measuredAt: new Date("2025-02-20T23:00:00Z"),
      monthlyEvents: 100_000,
      anchorDay: 1,
      timeZone: "UTC",
      now: new Date("2025-03-07T12:00:00Z"),
    });
    expect(u).toMatchObject({
      eventsThisPeriod: 0,
      percentOfQuota: null,
      projected: null,
      dataThrough: "2025-02-20",
      flagged80: true,
      over100: true,
    });
    expect(u.projection.basis).toBe("no-data");
  });
});

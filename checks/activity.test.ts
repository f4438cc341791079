import { describe, expect, test } from "vitest";
import { activityOf } from "./activity";
import { catchupStatus } from "./catchup-due";
import { shiftDay } from "./days";

const TODAY = "2025-03-15";
/** `n` measured days ending yesterday, each with `events(daysAgo)`; today measured with `today` events when given. */
function days(n: number, events: (daysAgo: number) => number, today?: number) {
  const rows = Array.from({ length: n }, (_, i) => ({ day: shiftDay(TODAY, -(i + 1)), events: events(i + 1) }));
  return today === undefined ? rows : [...rows, { day: TODAY, events: today }];
}

describe("activity (usage_drop)", () => {
  test("steady traffic: nothing dropped", () => {
    expect(
      activityOf(
        days(40, () => 1000),
        TODAY,
      ),
    ).toEqual({
      last7Days: 7000,
      weeklyAverageBefore: 7000,
      lastEventDay: shiftDay(TODAY, -1),
      quietDays: 0,
      dropped: false,
    });
  });

  test.each([
    ["just under half", 499, true],
    ["exactly half", 500, false],
    ["above half", 700, false],
  ])("last 7 days %s of the weekly average → dropped %s", (_, perDay, dropped) => {
    const a = activityOf(
      days(40, (ago) => (ago <= 7 ? perDay : 1000)),
      TODAY,
    );
    expect(a.dropped).toBe(dropped);
  });

  test.each([
    [2, false],
    [3, true],
  ])("%i complete days without events → dropped %s", (quiet, dropped) => {
    const a = activityOf(
      days(40, (ago) => (ago <= quiet ? 0 : 1000)),
      TODAY,
    );
    expect(a.quietDays).toBe(quiet);
    expect(a.dropped).toBe(dropped);
    expect(a.lastEventDay).toBe(shiftDay(TODAY, -(quiet + 1)));
  });

  test("events already arriving today end a quiet spell", () => {
    expect(
      activityOf(
        days(40, (ago) => (ago <= 4 ? 0 : 1000), 5),
        TODAY,
      ).quietDays,
    ).toBe(0);
  });

  test("yesterday not measured (data behind): cannot be told", () => {
    const rows = days(40, () => 1000).filter((r) => r.day !== shiftDay(TODAY, -1));
    expect(activityOf(rows, TODAY)).toMatchObject({ dropped: null, last7Days: null, quietDays: null });
  });

  test("a young project without 14 days of history is only judged on quiet days", () => {
    const a = activityOf(
      days(10, () => 50),
      TODAY,
    );
    expect(a).toMatchObject({ weeklyAverageBefore: null, last7Days: 350, dropped: false });
  });

  test("missing days scale the last 7 days instead of counting as zero", () => {
    const rows = days(40, () => 1000).filter((r) => r.day !== shiftDay(TODAY, -3) && r.day !== shiftDay(TODAY, -4));
    expect(activityOf(rows, TODAY)).toMatchObject({ last7Days: 7000, dropped: false });
  });
});

describe("catch-up status (catchup_overdue)", () => {
  const since = "2024-01-01";
  test.each([
    ["nothing recorded, customer for over a year", [], since, true],
    ["nothing recorded, customer added 30 days ago", [], shiftDay(TODAY, -30), false],
    ["held 100 days ago", [{ date: shiftDay(TODAY, -100), status: "held" }], since, false],
    ["held 101 days ago", [{ date: shiftDay(TODAY, -101), status: "held" }], since, true],
    [
      "held long ago, one scheduled next week",
      [
        { date: "2024-02-01", status: "held" },
        { date: shiftDay(TODAY, 7), status: "scheduled" },
      ],
      since,
      false,
    ],
    ["a scheduled one whose date passed does not count", [{ date: shiftDay(TODAY, -1), status: "scheduled" }], since, true],
    ["a cancelled one does not count", [{ date: shiftDay(TODAY, 3), status: "cancelled" }], since, true],
  ] as const)("%s → overdue %s", (_, catchups, customerSince, overdue) => {
    expect(catchupStatus([...catchups], TODAY, customerSince).overdue).toBe(overdue);
  });
});

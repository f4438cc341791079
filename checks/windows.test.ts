import { describe, expect, test } from "vitest";
import { answerQuery } from "../app/demo/posthog-sandbox/hogql";
import { buildProject, type ProjectSpec } from "../app/demo/posthog-sandbox/project-builder";
import { sparse, type TimelineEvent } from "../app/demo/posthog-sandbox/synthetic";
import { ok, passingFacts, passingSnapshot } from "../tests/snapshot-factories";
import { getCheck } from "./catalog";
import { localDay } from "./days";
import { compileEventCheck, type EventDefinition, evaluateEventCheck } from "./event-checks";
import type { HogQLResult } from "./posthog/client";
import { buildDailyQuery, dailyFromDate, type QueryColumn } from "./posthog/daily-query";
import { readEventRows } from "./posthog/daily-rows";
import type { UsageSnapshot } from "./snapshot";
import { windowsOf } from "./windows";

/*
 * Fixed clocks, real time zones: each case builds a sandbox project whose only events are the
 * timeline given, asks it the exact daily query a refresh sends (the sandbox evaluates now() in
 * the project's zone, as PostHog does), reads the rows as collect does, and runs the rules.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function spec(timezone: string, timeline: TimelineEvent[]): ProjectSpec {
  return {
    name: "clock",
    title: "Clock Co",
    projectId: 4321,
    timezone,
    createdDaysAgo: 365,
    plan: { name: "Growth", monthlyEvents: 1_000_000 },
    billingDay: 1,
    lastLogins: [0, 1],
    appUrls: [],
    actions: 1,
    funnel: "funnel",
    customDashboard: true,
    activeFlags: 1,
    customPersonProperties: 1,
    traffic: () => sparse({}),
    timeline,
    expected: {},
  };
}

/** What a refresh at `nowIso` reads from a project in `timezone` holding only `timeline`. */
function refreshAt(timezone: string, nowIso: string, timeline: TimelineEvent[], columns: QueryColumn[] = []): UsageSnapshot {
  const now = new Date(nowIso);
  const project = buildProject(spec(timezone, timeline), now);
  const from = dailyFromDate(now, null, 91);
  const { query, values } = buildDailyQuery(columns);
  const answer = answerQuery(project, { query: { kind: "HogQLQuery", query, values: { ...values, from } } }, now);
  expect(answer.status).toBe(200);
  const read = readEventRows(answer.body as unknown as HogQLResult, from, localDay(now, timezone), columns);
  if (!read) throw new Error("unreadable answer");
  const base = passingSnapshot();
  return {
    ...base,
    collectedAt: now.toISOString(),
    dailyFrom: from,
    project: ok({ ...(base.project.ok ? base.project.value : ({} as never)), timezone, createdAt: "2024-01-01T00:00:00Z" }),
    daily: ok(read.daily),
    windows: ok(read.windows),
  };
}

const at = (now: string, offsetMs: number) => new Date(Date.parse(now) + offsetMs).toISOString();
const prod = (iso: string, event = "$pageview", properties: Record<string, string> = { $host: "app.example.com" }): TimelineEvent => ({
  at: iso,
  event,
  properties,
});
const run = (id: string, snapshot: UsageSnapshot) =>
  getCheck(id)!.evaluate!({ snapshot, facts: passingFacts(), now: new Date(snapshot.collectedAt) });
const dailyOf = (s: UsageSnapshot) => (s.daily.ok ? s.daily.value.filter((d) => d.events > 0).map((d) => [d.day, d.events]) : null);

describe.each([
  // [zone, local time, the refresh instant in UTC, the local day]
  ["Asia/Tokyo", "00:30", "2025-06-15T15:30:00Z", "2025-06-16"],
  ["Asia/Tokyo", "23:30", "2025-06-16T14:30:00Z", "2025-06-16"],
  ["America/Los_Angeles", "00:30", "2025-06-16T07:30:00Z", "2025-06-16"],
  ["America/Los_Angeles", "23:30", "2025-06-17T06:30:00Z", "2025-06-16"],
])("a project in %s refreshed at %s local", (zone, _local, now, localToday) => {
  test("an event 20 minutes ago is in the project's today and in the last 24 hours", () => {
    const snapshot = refreshAt(zone, now, [prod(at(now, -20 * MIN))]);
    expect(dailyOf(snapshot)).toEqual([[localToday, 1]]);
    expect(snapshot.daily.ok && snapshot.daily.value.at(-1)?.day).toBe(localToday);
    expect(windowsOf(snapshot)).toMatchObject({ ok: true, value: { spans: [{ age: 0, events: 1 }], futureEvents: 0 } });
    expect(run("setup.production", snapshot)).toMatchObject({ status: "pass", summary: "1 production event in the last 7×24 hours" });
  });

  test("an event dated tomorrow is in no day and no window, and the evidence says so", () => {
    const tomorrow = at(now, 25 * HOUR);
    const snapshot = refreshAt(zone, now, [prod(tomorrow), prod(at(now, -20 * MIN)), { at: tomorrow, event: "$identify" }]);
    expect(dailyOf(snapshot)).toEqual([[localToday, 1]]);
    const windows = windowsOf(snapshot);
    expect(windows.ok && windows.value.futureEvents).toBe(2);
    expect(run("setup.identify_calls", snapshot)).toMatchObject({
      status: "fail",
      evidence: { identifies30d: 0, futureEvents: 2 },
      summary: "No $identify events in the last 30×24 hours (2 events with future timestamps ignored)",
    });
    expect(run("setup.production", snapshot).evidence).toMatchObject({ productionEvents7d: 1, futureEvents: 2 });
  });

  test.each([1, 7, 30])("the %i-day window ends exactly N×24 hours back: a minute inside counts, a minute outside does not", (n) => {
    const inside = refreshAt(zone, now, [prod(at(now, -n * DAY + MIN), "$identify")]);
    const outside = refreshAt(zone, now, [prod(at(now, -n * DAY - MIN), "$identify")]);
    const def: EventDefinition = { event: "$identify", property: null, operator: null, value: null, minCount: 1, days: n };
    const column = [compileEventCheck("custom.ids", def, 1)];
    const [withColumn, withoutColumn] = [
      refreshAt(zone, now, [prod(at(now, -n * DAY + MIN), "$identify")], column),
      refreshAt(zone, now, [prod(at(now, -n * DAY - MIN), "$identify")], column),
    ];
    expect(evaluateEventCheck("custom.ids", def, withColumn.windows).status).toBe("pass");
    expect(evaluateEventCheck("custom.ids", def, withoutColumn.windows).status).toBe("fail");
    if (n === 30) {
      expect(run("setup.identify_calls", inside).status).toBe("pass");
      expect(run("setup.identify_calls", outside).status).toBe("fail");
    }
    if (n === 7) {
      expect(run("setup.production", inside).status).toBe("pass");
      expect(run("setup.production", outside).status).toBe("fail");
    }
  });
});

describe("windows across a DST change are whole 24-hour spans", () => {
  // Los Angeles moved to summer time on 2025-03-09: 30 local days before 2025-03-20 00:30 is
  // 719 hours back, 30×24 hours is 720. An event 719.5 hours back is in the window; one 720 h
  // and a minute back is not, though it is on the same local calendar day as the window's start.
  const now = "2025-03-20T07:30:00Z";
  test.each([
    [-(719 * HOUR + 30 * MIN), "pass"],
    [-(720 * HOUR - MIN), "pass"],
    [-(720 * HOUR + MIN), "fail"],
  ] as const)("an $identify at %i ms is %s", (offset, status) => {
    expect(run("setup.identify_calls", refreshAt("America/Los_Angeles", now, [prod(at(now, offset), "$identify")])).status).toBe(status);
  });

  test("usage days stay project-local calendar days", () => {
    const snapshot = refreshAt("America/Los_Angeles", now, [prod("2025-03-09T07:59:00Z"), prod("2025-03-09T08:01:00Z")]);
    // 07:59Z is 23:59 on 8 March (PST); 08:01Z is 01:01 on 9 March (PDT starts at 02:00).
    expect(dailyOf(snapshot)).toEqual([
      ["2025-03-08", 1],
      ["2025-03-09", 1],
    ]);
  });
});

describe("setup.events_recurring's weeks are 7×24-hour windows back from the refresh", () => {
  const now = "2025-06-16T14:30:00Z";
  const weekly = (offsetsInDays: number[]) => offsetsInDays.map((d) => prod(at(now, -d * DAY)));
  test("one event in each of the four windows, at their far edges", () => {
    const result = run(
      "setup.events_recurring",
      refreshAt("Asia/Tokyo", now, weekly([7 - 1 / 1440, 14 - 1 / 1440, 21 - 1 / 1440, 28 - 1 / 1440])),
    );
    expect(result).toMatchObject({ status: "pass", evidence: { week1Events: 1, week2Events: 1, week3Events: 1, week4Events: 1 } });
  });
  test("a minute past the fourth window's edge is outside all four", () => {
    const result = run("setup.events_recurring", refreshAt("Asia/Tokyo", now, weekly([0.5, 7.5, 14.5, 28 + 1 / 1440])));
    expect(result).toMatchObject({ status: "fail", evidence: { week4Events: 0 }, summary: "3 of 4 weeks had events" });
  });
});

describe("team event checks through the same query", () => {
  const now = "2025-06-16T14:30:00Z";
  const visit = (person: string, host: string, minutesAgo: number): TimelineEvent => ({
    at: at(now, -minutesAgo * MIN),
    event: "$pageview",
    properties: { $host: host },
    person,
  });
  const timeline = [
    visit("ann", "app.acme.io", 10),
    visit("ann", "app.acme.io", 20),
    visit("bo", "APP.acme.io", 30),
    visit("cy", "staging.acme.io", 40),
    visit("di", "Staging.Acme.io", 50),
    { at: at(now, -60 * MIN), event: "$pageview", person: "ed" },
    visit("fay", "app.acme.io", 8 * 24 * 60),
  ];

  test("does not contain (any case) with unique persons: each person once, the property missing counts as not containing", () => {
    const def: EventDefinition = {
      event: "$pageview",
      property: "$host",
      operator: "not_contains",
      value: "staging",
      minCount: 3,
      days: 7,
      count: "persons",
    };
    const columns = [compileEventCheck("custom.real_visitors", def, 1)];
    const result = evaluateEventCheck("custom.real_visitors", def, refreshAt("Asia/Tokyo", now, timeline, columns).windows);
    // ann, bo and ed; not cy or di (staging, any case), not fay (8 days ago).
    expect(result).toMatchObject({ status: "pass", evidence: { persons: 3 } });
  });

  test.each([
    ["equals is exact", "equals", "app.acme.io", 2],
    ["not equals counts the missing property", "not_equals", "app.acme.io", 4],
    ["contains ignores case", "contains", "STAGING", 2],
    ["is not set", "is_not_set", null, 1],
    ["is set", "is_set", null, 5],
  ] as const)("%s", (_, operator, value, events) => {
    const def: EventDefinition = { event: "$pageview", property: "$host", operator, value, minCount: 1, days: 7 };
    const columns = [compileEventCheck("custom.x", def, 1)];
    expect(evaluateEventCheck("custom.x", def, refreshAt("Asia/Tokyo", now, timeline, columns).windows).evidence).toMatchObject({
      events,
    });
  });

  test("greater than / less than compare numbers; a value that is not a number matches neither", () => {
    const seats = (n: string, minutesAgo: number): TimelineEvent => ({
      at: at(now, -minutesAgo * MIN),
      event: "upgraded",
      properties: { seats: n },
    });
    const events = [seats("5", 1), seats("12", 2), seats("100", 3), seats("many", 4)];
    const count = (operator: "gt" | "lt", value: string) => {
      const def: EventDefinition = { event: "upgraded", property: "seats", operator, value, minCount: 1, days: 1 };
      return evaluateEventCheck("custom.s", def, refreshAt("UTC", now, events, [compileEventCheck("custom.s", def, 1)]).windows).evidence
        .events;
    };
    // As text "5" > "12"; as numbers it is not.
    expect(count("gt", "10")).toBe(2);
    expect(count("lt", "10")).toBe(1);
  });
});

describe("snapshots stored before the 24-hour windows", () => {
  test("are read from their calendar days, the last day as age 0, as they were decided then", () => {
    const old = { ...passingSnapshot(), windows: undefined };
    const windows = windowsOf(old);
    expect(windows.ok && windows.value.spans.slice(0, 2).map((s) => [s.age, s.events])).toEqual([
      [0, 1000],
      [1, 1000],
    ]);
    expect(windows.ok && windows.value.futureEvents).toBe(0);
    // value.plan_usage_80 is re-decided at every rescore, old snapshot or not.
    expect(run("value.plan_usage_80", old)).toMatchObject({ status: "pass", evidence: { events30d: 30_000 } });
  });
});

import { shiftDay } from "../checks/days";
import type { CallName, DailyCounts, EventWindows, Fetched, SpanCounts, UsageSnapshot } from "../checks/snapshot";
import type { DelightFacts, RuleInput } from "../checks/types";

/** The refresh instant every factory builds around: 12:00 UTC on 2025-03-15 (a Saturday). */
export const NOW = new Date("2025-03-15T12:00:00Z");
export const TODAY = "2025-03-15";
const DAY_MS = 86_400_000;

export const daysAgo = (days: number, from: Date = NOW) => new Date(from.getTime() - days * DAY_MS);
export const isoDaysAgo = (days: number) => daysAgo(days).toISOString();

export const ok = <T>(value: T): Fetched<T> => ({ ok: true, value });
export const failed = <T>(call: CallName, message = `${call} call failed`): Fetched<T> => ({
  ok: false,
  error: { call, kind: "server", message },
});

/** `days` zero-filled rows ending on `end`, ascending; `fill` gives each row's counts. */
export function makeDaily(
  days: number,
  fill: (day: string, daysBeforeEnd: number) => Partial<Omit<DailyCounts, "day">> = () => ({}),
  end = TODAY,
): DailyCounts[] {
  return Array.from({ length: days }, (_, i) => {
    const back = days - 1 - i;
    const day = shiftDay(end, -back);
    return {
      day,
      events: 0,
      identifies: 0,
      localEvents: 0,
      nonLocalEvents: 0,
      flagCalls: 0,
      ...fill(day, back),
    };
  });
}

/**
 * The 24-hour spans matching `daily` when the refresh is `NOW`: the row `back` days before the
 * last one becomes age `back` (the factories put a day's events in the span of the same age).
 * `extra` adds the optional columns per age.
 */
export function windowsFor(
  daily: DailyCounts[],
  extra: (age: number) => Partial<Omit<SpanCounts, "age">> = () => ({}),
  over: Partial<Omit<EventWindows, "spans">> = {},
): EventWindows {
  const spans = daily
    .map((d, i) => ({
      age: daily.length - 1 - i,
      events: d.events,
      identifies: d.identifies,
      localEvents: d.localEvents,
      nonLocalEvents: d.nonLocalEvents,
      flagCalls: d.flagCalls,
      proxyEvents: 0,
      autocaptureEvents: 0,
      groupIdentifies: 0,
      libVersions: [],
      custom: {},
      ...extra(daily.length - 1 - i),
    }))
    .sort((a, b) => a.age - b.age);
  return { spans, futureEvents: 0, eventChecks: [], persons: {}, ...over };
}

/** Every day: 1,000 events, all from production, 10 identifies, 5 flag calls. */
export const busyDay = { events: 1000, identifies: 10, localEvents: 0, nonLocalEvents: 1000, flagCalls: 5 };

/** A snapshot on which every automated check passes; tests change the part they are about. */
export function passingSnapshot(): UsageSnapshot {
  const daily = makeDaily(36, () => busyDay);
  return {
    collectedAt: NOW.toISOString(),
    dailyFrom: daily[0].day,
    project: ok({
      id: 12345,
      name: "Acme",
      organizationId: "0188e3c2-5b1f-0000-8c1e-1f4f1a2b3c4d",
      createdAt: "2024-03-01T10:00:02.512Z",
      timezone: "UTC",
      appUrls: ["https://app.acme.io"],
      testAccountFilters: [{ key: "email", operator: "not_icontains", value: "@acme.io", type: "person" }],
    }),
    members: ok([
      { email: "jane@acme.io", joinedAt: "2024-03-01T10:00:00Z", lastLogin: isoDaysAgo(2) },
      { email: "sam@acme.io", joinedAt: "2024-04-01T10:00:00Z", lastLogin: isoDaysAgo(20) },
    ]),
    actions: ok([{ id: 77, name: "Signed up", createdAt: "2024-05-02T12:00:00Z", hasCreator: true }]),
    insights: ok([
      {
        id: 901,
        name: "Signup funnel",
        queryKind: "InsightVizNode",
        sourceKind: "FunnelsQuery",
        legacyInsight: null,
        hasCreator: true,
        saved: true,
        createdAt: "2024-06-01T09:00:00Z",
        dashboardIds: [],
        lastViewedAt: isoDaysAgo(40),
      },
    ]),
    dashboards: ok([
      {
        id: 4567,
        name: "My App Dashboard",
        hasCreator: false,
        creationMode: "default",
        createdAt: null,
        pinned: true,
        lastAccessedAt: isoDaysAgo(60),
      },
      {
        id: 5001,
        name: "Growth",
        hasCreator: true,
        creationMode: "default",
        createdAt: null,
        pinned: false,
        lastAccessedAt: isoDaysAgo(3),
      },
    ]),
    featureFlags: ok([{ id: 310, key: "new-onboarding", active: true, archived: false, deleted: false }]),
    personProperties: ok([
      { name: "$initial_referring_domain", virtual: false },
      { name: "plan", virtual: false },
    ]),
    daily: ok(daily),
    windows: ok(windowsFor(daily)),
    apiCalls: 8,
  };
}

/** 30,000 events in the last 30 days of `passingSnapshot` are 85.7% of this plan. */
export const passingFacts = (): DelightFacts => ({
  planMonthlyEvents: 35_000,
  catchups: [{ date: shiftDay(TODAY, -30), status: "held" }],
});

export const passingInput = (): RuleInput => ({
  snapshot: passingSnapshot(),
  facts: passingFacts(),
  now: NOW,
});

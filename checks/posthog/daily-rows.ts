import { shiftDay } from "../days";
import type { DailyCounts, EventWindows, SpanCounts } from "../snapshot";
import type { HogQLResult } from "./client";
import { DAILY_COLUMNS, EXTRA_COLUMNS, FUTURE_AGE, QUERY_LIMIT, type QueryColumn } from "./daily-query";

/*
 * Reads the daily query's (day, age) rows twice over: summed by project-local day for usage,
 * and by 24-hour age for the rules' windows. Columns are read by name. Anything not as asked
 * (a missing column, a count that is not a count, a truncated answer) makes the whole answer
 * unreadable: a partly read one would undercount without saying so.
 */

export type EventRows = { daily: DailyCounts[]; windows: EventWindows };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function toCount(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null;
}

function toAge(value: unknown): number | null {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= FUTURE_AGE ? n : null;
}

function toVersions(value: unknown): string[] | null {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) return null;
  return value.filter((v): v is string => typeof v === "string" && v.includes("@")).slice(0, 200);
}

const emptyDay = (day: string): DailyCounts => ({ day, events: 0, identifies: 0, localEvents: 0, nonLocalEvents: 0, flagCalls: 0 });

/**
 * `from` is the first day asked for and `today` the refresh's project-local day. Days are
 * zero-filled from `from` to `today` (or to a later local day PostHog's clock had reached, a
 * moment after ours); spans are kept only where there were events, to keep the snapshot small.
 */
export function readEventRows(
  result: HogQLResult,
  from: string,
  today: string,
  custom: Pick<QueryColumn, "alias" | "checkId" | "counts">[],
): EventRows | null {
  if (result.results.length >= QUERY_LIMIT) return null;
  const at = (name: string) => result.columns.indexOf(name);
  const base = DAILY_COLUMNS.map(at);
  const extra = EXTRA_COLUMNS.map(at);
  const columns = custom.map((c) => ({ ...c, index: at(c.alias) }));
  if ([...base, ...extra].some((i) => i < 0) || columns.some((c) => c.index < 0)) return null;
  const [dayAt, ageAt, ...countAt] = base as [number, number, ...number[]];
  const latest = shiftDay(today, 2);

  const byDay = new Map<string, DailyCounts>();
  const byAge = new Map<number, SpanCounts>();
  const persons: Record<string, number> = {};
  let futureEvents = 0;
  for (const row of result.results) {
    const day = typeof row[dayAt] === "string" ? (row[dayAt] as string).slice(0, 10) : null;
    const age = toAge(row[ageAt]);
    const counts = countAt.map((i) => toCount(row[i]));
    const [proxy, autocapture, groups] = extra.slice(0, 3).map((i) => toCount(row[i]));
    const versions = toVersions(row[extra[3]!]);
    const customCounts = columns.map((c) => toCount(row[c.index]));
    if (!day || !DAY_RE.test(day) || age === null || versions === null) return null;
    if ([...counts, proxy, autocapture, groups, ...customCounts].some((c) => c === null)) return null;
    const [events, identifies, localEvents, nonLocalEvents, flagCalls] = counts as number[];
    // The same distinct-person count comes back on every row: it covers the check's whole window.
    for (const [i, c] of columns.entries()) if (c.counts === "persons") persons[c.checkId] = customCounts[i]!;
    if (age === FUTURE_AGE) {
      futureEvents += events!;
      continue;
    }
    if (day >= from && day <= latest) {
      const d = byDay.get(day) ?? emptyDay(day);
      byDay.set(day, {
        day,
        events: d.events + events!,
        identifies: d.identifies + identifies!,
        localEvents: d.localEvents + localEvents!,
        nonLocalEvents: d.nonLocalEvents + nonLocalEvents!,
        flagCalls: d.flagCalls + flagCalls!,
      });
    }
    const s = byAge.get(age);
    const spanCustom: Record<string, number> = { ...s?.custom };
    for (const [i, c] of columns.entries()) {
      const n = (spanCustom[c.checkId] ?? 0) + (c.counts === "events" ? customCounts[i]! : 0);
      if (n > 0) spanCustom[c.checkId] = n;
    }
    byAge.set(age, {
      age,
      events: (s?.events ?? 0) + events!,
      identifies: (s?.identifies ?? 0) + identifies!,
      localEvents: (s?.localEvents ?? 0) + localEvents!,
      nonLocalEvents: (s?.nonLocalEvents ?? 0) + nonLocalEvents!,
      flagCalls: (s?.flagCalls ?? 0) + flagCalls!,
      proxyEvents: (s?.proxyEvents ?? 0) + proxy!,
      autocaptureEvents: (s?.autocaptureEvents ?? 0) + autocapture!,
      groupIdentifies: (s?.groupIdentifies ?? 0) + groups!,
      libVersions: [...new Set([...(s?.libVersions ?? []), ...versions])].sort(),
      custom: spanCustom,
    });
  }
  const last = [...byDay.keys()].reduce((max, d) => (d > max ? d : max), today);
  const daily: DailyCounts[] = [];
  // Plain day-string stepping: this runs for every day of every refresh, and zone-aware date
  // objects made it the costliest part of collecting.
  for (let day = from; day <= last; day = shiftDay(day, 1)) daily.push(byDay.get(day) ?? emptyDay(day));
  for (const c of columns) if (c.counts === "persons") persons[c.checkId] ??= 0;
  return {
    daily,
    windows: {
      spans: [...byAge.values()].filter((s) => s.events > 0).sort((a, b) => a.age - b.age),
      futureEvents,
      eventChecks: columns.map((c) => c.checkId),
      persons,
    },
  };
}

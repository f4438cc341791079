import { daysBetween } from "./days";
import type { DailyCounts, EventWindows, Fetched, SpanCounts, UsageSnapshot } from "./snapshot";
import type { RuleResult } from "./types";

/*
 * "The last N days" for every rule is the N×24 hours before the refresh: the spans of
 * `snapshot.windows` with age < N. Calendar days (project-local, for usage) are `snapshot.daily`.
 */

export type CountKey = Exclude<keyof SpanCounts, "age" | "libVersions" | "custom">;

/** The spans inside the last `days` × 24 hours. */
export const within = (spans: SpanCounts[], days: number) => spans.filter((s) => s.age < days);

export const sumOf = (spans: SpanCounts[], key: CountKey) => spans.reduce((n, s) => n + s[key], 0);

/** Sum of `key` over the last `days` × 24 hours. */
export const lastDays = (w: EventWindows, days: number, key: CountKey) => sumOf(within(w.spans, days), key);

/** "the 7×24 hours before the refresh": the exact length and end of every window. */
export const windowWords = (days: number) => `the ${days === 1 ? "24" : `${days}×24`} hours before the refresh`;

/**
 * The windows a handbook rule reads. Snapshots stored before the 24-hour windows have only
 * calendar days: their last day counts as age 0, which is how they were decided then, so a
 * rescore of an old snapshot (value.plan_usage_80 is re-decided at every rescore) reads the same.
 */
export function windowsOf(snapshot: UsageSnapshot): Fetched<EventWindows> {
  if (snapshot.windows) return snapshot.windows;
  if (!snapshot.daily.ok) return snapshot.daily;
  return { ok: true, value: legacyWindows(snapshot.daily.value) };
}

function legacyWindows(daily: DailyCounts[]): EventWindows {
  const end = daily.at(-1)?.day;
  const spans: SpanCounts[] = end
    ? daily
        .filter((d) => d.events > 0)
        .map((d) => ({
          age: daysBetween(d.day, end),
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
        }))
        .sort((a, b) => a.age - b.age)
    : [];
  return { spans, futureEvents: 0, eventChecks: [], persons: {} };
}

const countWords = (n: number) => `${n.toLocaleString("en-US")} ${n === 1 ? "event" : "events"}`;

/**
 * Events dated after the refresh are in no window; a result that read the windows says how many
 * there were, so a customer's clock skew is visible instead of silently shrinking the counts.
 */
export function noteFuture(result: RuleResult, windows: Fetched<EventWindows> | undefined): RuleResult {
  const n = windows?.ok ? windows.value.futureEvents : 0;
  if (!n) return result;
  return {
    ...result,
    evidence: { ...result.evidence, futureEvents: n },
    summary: `${result.summary} (${countWords(n)} with future timestamps ignored)`,
  };
}

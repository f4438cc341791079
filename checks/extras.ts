import type { DailyBreakdown, DailyCounts, Fetched } from "./snapshot";
import type { CheckDefinition, Evidence, RuleInput, RuleResult } from "./types";

/*
 * Checks delight ships beyond the handbook, off until a team switches them on in Settings. They
 * read columns the daily query always measures, so switching one on decides it from the stored
 * snapshot at once. Windows are the last 30 project-local days, like the handbook's checks.
 */

export type ExtraSettings = { minSdkVersions: Record<string, string> };

export const EXTRA_IDS = ["extra.reverse_proxy", "extra.sdk_current", "extra.autocapture_actions", "extra.identify_share"] as const;
export type ExtraId = (typeof EXTRA_IDS)[number];

/** Weights of the extras until a scoring version says otherwise. */
export const EXTRA_WEIGHTS: Record<ExtraId, number> = {
  "extra.reverse_proxy": 1,
  "extra.sdk_current": 1,
  "extra.autocapture_actions": 1,
  "extra.identify_share": 1,
};

const WINDOW = 30;
export const AUTOCAPTURE_SHARE_LIMIT = 0.5;
export const IDENTIFY_SHARE_LIMIT = 0.05;

const unknown = (summary: string, evidence: Evidence = {}): RuleResult => ({ status: "unknown", evidence, summary });
const decide = (pass: boolean, evidence: Evidence, summary: string): RuleResult => ({ status: pass ? "pass" : "fail", evidence, summary });
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
const num = (n: number) => n.toLocaleString("en-US");

function lastDays<T extends { day: string }>(rows: T[], days: number): T[] {
  const end = rows.at(-1)?.day;
  if (!end) return [];
  const from = new Date(Date.parse(`${end}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return rows.filter((r) => r.day >= from);
}

/** The breakdown rows, or the reason a rule cannot read them. */
function withBreakdown(b: Fetched<DailyBreakdown[]> | undefined, rule: (rows: DailyBreakdown[]) => RuleResult): RuleResult {
  if (!b) return unknown("Not measured yet: refresh to measure this");
  if (!b.ok)
    return unknown(`Could not read event counts from PostHog: ${b.error.message}`, { reason: b.error.message, call: b.error.call });
  return rule(lastDays(b.value, WINDOW));
}

const sumOf = <T>(rows: T[], pick: (r: T) => number) => rows.reduce((s, r) => s + pick(r), 0);

/** Numeric parts of a version ("1.2.3-beta.1" → [1, 2, 3]); null when it does not start with a number. */
export function parseVersion(v: string): number[] | null {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1]!.split(".").map(Number) : null;
}

/** Negative when a < b. Missing parts count as 0 ("1.2" = "1.2.0"). */
export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function reverseProxy({ snapshot }: RuleInput): RuleResult {
  return withBreakdown(snapshot.breakdown, (rows) => {
    const proxied = sumOf(rows, (r) => r.proxyEvents);
    return decide(
      proxied > 0,
      { proxiedEvents30d: proxied },
      proxied > 0
        ? `${num(proxied)} events sent through a reverse proxy in the last 30 days`
        : "No events with $lib_custom_api_host in the last 30 days",
    );
  });
}

export function sdkCurrent(input: RuleInput, settings: ExtraSettings): RuleResult {
  const minimums = Object.entries(settings.minSdkVersions);
  if (minimums.length === 0) return unknown("No minimum SDK versions set in Settings");
  return withBreakdown(input.snapshot.breakdown, (rows) => {
    const seen = [...new Set(rows.flatMap((r) => r.libVersions))].sort();
    if (seen.length === 0) return unknown("No events with $lib_version in the last 30 days", { libsSeen: [] });
    const outdated = seen.filter((pair) => {
      const at = pair.lastIndexOf("@");
      const min = settings.minSdkVersions[pair.slice(0, at)];
      const version = parseVersion(pair.slice(at + 1));
      const floor = min ? parseVersion(min) : null;
      return floor !== null && version !== null && compareVersions(version, floor) < 0;
    });
    const evidence = { outdated: outdated.slice(0, 10), libsSeen: seen.slice(0, 20), minimums: minimums.map(([lib, v]) => `${lib}@${v}`) };
    return decide(
      outdated.length === 0,
      evidence,
      outdated.length
        ? `Outdated SDKs in the last 30 days: ${outdated.slice(0, 5).join(", ")}`
        : `All ${seen.length} SDK versions seen meet the minimums`,
    );
  });
}

function autocaptureActions({ snapshot }: RuleInput): RuleResult {
  return withBreakdown(snapshot.breakdown, (rows) => {
    if (!snapshot.daily.ok) return unknown(`Could not read event counts from PostHog: ${snapshot.daily.error.message}`);
    const events = sumOf(lastDays<DailyCounts>(snapshot.daily.value, WINDOW), (r) => r.events);
    const autocapture = sumOf(rows, (r) => r.autocaptureEvents);
    const share = pct(autocapture, events);
    const actions = snapshot.actions.ok ? snapshot.actions.value.length : null;
    const evidence = { autocaptureEvents30d: autocapture, events30d: events, autocapturePercent: share, actions };
    if (events === 0) return unknown("No events in the last 30 days", evidence);
    const heavy = autocapture > events * AUTOCAPTURE_SHARE_LIMIT;
    if (!heavy) return decide(true, evidence, `Autocapture is ${share}% of events`);
    if (actions === null) return unknown(`Autocapture is ${share}% of events; could not read actions`, evidence);
    return decide(
      actions > 0,
      evidence,
      actions > 0
        ? `Autocapture is ${share}% of events, with ${num(actions)} actions defined`
        : `Autocapture is ${share}% of events and no actions are defined`,
    );
  });
}

function identifyShare({ snapshot }: RuleInput): RuleResult {
  return withBreakdown(snapshot.breakdown, (rows) => {
    if (!snapshot.daily.ok) return unknown(`Could not read event counts from PostHog: ${snapshot.daily.error.message}`);
    const daily = lastDays<DailyCounts>(snapshot.daily.value, WINDOW);
    const events = sumOf(daily, (r) => r.events);
    const identifies = sumOf(daily, (r) => r.identifies) + sumOf(rows, (r) => r.groupIdentifies);
    const share = pct(identifies, events);
    const evidence = { identifyEvents30d: identifies, events30d: events, identifyPercent: share };
    if (events === 0) return unknown("No events in the last 30 days", evidence);
    return decide(
      identifies <= events * IDENTIFY_SHARE_LIMIT,
      evidence,
      `$identify and $groupidentify are ${share}% of events in the last 30 days`,
    );
  });
}

/** The extras with the team's settings applied. */
export function extraChecks(settings: ExtraSettings): CheckDefinition[] {
  const base = { kind: "automated" as const, origin: "extra" as const, fromSnapshot: true, section: "setup" as const };
  return [
    {
      ...base,
      id: "extra.reverse_proxy",
      question: "Is the customer sending events through a reverse proxy?",
      rule: "Passes with at least one event in the last 30 days that has $lib_custom_api_host set.",
      evaluate: reverseProxy,
    },
    {
      ...base,
      id: "extra.sdk_current",
      question: "Are the customer's PostHog SDKs up to date?",
      rule: "Fails when an event in the last 30 days has a $lib_version below the minimum set for its $lib in Settings; unknown without minimums.",
      evaluate: (input) => sdkCurrent(input, settings),
    },
    {
      ...base,
      id: "extra.autocapture_actions",
      question: "Is autocapture backed by defined actions?",
      rule: "Fails when autocapture is above 50% of events in the last 30 days and no actions are defined.",
      evaluate: autocaptureActions,
    },
    {
      ...base,
      id: "extra.identify_share",
      question: "Are identify calls a sensible share of event volume?",
      rule: "Fails when $identify and $groupidentify together are above 5% of events in the last 30 days.",
      evaluate: identifyShare,
    },
  ];
}

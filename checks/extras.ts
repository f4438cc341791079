import type { DashboardInfo, EventWindows, Fetched, InsightInfo, SpanCounts, UsageSnapshot } from "./snapshot";
import type { CheckDefinition, Evidence, RuleInput, RuleResult } from "./types";
import { noteFuture, sumOf, within } from "./windows";

/*
 * Checks delight ships beyond the handbook, off until a team switches them on in Settings. They
 * read what every refresh already measures (columns of the daily query, fields of the dashboard
 * and insight lists), so switching one on decides it from the stored snapshot at once. Windows
 * are the 30×24 hours before the refresh, like the handbook's checks.
 */

export type ExtraSettings = { minSdkVersions: Record<string, string> };

export const EXTRA_IDS = [
  "extra.reverse_proxy",
  "extra.sdk_current",
  "extra.autocapture_actions",
  "extra.identify_share",
  "extra.dashboards_viewed",
] as const;
export type ExtraId = (typeof EXTRA_IDS)[number];

/** Weights of the extras until a scoring version says otherwise. */
export const EXTRA_WEIGHTS: Record<ExtraId, number> = {
  "extra.reverse_proxy": 1,
  "extra.sdk_current": 1,
  "extra.autocapture_actions": 1,
  "extra.identify_share": 1,
  "extra.dashboards_viewed": 1,
};

const WINDOW = 30;
const DAY_MS = 86_400_000;
export const AUTOCAPTURE_SHARE_LIMIT = 0.5;
export const IDENTIFY_SHARE_LIMIT = 0.05;

const unknown = (summary: string, evidence: Evidence = {}): RuleResult => ({ status: "unknown", evidence, summary });
const decide = (pass: boolean, evidence: Evidence, summary: string): RuleResult => ({ status: pass ? "pass" : "fail", evidence, summary });
const pct = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);
const num = (n: number) => n.toLocaleString("en-US");

/** The spans of the last 30×24 hours, or the reason a rule cannot read them. */
function withWindows(w: Fetched<EventWindows> | undefined, rule: (spans: SpanCounts[]) => RuleResult): RuleResult {
  if (!w) return unknown("Not measured yet: refresh to measure this");
  if (!w.ok)
    return unknown(`Could not read event counts from PostHog: ${w.error.message}`, { reason: w.error.message, call: w.error.call });
  return noteFuture(rule(within(w.value.spans, WINDOW)), w);
}

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
  return withWindows(snapshot.windows, (spans) => {
    const proxied = sumOf(spans, "proxyEvents");
    return decide(
      proxied > 0,
      { proxiedEvents30d: proxied },
      proxied > 0
        ? `${num(proxied)} events sent through a reverse proxy in the last 30×24 hours`
        : "No events with $lib_custom_api_host in the last 30×24 hours",
    );
  });
}

export function sdkCurrent(input: RuleInput, settings: ExtraSettings): RuleResult {
  const minimums = Object.entries(settings.minSdkVersions);
  if (minimums.length === 0) return unknown("No minimum SDK versions set in Settings");
  return withWindows(input.snapshot.windows, (spans) => {
    const seen = [...new Set(spans.flatMap((r) => r.libVersions))].sort();
    if (seen.length === 0) return unknown("No events with $lib_version in the last 30×24 hours", { libsSeen: [] });
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
        ? `Outdated SDKs in the last 30×24 hours: ${outdated.slice(0, 5).join(", ")}`
        : `All ${seen.length} SDK versions seen meet the minimums`,
    );
  });
}

function autocaptureActions({ snapshot }: RuleInput): RuleResult {
  return withWindows(snapshot.windows, (spans) => {
    const events = sumOf(spans, "events");
    const autocapture = sumOf(spans, "autocaptureEvents");
    const share = pct(autocapture, events);
    const actions = snapshot.actions.ok ? snapshot.actions.value.length : null;
    const evidence = { autocaptureEvents30d: autocapture, events30d: events, autocapturePercent: share, actions };
    if (events === 0) return unknown("No events in the last 30×24 hours", evidence);
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
  return withWindows(snapshot.windows, (spans) => {
    const events = sumOf(spans, "events");
    const identifies = sumOf(spans, "identifies") + sumOf(spans, "groupIdentifies");
    const share = pct(identifies, events);
    const evidence = { identifyEvents30d: identifies, events30d: events, identifyPercent: share };
    if (events === 0) return unknown("No events in the last 30×24 hours", evidence);
    return decide(
      identifies <= events * IDENTIFY_SHARE_LIMIT,
      evidence,
      `$identify and $groupidentify are ${share}% of events in the last 30×24 hours`,
    );
  });
}

type Viewed = { kind: "dashboard" | "insight"; name: string; at: string };

/**
 * Dashboards' `last_accessed_at` (anyone opening it) and the funnel insights' `last_viewed_at`,
 * from the lists a refresh already reads: no extra PostHog call. Measured back from the refresh,
 * so a later rescore of the same snapshot decides the same.
 */
export function dashboardsViewed(snapshot: UsageSnapshot): RuleResult {
  const since = Date.parse(snapshot.collectedAt) - WINDOW * DAY_MS;
  const dashboards = snapshot.dashboards;
  const insights = snapshot.insights;
  const measured = (list: (DashboardInfo | InsightInfo)[], key: "lastAccessedAt" | "lastViewedAt") =>
    list.length === 0 || list.some((x) => key in x);
  if ((dashboards.ok && !measured(dashboards.value, "lastAccessedAt")) || (insights.ok && !measured(insights.value, "lastViewedAt")))
    return unknown("Not measured yet: refresh to measure this");
  const recent = (at: string | null | undefined) =>
    at ? Date.parse(at) > since && Date.parse(at) <= Date.parse(snapshot.collectedAt) : false;
  const viewed: Viewed[] = [
    ...(dashboards.ok ? dashboards.value : []).flatMap((d) =>
      recent(d.lastAccessedAt) ? [{ kind: "dashboard" as const, name: d.name || `#${d.id}`, at: d.lastAccessedAt! }] : [],
    ),
    ...(insights.ok ? insights.value : []).flatMap((i) =>
      recent(i.lastViewedAt) ? [{ kind: "insight" as const, name: i.name ?? `#${i.id}`, at: i.lastViewedAt! }] : [],
    ),
  ].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const dashboardCount = viewed.filter((v) => v.kind === "dashboard").length;
  const insightCount = viewed.length - dashboardCount;
  const latest = viewed[0] ?? null;
  const evidence: Evidence = {
    viewed30d: viewed.length,
    dashboardsViewed30d: dashboards.ok ? dashboardCount : null,
    insightsViewed30d: insights.ok ? insightCount : null,
    mostRecentlyViewed: latest ? `${latest.kind} ${latest.name}` : null,
    mostRecentlyViewedAt: latest?.at ?? null,
    viewedNames: viewed.slice(0, 5).map((v) => v.name),
  };
  if (latest) {
    const what = [
      dashboardCount ? `${num(dashboardCount)} ${dashboardCount === 1 ? "dashboard" : "dashboards"}` : null,
      insightCount ? `${num(insightCount)} ${insightCount === 1 ? "insight" : "insights"}` : null,
    ]
      .filter(Boolean)
      .join(" and ");
    return decide(true, evidence, `${what} viewed in the last 30×24 hours; most recently “${latest.name}” on ${latest.at.slice(0, 10)}`);
  }
  const failure = !dashboards.ok ? dashboards.error : !insights.ok ? insights.error : null;
  // Nothing seen in the list that was read: the one that failed might have had a view.
  if (failure)
    return unknown(
      `Could not read ${failure.call === "dashboards" ? "dashboards" : "insights"} from PostHog: ${failure.message}`,
      evidence,
    );
  return decide(false, evidence, "No dashboard or insight viewed in the last 30×24 hours");
}

/** The extras with the team's settings applied. */
export function extraChecks(settings: ExtraSettings): CheckDefinition[] {
  const base = { kind: "automated" as const, origin: "extra" as const, fromSnapshot: true, section: "setup" as const };
  return [
    {
      ...base,
      id: "extra.reverse_proxy",
      question: "Is the customer sending events through a reverse proxy?",
      rule: "Passes with at least one event in the 30×24 hours before the refresh that has $lib_custom_api_host set.",
      evaluate: reverseProxy,
    },
    {
      ...base,
      id: "extra.sdk_current",
      question: "Are the customer's PostHog SDKs up to date?",
      rule: "Fails when an event in the 30×24 hours before the refresh has a $lib_version below the minimum set for its $lib in Settings; unknown without minimums.",
      evaluate: (input) => sdkCurrent(input, settings),
    },
    {
      ...base,
      id: "extra.autocapture_actions",
      question: "Is autocapture backed by defined actions?",
      rule: "Fails when autocapture is above 50% of events in the 30×24 hours before the refresh and no actions are defined.",
      evaluate: autocaptureActions,
    },
    {
      ...base,
      id: "extra.identify_share",
      question: "Are identify calls a sensible share of event volume?",
      rule: "Fails when $identify and $groupidentify together are above 5% of events in the 30×24 hours before the refresh.",
      evaluate: identifyShare,
    },
    {
      ...base,
      id: "extra.dashboards_viewed",
      question: "Is the customer's team looking at its dashboards?",
      rule: "Passes when at least one dashboard (last accessed) or saved funnel insight (last viewed) was viewed in the 30×24 hours before the refresh.",
      evaluate: ({ snapshot }) => dashboardsViewed(snapshot),
    },
  ];
}

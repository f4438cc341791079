/**
 * What one refresh measured about a customer's PostHog project. Produced by collect.ts from
 * seven REST calls and one HogQL query; every automated check is a pure function of it.
 * Lists are trimmed to the fields the rules read, so a snapshot is small enough to store
 * with its run (check_runs.snapshot) and re-evaluate later.
 */

/** The calls a refresh makes; a failed call makes only the checks that read it `unknown`. */
export const CALLS = ["project", "members", "actions", "insights", "dashboards", "feature_flags", "person_properties", "events"] as const;
export type CallName = (typeof CALLS)[number];

/** What each call reads, in words for messages and pages ("could not read <label> from PostHog"). */
export const CALL_LABELS: Record<CallName, string> = {
  project: "the project settings",
  members: "the organisation members",
  actions: "actions",
  insights: "saved funnel insights",
  dashboards: "dashboards",
  feature_flags: "feature flags",
  person_properties: "person properties",
  events: "daily event counts",
};

export type PostHogErrorKind =
  | "auth" // key rejected (401 / 403 authentication_failed)
  | "scope" // key lacks a scope (403 "missing required scope")
  | "forbidden" // other 403: no access to the project or org policy
  | "not_found" // project or org does not exist (404)
  | "rate_limited" // still throttled after the bounded wait
  | "timeout"
  | "network"
  | "server" // 5xx after retries
  | "bad_response" // not JSON, or not the shape PostHog documents
  | "bad_request"; // 400 (e.g. HogQL error)

export type CallFailure = {
  call: CallName;
  kind: PostHogErrorKind;
  message: string;
  /** `scope` failures: the scope PostHog named. Absent in runs stored before it was kept. */
  scope?: string;
  /** `network` and `timeout` failures: the host that did not answer. */
  host?: string;
};

export type Fetched<T> = { ok: true; value: T } | { ok: false; error: CallFailure };

export type TestAccountFilter = { key: string; operator?: string; value?: unknown; type?: string };

export type ProjectInfo = {
  id: number;
  name: string;
  organizationId: string;
  /** ISO timestamp of project creation. */
  createdAt: string;
  /** IANA zone; PostHog buckets days in it. */
  timezone: string;
  appUrls: string[];
  testAccountFilters: TestAccountFilter[];
};

export type Member = {
  email: string | null;
  joinedAt: string | null;
  /** Null if the member never signed in through the web app (API-key use does not count). */
  lastLogin: string | null;
};

export type ActionInfo = {
  id: number;
  name: string;
  createdAt: string | null;
  hasCreator: boolean;
};

export type InsightInfo = {
  id: number;
  name: string | null;
  /** `query.kind`, and `query.source.kind` for InsightVizNode wrappers. */
  queryKind: string | null;
  sourceKind: string | null;
  /** Legacy `filters.insight` (e.g. "FUNNELS") when `query` is null. */
  legacyInsight: string | null;
  hasCreator: boolean;
  saved: boolean;
  createdAt: string | null;
  dashboardIds: number[];
  /** When the insight was last viewed; absent in snapshots taken before delight read it. */
  lastViewedAt?: string | null;
};

export type DashboardInfo = {
  id: number;
  name: string;
  hasCreator: boolean;
  creationMode: string | null;
  createdAt: string | null;
  pinned: boolean;
  /** When anyone last opened the dashboard; absent in snapshots taken before delight read it. */
  lastAccessedAt?: string | null;
};

export type FeatureFlagInfo = {
  id: number;
  key: string;
  active: boolean;
  archived: boolean;
  deleted: boolean;
};

export type PersonPropertyInfo = { name: string; virtual: boolean };

/** One project-local day from the HogQL query. */
export type DailyCounts = {
  day: string; // YYYY-MM-DD in the project's time zone
  events: number;
  identifies: number;
  localEvents: number; // $host is localhost / 127.0.0.1, any port
  nonLocalEvents: number; // $host set and not local, or no $host at all (server SDKs)
  flagCalls: number; // $feature_flag_called
};

/**
 * Per project-local day, the columns the optional checks read. Snapshots taken before the
 * 24-hour windows (`EventWindows`) carried these; they are kept only to type old stored rows.
 */
export type DailyBreakdown = {
  day: string;
  proxyEvents: number;
  autocaptureEvents: number;
  groupIdentifies: number;
  libVersions: string[];
  custom: Record<string, number>;
};

/**
 * The events of one 24-hour span measured back from the refresh: age 0 is the 24 hours up to
 * it, age 1 the 24 before those, and so on, so "the last N days" is exactly the spans with
 * age < N (N×24 hours, whatever the project's time zone or a DST change does to its days).
 */
export type SpanCounts = {
  age: number;
  events: number;
  identifies: number;
  localEvents: number;
  nonLocalEvents: number;
  flagCalls: number;
  /** Events with `$lib_custom_api_host` set (sent through a reverse proxy). */
  proxyEvents: number;
  autocaptureEvents: number;
  groupIdentifies: number;
  /** Distinct `lib@version` pairs seen in the span. */
  libVersions: string[];
  /** Matching events per event check that counts events, by check id (zeros left out). */
  custom: Record<string, number>;
};

/** What the rules' windows read, from the same single HogQL query as the daily counts. */
export type EventWindows = {
  /** Spans that had events, youngest first. */
  spans: SpanCounts[];
  /** Events dated after the refresh (clock skew): in no window and no day, and said so in evidence. */
  futureEvents: number;
  /** The team's event checks this query measured (an id missing here was added after it). */
  eventChecks: string[];
  /** Distinct persons per event check that counts persons, over that check's own window. */
  persons: Record<string, number>;
};

export type UsageSnapshot = {
  /** ISO timestamp the refresh measured at (the `now` the rules use). */
  collectedAt: string;
  /** First day the daily query covered (YYYY-MM-DD, project-local). */
  dailyFrom: string;
  project: Fetched<ProjectInfo>;
  members: Fetched<Member[]>;
  actions: Fetched<ActionInfo[]>;
  /** From `insights/?basic=true&insight=FUNNELS&saved=true`. */
  insights: Fetched<InsightInfo[]>;
  dashboards: Fetched<DashboardInfo[]>;
  featureFlags: Fetched<FeatureFlagInfo[]>;
  personProperties: Fetched<PersonPropertyInfo[]>;
  /** Zero-filled, one row per day from dailyFrom to the refresh day; events dated after the refresh are left out. */
  daily: Fetched<DailyCounts[]>;
  /** From the same HogQL query as `daily`; absent in snapshots taken before the 24-hour windows. */
  windows?: Fetched<EventWindows>;
  /** Old snapshots only (see DailyBreakdown); nothing writes it any more. */
  breakdown?: Fetched<DailyBreakdown[]>;
  /** HTTP requests made, retries and pages included. */
  apiCalls: number;
};

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

export type CallFailure = { call: CallName; kind: PostHogErrorKind; message: string };

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
};

export type DashboardInfo = {
  id: number;
  name: string;
  hasCreator: boolean;
  creationMode: string | null;
  createdAt: string | null;
  pinned: boolean;
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
 * The same project-local days, with the columns the optional checks read (the extras and the
 * team's event checks). Older snapshots have none; rules then say "not measured yet".
 */
export type DailyBreakdown = {
  day: string;
  /** Events with `$lib_custom_api_host` set (sent through a reverse proxy). */
  proxyEvents: number;
  autocaptureEvents: number;
  groupIdentifies: number;
  /** Distinct `lib@version` pairs seen that day. */
  libVersions: string[];
  /** Matching events per team-defined event check, by check id. */
  custom: Record<string, number>;
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
  /** Zero-filled, one row per day from dailyFrom to the refresh day. */
  daily: Fetched<DailyCounts[]>;
  /** From the same HogQL query as `daily`; absent in snapshots taken before it existed. */
  breakdown?: Fetched<DailyBreakdown[]>;
  /** HTTP requests made, retries and pages included. */
  apiCalls: number;
};

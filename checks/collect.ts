import { localDay, zoneOrUtc } from "./days";
import { createPostHogClient, type PostHogClient } from "./posthog/client";
import { buildDailyQuery, DAILY_QUERY_NAME, dailyFromDate, type QueryColumn } from "./posthog/daily-query";
import { readEventRows } from "./posthog/daily-rows";
import { PostHogError } from "./posthog/errors";
import type { HostPolicy } from "./posthog/host";
import { ACTIONS, DASHBOARDS, FEATURE_FLAGS, INSIGHTS, MEMBERS, PERSON_PROPERTIES, PROJECT, type Shape } from "./posthog/quick-shapes";
import type { RateLimiter } from "./posthog/rate-limit";
import { parseOrExplain } from "./posthog/schemas";
import {
  CALL_LABELS,
  type CallName,
  type DailyCounts,
  type EventWindows,
  type Fetched,
  type Member,
  type PostHogErrorKind,
  type UsageSnapshot,
} from "./snapshot";

export type CollectTarget = {
  host: string;
  projectId: number;
  apiKey: string;
  billingDay: number | null;
  /** The customer's event checks, compiled to extra columns of the one daily query. */
  eventColumns?: QueryColumn[];
  /** Days the daily query must reach back for the longest event check. */
  lookbackDays?: number;
  /** The project's organization at the last refresh: members are then asked in the first round. */
  organizationId?: string | null;
};

/** A members call refused for these reasons may have named an organization the project left. */
const REFUSED = new Set<PostHogErrorKind>(["forbidden", "not_found"]);

export type CollectOptions = {
  now: Date;
  fetch?: typeof fetch;
  /** Resolve, check and pin the host on every request (see client.ts); left out, no check. */
  hostPolicy?: HostPolicy;
  limiter?: RateLimiter;
  timeoutMs?: number;
  retries?: number;
  maxRetryWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

function failed<T>(call: CallName, kind: PostHogErrorKind, message: string, extra: { scope?: string; host?: string } = {}): Fetched<T> {
  return { ok: false, error: { call, kind, message, ...extra } };
}

/** Runs one call; whatever goes wrong (PostHog, shape, or a bug here) ends up in its own field. */
async function attempt<T>(call: CallName, run: () => Promise<T>): Promise<Fetched<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof PostHogError) {
      return failed(call, error.kind, error.message, {
        ...(error.scope ? { scope: error.scope } : {}),
        ...(error.host ? { host: error.host } : {}),
      });
    }
    return failed(call, "bad_response", `delight could not read ${CALL_LABELS[call]} from PostHog`);
  }
}

/** The usual well-formed answer is read without zod; anything else is zod's to accept or explain. */
function parsed<T>(call: CallName, shape: Shape<T>, value: unknown): T {
  const quick = shape.quick(value);
  if (quick !== undefined) return quick;
  const result = parseOrExplain(shape.schema, value, CALL_LABELS[call]);
  if (!result.ok) throw new PostHogError("bad_response", result.message);
  return result.value;
}

/**
 * Measures one customer's project: seven REST calls and one HogQL query, started together.
 * Members need the organization id from the project call: a first refresh waits for the project
 * (a second round); later ones pass the organization stored from the last refresh and ask for
 * members in the first round, falling back to the second when the project names another
 * organization or the guessed one refuses. `@current` would avoid both but names the key
 * owner's current org, which is wrong for a key that reaches several organizations.
 * Never throws: each failure is recorded in the field it affects.
 */
export async function collectSnapshot(target: CollectTarget, options: CollectOptions): Promise<UsageSnapshot> {
  const dailyFrom = dailyFromDate(options.now, target.billingDay, target.lookbackDays);
  const eventColumns = target.eventColumns ?? [];
  const base = { collectedAt: options.now.toISOString(), dailyFrom };
  let client: PostHogClient;
  try {
    client = createPostHogClient({
      host: target.host,
      apiKey: target.apiKey,
      projectId: target.projectId,
      fetch: options.fetch,
      hostPolicy: options.hostPolicy,
      limiter: options.limiter,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      maxRetryWaitMs: options.maxRetryWaitMs,
      sleep: options.sleep,
    });
  } catch (error) {
    const kind = error instanceof PostHogError ? error.kind : "bad_request";
    const message = error instanceof Error ? error.message : "The PostHog address is not usable";
    const all = <T>(call: CallName) => failed<T>(call, kind, message);
    return {
      ...base,
      project: all("project"),
      members: all("members"),
      actions: all("actions"),
      insights: all("insights"),
      dashboards: all("dashboards"),
      featureFlags: all("feature_flags"),
      personProperties: all("person_properties"),
      daily: all("events"),
      windows: all("events"),
      apiCalls: 0,
    };
  }

  const p = `/api/projects/${target.projectId}`;
  const project = attempt("project", async () => parsed("project", PROJECT, await client.getJson(`${p}/`)));
  const membersOf = (org: string) =>
    attempt("members", async () =>
      parsed("members", MEMBERS, await client.getAllPages(`/api/organizations/${encodeURIComponent(org)}/members/`)),
    );
  // The organization known from the last refresh lets members go out with the first round; the
  // project's answer decides whether that guess holds (a moved project or a refused call asks again).
  const guessed = target.organizationId ? membersOf(target.organizationId) : null;
  const members = project.then(async (proj): Promise<Fetched<Member[]>> => {
    if (!proj.ok) {
      await guessed;
      return failed(
        "members",
        proj.error.kind,
        `Members not read: the organization is unknown because the project call failed (${proj.error.message})`,
      );
    }
    if (guessed && proj.value.organizationId === target.organizationId) {
      const first = await guessed;
      if (first.ok || !REFUSED.has(first.error.kind)) return first;
    }
    return membersOf(proj.value.organizationId);
  });
  // Actions come back as one unpaginated {count, results} without next.
  const actions = attempt("actions", async () => parsed("actions", ACTIONS, await client.getJson(`${p}/actions/`)).results);
  const insights = attempt("insights", async () =>
    parsed("insights", INSIGHTS, await client.getAllPages(`${p}/insights/?basic=true&insight=FUNNELS&saved=true`, "insights")),
  );
  const dashboards = attempt("dashboards", async () => parsed("dashboards", DASHBOARDS, await client.getAllPages(`${p}/dashboards/`)));
  const featureFlags = attempt("feature_flags", async () =>
    parsed("feature_flags", FEATURE_FLAGS, await client.getAllPages(`${p}/feature_flags/`)),
  );
  const personProperties = attempt("person_properties", async () =>
    parsed("person_properties", PERSON_PROPERTIES, await client.getAllPages(`${p}/property_definitions/?type=person`)),
  );
  // Still exactly one HogQL query: event checks only add columns (HogQL allows ~120 queries an hour per key).
  const daily = buildDailyQuery(eventColumns);
  const rows = attempt("events", () => client.hogql(daily.query, { ...daily.values, from: dailyFrom }, DAILY_QUERY_NAME));

  const [projectR, membersR, actionsR, insightsR, dashboardsR, flagsR, propsR, rowsR] = await Promise.all([
    project,
    members,
    actions,
    insights,
    dashboards,
    featureFlags,
    personProperties,
    rows,
  ]);
  // Days are bucketed in the project's zone; without the project, UTC is the best guess.
  const today = localDay(options.now, zoneOrUtc(projectR.ok ? projectR.value.timezone : null));
  let dailyR: Fetched<DailyCounts[]>;
  let windows: Fetched<EventWindows>;
  if (!rowsR.ok) {
    dailyR = rowsR;
    windows = rowsR;
  } else {
    const read = readEventRows(rowsR.value, dailyFrom, today, eventColumns);
    if (read) {
      dailyR = { ok: true, value: read.daily };
      windows = { ok: true, value: read.windows };
    } else {
      const message = `PostHog returned ${CALL_LABELS.events} delight could not read`;
      dailyR = failed("events", "bad_response", message);
      windows = failed("events", "bad_response", message);
    }
  }

  return {
    ...base,
    project: projectR,
    members: membersR,
    actions: actionsR,
    insights: insightsR,
    dashboards: dashboardsR,
    featureFlags: flagsR,
    personProperties: propsR,
    daily: dailyR,
    windows,
    apiCalls: client.requestCount,
  };
}

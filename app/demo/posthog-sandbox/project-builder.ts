import {
  DEFAULT_HOST_FILTER,
  type Json,
  type Person,
  rawAction,
  rawDashboard,
  rawFlag,
  rawInsight,
  rawMember,
  rawProject,
  rawPropertyDefinition,
  userBasic,
} from "./fixtures";
import {
  type DayCounts,
  daysAgoIso,
  hex,
  type StreamSpec,
  type SyntheticStream,
  streamsOf,
  type TimelineEvent,
  type Traffic,
  uuid,
} from "./synthetic";

export type Expectation = "pass" | "fail" | "unknown";

export type SandboxCustomer = {
  name: string;
  slug: string;
  title: string;
  projectId: number;
  apiKey: string;
  suggestedPlan: { name: string; monthlyEvents: number };
  billingDay: number;
  /** What each automated check should conclude from this project (absent = not asserted). */
  expected: Record<string, Expectation>;
};

/** Everything the sandbox serves for one customer, already in PostHog's response shapes. */
export type SandboxProject = {
  customer: SandboxCustomer;
  organizationId: string;
  timezone: string;
  project: Json;
  members: Json[];
  actions: Json[];
  insights: Json[];
  dashboards: Json[];
  flags: Json[];
  personProperties: Json[];
  traffic: Traffic;
  /** The day's events in detail, for the extras' columns and the team's event checks. */
  streams: (counts: DayCounts) => SyntheticStream[];
  /** Events at exact moments, on top of `traffic`. */
  timeline: TimelineEvent[];
  /** The key exists but PostHog answers 401 authentication_failed to everything. */
  revoked: boolean;
  missingScopes: string[];
};

export type ProjectSpec = {
  name: string;
  title: string;
  projectId: number;
  timezone: string;
  createdDaysAgo: number;
  plan: { name: string; monthlyEvents: number };
  billingDay: number;
  /** Days since each member last logged in (null = never); the list length is the team size. */
  lastLogins: (number | null)[];
  appUrls: string[];
  /** Default: PostHog's signup filters (company email + $host). */
  testAccountFilters?: Json[];
  actions: number;
  funnel: "none" | "funnel" | "legacy-funnel";
  customDashboard: boolean;
  activeFlags: number;
  customPersonProperties: number;
  traffic: (seed: string) => Traffic;
  /** Named events with properties, as shares of each day's events (none by default). */
  streams?: StreamSpec[];
  /** Events at exact moments, on top of `traffic` (none by default). */
  timeline?: TimelineEvent[];
  /**
   * Days since the team last opened its own dashboard and looked at its funnel (null: never
   * since created). Default: never.
   */
  lastViewedDaysAgo?: number | null;
  revoked?: boolean;
  missingScopes?: string[];
  /** Extra objects a real project accumulates and that the list filters must hide. */
  clutter?: boolean;
  expected: Record<string, Expectation>;
};

const FIRST = ["Jane", "Omar", "Li", "Ana", "Kofi", "Mia", "Ravi", "Sven", "Noor", "Tom"];

export function buildProject(spec: ProjectSpec, now: Date): SandboxProject {
  const seed = `sandbox:${spec.name}`;
  const id = spec.projectId;
  const domain = `${spec.name}.test`;
  const created = daysAgoIso(now, spec.createdDaysAgo);
  const later = (days: number) => daysAgoIso(now, Math.min(days, spec.createdDaysAgo - 1));
  const organizationId = uuid(seed, "org");

  const people: Person[] = spec.lastLogins.map((_, i) => ({
    id: id * 1000 + i,
    email: `${FIRST[i % FIRST.length].toLowerCase()}.${i}@${domain}`,
    first: FIRST[i % FIRST.length],
    last: `Member${i}`,
  }));
  const owner = userBasic(people[0], seed);
  const members = people.map((p, i) => {
    const login = spec.lastLogins[i];
    return rawMember(seed, p, {
      level: i === 0 ? 15 : 1,
      joinedAt: daysAgoIso(now, Math.max(spec.createdDaysAgo - i, 0), i === 0 ? 0 : 1),
      lastLogin: login === null ? null : daysAgoIso(now, login, -1),
    });
  });

  // Signup defaults: "My App Dashboard" and template insights, all without a creator.
  const signupDashboard = id * 100 + 1;
  const customDashboard = id * 100 + 2;
  const dashboards = [
    rawDashboard({ id: signupDashboard, name: "My App Dashboard", creator: null, createdAt: created, pinned: true, teamId: id }),
  ];
  const viewed = spec.lastViewedDaysAgo ?? null;
  if (spec.customDashboard)
    dashboards.push(
      rawDashboard({
        id: customDashboard,
        name: "Growth",
        creator: owner,
        createdAt: later(90),
        pinned: false,
        teamId: id,
        ...(viewed !== null ? { lastAccessedAt: daysAgoIso(now, viewed, -2) } : {}),
      }),
    );
  const insights = [
    rawInsight(seed, {
      id: id * 100 + 1,
      name: "Daily active users (DAUs)",
      style: "trends",
      creator: null,
      saved: true,
      createdAt: created,
      dashboards: [signupDashboard],
    }),
    rawInsight(seed, {
      id: id * 100 + 2,
      name: "Pageview funnel, by browser",
      style: "funnel",
      creator: null,
      saved: true,
      createdAt: created,
      dashboards: [signupDashboard],
    }),
  ];
  if (spec.funnel !== "none") {
    const on = spec.customDashboard ? [customDashboard] : [];
    insights.push(
      rawInsight(seed, {
        id: id * 100 + 3,
        name: "Signup funnel",
        style: spec.funnel,
        creator: owner,
        saved: true,
        createdAt: later(80),
        dashboards: on,
        lastViewedAt: viewed !== null ? daysAgoIso(now, viewed + 1, -3) : null,
      }),
    );
  }
  const actions = Array.from({ length: spec.actions }, (_, i) =>
    rawAction({
      id: id * 100 + i + 1,
      name: i === 0 ? "Signed up" : `Action ${i + 1}`,
      createdAt: later(100 - i),
      creator: owner,
      teamId: id,
    }),
  );
  const flags = Array.from({ length: spec.activeFlags }, (_, i) =>
    rawFlag({
      id: id * 100 + i + 1,
      key: i === 0 ? "new-onboarding" : `flag-${i + 1}`,
      active: true,
      creator: owner,
      createdAt: later(60 - i),
    }),
  );
  const baseProps = ["$initial_referring_domain", "$initial_utm_source", "$geoip_country_code"];
  const custom = Array.from({ length: spec.customPersonProperties }, (_, i) =>
    i === 0 ? "email" : i === 1 ? "plan" : `trait_${String(i).padStart(3, "0")}`,
  );
  const personProperties = [...baseProps, ...custom].sort().map((n) => rawPropertyDefinition(seed, n));

  if (spec.clutter) {
    // Hidden by PostHog's list filters: an unsaved off-dashboard funnel, a trends insight,
    // an unlisted dashboard and an archived flag; an unsaved funnel on a dashboard still shows.
    insights.push(
      rawInsight(seed, {
        id: id * 100 + 4,
        name: "Scratch funnel",
        style: "funnel",
        creator: owner,
        saved: false,
        createdAt: later(20),
        dashboards: [],
      }),
      rawInsight(seed, {
        id: id * 100 + 5,
        name: "Weekly signups",
        style: "trends",
        creator: owner,
        saved: true,
        createdAt: later(30),
        dashboards: [],
      }),
      rawInsight(seed, {
        id: id * 100 + 6,
        name: "Checkout funnel",
        style: "funnel",
        creator: owner,
        saved: false,
        createdAt: later(10),
        dashboards: spec.customDashboard ? [customDashboard] : [],
      }),
    );
    dashboards.push({
      ...rawDashboard({ id: id * 100 + 3, name: "LLM analytics", creator: null, createdAt: later(40), pinned: false, teamId: id }),
      creation_mode: "unlisted",
    });
    flags.push(rawFlag({ id: id * 100 + 99, key: "old-checkout", active: false, archived: true, creator: owner, createdAt: later(200) }));
  }

  const testAccountFilters = spec.testAccountFilters ?? [
    { key: "email", operator: "not_icontains", value: `@${domain}`, type: "person" },
    DEFAULT_HOST_FILTER,
  ];
  return {
    customer: {
      name: spec.name,
      slug: spec.name,
      title: spec.title,
      projectId: id,
      apiKey: `phx_sandbox_${spec.name.replace(/-/g, "_")}_${hex(seed, 24, "key")}`,
      suggestedPlan: spec.plan,
      billingDay: spec.billingDay,
      expected: spec.expected,
    },
    organizationId,
    timezone: spec.timezone,
    project: rawProject({
      seed,
      id,
      organizationId,
      name: spec.title,
      createdAt: created,
      timezone: spec.timezone,
      appUrls: spec.appUrls,
      testAccountFilters,
      primaryDashboard: signupDashboard,
    }),
    members,
    actions,
    insights,
    dashboards,
    flags,
    personProperties,
    traffic: spec.traffic(seed),
    streams: streamsOf(spec.streams ?? []),
    timeline: spec.timeline ?? [],
    revoked: spec.revoked ?? false,
    missingScopes: spec.missingScopes ?? [],
  };
}

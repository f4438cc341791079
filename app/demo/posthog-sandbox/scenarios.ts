import { buildProject, type Expectation, type ProjectSpec, type SandboxProject } from "./project-builder";
import { sparse, steady, unit } from "./synthetic";

export type { Expectation, SandboxCustomer, SandboxProject } from "./project-builder";

/** The automated checks a sandbox project is designed to decide (value.quarterly_catchup reads delight's own records). */
export const AUTOMATED_CHECKS = [
  "setup.logged_in",
  "setup.team_added",
  "setup.events_recurring",
  "setup.identify_calls",
  "setup.user_properties",
  "setup.actions",
  "setup.funnels",
  "setup.dashboards",
  "setup.toolbar",
  "setup.production",
  "setup.test_data_removed",
  "setup.feature_flags",
  "training.everyone_used",
  "value.plan_usage_80",
  "value.regular_usage",
] as const;

/** Every automated check at `base`, except the listed ones. */
function expect(base: Expectation, except: Partial<Record<(typeof AUTOMATED_CHECKS)[number], Expectation>> = {}) {
  return Object.fromEntries(AUTOMATED_CHECKS.map((id) => [id, except[id] ?? base])) as Record<string, Expectation>;
}

const PLANS = {
  starter: { name: "Starter", monthlyEvents: 100_000 },
  growth500: { name: "Growth 500k", monthlyEvents: 500_000 },
  growth: { name: "Growth 1M", monthlyEvents: 1_000_000 },
  scale: { name: "Scale 2M", monthlyEvents: 2_000_000 },
};

/** Events per day that put 30 days at `share` of a monthly quota. */
const perDayFor = (monthlyEvents: number, share: number) => Math.round((monthlyEvents * share) / 30);
const recent = (n: number) => Array.from({ length: n }, (_, i) => i % 7);

// A fully set-up project; scenarios override what makes them different.
const base = (o: Partial<ProjectSpec> & Pick<ProjectSpec, "name" | "title" | "projectId" | "traffic" | "expected">): ProjectSpec => ({
  timezone: "UTC",
  createdDaysAgo: 365,
  plan: PLANS.growth,
  billingDay: 1,
  lastLogins: [0, 2, 5],
  appUrls: [`https://app.${o.name}.test`],
  actions: 2,
  funnel: "funnel",
  customDashboard: true,
  activeFlags: 2,
  customPersonProperties: 4,
  ...o,
});

export const SCENARIO_SPECS: ProjectSpec[] = [
  // Two pages of members and of person properties (virtual ones on the last page), and clutter
  // that PostHog's list filters hide; some localhost traffic, but the $host test filter is set.
  base({
    name: "healthy",
    title: "Acme Analytics",
    projectId: 1001,
    timezone: "Europe/London",
    createdDaysAgo: 400,
    lastLogins: recent(130),
    customPersonProperties: 117,
    clutter: true,
    lastViewedDaysAgo: 1,
    traffic: (seed) =>
      steady({ seed, perDay: perDayFor(1_000_000, 0.92), createdDaysAgo: 400, identifyShare: 0.02, localShare: 0.003, flagShare: 0.03 }),
    // Sent through a reverse proxy from a current web SDK; signs people up every day.
    streams: [
      {
        event: "$pageview",
        share: 0.4,
        properties: { $host: "app.healthy.test", $lib: "web", $lib_version: "1.210.0", $lib_custom_api_host: "https://e.healthy.test" },
        persons: 850,
      },
      { event: "$autocapture", share: 0.2, properties: { $host: "app.healthy.test", $lib: "web", $lib_version: "1.210.0" } },
      { event: "signed_up", share: 0.01, properties: { plan: "pro", $lib: "posthog-node", $lib_version: "4.2.0" } },
      { event: "$groupidentify", share: 0.001, properties: { $lib: "posthog-node", $lib_version: "4.2.0" } },
    ],
    expected: expect("pass"),
  }),
  base({
    name: "brand-new",
    title: "Bright New Co",
    projectId: 1002,
    createdDaysAgo: 5,
    plan: PLANS.starter,
    billingDay: 15,
    lastLogins: [1],
    appUrls: [],
    actions: 0,
    funnel: "none",
    customDashboard: false,
    activeFlags: 0,
    customPersonProperties: 0,
    testAccountFilters: [{ key: "$host", operator: "not_regex", value: "^(localhost|127\\.0\\.0\\.1)($|:)", type: "event" }],
    // A developer trying the snippet on their laptop.
    traffic: () => sparse({ 4: { events: 12, localEvents: 12 }, 3: { events: 5, localEvents: 5 } }),
    // Autocapture only, and no actions defined yet.
    streams: [{ event: "$autocapture", share: 0.75, properties: { $host: "localhost:3000", $lib: "web", $lib_version: "1.180.0" } }],
    expected: expect("fail", {
      "setup.logged_in": "pass",
      "setup.events_recurring": "pass",
      "setup.toolbar": "unknown",
      "setup.test_data_removed": "pass",
      "training.everyone_used": "pass",
      "value.regular_usage": "pass",
    }),
  }),
  base({
    name: "slipping",
    title: "Slipping Ltd",
    projectId: 1003,
    timezone: "America/New_York",
    createdDaysAgo: 300,
    plan: PLANS.growth500,
    billingDay: 10,
    lastLogins: [45, 70, 120, null],
    lastViewedDaysAgo: 45,
    actions: 1,
    activeFlags: 1,
    traffic: (seed) => steady({ seed, perDay: 5_000, createdDaysAgo: 300, stoppedDaysAgo: 11, identifyShare: 0.01, flagShare: 0.02 }),
    // An old web SDK, mostly autocapture (but it has an action), no reverse proxy, no sign-ups.
    streams: [
      { event: "$pageview", share: 0.3, properties: { $host: "www.slipping.test", $lib: "web", $lib_version: "1.90.0" }, persons: 40 },
      { event: "$autocapture", share: 0.55, properties: { $host: "www.slipping.test", $lib: "web", $lib_version: "1.90.0" } },
    ],
    expected: expect("pass", {
      "setup.events_recurring": "fail",
      "setup.production": "fail",
      "training.everyone_used": "fail",
      "value.plan_usage_80": "fail",
      "value.regular_usage": "fail",
    }),
  }),
  base({
    name: "localhost-only",
    title: "Localhost Labs",
    projectId: 1004,
    createdDaysAgo: 60,
    plan: PLANS.starter,
    billingDay: 5,
    lastLogins: [2, 10],
    appUrls: ["http://localhost:3000"],
    testAccountFilters: [],
    actions: 1,
    funnel: "none",
    customDashboard: false,
    activeFlags: 0,
    customPersonProperties: 3,
    traffic: (seed) => steady({ seed, perDay: 2_000, createdDaysAgo: 60, identifyShare: 0.05, localShare: 1 }),
    expected: expect("pass", {
      "setup.funnels": "fail",
      "setup.dashboards": "fail",
      "setup.production": "fail",
      "setup.test_data_removed": "fail",
      "setup.feature_flags": "fail",
      "value.plan_usage_80": "fail",
    }),
  }),
  // Server SDKs send no $host: production, not local. Its funnel is a legacy, unconverted one.
  base({
    name: "server-side-only",
    title: "Backend Systems",
    projectId: 1005,
    createdDaysAgo: 200,
    billingDay: 20,
    lastLogins: [0, 3],
    appUrls: [],
    actions: 1,
    funnel: "legacy-funnel",
    activeFlags: 1,
    traffic: (seed) => steady({ seed, perDay: 3_000, createdDaysAgo: 200, identifyShare: 0.03, flagShare: 0.1 }),
    // Identifies people and groups on almost every request: 3% + 4% of events.
    streams: [
      { event: "signed_up", share: 0.02, properties: { plan: "free", $lib: "posthog-python", $lib_version: "3.0.0" } },
      { event: "$groupidentify", share: 0.04, properties: { $lib: "posthog-python", $lib_version: "3.0.0" } },
    ],
    expected: expect("pass", { "setup.toolbar": "unknown", "value.plan_usage_80": "fail" }),
  }),
  base({
    name: "near-plan",
    title: "Nearly There Inc",
    projectId: 1006,
    timezone: "Asia/Tokyo",
    createdDaysAgo: 250,
    plan: PLANS.scale,
    billingDay: 28,
    lastViewedDaysAgo: 3,
    traffic: (seed) => steady({ seed, perDay: perDayFor(2_000_000, 0.85), createdDaysAgo: 250, identifyShare: 0.02, flagShare: 0.02 }),
    expected: expect("pass"),
  }),
  base({
    name: "over-plan",
    title: "Overflow GmbH",
    projectId: 1007,
    plan: PLANS.growth500,
    billingDay: 3,
    activeFlags: 0,
    traffic: (seed) => steady({ seed, perDay: perDayFor(500_000, 1.3), createdDaysAgo: 365, identifyShare: 0.02 }),
    expected: expect("pass", { "setup.feature_flags": "fail" }),
  }),
  // No query:read: only the daily counts are missing. Its test filters have no $host entry, so
  // test_data_removed truly depends on the event counts.
  base({
    name: "missing-scope",
    title: "Scoped Out SA",
    projectId: 1008,
    createdDaysAgo: 150,
    missingScopes: ["query:read"],
    testAccountFilters: [{ key: "email", operator: "not_icontains", value: "@missing-scope.test", type: "person" }],
    activeFlags: 1,
    traffic: (seed) => steady({ seed, perDay: 10_000, createdDaysAgo: 150, identifyShare: 0.02, flagShare: 0.02 }),
    expected: expect("pass", {
      "setup.events_recurring": "unknown",
      "setup.identify_calls": "unknown",
      "setup.production": "unknown",
      "setup.test_data_removed": "unknown",
      "setup.feature_flags": "unknown",
      "value.plan_usage_80": "unknown",
    }),
  }),
  base({
    name: "revoked-key",
    title: "Revoked Key Ltd",
    projectId: 1009,
    revoked: true,
    traffic: (seed) => steady({ seed, perDay: 8_000, createdDaysAgo: 365, identifyShare: 0.02, flagShare: 0.02 }),
    expected: expect("unknown"),
  }),
];

/** The named scenarios, with dates relative to `now`. */
export function buildScenarios(now: Date): SandboxProject[] {
  return SCENARIO_SPECS.map((spec) => buildProject(spec, now));
}

/**
 * `n` healthy-ish customers with distinct keys and project ids (one page per list, so 8 calls
 * each) for benchmarks. They carry no expectations: their numbers vary by seed.
 */
export function generateBulkCustomers(n: number, now: Date = new Date()): SandboxProject[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `bulk-${String(i + 1).padStart(4, "0")}`;
    const r = unit("bulk", i);
    const created = 60 + Math.floor(r * 300);
    return buildProject(
      base({
        name,
        title: `Bulk Customer ${i + 1}`,
        projectId: 50_001 + i,
        createdDaysAgo: created,
        billingDay: 1 + (i % 28),
        lastLogins: [0, 1 + (i % 20), 3 + (i % 9)],
        traffic: (seed) =>
          steady({ seed, perDay: 1_000 + Math.round(r * 40_000), createdDaysAgo: created, identifyShare: 0.02, flagShare: 0.02 }),
        expected: {},
      }),
      now,
    );
  });
}

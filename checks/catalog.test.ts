import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  busyDay,
  daysAgo,
  failed,
  isoDaysAgo,
  makeDaily,
  NOW,
  ok,
  passingFacts,
  passingSnapshot,
  TODAY,
  windowsFor,
} from "../tests/snapshot-factories";
import { CATALOG, CHECK_IDS, getCheck } from "./catalog";
import { shiftDay } from "./days";
import { extraChecks } from "./extras";
import type { CallName, DailyCounts, InsightInfo, UsageSnapshot } from "./snapshot";
import type { DelightFacts, RuleResult } from "./types";

type Change = (s: UsageSnapshot, f: DelightFacts) => void;

function run(id: string, change: Change = () => {}, now = NOW): RuleResult {
  const snapshot = passingSnapshot();
  const facts = passingFacts();
  change(snapshot, facts);
  const evaluate = getCheck(id)?.evaluate;
  if (!evaluate) throw new Error(`${id} is not automated`);
  return evaluate({ snapshot, facts, now });
}

/** Replaces the daily rows: `fill(daysBeforeRefresh)` gives each day's counts. */
const daily =
  (fill: (back: number) => Partial<Omit<DailyCounts, "day">>, days = 36): Change =>
  (s) => {
    const rows = makeDaily(days, (_, back) => fill(back));
    s.daily = ok(rows);
    s.windows = ok(windowsFor(rows));
  };
/** The one HogQL query failed: neither calendar days nor windows were read. */
const queryFailed =
  (message?: string): Change =>
  (s) => {
    s.daily = failed("events", message);
    s.windows = failed("events", message);
  };
const onlyOn =
  (backs: number[], counts: Partial<Omit<DailyCounts, "day">> = busyDay) =>
  (back: number) =>
    backs.includes(back) ? counts : {};
const project =
  (change: (p: Extract<UsageSnapshot["project"], { ok: true }>["value"]) => void): Change =>
  (s) => {
    if (s.project.ok) change(s.project.value);
  };
const funnel = (over: Partial<InsightInfo>): InsightInfo => ({
  id: 1,
  name: "f",
  queryKind: "InsightVizNode",
  sourceKind: "FunnelsQuery",
  legacyInsight: null,
  hasCreator: true,
  saved: true,
  createdAt: null,
  dashboardIds: [],
  ...over,
});
const held = (days: number) => ({ date: shiftDay(TODAY, days), status: "held" as const });
const scheduled = (days: number) => ({ date: shiftDay(TODAY, days), status: "scheduled" as const });
const both =
  (...changes: Change[]): Change =>
  (s, f) => {
    for (const c of changes) c(s, f);
  };

const QUESTIONS: [string, string, "automated" | "manual"][] = [
  ["setup.logged_in", "Has the customer logged in?", "automated"],
  ["setup.team_added", "Has the customer added their team?", "automated"],
  ["setup.events_recurring", "Are events coming into the platform on a recurring basis?", "automated"],
  ["setup.identify_calls", "Are identify calls being made so user profiles are being created?", "automated"],
  ["setup.user_properties", "Are additional relevant user properties being sent?", "automated"],
  ["setup.actions", "Has the customer set up actions?", "automated"],
  ["setup.funnels", "Has the customer set up funnels?", "automated"],
  ["setup.dashboards", "Has the customer created or modified a dashboard?", "automated"],
  ["setup.toolbar", "Has the customer used the toolbar?", "automated"],
  ["setup.production", "Has the customer gotten PostHog into production?", "automated"],
  ["setup.test_data_removed", "If applicable, has the customer removed any test data?", "automated"],
  ["setup.feature_flags", "If applicable, is the customer using feature flags?", "automated"],
  ["training.analytics_experience", "Does their team have enough general product analytics experience?", "manual"],
  ["training.demo_received", "Has their team received a demo of the product?", "manual"],
  ["training.everyone_used", "Has everyone on the team used the product at least once?", "automated"],
  ["training.knows_guides", "Does the customer's team know where to find our use case guides?", "manual"],
  ["training.told_support", "Have we told the customer where to get support?", "manual"],
  ["training.joint_slack", "Have we set up a joint Slack channel with the customer?", "manual"],
  ["value.newsletter", "Have we added their whole team to our email newsletter?", "manual"],
  ["value.usage_dashboard", "Are we monitoring the customer's usage on a dashboard at a team level?", "manual"],
  ["value.plan_usage_80", "Is the customer generally above 80% usage for their current plan?", "automated"],
  ["value.quarterly_catchup", "Have we set up a quarterly catchup with the customer?", "automated"],
  ["value.good_support_experience", "Has their team had a good experience asking for help or reporting issues to us?", "manual"],
  ["value.regular_usage", "Is the customer using PostHog on a weekly / monthly basis?", "automated"],
];

describe("catalogue", () => {
  test("holds the 24 handbook checks in DESIGN order", () => {
    expect(CHECK_IDS).toEqual(QUESTIONS.map(([id]) => id));
  });

  test.each(QUESTIONS)("%s has the handbook question, section, kind and a rule", (id, question, kind) => {
    const check = getCheck(id)!;
    expect(check.question).toBe(question);
    expect(check.section).toBe(id.split(".")[0]);
    expect(check.kind).toBe(kind);
    expect(typeof check.evaluate).toBe(kind === "automated" ? "function" : "undefined");
    expect(check.rule).toMatch(/^[A-Z].*\.$/);
  });

  test("getCheck returns undefined for an unknown id", () => {
    expect(getCheck("setup.nope")).toBeUndefined();
  });

  test.each(CATALOG.filter((c) => c.evaluate).map((c) => c.id))("%s passes on the passing snapshot", (id) => {
    expect(run(id).status).toBe("pass");
  });
});

const FAILED_CALLS: [string, keyof UsageSnapshot, CallName][] = [
  ["setup.logged_in", "members", "members"],
  ["setup.team_added", "members", "members"],
  ["setup.events_recurring", "windows", "events"],
  ["setup.identify_calls", "windows", "events"],
  ["setup.user_properties", "personProperties", "person_properties"],
  ["setup.actions", "actions", "actions"],
  ["setup.funnels", "insights", "insights"],
  ["setup.dashboards", "dashboards", "dashboards"],
  ["setup.toolbar", "project", "project"],
  ["setup.production", "windows", "events"],
  ["setup.test_data_removed", "windows", "events"],
  ["setup.feature_flags", "featureFlags", "feature_flags"],
  ["setup.feature_flags", "windows", "events"],
  ["training.everyone_used", "members", "members"],
  ["value.plan_usage_80", "windows", "events"],
  ["value.regular_usage", "members", "members"],
];

test.each(FAILED_CALLS)("%s is unknown, not fail, when the %s call failed", (id, key, call) => {
  const result = run(id, (s) => Object.assign(s, { [key]: failed(call, "HTTP 503 from PostHog") }));
  expect(result.status).toBe("unknown");
  expect(result.evidence.reason).toBe("HTTP 503 from PostHog");
  expect(result.summary).toContain("HTTP 503 from PostHog");
});

type Case = [name: string, id: string, change: Change, status: RuleResult["status"], summary?: string | RegExp];

const noLogin = (s: UsageSnapshot, backs: (number | null)[]) => {
  s.members = ok(
    backs.map((b, i) => ({
      email: `m${i}@acme.io`,
      joinedAt: null,
      lastLogin: b === null ? null : isoDaysAgo(b),
    })),
  );
};

const CASES: Case[] = [
  // members
  ["one of two logged in", "setup.logged_in", (s) => noLogin(s, [null, 3]), "pass", "2 members, 1 has logged in"],
  ["nobody logged in", "setup.logged_in", (s) => noLogin(s, [null, null]), "fail", "2 members, none has logged in"],
  ["one member is not a team", "setup.team_added", (s) => noLogin(s, [1]), "fail", "1 member in the organisation"],
  ["two members are a team", "setup.team_added", (s) => noLogin(s, [null, null]), "pass"],
  ["everyone logged in", "training.everyone_used", (s) => noLogin(s, [1, 90, 400]), "pass", "3 of 3 members have logged in"],
  ["one never logged in", "training.everyone_used", (s) => noLogin(s, [1, null]), "fail", "1 of 2 members has logged in"],
  ["no members to judge", "training.everyone_used", (s) => noLogin(s, []), "unknown"],
  // regular usage: 7-day vs 30-day logins, measured from now
  ["login exactly 7 days ago is weekly", "value.regular_usage", (s) => noLogin(s, [7, null]), "pass", /^Weekly/],
  ["login 8 days ago is monthly", "value.regular_usage", (s) => noLogin(s, [8, 40]), "pass", "Monthly use: last login 8 days ago"],
  ["login exactly 30 days ago is monthly", "value.regular_usage", (s) => noLogin(s, [30]), "pass", /^Monthly/],
  ["login 31 days ago fails", "value.regular_usage", (s) => noLogin(s, [31, null]), "fail", /last 31 days ago/],
  ["no login ever", "value.regular_usage", (s) => noLogin(s, [null]), "fail", "No member has ever logged in"],
  // recurring events: windows end 0, 7, 14 and 21 days before the refresh day
  ["one event in each week", "setup.events_recurring", daily(onlyOn([0, 7, 14, 27])), "pass", "4 of 4 weeks had events"],
  ["28 days back is outside the last 28", "setup.events_recurring", daily(onlyOn([0, 7, 14, 28])), "fail", "3 of 4 weeks had events"],
  ["a silent middle week", "setup.events_recurring", daily((b) => (b >= 7 && b <= 13 ? {} : busyDay)), "fail", "3 of 4 weeks had events"],
  [
    "project 10 days old: two weeks count",
    "setup.events_recurring",
    both(
      project((p) => (p.createdAt = isoDaysAgo(10))),
      daily((b) => (b <= 10 ? busyDay : {})),
    ),
    "pass",
    `2 of 2 weeks had events (project created ${shiftDay(TODAY, -10)}; earlier weeks ignored)`,
  ],
  [
    "project 10 days old: its first partial week counts",
    "setup.events_recurring",
    both(
      project((p) => (p.createdAt = isoDaysAgo(10))),
      daily((b) => (b <= 5 ? busyDay : {})),
    ),
    "fail",
    /^1 of 2 weeks/,
  ],
  [
    "project 3 days old with events",
    "setup.events_recurring",
    both(
      project((p) => (p.createdAt = isoDaysAgo(3))),
      daily(onlyOn([1])),
    ),
    "pass",
    /^1 of 1 week had/,
  ],
  [
    "project 3 days old with no events yet",
    "setup.events_recurring",
    both(
      project((p) => (p.createdAt = isoDaysAgo(3))),
      daily(() => ({})),
    ),
    "unknown",
    "Project is younger than a week and has no events yet",
  ],
  [
    "project call failed: no week is ignored",
    "setup.events_recurring",
    both(
      (s) => (s.project = failed("project")),
      daily((b) => (b <= 10 ? busyDay : {})),
    ),
    "fail",
    "2 of 4 weeks had events",
  ],
  // Window 3 ends exactly 14×24 hours before the refresh, 2025-03-01T12:00Z, in every time zone:
  // a project created a minute after that never had window 3, one created a minute before did.
  [
    "project created a minute after window 3 ended: that week is ignored",
    "setup.events_recurring",
    both(
      project((p) => Object.assign(p, { createdAt: "2025-03-01T12:01:00Z", timezone: "Pacific/Auckland" })),
      daily((b) => (b >= 14 && b <= 20 ? {} : busyDay)),
    ),
    "pass",
    "2 of 2 weeks had events (project created 2025-03-02; earlier weeks ignored)",
  ],
  [
    "project created a minute before window 3 ended: that week counts",
    "setup.events_recurring",
    both(
      project((p) => Object.assign(p, { createdAt: "2025-03-01T11:59:00Z", timezone: "Pacific/Auckland" })),
      daily((b) => (b >= 14 && b <= 20 ? {} : busyDay)),
    ),
    "fail",
    "2 of 3 weeks had events (project created 2025-03-02; earlier weeks ignored)",
  ],
  // identify
  [
    "$identify 29 days back",
    "setup.identify_calls",
    daily(onlyOn([29], { identifies: 1 })),
    "pass",
    "1 $identify event in the last 30×24 hours",
  ],
  [
    "$identify 30 days back only",
    "setup.identify_calls",
    daily(onlyOn([30], { identifies: 4 })),
    "fail",
    "No $identify events in the last 30×24 hours",
  ],
  // person properties
  [
    "only $ and virtual properties",
    "setup.user_properties",
    (s) =>
      (s.personProperties = ok([
        { name: "$initial_os", virtual: false },
        { name: "$builtin_cohort", virtual: true },
        { name: "cohort", virtual: true },
      ])),
    "fail",
    "No custom person properties, only PostHog's own",
  ],
  [
    "a custom property",
    "setup.user_properties",
    (s) => (s.personProperties = ok([{ name: "email", virtual: false }])),
    "pass",
    "1 custom person property (email)",
  ],
  // actions
  ["no actions", "setup.actions", (s) => (s.actions = ok([])), "fail", "No actions"],
  // funnels
  [
    "legacy filters.insight FUNNELS",
    "setup.funnels",
    (s) => (s.insights = ok([funnel({ queryKind: null, sourceKind: null, legacyInsight: "FUNNELS" })])),
    "pass",
  ],
  [
    "bare FunnelsQuery",
    "setup.funnels",
    (s) => (s.insights = ok([funnel({ queryKind: "FunnelsQuery", sourceKind: null })])),
    "pass",
    "1 funnel made by the team",
  ],
  [
    "sample funnel without created_by",
    "setup.funnels",
    (s) => (s.insights = ok([funnel({ hasCreator: false, dashboardIds: [4567] })])),
    "fail",
    "No funnels made by the team (1 sample funnel from signup ignored)",
  ],
  ["a trends insight is not a funnel", "setup.funnels", (s) => (s.insights = ok([funnel({ sourceKind: "TrendsQuery" })])), "fail"],
  ["unsaved funnel on a dashboard", "setup.funnels", (s) => (s.insights = ok([funnel({ saved: false, dashboardIds: [5001] })])), "pass"],
  ["unsaved funnel nowhere", "setup.funnels", (s) => (s.insights = ok([funnel({ saved: false })])), "fail"],
  // dashboards
  [
    "only the signup dashboard",
    "setup.dashboards",
    (s) =>
      (s.dashboards = ok([
        {
          id: 4567,
          name: "My App Dashboard",
          hasCreator: false,
          creationMode: "default",
          createdAt: null,
          pinned: true,
        },
      ])),
    "fail",
    "0 of 1 dashboard made by the team",
  ],
  // toolbar never fails
  ["no authorised URLs", "setup.toolbar", project((p) => (p.appUrls = [])), "unknown", "No authorised URLs; ask the customer"],
  // production: the query counts events without $host as non-local
  [
    "production event 6 days back",
    "setup.production",
    daily(onlyOn([6], { nonLocalEvents: 3 })),
    "pass",
    "3 production events in the last 7×24 hours",
  ],
  ["production event 7 days back only", "setup.production", daily(onlyOn([7], { nonLocalEvents: 3 })), "fail"],
  [
    "only localhost:3000 events this week",
    "setup.production",
    daily(() => ({ events: 2, localEvents: 2 })),
    "fail",
    "No production events in the last 7×24 hours (14 localhost events)",
  ],
  // test data
  ["localhost event 29 days back", "setup.test_data_removed", daily(onlyOn([29], { localEvents: 5 })), "fail", /^5 localhost events/],
  ["localhost event 30 days back only", "setup.test_data_removed", daily(onlyOn([30], { localEvents: 5 })), "pass"],
  [
    "default $host filter counts",
    "setup.test_data_removed",
    both(
      daily(() => ({ localEvents: 5 })),
      project((p) =>
        p.testAccountFilters.push({
          key: "$host",
          operator: "not_regex",
          value: "^(localhost|127\\.0\\.0\\.1)($|:)",
          type: "event",
        }),
      ),
    ),
    "pass",
    "Test-account filters exclude events by $host",
  ],
  ["project failed, no local events", "setup.test_data_removed", (s) => (s.project = failed("project")), "pass"],
  [
    "project failed, local events",
    "setup.test_data_removed",
    both(
      (s) => (s.project = failed("project")),
      daily(() => ({ localEvents: 1 })),
    ),
    "unknown",
  ],
  [
    "daily failed, $host filter",
    "setup.test_data_removed",
    both(
      queryFailed(),
      project((p) => (p.testAccountFilters = [{ key: "$host" }])),
    ),
    "pass",
  ],
  // feature flags
  ["no flags", "setup.feature_flags", (s) => (s.featureFlags = ok([])), "fail", "No active feature flags"],
  ...(["active", "archived", "deleted"] as const).map(
    (field): Case => [
      `flag with ${field} flipped`,
      "setup.feature_flags",
      (s) => {
        if (s.featureFlags.ok) s.featureFlags.value[0][field] = !s.featureFlags.value[0][field];
      },
      "fail",
    ],
  ),
  [
    "no $feature_flag_called in 30 days",
    "setup.feature_flags",
    daily(onlyOn([30], { flagCalls: 9 })),
    "fail",
    "No $feature_flag_called events in the last 30×24 hours",
  ],
  [
    "flags failed but no calls",
    "setup.feature_flags",
    both(
      (s) => (s.featureFlags = failed("feature_flags")),
      daily(() => ({})),
    ),
    "fail",
    "No $feature_flag_called events in the last 30×24 hours",
  ],
  [
    "daily failed but an active flag",
    "setup.feature_flags",
    queryFailed("HogQL timed out"),
    "unknown",
    "Could not read daily event counts from PostHog: HogQL timed out",
  ],
  // plan usage: 30,000 events in the last 30×24 hours
  [
    "exactly 80% of plan",
    "value.plan_usage_80",
    (_, f) => (f.planMonthlyEvents = 37_500),
    "pass",
    "30,000 of 37,500 events (80%) in the last 30×24 hours",
  ],
  ["just under 80% of plan", "value.plan_usage_80", (_, f) => (f.planMonthlyEvents = 37_501), "fail"],
  ["no plan", "value.plan_usage_80", (_, f) => (f.planMonthlyEvents = null), "unknown", "No plan set for this customer"],
  ["zero quota is no plan", "value.plan_usage_80", (_, f) => (f.planMonthlyEvents = 0), "unknown"],
  [
    "tiny usage",
    "value.plan_usage_80",
    both(daily(onlyOn([0], { events: 12_400 })), (_, f) => (f.planMonthlyEvents = 1_000_000)),
    "fail",
    "12,400 of 1,000,000 events (1.2%) in the last 30×24 hours",
  ],
  // catch-ups, in whole days of the project's time zone
  [
    "catch-up held exactly 100 days ago",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [held(-100)]),
    "pass",
    `Last catch-up ${shiftDay(TODAY, -100)} (100 days ago)`,
  ],
  [
    "catch-up held 101 days ago",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [held(-101)]),
    "fail",
    `No catch-up in the last 100 days or the next 100 (last: ${shiftDay(TODAY, -101)})`,
  ],
  ["catch-up scheduled in 100 days", "value.quarterly_catchup", (_, f) => (f.catchups = [scheduled(100)]), "pass", /in 100 days/],
  ["catch-up in 101 days", "value.quarterly_catchup", (_, f) => (f.catchups = [held(-200), scheduled(101)]), "fail"],
  ["catch-up held today", "value.quarterly_catchup", (_, f) => (f.catchups = [held(0)]), "pass", `Catch-up today (${TODAY})`],
  [
    "catch-up scheduled for today is not overdue yet",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [scheduled(0)]),
    "pass",
    `Catch-up scheduled today (${TODAY})`,
  ],
  [
    "a scheduled catch-up whose date passed without being held does not count",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [scheduled(-1)]),
    "fail",
    `Catch-up scheduled for ${shiftDay(TODAY, -1)} is overdue: record it or reschedule.`,
  ],
  [
    "overdue, with an older held one outside the window",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [held(-150), scheduled(-40)]),
    "fail",
    `Catch-up scheduled for ${shiftDay(TODAY, -40)} is overdue: record it or reschedule. Last held: ${shiftDay(TODAY, -150)}.`,
  ],
  [
    "a held one still passes, and the overdue one is named",
    "value.quarterly_catchup",
    (_, f) => (f.catchups = [held(-30), scheduled(-3)]),
    "pass",
    `Last catch-up ${shiftDay(TODAY, -30)} (30 days ago); the one scheduled for ${shiftDay(TODAY, -3)} is overdue: record it or reschedule`,
  ],
  ["no catch-ups recorded is a fail", "value.quarterly_catchup", (_, f) => (f.catchups = []), "fail", "No catch-ups recorded"],
];

test.each(CASES)("%s → %s is %s", (_name, id, change, status, summary) => {
  const result = run(id, change);
  expect(result.status).toBe(status);
  if (typeof summary === "string") expect(result.summary).toBe(summary);
  else if (summary) expect(result.summary).toMatch(summary);
});

describe("evidence carries the numbers", () => {
  test("events_recurring reports each week", () => {
    const result = run(
      "setup.events_recurring",
      daily((b) => (b >= 7 && b <= 13 ? {} : busyDay)),
    );
    expect(result.evidence).toMatchObject({
      week1Events: 7000,
      week2Events: 0,
      windowsCounted: 4,
      windowsWithEvents: 3,
    });
  });

  test("regular_usage says weekly or monthly", () => {
    expect(run("value.regular_usage", (s) => noLogin(s, [3])).evidence.frequency).toBe("weekly");
    expect(run("value.regular_usage", (s) => noLogin(s, [12])).evidence.frequency).toBe("monthly");
  });

  test("catch-up 'today' follows the project's time zone", () => {
    // 2025-03-15T12:00Z is already 16 March in Auckland, so 6 December is 100 days back there.
    const change: Change = (s, f) => {
      f.catchups = [held(-100)];
      if (s.project.ok) s.project.value.timezone = "Pacific/Auckland";
    };
    expect(run("value.quarterly_catchup", change).status).toBe("fail");
    expect(run("value.quarterly_catchup", change, daysAgo(0.25)).status).toBe("pass");
  });
});

describe("README's check table states every rule in force", () => {
  const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
  // Cells are split at unescaped pipes and trimmed: the formatter pads the table's columns.
  const rows = new Map(
    readme
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) =>
        line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/\\\|/g, "|")),
      )
      .map(([id, question, rule]) => [id!.replace(/`/g, ""), { question, rule }]),
  );
  test.each([...CATALOG, ...extraChecks({ minSdkVersions: {} })].map((c) => [c.id, c] as const))("%s", (id, check) => {
    expect(rows.get(id)).toEqual({
      question: check.question,
      rule: check.kind === "manual" ? "Answered by a person (yes / no / not applicable)." : check.rule,
    });
  });

  test("states the time rule: N×24 hours before the refresh, now() not today(), future events counted", () => {
    expect(readme).toContain('Every "last N days" is the **N×24 hours before the refresh**');
    expect(readme).toMatch(/`today\(\)` is not zone-aware and is\s+never used/);
    expect(readme).toContain("N events with future timestamps ignored");
  });
});

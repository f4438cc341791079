import { daysBetween, localDay } from "./days";
import { CALL_LABELS, type CallFailure, type EventWindows, type Fetched, type InsightInfo, type UsageSnapshot } from "./snapshot";
import type { CheckDefinition, Evidence, RuleInput, RuleResult, Section } from "./types";
import { lastDays, noteFuture, sumOf, windowsOf } from "./windows";

/*
 * The 24 handbook questions (DESIGN.md "The check catalogue"). "The last N days" is the N×24
 * hours before the refresh (`snapshot.windows`, see windows.ts), whatever the project's time
 * zone; events dated after the refresh are in no window and are counted in the evidence. Login
 * ages are measured from `now` in exact 24-hour days; catch-up dates are compared in whole days
 * of the project's time zone (UTC if unknown). A rule whose call failed is `unknown`; rules
 * reading two calls still decide when the call that succeeded settles the answer on its own.
 */

const DAY_MS = 86_400_000;
const numberFormat = new Intl.NumberFormat("en-US");
const num = (n: number) => numberFormat.format(n);
const count = (n: number, one: string, many = `${one}s`) => `${num(n)} ${n === 1 ? one : many}`;
const pct = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

const decide = (passed: boolean, evidence: Evidence, summary: string): RuleResult => ({
  status: passed ? "pass" : "fail",
  evidence,
  summary,
});
const unknown = (summary: string, evidence: Evidence = {}): RuleResult => ({
  status: "unknown",
  evidence,
  summary,
});

// A failed call makes the rule unknown, never fail: we could not look.
const callFailed = (e: CallFailure): RuleResult =>
  unknown(`Could not read ${CALL_LABELS[e.call]} from PostHog: ${e.message}`, {
    reason: e.message,
    call: e.call,
  });

const needs = <T>(f: Fetched<T>, rule: (value: T) => RuleResult): RuleResult => (f.ok ? rule(f.value) : callFailed(f.error));

const firstFailure = (...calls: Fetched<unknown>[]): CallFailure | null => {
  for (const c of calls) if (!c.ok) return c.error;
  return null;
};

const LOCAL_HOST_FILTER_KEY = "$host";
const WEEK = 7;

/** A rule over the event windows: unknown when the query failed, and future events noted. */
const counted = (snapshot: UsageSnapshot, rule: (w: EventWindows) => RuleResult): RuleResult => {
  const windows = windowsOf(snapshot);
  return windows.ok ? noteFuture(rule(windows.value), windows) : callFailed(windows.error);
};

function eventsRecurring(snapshot: UsageSnapshot, w: EventWindows): RuleResult {
  // The windows are measured back from the moment the query ran, i.e. the refresh.
  const refreshedAt = Date.parse(snapshot.collectedAt);
  // Without the project we cannot know its age, so every window counts.
  const createdAt = snapshot.project.ok ? Date.parse(snapshot.project.value.createdAt) : null;
  const created = snapshot.project.ok ? localDay(new Date(createdAt!), snapshot.project.value.timezone) : null;
  // Window i covers the 7×24 hours ending 7i×24 hours before the refresh.
  const windows = [0, 1, 2, 3].map((i) => {
    const end = refreshedAt - i * WEEK * DAY_MS;
    const ignored = createdAt !== null && end < createdAt;
    const events = sumOf(
      w.spans.filter((s) => s.age >= i * WEEK && s.age < (i + 1) * WEEK),
      "events",
    );
    return { ignored, events };
  });
  const counted = windows.filter((x) => !x.ignored);
  const withEvents = counted.filter((x) => x.events > 0).length;
  const evidence: Evidence = {
    windowsCounted: counted.length,
    windowsWithEvents: withEvents,
    projectCreated: created,
  };
  for (const [i, x] of windows.entries()) evidence[`week${i + 1}Events`] = x.ignored ? null : x.events;
  // A project younger than a week has no complete window; an empty one says nothing yet.
  const youngerThanAWeek = createdAt !== null && createdAt > refreshedAt - WEEK * DAY_MS;
  if (counted.length === 0 || (youngerThanAWeek && withEvents === 0)) {
    return unknown("Project is younger than a week and has no events yet", evidence);
  }
  const ignoredNote = counted.length < 4 ? ` (project created ${created}; earlier weeks ignored)` : "";
  return decide(withEvents === counted.length, evidence, `${withEvents} of ${count(counted.length, "week")} had events${ignoredNote}`);
}

const isFunnel = (i: InsightInfo) =>
  (i.queryKind === "InsightVizNode" && i.sourceKind === "FunnelsQuery") || i.queryKind === "FunnelsQuery" || i.legacyInsight === "FUNNELS";

// `saved=true` also returns unsaved insights that sit on a dashboard; being on a dashboard is
// keeping it, so those count. Signup samples have no creator and never count.
const isCustomerFunnel = (i: InsightInfo) => isFunnel(i) && i.hasCreator && (i.saved || i.dashboardIds.length > 0);

// For rules that read two calls: the failure, with whatever the other call did tell us.
const partlyUnknown = (failure: CallFailure, evidence: Evidence): RuleResult => {
  const result = callFailed(failure);
  return { ...result, evidence: { ...evidence, ...result.evidence } };
};

function testDataRemoved({ snapshot }: RuleInput): RuleResult {
  // DESIGN: a $host filter counts, including PostHog's default one.
  const hostFilter = snapshot.project.ok ? snapshot.project.value.testAccountFilters.some((f) => f.key === LOCAL_HOST_FILTER_KEY) : null;
  const windows = windowsOf(snapshot);
  const local = windows.ok ? lastDays(windows.value, 30, "localEvents") : null;
  const evidence: Evidence = { hostFilter, localEvents30d: local };
  // Either half passing is enough, so one failed call only matters when the other half fails.
  if (hostFilter) return decide(true, evidence, "Test-account filters exclude events by $host");
  if (local === 0) return noteFuture(decide(true, evidence, "No localhost events in the last 30×24 hours"), windows);
  const failure = firstFailure(snapshot.project, windows);
  if (failure) return partlyUnknown(failure, evidence);
  const summary = `${count(local ?? 0, "localhost event")} in the last 30×24 hours and no $host test-account filter`;
  return noteFuture(decide(false, evidence, summary), windows);
}

function featureFlags({ snapshot }: RuleInput): RuleResult {
  const flags = snapshot.featureFlags;
  const active = flags.ok ? flags.value.filter((f) => f.active && !f.archived && !f.deleted).length : null;
  const windows = windowsOf(snapshot);
  const calls = windows.ok ? lastDays(windows.value, 30, "flagCalls") : null;
  const evidence: Evidence = { activeFlags: active, flagCalls30d: calls };
  // Both halves are needed, so either one known to be missing is a fail even if the other call failed.
  if (active === 0) return decide(false, evidence, "No active feature flags");
  if (calls === 0) return noteFuture(decide(false, evidence, "No $feature_flag_called events in the last 30×24 hours"), windows);
  const failure = firstFailure(flags, windows);
  if (failure) return partlyUnknown(failure, evidence);
  const summary = `${count(active ?? 0, "active flag")}, ${count(calls ?? 0, "flag call")} in the last 30×24 hours`;
  return noteFuture(decide(true, evidence, summary), windows);
}

function planUsage({ snapshot, facts }: RuleInput): RuleResult {
  const quota = facts.planMonthlyEvents;
  if (!quota || quota <= 0) return unknown("No plan set for this customer", { planMonthlyEvents: quota });
  return counted(snapshot, (w) => {
    const events = lastDays(w, 30, "events");
    const percent = pct(events, quota);
    const evidence = { events30d: events, planMonthlyEvents: quota, percentOfPlan: percent };
    // Integer comparison keeps "exactly 80%" a pass.
    return decide(events * 10 >= quota * 8, evidence, `${num(events)} of ${num(quota)} events (${percent}%) in the last 30×24 hours`);
  });
}

function quarterlyCatchup({ snapshot, facts, now }: RuleInput): RuleResult {
  const today = localDay(now, snapshot.project.ok ? snapshot.project.value.timezone : "UTC");
  const valid = facts.catchups.filter((c) => /^\d{4}-\d{2}-\d{2}$/.test(c.date));
  const held = valid.filter((c) => c.status === "held" && c.date <= today).map((c) => c.date);
  const scheduled = valid.filter((c) => c.status === "scheduled").map((c) => c.date);
  // Scheduled for a day that has passed and never recorded as held: we do not know it happened.
  const overdue = scheduled.filter((d) => d < today).sort();
  const past = held.sort().at(-1) ?? null;
  const next = scheduled.filter((d) => d >= today).sort()[0] ?? null;
  const daysSince = past ? daysBetween(past, today) : null;
  const daysUntil = next ? daysBetween(today, next) : null;
  const evidence: Evidence = {
    lastCatchup: past,
    daysSinceLast: daysSince,
    nextCatchup: next,
    daysUntilNext: daysUntil,
    overdue,
    today,
  };
  const overdueNote = overdue.length
    ? `; ${overdue.length === 1 ? `the one scheduled for ${overdue[0]} is` : `${overdue.length} scheduled ones (${overdue.join(", ")}) are`} overdue: record it or reschedule`
    : "";
  if (daysSince !== null && daysSince <= 100) {
    const when = daysSince === 0 ? `Catch-up today (${past})` : `Last catch-up ${past} (${count(daysSince, "day")} ago)`;
    return decide(true, evidence, `${when}${overdueNote}`);
  }
  if (daysUntil !== null && daysUntil <= 100) {
    const when = daysUntil === 0 ? `Catch-up scheduled today (${next})` : `Next catch-up ${next} (in ${count(daysUntil, "day")})`;
    return decide(true, evidence, `${when}${overdueNote}`);
  }
  if (overdue.length) {
    const last = past ? ` Last held: ${past}.` : "";
    return decide(false, evidence, `Catch-up scheduled for ${overdue.at(-1)} is overdue: record it or reschedule.${last}`);
  }
  const last = past ? ` (last: ${past})` : "";
  return decide(false, evidence, valid.length ? `No catch-up in the last 100 days or the next 100${last}` : "No catch-ups recorded");
}

function regularUsage({ snapshot, now }: RuleInput): RuleResult {
  return needs(snapshot.members, (members) => {
    const logins = members.map((m) => m.lastLogin).filter((l): l is string => l !== null);
    const latest = logins.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1) ?? null;
    if (!latest) return decide(false, { lastLogin: null, daysSinceLogin: null, frequency: null }, "No member has ever logged in");
    const age = Math.max(0, now.getTime() - Date.parse(latest));
    const days = Math.floor(age / DAY_MS);
    const frequency = age <= 7 * DAY_MS ? "weekly" : age <= 30 * DAY_MS ? "monthly" : null;
    const evidence = { lastLogin: latest, daysSinceLogin: days, frequency };
    const ago = days === 0 ? "today" : `${count(days, "day")} ago`;
    if (!frequency) return decide(false, evidence, `No login in the last 30 days (last ${ago})`);
    return decide(true, evidence, `${frequency === "weekly" ? "Weekly" : "Monthly"} use: last login ${ago}`);
  });
}

function loggedIn({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.members, (members) => {
    const n = members.filter((m) => m.lastLogin).length;
    const who = n === 0 ? "none has" : `${num(n)} ${n === 1 ? "has" : "have"}`;
    const summary = `${count(members.length, "member")}, ${who} logged in`;
    return decide(n > 0, { members: members.length, loggedIn: n }, summary);
  });
}

function teamAdded({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.members, (members) => {
    const summary = `${count(members.length, "member")} in the organisation`;
    return decide(members.length >= 2, { members: members.length }, summary);
  });
}

function everyoneUsed({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.members, (members) => {
    if (!members.length) return unknown("No members listed", { members: 0 });
    const n = members.filter((m) => m.lastLogin).length;
    const summary = `${num(n)} of ${count(members.length, "member")} ${n === 1 ? "has" : "have"} logged in`;
    return decide(n === members.length, { members: members.length, loggedIn: n }, summary);
  });
}

function identifyCalls({ snapshot }: RuleInput): RuleResult {
  return counted(snapshot, (w) => {
    const n = lastDays(w, 30, "identifies");
    const summary = n ? `${count(n, "$identify event")} in the last 30×24 hours` : "No $identify events in the last 30×24 hours";
    return decide(n > 0, { identifies30d: n }, summary);
  });
}

function userProperties({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.personProperties, (props) => {
    // Virtual `$builtin_*` entries are appended by PostHog to every list; they are not data.
    const custom = props.filter((p) => !p.virtual && !p.name.startsWith("$")).map((p) => p.name);
    const examples = custom.slice(0, 5);
    const summary = custom.length
      ? `${count(custom.length, "custom person property", "custom person properties")} (${examples.join(", ")})`
      : "No custom person properties, only PostHog's own";
    return decide(custom.length > 0, { customProperties: custom.length, examples }, summary);
  });
}

function actions({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.actions, (list) =>
    decide(list.length > 0, { actions: list.length }, list.length ? count(list.length, "action") : "No actions"),
  );
}

function funnels({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.insights, (insights) => {
    const found = insights.filter(isCustomerFunnel);
    const samples = insights.filter((i) => isFunnel(i) && !i.hasCreator).length;
    const examples = found.slice(0, 5).map((f) => f.name ?? `#${f.id}`);
    const sampleNote = samples ? ` (${count(samples, "sample funnel")} from signup ignored)` : "";
    const summary = found.length ? `${count(found.length, "funnel")} made by the team` : `No funnels made by the team${sampleNote}`;
    return decide(found.length > 0, { funnels: found.length, sampleFunnels: samples, examples }, summary);
  });
}

function dashboards({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.dashboards, (all) => {
    const byTeam = all.filter((d) => d.hasCreator).length;
    const summary = `${num(byTeam)} of ${count(all.length, "dashboard")} made by the team`;
    return decide(byTeam > 0, { dashboards: all.length, createdByTeam: byTeam }, summary);
  });
}

function toolbar({ snapshot }: RuleInput): RuleResult {
  return needs(snapshot.project, ({ appUrls }) => {
    // PostHog records no toolbar use in the customer's project, so no URLs is not a fail.
    if (!appUrls.length) return unknown("No authorised URLs; ask the customer", { appUrls: 0 });
    const summary = `${count(appUrls.length, "authorised URL")} for the toolbar`;
    return decide(true, { appUrls: appUrls.length, urls: appUrls.slice(0, 5) }, summary);
  });
}

function production({ snapshot }: RuleInput): RuleResult {
  return counted(snapshot, (w) => {
    const prod = lastDays(w, 7, "nonLocalEvents");
    const local = lastDays(w, 7, "localEvents");
    const summary = prod
      ? `${count(prod, "production event")} in the last 7×24 hours`
      : `No production events in the last 7×24 hours (${count(local, "localhost event")})`;
    return decide(prod > 0, { productionEvents7d: prod, localEvents7d: local }, summary);
  });
}

const automated = (check: Omit<CheckDefinition, "kind">): CheckDefinition => ({
  ...check,
  kind: "automated",
});
const manual = (id: string, section: Section, question: string): CheckDefinition => ({
  id,
  section,
  question,
  kind: "manual",
  rule: "Answered by a person (yes / no / not applicable).",
});

export const CATALOG: CheckDefinition[] = [
  automated({
    id: "setup.logged_in",
    section: "setup",
    question: "Has the customer logged in?",
    rule: "Passes when any organisation member has a last login.",
    evaluate: loggedIn,
  }),
  automated({
    id: "setup.team_added",
    section: "setup",
    question: "Has the customer added their team?",
    rule: "Passes with at least 2 organisation members.",
    evaluate: teamAdded,
  }),
  automated({
    id: "setup.events_recurring",
    section: "setup",
    question: "Are events coming into the platform on a recurring basis?",
    rule: "Passes when each of the four 7×24-hour windows of the 28×24 hours before the refresh has at least one event (windows ending before the project was created are ignored).",
    evaluate: ({ snapshot }) => counted(snapshot, (w) => eventsRecurring(snapshot, w)),
  }),
  automated({
    id: "setup.identify_calls",
    section: "setup",
    question: "Are identify calls being made so user profiles are being created?",
    rule: "Passes with at least one $identify event in the 30×24 hours before the refresh.",
    evaluate: identifyCalls,
  }),
  automated({
    id: "setup.user_properties",
    section: "setup",
    question: "Are additional relevant user properties being sent?",
    rule: "Passes with at least one person property that is not virtual and does not start with $.",
    evaluate: userProperties,
  }),
  automated({
    id: "setup.actions",
    section: "setup",
    question: "Has the customer set up actions?",
    rule: "Passes with at least one action.",
    evaluate: actions,
  }),
  automated({
    id: "setup.funnels",
    section: "setup",
    question: "Has the customer set up funnels?",
    rule: "Passes with at least one saved funnel insight that has a creator (signup samples have none).",
    evaluate: funnels,
  }),
  automated({
    id: "setup.dashboards",
    section: "setup",
    question: "Has the customer created or modified a dashboard?",
    rule: "Passes with at least one dashboard that has a creator (the signup dashboard has none).",
    evaluate: dashboards,
  }),
  automated({
    id: "setup.toolbar",
    section: "setup",
    question: "Has the customer used the toolbar?",
    rule: "Passes when the project has authorised toolbar URLs; otherwise unknown until a person answers.",
    answers: ["yes", "no", "na"],
    evaluate: toolbar,
  }),
  automated({
    id: "setup.production",
    section: "setup",
    question: "Has the customer gotten PostHog into production?",
    rule: "Passes with at least one event in the 7×24 hours before the refresh whose $host is not localhost or 127.0.0.1 (events without $host count).",
    evaluate: production,
  }),
  automated({
    id: "setup.test_data_removed",
    section: "setup",
    question: "If applicable, has the customer removed any test data?",
    answers: ["na"],
    rule: "Passes when there were no localhost events in the 30×24 hours before the refresh or the test-account filters include a $host filter; a person may mark it not applicable.",
    evaluate: testDataRemoved,
  }),
  automated({
    id: "setup.feature_flags",
    section: "setup",
    question: "If applicable, is the customer using feature flags?",
    answers: ["na"],
    rule: "Passes with at least one active flag and at least one $feature_flag_called event in the 30×24 hours before the refresh; a person may mark it not applicable.",
    evaluate: featureFlags,
  }),
  manual("training.analytics_experience", "training", "Does their team have enough general product analytics experience?"),
  manual("training.demo_received", "training", "Has their team received a demo of the product?"),
  automated({
    id: "training.everyone_used",
    section: "training",
    question: "Has everyone on the team used the product at least once?",
    rule: "Passes when every organisation member has a last login.",
    evaluate: everyoneUsed,
  }),
  manual("training.knows_guides", "training", "Does the customer's team know where to find our use case guides?"),
  manual("training.told_support", "training", "Have we told the customer where to get support?"),
  manual("training.joint_slack", "training", "Have we set up a joint Slack channel with the customer?"),
  manual("value.newsletter", "value", "Have we added their whole team to our email newsletter?"),
  manual("value.usage_dashboard", "value", "Are we monitoring the customer's usage on a dashboard at a team level?"),
  automated({
    id: "value.plan_usage_80",
    section: "value",
    question: "Is the customer generally above 80% usage for their current plan?",
    rule: "Passes when events in the 30×24 hours before the refresh are at least 80% of the plan's monthly quota; unknown without a plan.",
    source: "delight",
    evaluate: planUsage,
  }),
  automated({
    id: "value.quarterly_catchup",
    section: "value",
    question: "Have we set up a quarterly catchup with the customer?",
    rule: "Passes with a catch-up held in the last 100 calendar days or scheduled in the next 100 (the project's days); a scheduled one whose date passed without being recorded as held does not count.",
    source: "delight",
    evaluate: quarterlyCatchup,
  }),
  manual("value.good_support_experience", "value", "Has their team had a good experience asking for help or reporting issues to us?"),
  automated({
    id: "value.regular_usage",
    section: "value",
    question: "Is the customer using PostHog on a weekly / monthly basis?",
    rule: "Passes when a member logged in within the 30×24 hours before the refresh (weekly if within 7×24).",
    evaluate: regularUsage,
  }),
];

export const CHECK_IDS: readonly string[] = CATALOG.map((c) => c.id);

const byId = new Map(CATALOG.map((c) => [c.id, c]));
export function getCheck(id: string): CheckDefinition | undefined {
  return byId.get(id);
}

import { describe, expect, test } from "vitest";
import { assess } from "../../checks/assessment/assess";
import type { CheckLine } from "../../checks/assessment/explain";
import { isCalendarDay } from "../../checks/days";
import type { AutomatedResult, ManualAnswerRecord, OverrideRecord } from "../../checks/evaluate";
import { VERSION_ONE } from "../../checks/rules";
import { usageVsPlan } from "../../checks/usage";
import { InputError, parseInput } from "../utils/validation.server";
import { overdueCatchups } from "./catchup-overdue";
import { CatchupInputSchema, dateProblem } from "./catchups.server";
import { openItems, scoreDelta, sectionProgress } from "./customer-view";
import { describeLine, describeScoring } from "./explain-view";
import { dayLabel, usageView } from "./usage-view";

const NOW = new Date("2025-03-15T12:00:00Z");
const DAY = 86_400_000;

describe("catch-up input", () => {
  test.each([
    ["2025-03-15", true],
    ["2024-02-29", true],
    ["2025-02-29", false],
    ["2025-02-30", false],
    ["2025-13-01", false],
    ["2025-3-5", false],
    ["15/03/2025", false],
  ])("isCalendarDay(%s) is %s", (day, expected) => {
    expect(isCalendarDay(day)).toBe(expected);
  });

  test.each([
    [{ date: "" }, "date", "Enter the date of the catch-up"],
    [{ date: "2025-02-30" }, "date", "Enter the date as YYYY-MM-DD (a real day)"],
    [{ date: "1999-12-31" }, "date", "Enter a date between 2000 and 2099"],
    [{ date: "2025-03-01", status: "cancelled" }, "status", "A catch-up is scheduled or held"],
    [{ date: "2025-03-01", notes: "x".repeat(5001) }, "notes", "Keep the notes under 5,000 characters"],
    [{ date: "2025-03-01", id: "abc" }, "id", "Unknown catch-up"],
  ])("%o is refused with a message for %s", (raw, field, message) => {
    try {
      parseInput(CatchupInputSchema, raw);
      expect.unreachable("should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).errors[field]).toBe(message);
    }
  });

  test("notes of exactly 5,000 characters are fine and text is trimmed", () => {
    const parsed = parseInput(CatchupInputSchema, { date: " 2025-03-01 ", notes: `  ${"x".repeat(5000)}  `, attendees: " Ann " });
    expect(parsed).toMatchObject({ date: "2025-03-01", status: "scheduled", attendees: "Ann" });
    expect(parsed.notes).toHaveLength(5000);
  });

  test.each([
    ["held", "2025-03-15", null],
    ["held", "2025-03-16", "A held catch-up cannot be in the future; schedule it instead"],
    ["scheduled", "2025-03-15", null],
    ["scheduled", "2025-03-14", "That date has passed; record it as held instead"],
  ] as const)("a %s catch-up on %s when today is 2025-03-15 → %s", (status, date, expected) => {
    expect(dateProblem({ status, date }, "2025-03-15")).toBe(expected);
  });
});

describe("overdue catch-ups", () => {
  test("scheduled ones dated before today, oldest first; today's, held and cancelled ones are not overdue", () => {
    const rows = [
      { id: 1, date: "2025-03-14", status: "scheduled" },
      { id: 2, date: "2025-03-15", status: "scheduled" },
      { id: 3, date: "2025-03-01", status: "scheduled" },
      { id: 4, date: "2025-03-10", status: "held" },
      { id: 5, date: "2025-03-09", status: "cancelled" },
    ];
    expect(overdueCatchups(rows, "2025-03-15").map((r) => r.id)).toEqual([3, 1]);
    expect(overdueCatchups(rows, "2025-03-01")).toEqual([]);
  });
});

const auto = (checkId: string, status: AutomatedResult["status"], summary = `${checkId} ${status}`): AutomatedResult => ({
  checkId,
  status,
  evidence: {},
  summary,
});

/** The checks of an assessment made from these results, answers and overrides (no plan, no usage). */
function assessedChecks(input: { automated: AutomatedResult[]; answers: ManualAnswerRecord[]; overrides: OverrideRecord[]; now: Date }) {
  return assess({
    now: input.now,
    customer: { id: 1, planId: null, planName: null, monthlyEvents: null, billingDay: 1, timezone: "UTC" },
    rules: { scoring: VERSION_ONE, custom: [], extras: [], minSdkVersions: {} },
    results: { runId: 1, finishedAt: input.now, automated: input.automated, snapshot: null },
    lastRun: { id: 1, status: "ok", finishedAt: input.now, errors: [], apiCalls: 8 },
    answers: input.answers,
    overrides: input.overrides,
    catchups: [],
    usage: { daily: [], measuredAt: null },
  }).checks;
}

describe("talking points and progress", () => {
  const automated = [
    auto("setup.logged_in", "pass"),
    auto("setup.production", "fail", "No production events in 7 days"),
    auto("setup.toolbar", "unknown", "No app URLs"),
  ];

  test("failing first, then expired overrides, stale answers and unknowns; passing checks are not listed", () => {
    const resolved = assessedChecks({
      automated,
      answers: [
        { checkId: "training.demo_received", answer: "yes", note: "", authorName: "ann", createdAt: new Date(NOW.getTime() - 200 * DAY) },
        { checkId: "training.told_support", answer: "no", note: "", authorName: "ann", createdAt: new Date(NOW.getTime() - DAY) },
      ],
      overrides: [
        {
          checkId: "setup.logged_in",
          status: "fail",
          reason: "Only a bot logs in",
          expiresAt: new Date(NOW.getTime() - DAY),
          authorName: "bo",
          createdAt: new Date(NOW.getTime() - 10 * DAY),
        },
      ],
      now: NOW,
    });
    const items = openItems(resolved, NOW);
    const kinds = items.map((i) => i.kind);
    expect(kinds.indexOf("failing")).toBe(0);
    expect(kinds.lastIndexOf("failing")).toBeLessThan(kinds.indexOf("expired-override"));
    expect(kinds.indexOf("expired-override")).toBeLessThan(kinds.indexOf("stale-answer"));
    expect(kinds.indexOf("stale-answer")).toBeLessThan(kinds.indexOf("unknown"));
    expect(items.find((i) => i.checkId === "setup.production")).toMatchObject({ kind: "failing", text: "No production events in 7 days" });
    expect(items.find((i) => i.checkId === "training.told_support")).toMatchObject({ kind: "failing" });
    expect(items.find((i) => i.kind === "stale-answer")).toMatchObject({ checkId: "training.demo_received" });
    expect(items.find((i) => i.kind === "expired-override")).toMatchObject({
      checkId: "setup.logged_in",
      text: "Override to fail by bo expired on 2025-03-14 (Only a bot logs in)",
    });
    expect(items.find((i) => i.checkId === "training.knows_guides")).toMatchObject({
      kind: "unknown",
      text: "Nobody has answered this yet",
    });
    expect(items.find((i) => i.checkId === "setup.toolbar")).toMatchObject({ kind: "unknown", text: "No app URLs" });
    // The override expired, so the passing automated result is back: not a talking point as failing.
    expect(items.filter((i) => i.checkId === "setup.logged_in").map((i) => i.kind)).toEqual(["expired-override"]);
  });

  test("section progress counts passing of the applicable checks", () => {
    const resolved = assessedChecks({
      automated,
      answers: [{ checkId: "training.joint_slack", answer: "na", note: "", authorName: "ann", createdAt: NOW }],
      overrides: [],
      now: NOW,
    });
    expect(sectionProgress(resolved)).toEqual([
      { section: "setup", label: "Setup", passing: 1, total: 12 },
      { section: "training", label: "Training", passing: 0, total: 5 },
      { section: "value", label: "Value over time", passing: 0, total: 6 },
    ]);
  });
});

describe("wording", () => {
  const line = (o: Partial<CheckLine>): CheckLine => ({
    checkId: "x",
    section: "setup",
    cause: "data",
    from: "fail",
    to: "pass",
    points: 5.3,
    ...o,
  });
  test.each([
    [line({}), "PostHog data: now passing (was failing)"],
    [line({ cause: "override-expired", from: "pass", to: "fail" }), "override expired: now failing (was passing)"],
    [line({ cause: "override-set", from: "fail", to: "fail" }), "override set: stays failing"],
    [line({ cause: "check-added", from: null, to: "unknown" }), "added to the checklist: unknown"],
    [line({ cause: "check-retired", from: "pass", to: null }), "no longer scored (was passing)"],
    [line({ cause: "answer-stale", from: "pass", to: "unknown" }), "answer went stale: now unknown (was passing)"],
  ])("describeLine %#", (l, text) => {
    expect(describeLine(l)).toBe(text);
  });

  test.each([
    [{ from: "1", to: "4", points: -3.2, bands: null }, "Scoring changed from v1 to v4: −3.2 points of this move"],
    [
      { from: "2", to: "3", points: 0, bands: { from: { healthy: 70, concerning: 40 }, to: { healthy: 75, concerning: 45 } } },
      "Scoring changed from v2 to v3 (bands 70/40 → 75/45): no points of this move",
    ],
    [{ from: "1", to: "2", points: null, bands: null }, "Scoring changed from v1 to v2"],
  ])("describeScoring %#", (s, text) => {
    expect(describeScoring(s)).toBe(text);
  });

  test.each([
    [60, 64.5, { delta: 4.5, direction: "up" }],
    [64.5, 60, { delta: -4.5, direction: "down" }],
    [50, 50, { delta: 0, direction: "same" }],
  ])("scoreDelta(%s, %s)", (from, to, expected) => {
    expect(scoreDelta(from, to)).toMatchObject(expected);
  });
  test("no delta without both scores", () => {
    expect(scoreDelta(null, 50)).toBeNull();
    expect(scoreDelta(50, undefined)).toBeNull();
  });
  test("day labels come from the string, not the clock", () => {
    expect(dayLabel("2025-03-04")).toBe("4 Mar");
    expect(dayLabel("2024-12-31")).toBe("31 Dec");
  });
});

describe("usage view", () => {
  const unflagged = { flagged80: false, flagged80AsOf: null, flagged80Why: null };
  const daily = Array.from({ length: 14 }, (_, i) => ({ day: `2025-03-${String(i + 1).padStart(2, "0")}`, events: 1_000 }));

  test("cumulative covers the whole period; the projection starts on today and ends at the projected total", () => {
    const usage = usageVsPlan({
      daily,
      measuredAt: null,
      monthlyEvents: 40_000,
      anchorDay: 1,
      timeZone: "UTC",
      now: new Date("2025-03-14T12:00:00Z"),
    });
    const view = usageView(usage, { name: "Small", monthlyEvents: 40_000 }, unflagged);
    expect(view.cumulative).toHaveLength(31);
    expect(view.cumulative[13]).toEqual({ day: "2025-03-14", label: "14 Mar", actual: 14_000, projection: 14_000 });
    expect(view.cumulative[12]!.projection).toBeNull();
    expect(view.cumulative[14]!.actual).toBeNull();
    expect(view.cumulative[30]!.projection).toBe(31_000);
    expect(view.projected).toBe(31_000);
    expect(view.dailyPace).toBe(1290);
    expect(view.period.label).toBe("1 Mar – 31 Mar");
  });

  test("no data and no plan: no projection, no pace", () => {
    const usage = usageVsPlan({ daily: [], measuredAt: null, monthlyEvents: null, anchorDay: 1, timeZone: "UTC", now: NOW });
    const view = usageView(usage, null, unflagged);
    expect(view).toMatchObject({ hasData: false, projected: null, dailyPace: null, plan: null });
    expect(view.cumulative.every((p) => p.projection === null)).toBe(true);
  });

  test("the ≥ 80 % flag is the stored health's, with its reason, even when this period reads low", () => {
    // 14,000 of 400,000 this period (3.5 %), flagged by the last 30 days' events.
    const usage = usageVsPlan({
      daily,
      measuredAt: null,
      monthlyEvents: 400_000,
      anchorDay: 1,
      timeZone: "UTC",
      now: new Date("2025-03-14T12:00:00Z"),
    });
    expect(usage.flagged80).toBe(false);
    const view = usageView(
      usage,
      { name: "Big", monthlyEvents: 400_000 },
      {
        flagged80: true,
        flagged80AsOf: "2025-03-10",
        flagged80Why: { basis: "last-30-days", percent: 90.6 },
      },
    );
    expect(view).toMatchObject({
      percentOfQuota: 3.5,
      flagged80: true,
      flagged80AsOf: "2025-03-10",
      flagged80Because: "91% of plan in the last 30 days",
    });
    expect(usageView(usage, null, unflagged)).toMatchObject({ flagged80: false, flagged80AsOf: null, flagged80Because: null });
  });

  test("past periods are listed newest first with their length", () => {
    const long = Array.from({ length: 90 }, (_, i) => ({
      day: new Date(Date.UTC(2024, 11, 15) + i * DAY).toISOString().slice(0, 10),
      events: 10,
    }));
    const view = usageView(
      usageVsPlan({ daily: long, measuredAt: null, monthlyEvents: 1000, anchorDay: 1, timeZone: "UTC", now: NOW }),
      {
        name: "P",
        monthlyEvents: 1000,
      },
      unflagged,
    );
    expect(view.history.map((h) => [h.start, h.days, h.partial])).toEqual([
      ["2025-02-01", 28, false],
      ["2025-01-01", 31, false],
      ["2024-12-01", 31, true],
    ]);
  });
});

import { describe, expect, test } from "vitest";
import { daysAgo, NOW, passingInput } from "../tests/snapshot-factories";
import { CATALOG } from "./catalog";
import { type AutomatedResult, evaluateAutomated, type ManualAnswerRecord, type OverrideRecord, resolveChecks } from "./evaluate";
import type { CheckDefinition } from "./types";

const DAY_MS = 86_400_000;
const AUTOMATED_IDS = CATALOG.filter((c) => c.kind === "automated").map((c) => c.id);

const result = (checkId: string, status: AutomatedResult["status"], summary = `${checkId} ${status}`): AutomatedResult => ({
  checkId,
  status,
  evidence: { n: 1 },
  summary,
});
const answer = (checkId: string, value: ManualAnswerRecord["answer"], createdAt: Date, note = ""): ManualAnswerRecord => ({
  checkId,
  answer: value,
  note,
  authorName: "Jane",
  createdAt,
});
const override = (checkId: string, status: OverrideRecord["status"], createdAt: Date, expiresAt: Date | null = null): OverrideRecord => ({
  checkId,
  status,
  reason: "customer confirmed on call",
  expiresAt,
  authorName: "Sam",
  createdAt,
});

function resolveOne(
  checkId: string,
  { automated = [] as AutomatedResult[] | null, answers = [] as ManualAnswerRecord[], overrides = [] as OverrideRecord[] } = {},
) {
  const found = resolveChecks({ automated, answers, overrides, now: NOW }).find((r) => r.checkId === checkId);
  if (!found) throw new Error(`no ${checkId}`);
  return found;
}

describe("evaluateAutomated", () => {
  test("returns one result per automated check, in catalogue order", () => {
    const results = evaluateAutomated(passingInput());
    expect(results.map((r) => r.checkId)).toEqual(AUTOMATED_IDS);
    expect(AUTOMATED_IDS).toHaveLength(16);
    expect(results.every((r) => r.status === "pass")).toBe(true);
  });

  test("a rule that throws becomes unknown with the reason", () => {
    const catalog: CheckDefinition[] = [
      {
        id: "x.broken",
        section: "setup",
        question: "?",
        kind: "automated",
        rule: "r",
        evaluate: () => {
          throw new Error("boom");
        },
      },
    ];
    expect(evaluateAutomated(passingInput(), catalog)).toEqual([
      { checkId: "x.broken", status: "unknown", evidence: { reason: "boom" }, summary: "Rule error: boom" },
    ]);
  });
});

describe("resolveChecks", () => {
  test("covers the whole catalogue in order", () => {
    const resolved = resolveChecks({ automated: null, answers: [], overrides: [], now: NOW });
    expect(resolved.map((r) => r.checkId)).toEqual(CATALOG.map((c) => c.id));
  });

  test.each([
    ["setup.actions", "unknown", "Not refreshed yet", "posthog"],
    ["training.demo_received", "unknown", "Not answered yet", "manual"],
  ])("never refreshed: %s is %s (%s)", (id, status, summary, source) => {
    const r = resolveOne(id, { automated: null });
    expect([r.status, r.summary, r.source, r.automated]).toEqual([status, summary, source, null]);
  });

  test("a check missing from the refresh is unknown", () => {
    expect(resolveOne("setup.actions", { automated: [] }).summary).toBe("No result from the last refresh");
  });

  test.each([
    ["yes", "pass"],
    ["no", "fail"],
    ["na", "na"],
  ] as const)("manual answer %s → %s", (value, status) => {
    const r = resolveOne("training.demo_received", {
      answers: [answer("training.demo_received", value, daysAgo(3), "in March")],
    });
    expect(r).toMatchObject({ status, source: "manual", answerStale: false, evidence: { answer: value } });
    expect(r.summary).toBe(`Answered "${value}" by Jane on 2025-03-12: in March`);
  });

  test("the latest answer wins whatever the list order", () => {
    const answers = [answer("value.newsletter", "no", daysAgo(1)), answer("value.newsletter", "yes", daysAgo(10))];
    expect(resolveOne("value.newsletter", { answers }).status).toBe("fail");
    expect(resolveOne("value.newsletter", { answers: answers.reverse() }).status).toBe("fail");
  });

  test.each([
    [180 * DAY_MS, "pass", false],
    [180 * DAY_MS + 60_000, "unknown", true],
  ])("answer %i ms old → %s (stale %s)", (age, status, stale) => {
    const createdAt = new Date(NOW.getTime() - age);
    const r = resolveOne("value.newsletter", { answers: [answer("value.newsletter", "yes", createdAt)] });
    expect([r.status, r.answerStale, r.answer?.createdAt]).toEqual([status, stale, createdAt]);
    if (stale) expect(r.summary).toBe(`Answer "yes" from 2024-09-16 by Jane is stale (older than 180 days)`);
  });

  test.each([
    ["value.quarterly_catchup", "delight"],
    ["value.plan_usage_80", "delight"],
    ["setup.actions", "posthog"],
  ])("%s results have source %s", (id, source) => {
    expect(resolveOne(id, { automated: [result(id, "fail")] })).toMatchObject({ status: "fail", source });
  });
});

describe("overrides", () => {
  const automated = [result("setup.actions", "fail", "No actions")];
  const at = (days: number) => daysAgo(days);

  test.each<[string, OverrideRecord[], string, string, boolean]>([
    ["no override", [], "fail", "posthog", false],
    ["open-ended override", [override("setup.actions", "pass", at(5))], "pass", "override", true],
    ["override to na", [override("setup.actions", "na", at(5))], "na", "override", true],
    ["override expiring tomorrow", [override("setup.actions", "pass", at(5), at(-1))], "pass", "override", true],
    ["override that expired", [override("setup.actions", "pass", at(5), at(1))], "fail", "posthog", false],
    ["override expiring right now", [override("setup.actions", "pass", at(5), NOW)], "fail", "posthog", false],
    ["cleared later", [override("setup.actions", "pass", at(5)), override("setup.actions", "cleared", at(2))], "fail", "posthog", false],
    [
      "set again after clearing",
      [override("setup.actions", "cleared", at(5)), override("setup.actions", "pass", at(2))],
      "pass",
      "override",
      true,
    ],
    // A newer row replaces the older one; when it expires the older one does not come back.
    [
      "newer temporary row expired",
      [override("setup.actions", "pass", at(9)), override("setup.actions", "na", at(5), at(1))],
      "fail",
      "posthog",
      false,
    ],
    ["other check's override", [override("setup.funnels", "pass", at(5))], "fail", "posthog", false],
  ])("%s", (_name, overrides, status, source, active) => {
    const r = resolveOne("setup.actions", { automated, overrides });
    expect([r.status, r.source, r.overrideActive]).toEqual([status, source, active]);
    expect(r.automated).toEqual(automated[0]);
  });

  test("an active override keeps both values visible", () => {
    const r = resolveOne("setup.actions", {
      automated,
      overrides: [override("setup.actions", "pass", daysAgo(1))],
    });
    expect(r.summary).toBe("Overridden to pass by Sam: customer confirmed on call (automated: fail, No actions)");
    expect(r.evidence).toMatchObject({
      n: 1,
      overrideStatus: "pass",
      overrideReason: "customer confirmed on call",
    });
  });

  test("an expired override stays on the record, inactive", () => {
    const expired = override("setup.actions", "pass", daysAgo(5), daysAgo(1));
    expect(resolveOne("setup.actions", { automated, overrides: [expired] })).toMatchObject({
      override: expired,
      overrideActive: false,
    });
  });

  test("overrides do not apply to manual checks", () => {
    const r = resolveOne("value.newsletter", {
      overrides: [override("value.newsletter", "pass", daysAgo(1))],
    });
    expect([r.status, r.override]).toEqual(["unknown", null]);
  });
});

describe("answers on automated checks", () => {
  const toolbar = [result("setup.toolbar", "unknown", "No authorised URLs; ask the customer")];

  test("fill an unknown result", () => {
    const r = resolveOne("setup.toolbar", {
      automated: toolbar,
      answers: [answer("setup.toolbar", "yes", daysAgo(2))],
    });
    expect(r).toMatchObject({ status: "pass", source: "manual", automated: toolbar[0] });
    expect(r.summary).toBe('Answered "yes" by Jane on 2025-03-13 (automated: No authorised URLs; ask the customer)');
  });

  test("go stale like manual answers", () => {
    const r = resolveOne("setup.toolbar", {
      automated: toolbar,
      answers: [answer("setup.toolbar", "yes", daysAgo(181))],
    });
    expect([r.status, r.answerStale, r.source]).toEqual(["unknown", true, "manual"]);
  });

  test("fill a never-refreshed check", () => {
    const r = resolveOne("setup.toolbar", {
      automated: null,
      answers: [answer("setup.toolbar", "no", daysAgo(2))],
    });
    expect([r.status, r.source]).toEqual(["fail", "manual"]);
  });

  test("do not beat a decided automated result", () => {
    const r = resolveOne("setup.actions", {
      automated: [result("setup.actions", "fail")],
      answers: [answer("setup.actions", "yes", daysAgo(1))],
    });
    expect([r.status, r.source]).toEqual(["fail", "posthog"]);
  });
});

describe("which answers a check takes", () => {
  test.each([
    ["training.demo_received", ["yes", "no", "na"]],
    ["setup.toolbar", ["yes", "no", "na"]],
    ["setup.test_data_removed", ["na"]],
    ["setup.feature_flags", ["na"]],
    ["setup.production", []],
    ["value.quarterly_catchup", []],
  ])("%s takes %j", (checkId, expected) => {
    expect(resolveOne(checkId).answers).toEqual(expected);
  });

  test("an answer a check does not take (a row from before) decides nothing, even when PostHog could not decide", () => {
    const r = resolveOne("setup.production", {
      automated: [result("setup.production", "unknown")],
      answers: [answer("setup.production", "yes", daysAgo(1))],
    });
    expect([r.status, r.source, r.answer]).toEqual(["unknown", "posthog", null]);
    const flags = resolveOne("setup.feature_flags", {
      automated: [result("setup.feature_flags", "fail")],
      answers: [answer("setup.feature_flags", "yes", daysAgo(1))],
    });
    expect([flags.status, flags.source]).toEqual(["fail", "posthog"]);
  });
});

describe('"not applicable" on an "if applicable" check', () => {
  const failing = [result("setup.test_data_removed", "fail", "12 localhost events in the last 30 days and no $host test-account filter")];

  test("takes the check out of the score with who said so, and keeps the automated result visible", () => {
    const r = resolveOne("setup.test_data_removed", {
      automated: failing,
      answers: [answer("setup.test_data_removed", "na", daysAgo(2), "no staging environment")],
    });
    expect(r).toMatchObject({ status: "na", source: "manual", answerStale: false, automated: failing[0] });
    expect(r.summary).toBe(
      "Not applicable — Jane on 2025-03-13: no staging environment (automated: fail, 12 localhost events in the last 30 days and no $host test-account filter)",
    );
    expect(r.evidence).toMatchObject({ n: 1, answer: "na", answeredBy: "Jane" });
  });

  test("holds whatever a later refresh finds, and does not go stale", () => {
    for (const status of ["pass", "fail", "unknown"] as const) {
      const r = resolveOne("setup.feature_flags", {
        automated: [result("setup.feature_flags", status)],
        answers: [answer("setup.feature_flags", "na", daysAgo(400))],
      });
      expect([r.status, r.answerStale]).toEqual(["na", false]);
    }
  });

  test("an active override still wins over it", () => {
    const r = resolveOne("setup.feature_flags", {
      automated: [result("setup.feature_flags", "fail")],
      answers: [answer("setup.feature_flags", "na", daysAgo(3))],
      overrides: [override("setup.feature_flags", "pass", daysAgo(1))],
    });
    expect([r.status, r.source]).toEqual(["pass", "override"]);
  });

  test("withdrawn, the automated result is back", () => {
    const r = resolveOne("setup.test_data_removed", {
      automated: failing,
      answers: [answer("setup.test_data_removed", "na", daysAgo(3)), answer("setup.test_data_removed", "withdrawn", daysAgo(1))],
    });
    expect([r.status, r.source, r.answer]).toEqual(["fail", "posthog", null]);
  });

  test("a withdrawn manual answer leaves the check unanswered", () => {
    const r = resolveOne("training.demo_received", {
      answers: [answer("training.demo_received", "yes", daysAgo(3)), answer("training.demo_received", "withdrawn", daysAgo(1))],
    });
    expect([r.status, r.summary, r.answer]).toEqual(["unknown", "Not answered yet", null]);
  });
});

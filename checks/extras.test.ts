import { describe, expect, test } from "vitest";
import { failed, isoDaysAgo, NOW, ok, passingFacts, passingSnapshot, windowsFor } from "../tests/snapshot-factories";
import { compareVersions, type ExtraSettings, extraChecks, parseVersion } from "./extras";
import type { SpanCounts, UsageSnapshot } from "./snapshot";

type SpanExtras = Partial<Omit<SpanCounts, "age" | "custom">>;

/** 36 spans of 1,000 events (10 $identify), each with `span`'s optional columns. */
function snapshotWith(span: SpanExtras, over: Partial<UsageSnapshot> = {}): UsageSnapshot {
  const base = passingSnapshot();
  const daily = base.daily.ok ? base.daily.value : [];
  return { ...base, windows: ok(windowsFor(daily, () => span)), ...over };
}

const run = (id: string, snapshot: UsageSnapshot, settings: ExtraSettings = { minSdkVersions: {} }) => {
  const check = extraChecks(settings).find((c) => c.id === id)!;
  return check.evaluate!({ snapshot, facts: passingFacts(), now: NOW });
};

describe("extra checks: each states its rule and decides from the breakdown", () => {
  test("all five are automated, re-decided from the snapshot, marked as extras, with a rule", () => {
    const all = extraChecks({ minSdkVersions: {} });
    expect(all.map((c) => c.id)).toEqual([
      "extra.reverse_proxy",
      "extra.sdk_current",
      "extra.autocapture_actions",
      "extra.identify_share",
      "extra.dashboards_viewed",
    ]);
    for (const c of all)
      expect(c).toMatchObject({ kind: "automated", origin: "extra", fromSnapshot: true, rule: expect.stringMatching(/^(Passes|Fails) /) });
  });

  test.each([
    ["reverse proxy: one proxied event passes", "extra.reverse_proxy", { proxyEvents: 1 }, {}, {}, "pass"],
    ["reverse proxy: none fails", "extra.reverse_proxy", { proxyEvents: 0 }, {}, {}, "fail"],
    ["autocapture 50% exactly passes", "extra.autocapture_actions", { autocaptureEvents: 500 }, { actions: ok([]) }, {}, "pass"],
    ["autocapture 51% without actions fails", "extra.autocapture_actions", { autocaptureEvents: 510 }, { actions: ok([]) }, {}, "fail"],
    ["autocapture 90% with an action passes", "extra.autocapture_actions", { autocaptureEvents: 900 }, {}, {}, "pass"],
    [
      "autocapture 90% with actions unreadable is unknown",
      "extra.autocapture_actions",
      { autocaptureEvents: 900 },
      { actions: failed("actions") },
      {},
      "unknown",
    ],
    ["identify 1% + groupidentify 4% = 5% passes", "extra.identify_share", { groupIdentifies: 40 }, {}, {}, "pass"],
    ["identify 1% + groupidentify 4.1% fails", "extra.identify_share", { groupIdentifies: 41 }, {}, {}, "fail"],
    ["sdk: no minimums set is unknown", "extra.sdk_current", { libVersions: ["web@1.0.0"] }, {}, {}, "unknown"],
    [
      "sdk: below the minimum fails",
      "extra.sdk_current",
      { libVersions: ["web@1.149.9", "posthog-node@4.0.0"] },
      {},
      { web: "1.150.0" },
      "fail",
    ],
    ["sdk: equal to the minimum passes", "extra.sdk_current", { libVersions: ["web@1.150.0"] }, {}, { web: "1.150" }, "pass"],
    [
      "sdk: a lib without a minimum is not judged",
      "extra.sdk_current",
      { libVersions: ["posthog-python@0.1.0"] },
      {},
      { web: "1.150.0" },
      "pass",
    ],
    ["sdk: no versions seen is unknown", "extra.sdk_current", { libVersions: [] }, {}, { web: "1.150.0" }, "unknown"],
  ] as const)("%s", (_, id, day, over, mins, status) => {
    const result = run(id, snapshotWith(day as SpanExtras, over as Partial<UsageSnapshot>), {
      minSdkVersions: mins as Record<string, string>,
    });
    expect(result.status).toBe(status);
    expect(result.summary.length).toBeGreaterThan(10);
  });

  test("the evidence names outdated SDKs and the shares it decided on", () => {
    const sdk = run("extra.sdk_current", snapshotWith({ libVersions: ["web@1.90.0"] }), { minSdkVersions: { web: "1.150.0" } });
    expect(sdk.evidence).toMatchObject({ outdated: ["web@1.90.0"], minimums: ["web@1.150.0"] });
    const auto = run("extra.autocapture_actions", snapshotWith({ autocaptureEvents: 600 }, { actions: ok([]) }));
    expect(auto.evidence).toMatchObject({ autocapturePercent: 60, actions: 0, events30d: 30_000 });
    expect(auto.summary).toBe("Autocapture is 60% of events and no actions are defined");
  });

  test("old snapshots without 24-hour windows, and a failed query, are unknown, never fail", () => {
    const old = { ...passingSnapshot(), windows: undefined };
    for (const id of ["extra.reverse_proxy", "extra.autocapture_actions", "extra.identify_share"])
      expect(run(id, old).summary).toBe("Not measured yet: refresh to measure this");
    expect(run("extra.reverse_proxy", { ...passingSnapshot(), windows: failed("events", "boom") }).summary).toContain("boom");
  });

  test("only the last 30×24 hours count: age 29 is in, age 30 is out", () => {
    const base = passingSnapshot();
    const daily = base.daily.ok ? base.daily.value : [];
    const at = (age: number) => ({ ...base, windows: ok(windowsFor(daily, (a) => ({ proxyEvents: a === age ? 50 : 0 }))) });
    expect(run("extra.reverse_proxy", at(29)).status).toBe("pass");
    expect(run("extra.reverse_proxy", at(30)).status).toBe("fail");
  });
});

describe("extra.dashboards_viewed", () => {
  const viewed = (dashboards: (string | null)[], insights: (string | null)[]): UsageSnapshot => {
    const base = passingSnapshot();
    return {
      ...base,
      dashboards: ok(
        dashboards.map((at, i) => ({
          id: 10 + i,
          name: `Dash ${i}`,
          hasCreator: true,
          creationMode: "default",
          createdAt: null,
          pinned: false,
          lastAccessedAt: at,
        })),
      ),
      insights: ok(
        insights.map((at, i) => ({
          id: 20 + i,
          name: `Funnel ${i}`,
          queryKind: "InsightVizNode",
          sourceKind: "FunnelsQuery",
          legacyInsight: null,
          hasCreator: true,
          saved: true,
          createdAt: null,
          dashboardIds: [],
          lastViewedAt: at,
        })),
      ),
    };
  };
  const MIN = 60_000;
  const edge = (minutes: number) => new Date(NOW.getTime() - 30 * 86_400_000 + minutes * MIN).toISOString();

  test("passes on the passing snapshot, with the count and the most recently viewed", () => {
    const result = run("extra.dashboards_viewed", passingSnapshot());
    expect(result.status).toBe("pass");
    expect(result.evidence).toMatchObject({
      viewed30d: 1,
      dashboardsViewed30d: 1,
      insightsViewed30d: 0,
      mostRecentlyViewed: "dashboard Growth",
    });
    expect(result.summary).toBe(`1 dashboard viewed in the last 30×24 hours; most recently “Growth” on ${isoDaysAgo(3).slice(0, 10)}`);
  });

  test("exactly at the window's edge: a minute inside counts, a minute outside does not", () => {
    expect(run("extra.dashboards_viewed", viewed([edge(1)], [])).status).toBe("pass");
    expect(run("extra.dashboards_viewed", viewed([edge(-1)], [edge(-1)])).status).toBe("fail");
    expect(run("extra.dashboards_viewed", viewed([null], [edge(1)])).evidence).toMatchObject({ insightsViewed30d: 1, viewed30d: 1 });
  });

  test("counts both kinds and names the most recently viewed", () => {
    const result = run("extra.dashboards_viewed", viewed([isoDaysAgo(5), isoDaysAgo(40)], [isoDaysAgo(1), isoDaysAgo(2)]));
    expect(result.evidence).toMatchObject({
      viewed30d: 3,
      dashboardsViewed30d: 1,
      insightsViewed30d: 2,
      mostRecentlyViewed: "insight Funnel 0",
    });
    expect(result.summary).toMatch(/^1 dashboard and 2 insights viewed in the last 30×24 hours; most recently “Funnel 0” on /);
  });

  test("a failed list: pass if the other shows a view, else unknown; snapshots from before are not measured", () => {
    expect(run("extra.dashboards_viewed", { ...viewed([isoDaysAgo(1)], []), insights: failed("insights") }).status).toBe("pass");
    expect(run("extra.dashboards_viewed", { ...viewed([isoDaysAgo(90)], []), insights: failed("insights", "boom") })).toMatchObject({
      status: "unknown",
      summary: "Could not read insights from PostHog: boom",
    });
    const before = viewed([isoDaysAgo(1)], []);
    if (before.dashboards.ok) for (const d of before.dashboards.value) delete d.lastAccessedAt;
    expect(run("extra.dashboards_viewed", before).summary).toBe("Not measured yet: refresh to measure this");
  });
});

describe("versions", () => {
  test.each([
    ["1.2.3", [1, 2, 3]],
    ["v2.0", [2, 0]],
    ["1.150.0-beta.1", [1, 150, 0]],
    ["beta", null],
  ])("parseVersion(%j)", (v, parts) => expect(parseVersion(v)).toEqual(parts));

  test.each([
    ["1.9.0", "1.10.0", -1],
    ["1.10", "1.10.0", 0],
    ["2.0.0", "1.99.99", 1],
  ])("%s vs %s", (a, b, sign) => expect(Math.sign(compareVersions(parseVersion(a)!, parseVersion(b)!))).toBe(sign));
});

import { describe, expect, test } from "vitest";
import { failed, makeDaily, NOW, ok, passingFacts, passingSnapshot } from "../tests/snapshot-factories";
import { compareVersions, type ExtraSettings, extraChecks, parseVersion } from "./extras";
import type { DailyBreakdown, UsageSnapshot } from "./snapshot";

/** 30 days of 1,000 events a day (10 $identify), with `day` breakdown values every day. */
function snapshotWith(day: Partial<Omit<DailyBreakdown, "day" | "custom">>, over: Partial<UsageSnapshot> = {}): UsageSnapshot {
  const base = passingSnapshot();
  const daily = base.daily.ok ? base.daily.value : [];
  const breakdown = daily.map((d) => ({
    day: d.day,
    proxyEvents: 0,
    autocaptureEvents: 0,
    groupIdentifies: 0,
    libVersions: [],
    custom: {},
    ...day,
  }));
  return { ...base, breakdown: ok(breakdown), ...over };
}

const run = (id: string, snapshot: UsageSnapshot, settings: ExtraSettings = { minSdkVersions: {} }) => {
  const check = extraChecks(settings).find((c) => c.id === id)!;
  return check.evaluate!({ snapshot, facts: passingFacts(), now: NOW });
};

describe("extra checks: each states its rule and decides from the breakdown", () => {
  test("all four are automated, re-decided from the snapshot, marked as extras, with a rule", () => {
    const all = extraChecks({ minSdkVersions: {} });
    expect(all.map((c) => c.id)).toEqual(["extra.reverse_proxy", "extra.sdk_current", "extra.autocapture_actions", "extra.identify_share"]);
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
    const result = run(id, snapshotWith(day as Partial<Omit<DailyBreakdown, "day" | "custom">>, over as Partial<UsageSnapshot>), {
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

  test("old snapshots without a breakdown, and a failed query, are unknown, never fail", () => {
    const old = { ...passingSnapshot(), breakdown: undefined };
    for (const id of ["extra.reverse_proxy", "extra.autocapture_actions", "extra.identify_share"])
      expect(run(id, old).status).toBe("unknown");
    expect(run("extra.reverse_proxy", { ...passingSnapshot(), breakdown: failed("events", "boom") }).summary).toContain("boom");
  });

  test("only the last 30 days count", () => {
    const snapshot = snapshotWith({});
    const rows = (snapshot.breakdown as { value: DailyBreakdown[] }).value;
    rows[0]!.proxyEvents = 50; // 36 days ago
    expect(run("extra.reverse_proxy", snapshot).status).toBe("fail");
    expect(makeDaily(1)).toHaveLength(1);
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

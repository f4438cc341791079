import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../app/demo/posthog-sandbox/server";
import { type CollectOptions, collectSnapshot } from "./collect";
import { evaluateAutomated } from "./evaluate";
import { dashboardsViewed } from "./extras";
import { DAILY_QUERY } from "./posthog/daily-query";
import { createRateLimiter } from "./posthog/rate-limit";
import type { UsageSnapshot } from "./snapshot";

const NOW = new Date("2025-06-15T12:00:00Z");
const FIELDS = ["project", "members", "actions", "insights", "dashboards", "featureFlags", "personProperties", "daily"] as const;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.setFaults({}));

function collect(name: string, options: Partial<CollectOptions> = {}): Promise<UsageSnapshot> {
  const c = sandbox.customers.find((x) => x.name === name)!;
  return collectSnapshot(
    { host: sandbox.url, projectId: c.projectId, apiKey: c.apiKey, billingDay: c.billingDay },
    { now: NOW, limiter: createRateLimiter(), sleep: async () => {}, ...options },
  );
}

const value = <T>(f: { ok: true; value: T } | { ok: false }): T => {
  if (!f.ok) throw new Error(`call failed: ${JSON.stringify(f)}`);
  return f.value;
};
const last30 = (s: UsageSnapshot) =>
  value(s.daily)
    .slice(-30)
    .reduce((sum, d) => sum + d.events, 0);

describe("collectSnapshot against every sandbox scenario", () => {
  it.each([
    "healthy",
    "brand-new",
    "slipping",
    "localhost-only",
    "server-side-only",
    "near-plan",
    "over-plan",
    "missing-scope",
    "revoked-key",
  ])("%s: one POST to /query/, each field answered or failed on its own", async (name) => {
    const before = sandbox.requests.length;
    const snapshot = await collect(name);
    const mine = sandbox.requests.slice(before).filter((r) => r.customer === name);
    expect(mine.filter((r) => r.method === "POST" && r.path.endsWith("/query/"))).toHaveLength(1);
    expect(snapshot.apiCalls).toBe(mine.length);
    expect(snapshot.collectedAt).toBe(NOW.toISOString());
    expect(snapshot.dailyFrom).toBe("2025-05-10");
    const failedFields = FIELDS.filter((f) => !snapshot[f].ok);
    const expectedFailures = name === "revoked-key" ? FIELDS : name === "missing-scope" ? ["daily"] : [];
    expect(failedFields).toEqual(expectedFailures);
  });

  it("makes exactly 8 requests for a customer whose lists fit on one page", async () => {
    const snapshot = await collect("server-side-only");
    expect(snapshot.apiCalls).toBe(8);
  });

  it("reads every page: 130 members and person properties with the virtual ones from the last page", async () => {
    const snapshot = await collect("healthy");
    expect(value(snapshot.members)).toHaveLength(130);
    expect(value(snapshot.members).every((m) => m.lastLogin !== null && m.email?.endsWith("@healthy.test"))).toBe(true);
    const props = value(snapshot.personProperties);
    expect(props).toHaveLength(122);
    expect(props.filter((p) => p.virtual).map((p) => p.name)).toEqual([
      "$virt_initial_channel_type",
      "$virt_initial_referring_domain_type",
    ]);
    expect(snapshot.apiCalls).toBe(10);
  });

  it("maps insights, dashboards, flags and the project to the trimmed shapes", async () => {
    const snapshot = await collect("healthy");
    const insights = value(snapshot.insights);
    expect(insights.map((i) => i.name).sort()).toEqual(["Checkout funnel", "Pageview funnel, by browser", "Signup funnel"]);
    expect(insights.find((i) => i.name === "Pageview funnel, by browser")).toMatchObject({
      hasCreator: false,
      saved: true,
      dashboardIds: [100101],
    });
    expect(insights.find((i) => i.name === "Signup funnel")).toMatchObject({
      queryKind: "InsightVizNode",
      sourceKind: "FunnelsQuery",
      legacyInsight: null,
      hasCreator: true,
      dashboardIds: [100102],
    });
    expect(insights.find((i) => i.name === "Checkout funnel")).toMatchObject({ saved: false, dashboardIds: [100102] });
    expect(value(snapshot.dashboards)).toEqual([
      expect.objectContaining({ name: "My App Dashboard", hasCreator: false, pinned: true, creationMode: "default" }),
      expect.objectContaining({ name: "Growth", hasCreator: true, pinned: false }),
    ]);
    expect(value(snapshot.featureFlags).map((f) => [f.key, f.active, f.archived])).toEqual([
      ["flag-2", true, false],
      ["new-onboarding", true, false],
    ]);
    expect(value(snapshot.actions)).toHaveLength(2);
    expect(value(snapshot.project)).toMatchObject({ id: 1001, timezone: "Europe/London", appUrls: ["https://app.healthy.test"] });
    expect(value(snapshot.project).testAccountFilters.map((f) => f.key)).toEqual(["email", "$host"]);
    expect(JSON.stringify(snapshot)).not.toMatch(/phs_|phc_/);
  });

  it("reads when dashboards were last accessed and funnels last viewed (no extra call), for extra.dashboards_viewed", async () => {
    const healthy = await collect("healthy");
    expect(value(healthy.dashboards).find((d) => d.name === "Growth")?.lastAccessedAt).toBe("2025-06-14T10:00:00.000Z");
    expect(value(healthy.insights).find((i) => i.name === "Signup funnel")?.lastViewedAt).toBe("2025-06-13T09:00:00.000Z");
    expect(dashboardsViewed(healthy)).toMatchObject({ status: "pass", evidence: { dashboardsViewed30d: 1, insightsViewed30d: 1 } });
    const slipping = await collect("slipping");
    expect(dashboardsViewed(slipping)).toMatchObject({ status: "fail", evidence: { viewed30d: 0 } });
  });

  it("keeps a legacy funnel's filters.insight when its query is null", async () => {
    const [funnel] = value((await collect("server-side-only")).insights).filter((i) => i.hasCreator);
    expect(funnel).toMatchObject({ queryKind: null, sourceKind: null, legacyInsight: "FUNNELS" });
  });

  it("zero-fills the days without events up to the project-local today", async () => {
    const daily = value((await collect("brand-new")).daily);
    expect(daily).toHaveLength(37);
    expect(daily[0].day).toBe("2025-05-10");
    expect(daily.at(-1)?.day).toBe("2025-06-15");
    expect(daily.filter((d) => d.events > 0).map((d) => [d.day, d.events, d.localEvents])).toEqual([
      ["2025-06-11", 12, 12],
      ["2025-06-12", 5, 5],
    ]);
    const tokyo = value((await collect("near-plan")).daily);
    expect(tokyo.at(-1)?.day).toBe("2025-06-15");
    const late = await collect("near-plan", { now: new Date("2025-06-15T20:00:00Z") });
    expect(value(late.daily).at(-1)?.day).toBe("2025-06-16");
  });

  it("counts events without $host as non-local and localhost:3000 as local", async () => {
    const server = value((await collect("server-side-only")).daily).filter((d) => d.events > 0);
    expect(server.every((d) => d.nonLocalEvents === d.events && d.localEvents === 0)).toBe(true);
    const local = value((await collect("localhost-only")).daily).filter((d) => d.events > 0);
    expect(local.every((d) => d.localEvents === d.events && d.nonLocalEvents === 0)).toBe(true);
  });

  it("backs the plan expectations: slipping stopped 12 days ago, near-plan ≈85%, over-plan ≈130%", async () => {
    expect(
      value((await collect("slipping")).daily)
        .slice(-12)
        .every((d) => d.events === 0),
    ).toBe(true);
    expect(last30(await collect("near-plan")) / 2_000_000).toBeGreaterThan(0.8);
    expect(last30(await collect("near-plan")) / 2_000_000).toBeLessThan(0.9);
    expect(last30(await collect("over-plan")) / 500_000).toBeGreaterThan(1.2);
    expect(last30(await collect("healthy")) / 1_000_000).toBeGreaterThan(0.85);
  });

  it("missing-scope: only daily fails, with a scope error naming query:read", async () => {
    const snapshot = await collect("missing-scope");
    expect(snapshot.daily).toEqual({
      ok: false,
      error: {
        call: "events",
        kind: "scope",
        message: "The API key lacks the query:read scope (HTTP 403, permission_denied)",
        scope: "query:read",
      },
    });
  });

  it("revoked key: every call fails with auth, and collect does not throw", async () => {
    const snapshot = await collect("revoked-key");
    for (const field of FIELDS) {
      const f = snapshot[field];
      expect(f.ok ? null : f.error.kind).toBe("auth");
    }
    expect(snapshot.apiCalls).toBe(7);
  });
});

describe("scenario expectations", () => {
  // The sandbox's expected statuses are an oracle written by hand; this keeps them and the
  // catalogue's rules in agreement (a mismatch means one of the two changed meaning).
  it("every scenario's snapshot evaluates to the statuses its customer expects", async () => {
    const mismatches: string[] = [];
    for (const c of sandbox.customers) {
      const snapshot = await collect(c.name);
      const results = evaluateAutomated({
        snapshot,
        facts: { planMonthlyEvents: c.suggestedPlan.monthlyEvents, catchups: [] },
        now: NOW,
      });
      for (const [checkId, expected] of Object.entries(c.expected)) {
        const got = results.find((r) => r.checkId === checkId);
        if (got?.status !== expected) mismatches.push(`${c.name} ${checkId}: expected ${expected}, got ${got?.status} (${got?.summary})`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe("collectSnapshot edge cases", () => {
  it("sends the start date as a HogQL placeholder, never inside the SQL", async () => {
    const bodies: string[] = [];
    const spy: typeof fetch = (input, init) => {
      if (init?.body) bodies.push(String(init.body));
      return fetch(input, init);
    };
    const snapshot = await collect("healthy", { fetch: spy });
    expect(bodies).toHaveLength(1);
    const body = JSON.parse(bodies[0]);
    expect(body.query.values).toEqual({ from: snapshot.dailyFrom });
    expect(body.query.query).not.toContain(snapshot.dailyFrom);
    // The exact text asserted in daily-query.test.ts: windows from now(), never today().
    expect(body.query.query).toBe(DAILY_QUERY);
    expect(body.query.query).toContain("now()");
    expect(body.query.query).not.toContain("today()");
    expect(body.name).toBe("delight: daily usage");
  });

  it("reads the pre-2024 member shape (user_email, no last_login)", async () => {
    const legacy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).includes("/members/")) return response;
      const page = await response.json();
      page.results = page.results.map((m: { user: { email: string }; joined_at: string }) => ({
        membership_id: "m1",
        user_id: 1,
        user_first_name: "Jane",
        user_email: m.user.email,
        joined_at: m.joined_at,
      }));
      return new Response(JSON.stringify(page), { status: 200 });
    };
    const members = value((await collect("slipping", { fetch: legacy })).members);
    expect(members).toHaveLength(4);
    expect(members.every((m) => m.lastLogin === null && m.email?.endsWith("@slipping.test"))).toBe(true);
  });

  it("turns one call's unexpected shape into bad_response for that call only", async () => {
    const broken: typeof fetch = async (input, init) =>
      String(input).includes("/dashboards/")
        ? new Response(JSON.stringify({ count: 1, next: null, results: [{ id: "not-a-number" }] }), { status: 200 })
        : fetch(input, init);
    const snapshot = await collect("healthy", { fetch: broken });
    expect(snapshot.dashboards).toMatchObject({ ok: false, error: { call: "dashboards", kind: "bad_response" } });
    expect(!snapshot.dashboards.ok && snapshot.dashboards.error.message).toMatch(/dashboards .*field 0\.id/);
    expect(FIELDS.filter((f) => !snapshot[f].ok)).toEqual(["dashboards"]);
  });

  it("counts retries and pages in apiCalls and survives a page that breaks half-way", async () => {
    sandbox.setFaults({
      perCustomer: { healthy: { serverError: { count: 2, path: "/insights/" }, breakPagination: { path: "/members/" } } },
    });
    const snapshot = await collect("healthy", { retries: 2 });
    expect(snapshot.insights.ok).toBe(true);
    expect(snapshot.members).toMatchObject({ ok: false, error: { call: "members", kind: "server" } });
    // 10 requests when all is well, +2 insight retries, +2 retries of the broken members page 2.
    expect(snapshot.apiCalls).toBe(10 + 2 + 2);
  });

  it("fails members with the project's error when the organization is unknown", async () => {
    const before = sandbox.requests.length;
    const projectDown: typeof fetch = async (input, init) =>
      new URL(String(input)).pathname === "/api/projects/1002/"
        ? new Response(JSON.stringify({ type: "server_error", code: "error", detail: "A server error occurred.", attr: null }), {
            status: 503,
          })
        : fetch(input, init);
    const snapshot = await collect("brand-new", { fetch: projectDown, retries: 0 });
    expect(snapshot.project).toMatchObject({ ok: false, error: { call: "project", kind: "server" } });
    expect(snapshot.members).toMatchObject({ ok: false, error: { call: "members", kind: "server" } });
    expect(!snapshot.members.ok && snapshot.members.error.message).toMatch(/project call failed/);
    expect(sandbox.requests.slice(before).some((r) => r.path.includes("/members/"))).toBe(false);
    expect(FIELDS.filter((f) => !snapshot[f].ok)).toEqual(["project", "members"]);
  });

  it("returns failures instead of throwing for a host that is not a URL", async () => {
    const snapshot = await collectSnapshot({ host: "not a url", projectId: 1, apiKey: "phx_k", billingDay: null }, { now: NOW });
    expect(snapshot.apiCalls).toBe(0);
    expect(FIELDS.every((f) => !snapshot[f].ok && snapshot[f].error.kind === "bad_request")).toBe(true);
  });

  it("a time-out on one call leaves the others intact", async () => {
    sandbox.setFaults({ perCustomer: { "over-plan": { hang: { path: "/feature_flags/" } } } });
    const snapshot = await collect("over-plan", { timeoutMs: 200 });
    expect(snapshot.featureFlags).toMatchObject({ ok: false, error: { call: "feature_flags", kind: "timeout" } });
    expect(FIELDS.filter((f) => !snapshot[f].ok)).toEqual(["featureFlags"]);
  });
});

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { collectSnapshot } from "../../../checks/collect";
import { compileEventCheck } from "../../../checks/event-checks";
import { buildDailyQuery, DAILY_QUERY } from "../../../checks/posthog/daily-query";
import { createRateLimiter } from "../../../checks/posthog/rate-limit";
import { AUTOMATED_CHECKS, buildScenarios, generateBulkCustomers } from "./scenarios";
import { keyHash, type Sandbox, startSandbox } from "./server";

const NOW = new Date("2025-06-15T12:00:00Z");
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW, bulk: 3 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.setFaults({}));

const keyOf = (name: string) => sandbox.customers.find((c) => c.name === name)!.apiKey;
async function get(path: string, key: string | null = keyOf("healthy"), init: RequestInit = {}) {
  const headers: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};
  const response = await fetch(`${sandbox.url}${path}`, { ...init, headers: { ...headers, "Content-Type": "application/json" } });
  return { status: response.status, body: await response.json() };
}

describe("PostHog quirks", () => {
  it("answers the actions list without next/previous", async () => {
    const { body } = await get("/api/projects/1001/actions/");
    expect(Object.keys(body).sort()).toEqual(["count", "results"]);
  });

  it("applies insight=FUNNELS and saved=true like PostHog (unsaved funnels on a dashboard included)", async () => {
    const all = await get("/api/projects/1001/insights/?basic=true");
    const funnels = await get("/api/projects/1001/insights/?basic=true&insight=FUNNELS&saved=true");
    expect(all.body.count).toBe(6);
    expect(funnels.body.results.map((i: { name: string }) => i.name).sort()).toEqual([
      "Checkout funnel",
      "Pageview funnel, by browser",
      "Signup funnel",
    ]);
  });

  it("hides unlisted dashboards and archived flags unless asked", async () => {
    expect((await get("/api/projects/1001/dashboards/")).body.count).toBe(2);
    expect((await get("/api/projects/1001/feature_flags/")).body.count).toBe(2);
    expect((await get("/api/projects/1001/feature_flags/?archived=true")).body.results[0].key).toBe("old-checkout");
  });

  it("appends virtual person properties to the last page and counts them", async () => {
    const first = await get("/api/projects/1001/property_definitions/?type=person");
    expect(first.body.count).toBe(122);
    expect(first.body.results.some((p: { virtual?: boolean }) => p.virtual)).toBe(false);
    const last = await get(new URL(first.body.next).pathname + new URL(first.body.next).search);
    expect(last.body.next).toBeNull();
    expect(last.body.results.slice(-2).map((p: { id: string }) => p.id)).toEqual([
      "$builtin_initial_channel_type",
      "$builtin_initial_referring_domain_type",
    ]);
  });

  it("answers auth and throttling errors with PostHog's bodies", async () => {
    expect(await get("/api/projects/1001/", null)).toEqual({
      status: 401,
      body: {
        type: "authentication_error",
        code: "not_authenticated",
        detail: "Authentication credentials were not provided.",
        attr: null,
      },
    });
    expect(await get("/api/projects/1009/", keyOf("revoked-key"))).toEqual({
      status: 401,
      body: {
        type: "authentication_error",
        code: "authentication_failed",
        detail: "Personal API key found in request Authorization header is invalid.",
        attr: null,
      },
    });
    sandbox.setFaults({ throttle: { count: 1, seconds: 62 } });
    expect(await get("/api/projects/1001/")).toEqual({
      status: 429,
      body: { type: "throttled_error", code: "throttled", detail: "Request was throttled. Expected available in 62 seconds.", attr: null },
    });
    expect((await get("/api/projects/1001/")).status).toBe(200);
  });

  it("keeps customers apart: another customer's project is 403, an unknown one 404", async () => {
    expect((await get("/api/projects/1002/")).status).toBe(403);
    expect((await get("/api/projects/999/")).body.code).toBe("not_found");
  });

  it("rejects unknown HogQL with 400 validation_error and caps a query without LIMIT at 100 rows", async () => {
    const post = (query: string, values: Record<string, unknown>) =>
      get("/api/projects/1001/query/", keyOf("healthy"), {
        method: "POST",
        body: JSON.stringify({ query: { kind: "HogQLQuery", query, values } }),
      });
    expect((await post("SELECT count() FROM events", {})).body).toMatchObject({ type: "validation_error" });
    const sql = DAILY_QUERY.replace(/\nLIMIT \d+$/, "");
    const capped = await post(sql, { from: "2025-01-01" });
    expect(capped.body.results).toHaveLength(100);
    expect(capped.body.hasMore).toBe(true);
    // 166 local days, each split at the refresh's time of day into two ages (today is one).
    expect((await post(`${sql}\nLIMIT 1000`, { from: "2025-01-01" })).body.results).toHaveLength(331);
  });

  it("refuses a query that would need today() (not zone-aware) rather than guess", async () => {
    const post = (query: string) =>
      get("/api/projects/1001/query/", keyOf("healthy"), {
        method: "POST",
        body: JSON.stringify({ query: { kind: "HogQLQuery", query, values: { from: "2025-06-01" } } }),
      });
    const old = DAILY_QUERY.replace(
      "WHERE toDate(timestamp) >= toDate({from})",
      "WHERE toDate(timestamp) >= toDate({from}) AND toDate(timestamp) <= today()",
    );
    expect((await post(old)).status).toBe(400);
    expect((await post(DAILY_QUERY.replace("toDate(now())", "today()"))).status).toBe(400);
  });
});

describe("the extended daily query (extras and team event checks)", () => {
  const post = (query: string, values: Record<string, unknown>, key = keyOf("healthy"), project = 1001) =>
    get(`/api/projects/${project}/query/`, key, { method: "POST", body: JSON.stringify({ query: { kind: "HogQLQuery", query, values } }) });
  const columns = [
    compileEventCheck(
      "custom.signups",
      { event: "signed_up", property: "plan", operator: "equals", value: "pro", minCount: 1, days: 30 },
      1,
    ),
    compileEventCheck(
      "custom.prod_pageviews",
      { event: "$pageview", property: "$host", operator: "contains", value: "healthy.test", minCount: 1, days: 30 },
      2,
    ),
    compileEventCheck(
      "custom.free_signups",
      { event: "signed_up", property: "plan", operator: "equals", value: "free", minCount: 1, days: 30 },
      3,
    ),
  ];

  it("computes the extras' and the event checks' columns from the synthetic events", async () => {
    const { query, values } = buildDailyQuery(columns);
    const { status, body } = await post(query, { ...values, from: "2025-06-01" });
    expect(status).toBe(200);
    expect(body.columns.slice(7)).toEqual([
      "x_proxy_events",
      "x_autocapture_events",
      "x_group_identifies",
      "x_lib_versions",
      "c_1",
      "c_2",
      "c_3",
    ]);
    // Today (London, 13:00 at 12:00Z) is all one row, age 0: the day's traffic so far.
    const last = body.results.at(-1);
    expect(last.slice(0, 2)).toEqual(["2025-06-15", 0]);
    const [events, proxy, autocapture, , libs, signups, pageviews, free] = [last[2], ...last.slice(7)];
    expect(proxy).toBe(Math.round(events * 0.4));
    expect(autocapture).toBe(Math.round(events * 0.2));
    expect([...libs].sort()).toEqual(["posthog-node@4.2.0", "web@1.210.0"]);
    expect(signups).toBeGreaterThan(0);
    expect(Math.abs(signups - events * 0.01)).toBeLessThanOrEqual(1);
    expect(Math.abs(pageviews - events * 0.4)).toBeLessThanOrEqual(1);
    expect(free).toBe(0);
  });

  it.each([
    ["a value written into the SQL", (q: string) => q.replace("= {v_1}", "= 'pro'")],
    ["a property name written into the SQL", (q: string) => q.replace("properties[{p_1}]", "properties.plan")],
    ["an unknown column", (q: string) => q.replace("AS c_3", "AS c_3, sleep(3) AS nap")],
    ["an extra condition", (q: string) => q.replace("= {v_1})", "= {v_1} OR 1 = 1)")],
  ])("refuses %s with a 400", async (_, tamper) => {
    const { query, values } = buildDailyQuery(columns);
    const { status, body } = await post(tamper(query), { ...values, from: "2025-06-01" });
    expect(status).toBe(400);
    expect(body).toMatchObject({ type: "validation_error" });
  });

  it("refuses a placeholder without a value", async () => {
    const { query, values } = buildDailyQuery(columns);
    const { v_2: _, ...rest } = values;
    expect((await post(query, { ...rest, from: "2025-06-01" })).status).toBe(400);
  });
});

describe("sandbox plumbing", () => {
  it("logs a key hash and the customer, never the key", async () => {
    await get("/api/projects/1001/");
    const entry = sandbox.requests.at(-1)!;
    expect(entry).toMatchObject({
      method: "GET",
      path: "/api/projects/1001/",
      customer: "healthy",
      keyHash: keyHash(keyOf("healthy")),
      status: 200,
    });
    expect(JSON.stringify(sandbox.requests)).not.toContain(keyOf("healthy"));
  });

  it("builds the same scenarios for the same now, each with an expectation for every automated check", () => {
    const a = buildScenarios(NOW);
    expect(a.map((p) => p.customer)).toEqual(buildScenarios(NOW).map((p) => p.customer));
    for (const p of a) {
      expect(Object.keys(p.customer.expected).sort()).toEqual([...AUTOMATED_CHECKS].sort());
      expect(p.customer.apiKey).toMatch(new RegExp(`^phx_sandbox_${p.customer.name.replace(/-/g, "_")}_[0-9a-f]{24}$`));
    }
    expect(new Set(a.map((p) => p.customer.projectId)).size).toBe(a.length);
  });

  it("serves bulk customers with distinct keys, 8 calls each", async () => {
    const bulk = generateBulkCustomers(50, NOW).map((p) => p.customer);
    expect(new Set(bulk.map((c) => c.apiKey)).size).toBe(50);
    expect(new Set(bulk.map((c) => c.projectId)).size).toBe(50);
    const c = sandbox.customers.find((x) => x.name === "bulk-0002")!;
    const snapshot = await collectSnapshot(
      { host: sandbox.url, projectId: c.projectId, apiKey: c.apiKey, billingDay: c.billingDay },
      { now: NOW, limiter: createRateLimiter() },
    );
    expect(snapshot.apiCalls).toBe(8);
    expect(snapshot.daily.ok && snapshot.members.ok).toBe(true);
  });

  it("close() does not wait for a hung request", async () => {
    const own = await startSandbox({ now: NOW, faults: { hang: {} } });
    const pending = fetch(`${own.url}/api/projects/1001/`, { headers: { Authorization: `Bearer ${own.customers[0].apiKey}` } }).catch(
      () => "aborted",
    );
    await new Promise((r) => setTimeout(r, 50));
    await own.close();
    expect(await pending).toBe("aborted");
    expect(own.requests[0]).toMatchObject({ status: 0, fault: "hang" });
  });

  it("main.ts prints the URL and customers as JSON", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve(out.split("\n")[0]);
        });
        child.once("exit", () => reject(new Error("sandbox exited")));
      });
      const printed = JSON.parse(line);
      expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(printed.customers.map((c: { name: string }) => c.name)).toContain("missing-scope");
      expect(printed.customers[0].host).toBe(printed.url);
      expect((await fetch(`${printed.url}/api/projects/1001/`)).status).toBe(401);
    } finally {
      child.kill("SIGTERM");
    }
  }, 20_000);
});

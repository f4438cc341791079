import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type FaultSpec, type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { healthScores } from "../../db/schema";
import { assessmentOf } from "../setup/health";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let customer: Awaited<ReturnType<typeof seedSandboxCustomers>>[number]["customer"];
const sleeps: number[] = [];
// Real retry policy, but sleeps are recorded instead of waited, and a 400 ms time-out.
const options = () => ({
  retries: 2,
  maxRetryWaitMs: 10_000,
  timeoutMs: 400,
  sleep: async (ms: number) => void sleeps.push(ms),
  limiter: createRateLimiter(),
});

beforeAll(async () => {
  sandbox = await startSandbox();
  const seeded = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, {
    url: sandbox.url,
    customers: sandbox.customers.filter((c) => c.name === "healthy"),
  });
  customer = seeded[0]!.customer;
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, options())).status).toBe("ok");
});
afterAll(async () => {
  await sandbox?.close();
});

type Case = {
  name: string;
  fault: FaultSpec;
  status: "ok" | "partial" | "failed";
  unknown: string[];
  reason?: RegExp;
  maxRequests: number;
};

const cases: Case[] = [
  {
    name: "429 twice on the query, then fine: waits the seconds PostHog gave",
    fault: { throttle: { count: 2, path: "/query/", seconds: 3 } },
    status: "ok",
    unknown: [],
    maxRequests: 12,
  },
  {
    name: "429 on every query beyond the bounded wait",
    fault: { throttle: { path: "/query/", seconds: 120 } },
    status: "partial",
    unknown: ["setup.production", "setup.identify_calls"],
    reason: /rate-limiting this key/,
    maxRequests: 11,
  },
  {
    name: "one 500 on actions is retried",
    fault: { serverError: { count: 1, path: "/actions/" } },
    status: "ok",
    unknown: [],
    maxRequests: 11,
  },
  {
    name: "dashboards always 503",
    fault: { serverError: { path: "/dashboards/", status: 503 } },
    status: "partial",
    unknown: ["setup.dashboards"],
    reason: /internal error \(HTTP 503, error\)/,
    maxRequests: 12,
  },
  {
    name: "feature flags never answer",
    fault: { hang: { path: "/feature_flags/" } },
    status: "partial",
    unknown: ["setup.feature_flags"],
    reason: /did not answer within/,
    maxRequests: 10,
  },
  { name: "slow but within the time-out", fault: { latencyMs: 150 }, status: "ok", unknown: [], maxRequests: 10 },
  {
    name: "members answer with malformed JSON",
    fault: { malformedJson: { path: "/members/" } },
    status: "partial",
    unknown: ["setup.logged_in", "setup.team_added", "training.everyone_used", "value.regular_usage"],
    reason: /could not read/,
    maxRequests: 12,
  },
  {
    name: "key revoked mid-refresh",
    fault: { revokeAfter: 4 },
    status: "partial",
    unknown: [],
    reason: /rejected the API key/,
    maxRequests: 10,
  },
  {
    name: "pagination breaks on page 2 of members",
    fault: { breakPagination: { path: "/members/" } },
    status: "partial",
    unknown: ["setup.logged_in", "training.everyone_used"],
    reason: /internal error/,
    maxRequests: 14,
  },
  {
    name: "every call fails",
    fault: { serverError: { status: 502 } },
    status: "failed",
    unknown: [],
    reason: /internal error \(HTTP 502, error\)/,
    maxRequests: 30,
  },
];

describe(`PostHog faults during a refresh (${process.env.DELIGHT_TEST_DB})`, () => {
  test.each(cases)("$name", async ({ fault, status, unknown, reason, maxRequests }) => {
    const before = await assessmentOf(app.ctx.db, customer.id);
    const historyBefore = await historyLength(customer.id);
    const sent = sandbox.requests.length;
    sleeps.length = 0;
    sandbox.setFaults({ perCustomer: { healthy: fault } });
    let outcome: Awaited<ReturnType<typeof refreshCustomer>> | undefined;
    try {
      outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, options());
    } finally {
      sandbox.setFaults({});
    }
    // It finishes, and nothing is retried forever.
    expect(outcome.status).toBe(status);
    expect(sandbox.requests.length - sent).toBeLessThanOrEqual(maxRequests);
    const after = await assessmentOf(app.ctx.db, customer.id);
    expect(after.freshness.lastRefresh!.status).toBe(status);
    if (reason) expect(after.freshness.lastRefresh!.errors.map((e) => e.message).join(" ")).toMatch(reason);
    else expect(after.freshness.lastRefresh!.errors).toEqual([]);
    for (const checkId of unknown) {
      const check = after.checks.find((c) => c.checkId === checkId)!;
      expect({ checkId, status: check.status }).toEqual({ checkId, status: "unknown" });
      expect(check.summary.length).toBeGreaterThan(10);
    }
    if (status === "failed") {
      // The previous good results and score stay.
      expect(after.score).toBe(before.score);
      // A failed refresh is an input too: one new assessment with the same score, its data now older.
      expect(await historyLength(customer.id)).toBe(historyBefore + 1);
    }
    if (status === "ok") expect(after.checks.filter((c) => c.source === "posthog" && c.status === "unknown")).toEqual([]);
    // A key never appears in what was stored about the failure.
    expect(JSON.stringify(after.freshness.lastRefresh)).not.toContain(sandbox.customers.find((c) => c.name === "healthy")!.apiKey);
  });

  test("429 waits are the seconds PostHog named, not a guess", async () => {
    sleeps.length = 0;
    sandbox.setFaults({ perCustomer: { healthy: { throttle: { count: 1, path: "/query/", seconds: 7 } } } });
    try {
      expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, options())).status).toBe("ok");
    } finally {
      sandbox.setFaults({});
    }
    expect(sleeps).toContain(7000);
  });
});

async function historyLength(customerId: number) {
  return (await app.ctx.db.select({ id: healthScores.id }).from(healthScores).where(eq(healthScores.customerId, customerId))).length;
}

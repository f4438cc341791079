import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { recordAnswer } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { CATALOG } from "../../checks/catalog";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { activeCustomers, refreshCustomer, refreshMany } from "../../checks/refresh";
import { acquireRefreshLock, releaseRefreshLock } from "../../checks/refresh-lock";
import { dueCustomers, refreshDue } from "../../checks/schedule";
import { rowsOf } from "../../db/rows";
import { checkResults, checkRuns, customers, healthScores, usageDaily } from "../../db/schema";
import { assessmentOf } from "../setup/health";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let seeded: Awaited<ReturnType<typeof seedSandboxCustomers>>;
const AUTOMATED = CATALOG.filter((c) => c.kind === "automated").length;
// Quick retries so fault tests stay fast; the schedule itself is unit-tested in checks/posthog.
const fast = { retries: 2, maxRetryWaitMs: 50, timeoutMs: 2000, sleep: async () => {}, limiter: createRateLimiter() };

beforeAll(async () => {
  // One bulk project stays unseeded: the schedule test adds it as a new customer (a project is added once).
  sandbox = await startSandbox({ bulk: 1 });
  seeded = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, {
    url: sandbox.url,
    customers: sandbox.customers.filter((c) => !c.name.startsWith("bulk-")),
  });
});
afterAll(async () => {
  await sandbox?.close();
});

const row = (slug: string) => seeded.find((s) => s.customer.slug === slug || s.scenario.name === slug)!.customer;

describe(`refresh against the sandbox (${process.env.DELIGHT_TEST_DB})`, () => {
  test("every scenario ends with the expected status for every automated check", async () => {
    const outcomes = await refreshMany(app.ctx.db, app.ctx.secretKey, await activeCustomers(app.ctx.db), { ...fast, concurrency: 4 });
    expect(outcomes.map((o) => o.status).sort()).toEqual(["failed", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "partial"]);
    for (const { scenario, customer } of seeded) {
      const health = await assessmentOf(app.ctx.db, customer.id);
      const statuses = Object.fromEntries(health.checks.map((c) => [c.checkId, c.status]));
      for (const [checkId, expected] of Object.entries(scenario.expected)) {
        expect({ scenario: scenario.name, checkId, status: statuses[checkId] }).toEqual({
          scenario: scenario.name,
          checkId,
          status: expected,
        });
      }
    }
  });

  test("a revoked key or a missing scope gives unknown with a clear reason, never fail", async () => {
    const revoked = await assessmentOf(app.ctx.db, row("revoked-key").id);
    expect(revoked.freshness.lastRefresh).toMatchObject({ status: "failed" });
    expect(revoked.freshness.lastRefresh!.errors[0]!.message).toBe(
      "PostHog rejected the API key; it may have been revoked (HTTP 401, authentication_failed)",
    );
    expect(revoked.checks.filter((c) => c.kind === "automated" && c.source === "posthog").every((c) => c.status === "unknown")).toBe(true);

    const scoped = await assessmentOf(app.ctx.db, row("missing-scope").id);
    const production = scoped.checks.find((c) => c.checkId === "setup.production")!;
    expect(production.status).toBe("unknown");
    expect(production.summary).toMatch(/query:read/);
    expect(scoped.checks.find((c) => c.checkId === "setup.actions")!.status).toBe("pass");
  });

  test("a run stores all its results, its day counts and one score, each pointing at the run", async () => {
    const customer = row("healthy");
    const [run] = await app.ctx.db.select().from(checkRuns).where(eq(checkRuns.customerId, customer.id));
    expect(run).toMatchObject({ status: "ok", apiCalls: 10 });
    const results = await app.ctx.db.select().from(checkResults).where(eq(checkResults.runId, run!.id));
    expect(results).toHaveLength(AUTOMATED);
    const scores = await app.ctx.db.select().from(healthScores).where(eq(healthScores.runId, run!.id));
    expect(scores).toHaveLength(1);
    expect(scores[0]).toMatchObject({ band: "healthy", reason: "refresh", scoringVersion: "1" });
    const [days] = await app.ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(usageDaily)
      .where(eq(usageDaily.customerId, customer.id));
    expect(days!.n).toBeGreaterThanOrEqual(36);
    const [stored] = await app.ctx.db.select({ timezone: customers.timezone }).from(customers).where(eq(customers.id, customer.id));
    expect(stored!.timezone).toBe("Europe/London");
  });

  test("a repeat refresh rewrites each customer's newest day, and a past day only when its counts changed", async () => {
    const { db } = app.ctx;
    const customer = row("near-plan");
    const days = () =>
      db
        .select({ day: usageDaily.day, events: usageDaily.events, identifies: usageDaily.identifies, measuredAt: usageDaily.measuredAt })
        .from(usageDaily)
        .where(eq(usageDaily.customerId, customer.id))
        .orderBy(asc(usageDaily.day));
    const first = new Date();
    await refreshCustomer(db, app.ctx.secretKey, customer, { ...fast, now: () => first });
    const before = await days();
    expect(before.length).toBeGreaterThan(10);
    // A past day whose stored count no longer matches what PostHog answers (late events).
    const changed = before[before.length - 4]!;
    await db
      .update(usageDaily)
      .set({ events: sql`${usageDaily.events} + 7` })
      .where(and(eq(usageDaily.customerId, customer.id), eq(usageDaily.day, changed.day)));

    const second = new Date(first.getTime() + 5_000);
    await refreshCustomer(db, app.ctx.secretKey, customer, { ...fast, now: () => second });
    const after = await days();
    const newest = after[after.length - 1]!.day;
    // The counts are PostHog's again, the changed day's included.
    expect(after.map(({ day, events, identifies }) => ({ day, events, identifies }))).toEqual(
      before.map(({ day, events, identifies }) => ({ day, events, identifies })),
    );
    for (const [i, d] of after.entries()) {
      const rewritten = d.day === newest || d.day === changed.day;
      expect({ day: d.day, measuredAt: d.measuredAt.toISOString() }).toEqual({
        day: d.day,
        measuredAt: (rewritten ? second : before[i]!.measuredAt).toISOString(),
      });
    }
    // The usage projection reads the newest measurement: this refresh's.
    const [latest] = await db
      .select({ at: sql<string>`max(${usageDaily.measuredAt})::text` })
      .from(usageDaily)
      .where(eq(usageDaily.customerId, customer.id));
    expect(new Date(latest!.at).toISOString()).toBe(second.toISOString());
  });

  test("exactly one HogQL query per customer per refresh", async () => {
    const before = sandbox.requests.length;
    await refreshCustomer(app.ctx.db, app.ctx.secretKey, row("near-plan"), fast);
    const mine = sandbox.requests.slice(before);
    expect(mine.filter((r) => r.path.endsWith("/query/"))).toHaveLength(1);
    expect(mine).toHaveLength(8);
  });

  test("a PostHog outage records a failed run and keeps the previous results and score", async () => {
    const customer = row("slipping");
    const before = await assessmentOf(app.ctx.db, customer.id);
    const historyBefore = await historyLength(customer.id);
    sandbox.setFaults({ serverError: { count: 1000, status: 503 } });
    try {
      const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast);
      expect(outcome.status).toBe("failed");
      expect(outcome.message).toMatch(/^failed: /);
    } finally {
      sandbox.setFaults({});
    }
    const after = await assessmentOf(app.ctx.db, customer.id);
    expect(after.freshness.lastRefresh!.status).toBe("failed");
    expect(after.score).toBe(before.score);
    expect(after.checks.map((c) => c.status)).toEqual(before.checks.map((c) => c.status));
    // A failed refresh is an input too: one new assessment with the same score, its data now older.
    expect(await historyLength(customer.id)).toBe(historyBefore + 1);
  });

  test("two refreshes of the same customer at once: the second is skipped", async () => {
    const customer = row("over-plan");
    const holder = await acquireRefreshLock(app.ctx.db, customer.id);
    expect(holder).not.toBeNull();
    expect(await acquireRefreshLock(app.ctx.db, customer.id)).toBeNull();
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast);
    expect(outcome.status).toBe("skipped");
    await releaseRefreshLock(app.ctx.db, customer.id, holder!);
    const [first, second] = await Promise.all([
      refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast),
      refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast),
    ]);
    expect([first.status, second.status].sort()).toEqual(["ok", "skipped"]);
  });

  test("a lock left by a dead process on this machine is taken over", async () => {
    const customer = row("backend-systems");
    await app.ctx.db.execute(
      sql`insert into refresh_locks (customer_id, holder) values (${customer.id}, ${`${(await import("node:os")).hostname()}:999999:dead`})`,
    );
    expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast)).status).toBe("ok");
  });

  test("a bulk refresh takes its locks ahead in chunks: held ones are skipped, dead ones taken over, all released", async () => {
    const [held, dead, ...rest] = [row("over-plan"), row("backend-systems"), row("slipping"), row("near-plan")];
    const holder = await acquireRefreshLock(app.ctx.db, held!.id);
    await app.ctx.db.execute(
      sql`insert into refresh_locks (customer_id, holder) values (${dead!.id}, ${`${(await import("node:os")).hostname()}:999999:dead`})`,
    );
    // Concurrency 2: chunks of two, the second taken while the first is asking PostHog; the
    // same customer listed twice takes its own lock after the first is done with it.
    const list = [held!, dead!, ...rest, rest[0]!];
    const outcomes = await refreshMany(app.ctx.db, app.ctx.secretKey, list, { ...fast, concurrency: 2 });
    expect(outcomes.map((o) => o.status)).toEqual(["skipped", "ok", "ok", "ok", expect.stringMatching(/^(ok|skipped)$/)]);
    await releaseRefreshLock(app.ctx.db, held!.id, holder!);
    const [locks] = rowsOf<{ n: number }>(await app.ctx.db.execute(sql`select count(*)::int as n from refresh_locks`));
    expect(locks!.n).toBe(0);
  });

  test("answering a manual check rescores without calling PostHog", async () => {
    const customer = row("healthy");
    const before = sandbox.requests.length;
    const scoreBefore = await assessmentOf(app.ctx.db, customer.id);
    const state = await recordAnswer(app.ctx.db, CLI_ACTOR, customer.id, {
      checkId: "training.demo_received",
      answer: "no",
      note: "not yet",
    });
    expect(sandbox.requests.length).toBe(before);
    expect(state.checks.find((c) => c.checkId === "training.demo_received")).toMatchObject({ status: "fail", source: "manual" });
    expect(state.coverage).toBeGreaterThan(scoreBefore.coverage);
    expect(state.score).toBeLessThan(scoreBefore.score!);
  });

  test("the schedule picks customers never refreshed or last refreshed before the interval", async () => {
    expect(await dueCustomers(app.ctx.db, 24 * 3600_000)).toEqual([]);
    const later = new Date(Date.now() + 25 * 3600_000);
    expect((await dueCustomers(app.ctx.db, 24 * 3600_000, later)).length).toBe(9);
    const fresh = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, {
      url: sandbox.url,
      customers: sandbox.customers.filter((c) => c.name.startsWith("bulk-")),
    });
    expect((await dueCustomers(app.ctx.db, 24 * 3600_000)).map((c) => c.slug)).toEqual([fresh[0]!.customer.slug]);
    const outcomes = await refreshDue(app.ctx.db, app.ctx.secretKey, 24 * 3600_000, fast);
    expect(outcomes.map((o) => [o.slug, o.status])).toEqual([[fresh[0]!.customer.slug, "ok"]]);
    expect(await dueCustomers(app.ctx.db, 24 * 3600_000)).toEqual([]);
  });

  test("with private hosts not allowed, a host that resolves to a loopback address is refused before the key is sent", async () => {
    const customer = row("healthy");
    const before = sandbox.requests.length;
    // "localhost" passes no syntax check here (the row was saved with private hosts allowed), but resolves to 127.0.0.1.
    const aimed = { ...customer, posthogHost: sandbox.url.replace("127.0.0.1", "localhost") };
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, aimed, { ...fast, allowPrivateHosts: false });
    expect(outcome.status).toBe("failed");
    expect(outcome.errors[0]).toMatchObject({
      kind: "forbidden",
      message: expect.stringMatching(/resolves to (127\.0\.0\.1|::1) \(loopback\)/),
    });
    expect(sandbox.requests.length).toBe(before);
  });
});

async function historyLength(customerId: number) {
  return (await app.ctx.db.select({ id: healthScores.id }).from(healthScores).where(eq(healthScores.customerId, customerId))).length;
}

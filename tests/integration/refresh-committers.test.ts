import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshMany } from "../../checks/refresh";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let list: Awaited<ReturnType<typeof seedSandboxCustomers>>[number]["customer"][];
const fast = { retries: 2, maxRetryWaitMs: 50, timeoutMs: 2000, sleep: async () => {}, limiter: createRateLimiter() };

beforeAll(async () => {
  sandbox = await startSandbox({ bulk: 12 });
  const seeded = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, {
    url: sandbox.url,
    customers: sandbox.customers.filter((c) => c.name.startsWith("bulk-")),
  });
  list = seeded.map((s) => s.customer);
});
afterAll(async () => {
  await sandbox?.close();
});

/**
 * The database with its transactions watched: `calls` counts transactions asked for and not yet
 * finished. The first one holds still until a second is asked for (or a second passes), so
 * whether two are ever in flight does not depend on how fast this machine writes.
 */
function watched(db: Db) {
  const seen = { calls: 0, most: 0, total: 0 };
  let second: () => void = () => {};
  const secondAsked = new Promise<void>((resolve) => {
    second = resolve;
  });
  const wrapped = Object.create(db) as Db;
  wrapped.transaction = ((callback: (tx: Db) => Promise<unknown>, config?: unknown) => {
    seen.calls += 1;
    seen.total += 1;
    seen.most = Math.max(seen.most, seen.calls);
    if (seen.calls >= 2) second();
    const first = seen.total === 1;
    return db
      .transaction(async (tx) => {
        if (first) await Promise.race([secondAsked, new Promise((resolve) => setTimeout(resolve, 1000))]);
        return callback(tx as unknown as Db);
      }, config as never)
      .finally(() => {
        seen.calls -= 1;
      });
  }) as Db["transaction"];
  return { db: wrapped, seen };
}

const count = async (query: ReturnType<typeof sql>) => rowsOf<{ n: number }>(await app.ctx.db.execute(query))[0]!.n;

// A server runs two write transactions at once; the embedded database runs one at a time, so a
// second committer there would only queue.
const server = process.env.DELIGHT_TEST_DB === "postgres";
const inFlight = server ? "a second batch is written while the first is, never a third" : "one batch is written at a time";

describe(`refresh writes (${process.env.DELIGHT_TEST_DB})`, () => {
  for (const round of ["first", "repeat"] as const) {
    test(`${round} refresh: ${inFlight}, and every customer exactly once`, async () => {
      const runsBefore = await count(sql`select count(*)::int as n from check_runs`);
      const scoresBefore = await count(sql`select count(*)::int as n from health_scores`);
      const { db, seen } = watched(app.ctx.db);
      const outcomes = await refreshMany(db, app.ctx.secretKey, list, { ...fast, concurrency: 3 });
      expect(outcomes.map((o) => o.status)).toEqual(list.map(() => "ok"));
      expect(seen.most).toBe(server ? 2 : 1);
      expect(seen.total).toBeGreaterThanOrEqual(2);
      // One run and one score per customer, and each customer's current row names its own new run.
      expect(await count(sql`select count(*)::int as n from check_runs`)).toBe(runsBefore + list.length);
      expect(await count(sql`select count(*)::int as n from health_scores`)).toBe(scoresBefore + list.length);
      const current = rowsOf<{ customerId: number; runId: number; runCustomer: number }>(
        await app.ctx.db.execute(sql`select h.customer_id as "customerId", h.run_id as "runId", r.customer_id as "runCustomer"
          from current_health h join check_runs r on r.id = h.run_id`),
      );
      expect(current).toHaveLength(list.length);
      for (const c of current) expect(c.runCustomer).toBe(c.customerId);
      expect(new Set(current.map((c) => c.runId)).size).toBe(list.length);
      // The band counts both writers keep agree with the rows they counted.
      const counted = rowsOf<{ band: string; n: number }>(
        await app.ctx.db.execute(sql`select band, sum(n)::int as n from portfolio_counts group by band having sum(n) <> 0 order by band`),
      );
      const actual = rowsOf<{ band: string; n: number }>(
        await app.ctx.db.execute(
          sql`select coalesce(band, 'none') as band, count(*)::int as n from current_health where not archived group by 1 order by 1`,
        ),
      );
      expect(counted).toEqual(actual);
      expect(await count(sql`select count(*)::int as n from refresh_locks`)).toBe(0);
    });
  }
});

import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox, type ThrottleLimit } from "../../app/demo/posthog-sandbox/server";
import { type AppContext, openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { queueOptions } from "../../app/utils/refresh.server";
import { openRefreshQueue, type RefreshQueue } from "../../app/utils/refresh-queue.server";
import { rowsOf } from "../../db/rows";
import { cli } from "../setup/cli";
import { until } from "../setup/poll";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { startWorkerProcess } from "../setup/worker-process";

// PostHog's limits scaled down to seconds, enforced by the sandbox and budgeted by delight alike.
// Budgets keep one twelfth of a window as margin for the time between a grant and its calls
// (5 s of PostHog's minute). 12 s windows keep that margin at a second: the workers run at
// DELIGHT_WORKER_NICE (10) beside two test suites at 0 on two cores, and once sent a batch's calls
// more than half a second after its grant (429s with 6 s windows). The rates are as before, so
// 40 customers a key bind the budgets by the second round.
const LIMITS: ThrottleLimit[] = [
  { name: "all/short", class: "all", limit: 384, windowMs: 12_000 },
  { name: "analytics/short", class: "analytics", limit: 160, windowMs: 12_000 },
  { name: "hogql/short", class: "hogql", limit: 48, windowMs: 12_000 },
];

let database: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let env: Record<string, string>;

async function runsPerCustomer(): Promise<Map<number, number>> {
  const rows = rowsOf<{ id: number; n: number }>(
    await ctx.db.execute(
      sql`select c.id, count(r.id)::int as n from customers c left join check_runs r on r.customer_id = c.id group by c.id`,
    ),
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

beforeAll(async () => {
  database = await createTestDatabase();
  env = {
    ...database.env,
    DELIGHT_POSTHOG_BUDGETS: JSON.stringify(LIMITS),
    DELIGHT_JOB_TIMEOUT: "4s",
  };
  // 200 customers: 120 sharing three keys (the budgets bind), 80 with keys of their own.
  sandbox = await startSandbox({ bulk: 80, shared: { customers: 120, keys: 3 }, throttle: LIMITS });
  ctx = await openContext(loadConfig(env));
  const bulk = sandbox.customers.filter((c) => c.name.startsWith("bulk-") || c.name.startsWith("shared-"));
  await seedSandboxCustomers(ctx.db, ctx.secretKey, { url: sandbox.url, customers: bulk });
}, 120_000);
afterAll(async () => {
  await ctx?.dbHandle.close();
  await sandbox?.close();
  await database?.drop();
});

describe(`background refreshes (${process.env.DELIGHT_TEST_DB})`, () => {
  if (process.env.DELIGHT_TEST_DB === "postgres") {
    const workers: ChildProcess[] = [];
    const startWorker = () => {
      const { child, ready } = startWorkerProcess(env, 8);
      workers.push(child);
      return ready;
    };
    let queue: RefreshQueue;
    beforeAll(async () => {
      queue = await openRefreshQueue(ctx, queueOptions(ctx));
    });
    afterAll(async () => {
      for (const w of workers) if (w.exitCode === null) w.kill("SIGKILL");
      await queue?.stop();
    });

    test("two worker processes refresh every customer exactly once per round, inside the shared budgets", {
      timeout: 300_000,
    }, async () => {
      await Promise.all([startWorker(), startWorker()]);
      // Beside web processes on one machine, a worker takes the CPU they leave (DELIGHT_WORKER_NICE).
      for (const w of workers) expect(os.getPriority(w.pid)).toBe(10);
      for (const round of [1, 2]) {
        // Everyone is due (never refreshed, then an interval of 0); asking twice changes nothing.
        expect(await queue.round(round === 1 ? 3_600_000 : 0)).toBe(200);
        await queue.enqueue([...(await runsPerCustomer()).keys()], "schedule");
        await until(`round ${round}`, async () => [...(await runsPerCustomer()).values()].every((n) => n >= round), {
          timeoutMs: 150_000,
        });
        // A moment more: nothing arrives late to refresh someone twice.
        await new Promise((r) => setTimeout(r, 2_000));
        const runs = await runsPerCustomer();
        expect(runs.size).toBe(200);
        expect([...runs.values()].filter((n) => n !== round)).toEqual([]);
      }
      expect(sandbox.requests.filter((r) => r.status === 429)).toEqual([]);
      const shared = sandbox.requests.filter((r) => r.customer?.startsWith("shared-"));
      expect(new Set(shared.map((r) => r.keyHash)).size).toBe(3);
      const triggers = rowsOf<{ trigger: string; n: number }>(
        await ctx.db.execute(sql`select trigger, count(*)::int as n from check_runs group by trigger`),
      );
      expect(triggers).toEqual([{ trigger: "schedule", n: 400 }]);
    });

    test("a job whose worker is killed is retried by the other worker", { timeout: 120_000 }, async () => {
      const [first, second] = workers;
      second!.kill("SIGTERM");
      await new Promise((r) => second!.once("exit", r));
      const slow = sandbox.customers.find((c) => c.name.startsWith("bulk-"))!;
      const name = slow.name;
      const [row] = rowsOf<{ id: number }>(await ctx.db.execute(sql`select id from customers where name = ${slow.title}`));
      const target = row!.id;
      const before = (await runsPerCustomer()).get(target)!;
      // Slow enough that the kill lands while the only worker holds the job.
      sandbox.setFaults({ perCustomer: { [name]: { latencyMs: 2_500 } } });
      const seen = sandbox.requests.length;
      await queue.enqueue([target], "background");
      await until("the first worker to take the job", async () => sandbox.requests.slice(seen).some((r) => r.customer === name), {
        timeoutMs: 60_000,
      });
      const other = await startWorker();
      first!.kill("SIGKILL");
      await new Promise((r) => first!.once("exit", r));
      sandbox.setFaults({});
      await until("the retried job", async () => (await runsPerCustomer()).get(target) === before + 1, { timeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await runsPerCustomer()).get(target)).toBe(before + 1);
      expect(other.exitCode).toBeNull();
    });

    test("a web process's queue only queues: one connection of its own, and a worker works what it sent", {
      timeout: 120_000,
    }, async () => {
      if (!workers.some((w) => w.exitCode === null && !w.killed)) await startWorker();
      const sender = await openRefreshQueue(ctx, { ...queueOptions(ctx), sendOnly: true });
      try {
        const [row] = rowsOf<{ id: number }>(await ctx.db.execute(sql`select id from customers order by id limit 1`));
        const before = (await runsPerCustomer()).get(row!.id)!;
        await sender.enqueue([row!.id], "background");
        await until("the refresh it queued", async () => (await runsPerCustomer()).get(row!.id) === before + 1, { timeoutMs: 60_000 });
        const [senders] = rowsOf<{ n: number }>(
          await ctx.db.execute(
            sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'delight-queue-send'`,
          ),
        );
        expect(senders!.n).toBe(1);
        await expect(sender.work({ concurrency: 1 })).rejects.toThrow(/only queues refreshes/);
        await expect(sender.schedule(60_000)).rejects.toThrow(/only queues refreshes/);
      } finally {
        await sender.stop();
      }
    });
  } else {
    test("the embedded database runs the same queue in-process, deferring what the budgets cannot take yet", {
      timeout: 300_000,
    }, async () => {
      const queue = await openRefreshQueue(ctx, queueOptions(ctx));
      expect(queue.kind).toBe("in-process");
      await queue.work({ concurrency: 8 });
      expect(await queue.round(3_600_000)).toBe(200);
      await until("the round", async () => [...(await runsPerCustomer()).values()].every((n) => n >= 1), { timeoutMs: 150_000 });
      await new Promise((r) => setTimeout(r, 1_000));
      expect([...(await runsPerCustomer()).values()].filter((n) => n !== 1)).toEqual([]);
      expect(sandbox.requests.filter((r) => r.status === 429)).toEqual([]);
      await queue.stop();
    });

    test("delight worker refuses the embedded database with one line", async () => {
      const result = await cli({ context: ctx }, "worker");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/needs DATABASE_URL/);
    });
  }
});

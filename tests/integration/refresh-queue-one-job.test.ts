import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { type AppContext, openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { queueOptions } from "../../app/utils/refresh.server";
import { openRefreshQueue, REFRESH_QUEUE, type RefreshQueue } from "../../app/utils/refresh-queue.server";
import { rowsOf } from "../../db/rows";
import { until } from "../setup/poll";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

/*
 * One refresh job per customer, on both queues: a job waiting to retry after an error is not
 * doubled by a scheduled round (it keeps its time) nor by someone asking again (it is brought
 * forward and runs once, now); a round leaves out a customer being refreshed. The embedded
 * database's round is covered in app/utils/in-process-queue.test.ts, with a clock moved by hand.
 */

// An id no customer can have (beyond PostgreSQL's integer): every batch holding it fails.
const FAILING = 2 ** 40;
// Long enough that a retry never comes by itself during the test.
const RETRY_DELAY_SECONDS = 3600;

let database: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let ids: number[];

type JobRow = { state: string; start_after: Date; retry_count: number; trigger: string };

/** The customer's jobs still to run (or running), as pg-boss keeps them. */
async function openJobs(customerId: number): Promise<JobRow[]> {
  return rowsOf<JobRow>(
    await ctx.db.execute(sql`
      select state, start_after, retry_count, data->>'trigger' as trigger from pgboss.job
      where name = ${REFRESH_QUEUE} and singleton_key = ${String(customerId)} and state < 'completed'
      order by created_on`),
  ).map((r) => ({ ...r, start_after: new Date(r.start_after) }));
}

/** A queue that works jobs here, waiting RETRY_DELAY_SECONDS before a retry, its log in `lines`. */
const loggingQueue = (lines: string[]) =>
  openRefreshQueue(ctx, { ...queueOptions(ctx), retryDelaySeconds: RETRY_DELAY_SECONDS, log: (l) => lines.push(l) });

/** pg-boss itself, as a worker uses it (fail, fetch), started for `use` and stopped after. */
async function withBoss(use: (boss: PgBoss) => Promise<void>) {
  const boss = new PgBoss({ connectionString: database.env.DATABASE_URL, schema: "pgboss", supervise: false, schedule: false });
  await boss.start();
  try {
    await use(boss);
  } finally {
    await boss.stop({ graceful: false });
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  sandbox = await startSandbox({ bulk: 2 });
  // An hour's schedule makes both customers due: neither has been refreshed.
  ctx = await openContext(loadConfig({ ...database.env, DELIGHT_REFRESH_INTERVAL: "60m" }));
  const chosen = sandbox.customers.filter((c) => c.name.startsWith("bulk-"));
  ids = (await seedSandboxCustomers(ctx.db, ctx.secretKey, { url: sandbox.url, customers: chosen })).map((s) => s.customer.id);
  expect(ids).toHaveLength(2);
}, 120_000);
afterAll(async () => {
  await ctx?.dbHandle.close();
  await sandbox?.close();
  await database?.drop();
});

describe(`one refresh job per customer (${process.env.DELIGHT_TEST_DB})`, () => {
  if (process.env.DELIGHT_TEST_DB === "postgres") {
    let sender: RefreshQueue;
    beforeAll(async () => {
      sender = await openRefreshQueue(ctx, { ...queueOptions(ctx), sendOnly: true });
    });
    afterAll(async () => {
      await sender?.stop();
    });

    test("a round leaves it to its time; someone asking brings it forward, with their trigger and its retries", async () => {
      const [retried, waiting] = ids as [number, number];
      await sender.enqueue(ids, "background");
      // The first customer's job fails as a worker's failing batch fails it (pg-boss's own fail).
      await withBoss(async (boss) => {
        const [job] = rowsOf<{ id: string }>(
          await ctx.db.execute(sql`select id from pgboss.job where name = ${REFRESH_QUEUE} and singleton_key = ${String(retried)}`),
        );
        await boss.fail(REFRESH_QUEUE, job!.id, { message: "database unavailable" });
      });
      const [failed] = await openJobs(retried);
      expect(failed).toMatchObject({ state: "retry", trigger: "background" });
      expect(failed!.start_after.getTime()).toBeGreaterThan(Date.now());

      // A scheduled round: both are due, neither gains a second job.
      expect(await sender.round(60 * 60_000)).toBe(2);
      expect(await openJobs(retried)).toEqual([failed]);
      expect(await openJobs(waiting)).toEqual([expect.objectContaining({ state: "created", trigger: "background" })]);

      // Someone asks: the same job, due now, with their trigger; its retries go on counting.
      const asked = Date.now();
      await sender.enqueue([retried], "web");
      const [forward, ...more] = await openJobs(retried);
      expect(more).toEqual([]);
      expect(forward).toMatchObject({ state: "retry", trigger: "web", retry_count: failed!.retry_count });
      expect(forward!.start_after.getTime()).toBeLessThanOrEqual(asked + 5_000);
      // Asking again changes nothing more.
      await sender.enqueue([retried, waiting], "web");
      expect(await openJobs(retried)).toHaveLength(1);
      expect(await openJobs(waiting)).toEqual([expect.objectContaining({ state: "created", trigger: "background" })]);
    });

    test("a worker runs the brought-forward job once, and records its next failure as one retry", { timeout: 60_000 }, async () => {
      const lines: string[] = [];
      const working = await loggingQueue(lines);
      try {
        await working.work({ concurrency: 4 });
        await sender.enqueue([FAILING], "background");
        await until("the failing job to wait for its retry", () => openJobs(FAILING), {
          done: (jobs) => jobs.length === 1 && jobs[0]!.state === "retry",
        });
        expect(lines).toHaveLength(1);

        await sender.enqueue([FAILING], "web");
        // Before, the new job ran beside the waiting retry, and its failure broke pg-boss's one
        // retry per customer: it stayed active until it expired.
        const jobs = await until("the job brought forward to fail once more", () => openJobs(FAILING), {
          done: (js) => lines.length === 2 && js.length === 1 && js[0]!.state === "retry",
        });
        expect(jobs[0]).toMatchObject({ trigger: "web", retry_count: 1 });
        expect(jobs[0]!.start_after.getTime()).toBeGreaterThan(Date.now() + (RETRY_DELAY_SECONDS / 2) * 1000);
        expect(lines).toEqual(
          Array(2).fill(expect.stringMatching(/^\[delight\] 1 refresh job did not run \(retried with back-off\): .*out of range/)),
        );
      } finally {
        await working.stop();
      }
    });

    test("a round leaves out a customer being refreshed; someone asking meanwhile gets another refresh", async () => {
      const [running, other] = ids as [number, number];
      // Refreshed by the worker of the test before: due again on a schedule of a millisecond.
      expect(await openJobs(running)).toEqual([]);
      await sender.enqueue([running], "background");
      await withBoss(async (boss) => {
        // As a worker takes it up.
        expect((await boss.fetch<{ customerId: number }>(REFRESH_QUEUE)).map((j) => j.data.customerId)).toEqual([running]);
        expect(await sender.round(1)).toBe(2);
        expect(await openJobs(running)).toEqual([expect.objectContaining({ state: "active", trigger: "background" })]);
        expect(await openJobs(other)).toEqual([expect.objectContaining({ state: "created", trigger: "schedule" })]);
        await sender.enqueue([running], "web");
        expect(await openJobs(running)).toEqual([
          expect.objectContaining({ state: "active", trigger: "background" }),
          expect.objectContaining({ state: "created", trigger: "web" }),
        ]);
      });
    });
  } else {
    test("the embedded database's queue runs the job now, once, and waits for the next retry", { timeout: 60_000 }, async () => {
      const lines: string[] = [];
      const queue = await loggingQueue(lines);
      try {
        await queue.work({ concurrency: 4 });
        await queue.enqueue([FAILING], "background");
        await until("the failing job to wait for its retry", () => queue.status(), { done: (s) => s.retrying === 1 });
        expect(lines).toHaveLength(1);
        await queue.enqueue([FAILING], "web");
        await until("the job brought forward to fail once more", async () => lines.length, { done: (n) => n === 2 });
        expect(await queue.status()).toMatchObject({ waiting: 0, running: 0, retrying: 1, failedLastDay: 0 });
      } finally {
        await queue.stop();
      }
    });
  }
});

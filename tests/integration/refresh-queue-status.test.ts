import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { refreshQueueReport } from "../../app/models/refresh-queue-view.server";
import { type AppContext, openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { closeRefreshQueue, queueOptions, refreshQueueStatus } from "../../app/utils/refresh.server";
import { FAILED_QUEUE, openRefreshQueue, REFRESH_QUEUE, RETRY_LIMIT, type RefreshQueue } from "../../app/utils/refresh-queue.server";
import { rowsOf } from "../../db/rows";
import { cli } from "../setup/cli";
import { until } from "../setup/poll";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { startWorkerProcess } from "../setup/worker-process";

// One refresh (8 calls) per key a minute: of three customers sharing a key, one is refreshed and
// two are held back for most of a minute; the customer with a key of its own is refreshed.
const BUDGETS = [{ name: "all/minute", class: "all", limit: 8, windowMs: 60_000 }];

let database: TestDatabase;
let sandbox: Sandbox;
let ctx: AppContext;
let env: Record<string, string>;
let ids: number[];

async function runs(): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from check_runs`));
  return row!.n;
}

beforeAll(async () => {
  database = await createTestDatabase();
  // A schedule of an hour makes every customer due (none has been refreshed); the server-side
  // schedule itself never starts here: nothing in this process calls `schedule`.
  env = { ...database.env, DELIGHT_POSTHOG_BUDGETS: JSON.stringify(BUDGETS), DELIGHT_REFRESH_INTERVAL: "60m" };
  sandbox = await startSandbox({ bulk: 1, shared: { customers: 3, keys: 1 } });
  ctx = await openContext(loadConfig(env));
  const chosen = sandbox.customers.filter((c) => c.name.startsWith("bulk-") || c.name.startsWith("shared-"));
  ids = (await seedSandboxCustomers(ctx.db, ctx.secretKey, { url: sandbox.url, customers: chosen })).map((s) => s.customer.id);
  expect(ids).toHaveLength(4);
}, 120_000);
afterAll(async () => {
  await closeRefreshQueue();
  await ctx?.dbHandle.close();
  await sandbox?.close();
  await database?.drop();
});

describe(`the refresh queue's status (${process.env.DELIGHT_TEST_DB})`, () => {
  if (process.env.DELIGHT_TEST_DB === "postgres") {
    let sender: RefreshQueue;
    let worker: ChildProcess | undefined;
    beforeAll(async () => {
      // A web process's queue: it sends, and is not a worker.
      sender = await openRefreshQueue(ctx, { ...queueOptions(ctx), sendOnly: true });
    });
    afterAll(async () => {
      if (worker?.exitCode === null) worker.kill("SIGKILL");
      await sender?.stop();
    });

    test("waiting jobs with no worker: counted, their age shown, and `delight queue` exits 1 saying so", async () => {
      const asked = new Date();
      await sender.enqueue(ids, "background");
      const status = await refreshQueueStatus(ctx);
      expect(status).toMatchObject({ kind: "pg-boss", waiting: 4, running: 0, deferred: 0, retrying: 0, failedLastDay: 0, workers: [] });
      expect(Math.abs(status.oldestWaitingSince!.getTime() - asked.getTime())).toBeLessThan(5_000);

      const text = await cli({ context: ctx }, "queue");
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^waiting {4}4 \(the longest asked for \d+ seconds? ago\)$/m);
      expect(text.stdout).toMatch(/^due {8}4$/m);
      expect(text.stdout).toMatch(/No process is working refresh jobs: start `delight worker`/);
      const json = (await cli({ context: ctx }, "queue", "--json")).json();
      expect(json).toMatchObject({ kind: "pg-boss", waiting: 4, due: 4, workers: [], stalled: true });
    });

    test("a `delight worker` is listed by host and pid; jobs over the key's budget are held back until it frees", {
      timeout: 120_000,
    }, async () => {
      const started = startWorkerProcess(env, 4);
      worker = started.child;
      const child = await started.ready;
      const status = await until("one shared-key customer and the other refreshed, two held back", () => refreshQueueStatus(ctx), {
        done: (s) => s.deferred === 2 && s.waiting === 0 && s.running === 0,
      });
      expect(status.retrying).toBe(0);
      expect(await runs()).toBe(2);
      expect(status.workers).toEqual([`${os.hostname()} pid ${child.pid}`]);
      expect(status.nextDeferredAt!.getTime()).toBeGreaterThan(Date.now());
      // Held back, not lost: the two keep the time they were first asked for.
      const report = await refreshQueueReport(ctx);
      expect(report.due).toBe(2);
      const text = await cli({ context: ctx }, "queue");
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(
        /^held back {2}2 for PostHog's limits or a refresh already running \(the next in \d+ (second|minute)s?\)$/m,
      );
      expect(text.stdout).toContain(`workers    1\n           ${os.hostname()} pid ${child.pid}`);
      expect(text.stdout).not.toMatch(/No process is working/);
    });

    test("jobs retrying after an error and jobs that gave up are told apart; a stopped worker leaves the list", {
      timeout: 60_000,
    }, async () => {
      // The two held-back jobs fail as a worker's failing run would fail them (pg-boss's own fail):
      // one with retries left, so it waits out its back-off; one without, so it gives up and is
      // copied to the dead-letter queue. A third gave up two days ago.
      const held = rowsOf<{ id: string }>(
        await ctx.db.execute(sql`select id from pgboss.job where name = ${REFRESH_QUEUE} and state = 'created' order by id`),
      );
      expect(held).toHaveLength(2);
      await ctx.db.execute(sql`update pgboss.job set retry_limit = 0 where id = ${held[1]!.id}`);
      const boss = new PgBoss({ connectionString: env.DATABASE_URL, schema: "pgboss", supervise: false, schedule: false });
      await boss.start();
      try {
        for (const h of held) await boss.fail(REFRESH_QUEUE, h.id, { message: "database unavailable" });
      } finally {
        await boss.stop({ graceful: false });
      }
      await ctx.db.execute(
        sql`insert into pgboss.job (name, data, created_on) values (${FAILED_QUEUE}, '{"customerId": -1}', now() - interval '2 days')`,
      );
      worker!.kill("SIGTERM");
      await new Promise((r) => worker!.once("exit", r));
      const status = await until("the worker's connections to close", () => refreshQueueStatus(ctx), {
        done: (s) => s.workers.length === 0,
      });
      expect(status).toMatchObject({ waiting: 0, deferred: 0, nextDeferredAt: null, retrying: 1, failedLastDay: 1 });
      const text = await cli({ context: ctx }, "queue");
      expect(text.stdout).toMatch(/^retrying {3}1 after an error$/m);
      expect(text.stdout).toMatch(/^gave up {4}1 in the last 24 hours$/m);
      // A job waits and nobody works jobs.
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/No process is working refresh jobs/);
    });

    test("a queue that exists takes a changed job timeout, and its dead-letter queue, when the next process opens it", async () => {
      // As an install from before the dead-letter queue, with a job timeout of 15 minutes.
      await ctx.db.execute(sql`update pgboss.queue set dead_letter = null, expire_seconds = 900 where name = ${REFRESH_QUEUE}`);
      const reopened = await openRefreshQueue(ctx, { ...queueOptions(ctx), expireInSeconds: 240, sendOnly: true });
      await reopened.stop();
      const [queue] = rowsOf<{ expire_seconds: number; dead_letter: string | null; policy: string }>(
        await ctx.db.execute(sql`select expire_seconds, dead_letter, policy from pgboss.queue where name = ${REFRESH_QUEUE}`),
      );
      expect(queue).toEqual({ expire_seconds: 240, dead_letter: FAILED_QUEUE, policy: "stately" });
    });

    test("a batch whose run fails is logged by its worker and retried: the status counts it as retrying", { timeout: 60_000 }, async () => {
      const lines: string[] = [];
      const working = await openRefreshQueue(ctx, { ...queueOptions(ctx), log: (line) => lines.push(line) });
      try {
        const before = await refreshQueueStatus(ctx);
        // An id no customer can have (beyond PostgreSQL's integer): the batch's first statement fails.
        await sender.enqueue([2 ** 40], "background");
        await working.work({ concurrency: 4 });
        const after = await until("the failed batch to wait for its retry", () => refreshQueueStatus(ctx), {
          done: (s) => s.retrying === before.retrying + 1,
        });
        expect(after.workers).toEqual([`${os.hostname()} pid ${process.pid}`]);
        expect(lines).toEqual([expect.stringMatching(/^\[delight\] 1 refresh job did not run \(retried with back-off\): .*out of range/)]);
      } finally {
        await working.stop();
      }
    });
  } else {
    test("the embedded database's queue: waiting, held back for the key's budget, and this process as its worker", {
      timeout: 120_000,
    }, async () => {
      const queue = await openRefreshQueue(ctx, queueOptions(ctx));
      try {
        const asked = new Date();
        await queue.enqueue(ids, "background");
        // Asking again for a customer already waiting changes nothing.
        await queue.enqueue(ids.slice(0, 1), "web");
        const before = await queue.status();
        expect(before).toMatchObject({
          kind: "in-process",
          waiting: 4,
          running: 0,
          deferred: 0,
          retrying: 0,
          nextDeferredAt: null,
          workers: [],
        });
        expect(Math.abs(before.oldestWaitingSince!.getTime() - asked.getTime())).toBeLessThan(5_000);

        await queue.work({ concurrency: 4 });
        const after = await until("one shared-key customer and the other refreshed, two held back", () => queue.status(), {
          done: (s) => s.deferred === 2 && s.running === 0 && s.waiting === 0,
        });
        expect(await runs()).toBe(2);
        expect(after.workers).toEqual([`${os.hostname()} pid ${process.pid}`]);
        expect(after.nextDeferredAt!.getTime()).toBeGreaterThan(Date.now());
        expect(after.oldestWaitingSince).toBeNull();
        // The two held back are still due (an hour's schedule); the two refreshed are not.
        expect((await refreshQueueReport(ctx)).due).toBe(2);
        // A scheduled round, or someone asking, while they are held back: they keep their one job
        // and its time, rather than running now only to be held back again, with a second timer.
        expect(await queue.round(60 * 60_000)).toBe(2);
        const refreshed = rowsOf<{ id: number }>(await ctx.db.execute(sql`select distinct customer_id as id from check_runs`)).map(
          (r) => r.id,
        );
        await queue.enqueue(
          ids.filter((id) => !refreshed.includes(id)),
          "web",
        );
        expect(await queue.status()).toMatchObject({ waiting: 0, running: 0, deferred: 2, nextDeferredAt: after.nextDeferredAt });
        expect(await runs()).toBe(2);
        await queue.stop();
        expect((await queue.status()).workers).toEqual([]);
      } finally {
        await queue.stop();
      }
    });

    test("the embedded database's queue retries a failing job with back-off, then gives it up and counts it for a day", {
      timeout: 60_000,
    }, async () => {
      const lines: string[] = [];
      // No delay between retries here: what is tested is how many there are, not how long they wait.
      const queue = await openRefreshQueue(ctx, { ...queueOptions(ctx), retryDelaySeconds: 0, log: (line) => lines.push(line) });
      try {
        // An id no customer can have (beyond PostgreSQL's integer): the batch's first statement fails.
        await queue.enqueue([2 ** 40], "background");
        await queue.work({ concurrency: 4 });
        const after = await until("the failing job to give up", () => queue.status(), { done: (s) => s.failedLastDay === 1 });
        expect(after).toMatchObject({ waiting: 0, running: 0, retrying: 0, deferred: 0 });
        expect(lines).toHaveLength(RETRY_LIMIT + 1);
        expect(lines.slice(0, RETRY_LIMIT)).toEqual(
          Array(RETRY_LIMIT).fill(
            expect.stringMatching(/^\[delight\] 1 refresh job did not run \(retried with back-off\): .*out of range/),
          ),
        );
        expect(lines[RETRY_LIMIT]).toMatch(/^\[delight\] 1 refresh job gave up after 5 retries: .*out of range/);
        // Counted for the last 24 hours only.
        expect((await queue.status(new Date(Date.now() + 25 * 60 * 60_000))).failedLastDay).toBe(0);
      } finally {
        await queue.stop();
      }
    });

    test("delight queue refuses the embedded database with one line", async () => {
      const result = await cli({ context: ctx }, "queue");
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^delight queue needs DATABASE_URL/);
    });
  }
});

import { type ChildProcess, spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { refreshQueueReport } from "../../app/models/refresh-queue-view.server";
import { type AppContext, openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { closeRefreshQueue, queueOptions, refreshQueueStatus } from "../../app/utils/refresh.server";
import { openRefreshQueue, type RefreshQueue } from "../../app/utils/refresh-queue.server";
import { rowsOf } from "../../db/rows";
import { cli } from "../setup/cli";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const ROOT = path.resolve(__dirname, "../..");
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

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
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
      expect(status).toMatchObject({ kind: "pg-boss", waiting: 4, running: 0, deferred: 0, failedLastDay: 0, workers: [] });
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
      const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "worker", "--concurrency", "4"], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
      });
      worker = child;
      await new Promise((resolve, reject) => {
        child.stdout!.once("data", resolve);
        child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
      });
      const status = await until(
        "one shared-key customer and the other refreshed, two held back",
        () => refreshQueueStatus(ctx),
        (s) => s.deferred === 2 && s.waiting === 0 && s.running === 0,
      );
      expect(await runs()).toBe(2);
      expect(status.workers).toEqual([`${os.hostname()} pid ${child.pid}`]);
      expect(status.nextDeferredAt!.getTime()).toBeGreaterThan(Date.now());
      // Held back, not lost: the two keep the time they were first asked for.
      const report = await refreshQueueReport(ctx);
      expect(report.due).toBe(2);
      const text = await cli({ context: ctx }, "queue");
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^held back {2}2 for a PostHog limit or a retry \(the next in \d+ (second|minute)s?\)$/m);
      expect(text.stdout).toContain(`workers    1\n           ${os.hostname()} pid ${child.pid}`);
      expect(text.stdout).not.toMatch(/No process is working/);
    });

    test("jobs that gave up count for 24 hours; a stopped worker leaves the list", { timeout: 60_000 }, async () => {
      // pg-boss marks a job failed once its retries are spent; two held-back jobs are marked so here,
      // one of them two days ago.
      await ctx.db.execute(sql`
        update pgboss.job set state = 'failed',
          completed_on = case when data->>'customerId' = ${String(ids[ids.length - 1])} then now() - interval '2 days' else now() end
        where name = 'delight-refresh' and state = 'created'`);
      worker!.kill("SIGTERM");
      await new Promise((r) => worker!.once("exit", r));
      const status = await until(
        "the worker's connections to close",
        () => refreshQueueStatus(ctx),
        (s) => s.workers.length === 0,
      );
      expect(status).toMatchObject({ waiting: 0, deferred: 0, failedLastDay: 1, nextDeferredAt: null });
      const text = await cli({ context: ctx }, "queue");
      expect(text.stdout).toMatch(/^gave up {4}1 in the last 24 hours$/m);
      // Two customers are still due and nobody works jobs.
      expect(text.code).toBe(1);
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
        expect(before).toMatchObject({ kind: "in-process", waiting: 4, running: 0, deferred: 0, nextDeferredAt: null, workers: [] });
        expect(Math.abs(before.oldestWaitingSince!.getTime() - asked.getTime())).toBeLessThan(5_000);

        await queue.work({ concurrency: 4 });
        const after = await until(
          "one shared-key customer and the other refreshed, two held back",
          () => queue.status(),
          (s) => s.deferred === 2 && s.running === 0 && s.waiting === 0,
        );
        expect(await runs()).toBe(2);
        expect(after.workers).toEqual([`${os.hostname()} pid ${process.pid}`]);
        expect(after.nextDeferredAt!.getTime()).toBeGreaterThan(Date.now());
        expect(after.oldestWaitingSince).toBeNull();
        // The two held back are still due (an hour's schedule); the two refreshed are not.
        expect((await refreshQueueReport(ctx)).due).toBe(2);
        await queue.stop();
        expect((await queue.status()).workers).toEqual([]);
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

import { createHash } from "node:crypto";
import os from "node:os";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import type { Budget } from "../../checks/posthog/budgets";
import type { RefreshOptions } from "../../checks/refresh";
import { dueCustomerIds, type RefreshJob, runRefreshJobs } from "../../checks/refresh-jobs";
import type { Db } from "../../db/client";
import { anyKeyOf } from "../../db/id-list";
import { rowsOf } from "../../db/rows";
import type { AppContext } from "./context.server";

/*
 * Background refreshes. On a PostgreSQL server they are pg-boss jobs (one queue, one job per
 * customer at a time through the "stately" policy keyed by customer, retries with back-off, a
 * job of a worker that died expires and is retried by another), worked by any number of processes
 * on any machine (`delight worker`, and the server's own). The periodic refresh is one pg-boss
 * schedule, which pg-boss fires once whatever the number of processes. With the embedded database
 * the same interface runs in this process: PGlite must never be opened by a second one.
 */

export type RefreshQueue = {
  kind: "pg-boss" | "in-process";
  /** Asks for a refresh of each customer; one already waiting is not asked twice. */
  enqueue(customerIds: number[], trigger: string): Promise<void>;
  /** Works jobs in this process, at most `concurrency` customers at once. */
  work(options?: { concurrency?: number }): Promise<void>;
  /** Refreshes every customer every `intervalMs` (0: no schedule). */
  schedule(intervalMs: number): Promise<void>;
  /** One scheduled round now: enqueues the customers due. Returns how many were due. */
  round(intervalMs: number): Promise<number>;
  /** What is queued, running and deferred, and which processes work the jobs. */
  status(now?: Date): Promise<QueueStatus>;
  stop(): Promise<void>;
};

/** Whether background refreshes keep up: what an operator reads before adding a worker. */
export type QueueStatus = {
  kind: RefreshQueue["kind"];
  /** Jobs that could run now and wait for a worker. */
  waiting: number;
  /** When the longest-waiting of them was asked for (a deferred job keeps its first ask). */
  oldestWaitingSince: Date | null;
  running: number;
  /** Jobs held back until their PostHog key's budget frees (or another process's refresh of the customer ends). */
  deferred: number;
  nextDeferredAt: Date | null;
  /** Jobs whose run failed (the database, not PostHog: that is recorded on the run) and that wait to run again. */
  retrying: number;
  /** Jobs that gave up after their retries in the last 24 hours. */
  failedLastDay: number;
  /** The processes working jobs now, as "host pid N". */
  workers: string[];
};

export type QueueOptions = {
  refresh?: RefreshOptions;
  budgets?: Budget[];
  /** pg-boss: how long a job may run before it counts as lost (its worker died) and is retried. */
  expireInSeconds?: number;
  /** pg-boss: how often expired jobs are looked for. */
  maintenanceIntervalSeconds?: number;
  pollingIntervalSeconds?: number;
  /** Delay before a failed job's first retry, in seconds (doubled each time, with jitter). */
  retryDelaySeconds?: number;
  log?: (line: string) => void;
  /**
   * This process only queues refreshes (a web process whose scheduled work runs elsewhere): one
   * pg-boss connection instead of QUEUE_CONNECTIONS, and none of pg-boss's upkeep or cron
   * monitoring, which the processes that work jobs do. `work` and `schedule` then refuse.
   */
  sendOnly?: boolean;
};

export const REFRESH_QUEUE = "delight-refresh";
export const ROUND_QUEUE = "delight-refresh-round";
/** Where a refresh job that gave up is copied (pg-boss's dead-letter queue); never worked. */
export const FAILED_QUEUE = "delight-refresh-failed";
/** Runs of a failed job after the first, then it gives up (the schedule asks again when it is next due). */
export const RETRY_LIMIT = 5;
const RETRY_DELAY_SECONDS = 30;
const DAY_MS = 24 * 60 * 60_000;
const refreshJobs = (n: number) => `${n} refresh ${n === 1 ? "job" : "jobs"}`;
/** One job per customer waiting and one running (pg-boss's index for it also counts the running). */
const REFRESH_POLICY = "stately";
/** pg-boss's own connections per process (the app's postgres.js pool is separate). */
export const QUEUE_CONNECTIONS = 4;

/*
 * A process that works jobs names its pg-boss connections after itself, so the database's list
 * of connections is the list of workers, with nothing to keep up to date and nothing left behind
 * by a worker that died.
 */
const WORKER_PREFIX = "delight-queue ";
/** PostgreSQL keeps this many bytes of a connection's application_name. */
const NAME_BYTES = 63;

/**
 * "HOST pid N", short enough to be kept whole. A longer host name (a container's, say) keeps its
 * start and ends in a hash of the whole, so two workers never share a name and the pid survives.
 */
export function workerName(host = os.hostname(), pid = process.pid): string {
  const tail = ` pid ${pid}`;
  const room = NAME_BYTES - WORKER_PREFIX.length - tail.length;
  const ascii = host.replace(/[^\x21-\x7e]/g, "?");
  if (ascii.length <= room) return `${ascii}${tail}`;
  const hash = createHash("sha256").update(host).digest("hex").slice(0, 6);
  return `${ascii.slice(0, room - hash.length - 1)}~${hash}${tail}`;
}

const applicationName = (sendOnly?: boolean) => (sendOnly ? "delight-queue-send" : `${WORKER_PREFIX}${workerName()}`);

/** A failure in a line of the log: the database's own words, not the whole statement drizzle wraps them in. */
const reasonOf = (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message);

const job = (customerId: number, trigger: string): RefreshJob => ({ customerId, trigger, enqueuedAt: new Date().toISOString() });

/** Scheduled rounds: short enough that a restarted install catches up soon (as the old ticks did). */
function cronFor(intervalMs: number): string {
  const minutes = Math.max(1, Math.min(15, Math.floor(intervalMs / 60_000)));
  return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
}

export async function openRefreshQueue(ctx: AppContext, options: QueueOptions = {}): Promise<RefreshQueue> {
  return ctx.config.DATABASE_URL ? openBossQueue(ctx, ctx.config.DATABASE_URL, options) : inProcessQueue(ctx, options);
}

async function openBossQueue(ctx: AppContext, url: string, options: QueueOptions): Promise<RefreshQueue> {
  const log = options.log ?? console.log;
  const boss = new PgBoss({
    connectionString: url,
    max: options.sendOnly ? 1 : QUEUE_CONNECTIONS,
    supervise: !options.sendOnly,
    schedule: !options.sendOnly,
    schema: "pgboss",
    application_name: applicationName(options.sendOnly),
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
  });
  boss.on("error", (error) => log(`[delight] job queue: ${error.message}`));
  await boss.start();
  // A job that gives up (its retries spent, or its workers dying) leaves a copy in a queue nobody
  // works: the status counts those rather than scan the job table's many completed jobs.
  await boss.createQueue(FAILED_QUEUE, { name: FAILED_QUEUE, policy: "standard" });
  const refreshQueueOptions = {
    name: REFRESH_QUEUE,
    policy: REFRESH_POLICY,
    retryLimit: RETRY_LIMIT,
    retryDelay: options.retryDelaySeconds ?? RETRY_DELAY_SECONDS,
    retryBackoff: true,
    expireInSeconds: options.expireInSeconds ?? 15 * 60,
    deadLetter: FAILED_QUEUE,
  } as const;
  await boss.createQueue(REFRESH_QUEUE, refreshQueueOptions);
  // createQueue leaves a queue that exists as it was: a changed DELIGHT_JOB_TIMEOUT, and the
  // dead-letter queue of an install from before it, take effect through an update.
  await boss.updateQueue(REFRESH_QUEUE, refreshQueueOptions);
  await boss.createQueue(ROUND_QUEUE, { name: ROUND_QUEUE, policy: "singleton", retryLimit: 1 });

  const send = (jobs: RefreshJob[], startAfter?: Date) =>
    boss.insert(
      jobs.map((data) => ({
        name: REFRESH_QUEUE,
        data,
        singletonKey: String(data.customerId),
        ...(startAfter ? { startAfter } : {}),
      })),
    );
  const round = async (intervalMs: number) => {
    const ids = await dueCustomerIds(ctx.db, intervalMs);
    const busy = new Set(await busyCustomers(ctx.db));
    const asked = ids.filter((id) => !busy.has(id));
    if (asked.length > 0) await send(asked.map((id) => job(id, "schedule")));
    return ids.length;
  };

  return {
    kind: "pg-boss",
    enqueue: async (ids, trigger) => {
      if (ids.length === 0) return;
      const forward = new Set(await bringRetriesForward(ctx.db, ids, trigger));
      const asked = ids.filter((id) => !forward.has(id));
      if (asked.length > 0) await send(asked.map((id) => job(id, trigger)));
    },
    work: async ({ concurrency = 8 } = {}) => {
      if (options.sendOnly) throw new Error("this process only queues refreshes (sendOnly): it works no jobs");
      let workerId: string | undefined;
      workerId = await boss.work<RefreshJob>(
        REFRESH_QUEUE,
        { batchSize: concurrency, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
        async (jobs) => {
          // pg-boss waits a whole polling interval after every fetch, a full one too, which held a
          // worker to one batch a second: a full batch says more are waiting, so fetch again at once.
          if (jobs.length >= concurrency && workerId) boss.notifyWorker(workerId);
          const results = await runRefreshJobs(
            ctx.db,
            ctx.secretKey,
            jobs.map((j) => j.data),
            { ...options.refresh, budgets: options.budgets, concurrency },
          ).catch((error: Error) => {
            // pg-boss keeps the reason with the jobs and says nothing: the worker's log says it.
            log(`[delight] ${refreshJobs(jobs.length)} did not run (retried with back-off): ${reasonOf(error)}`);
            throw error;
          });
          // A deferred job comes back when its budget frees; this one is done meanwhile.
          for (const [i, result] of results.entries()) {
            if (result.kind === "deferred") await send([jobs[i]!.data], result.until);
          }
        },
      );
      await boss.work<{ intervalMs: number }>(ROUND_QUEUE, { pollingIntervalSeconds: 5 }, async ([roundJob]) => {
        const due = await round(roundJob!.data.intervalMs);
        if (due > 0) log(`[delight] scheduled refresh: ${due} customers queued`);
      });
    },
    schedule: async (intervalMs) => {
      if (options.sendOnly) throw new Error("this process only queues refreshes (sendOnly): it schedules no round");
      if (intervalMs <= 0) await boss.unschedule(ROUND_QUEUE).catch(() => {});
      else {
        await boss.schedule(ROUND_QUEUE, cronFor(intervalMs), { intervalMs });
        // The cron first fires at the next whole minute (or quarter hour): a round due now starts at
        // boot instead. One key per minute, so processes starting together send it once (and a
        // round that finds nobody due queues nothing).
        await boss.send(ROUND_QUEUE, { intervalMs }, { singletonKey: "boot", singletonSeconds: 60 });
      }
    },
    round,
    status: (now) => bossQueueStatus(ctx.db, now),
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}

/*
 * One job per customer, as the embedded queue keeps it (its `ask`). pg-boss's "stately" policy
 * allows one job per state, so beside a job waiting to retry after an error a new one could be
 * queued: it ran now, the retry ran again later, and if the new one failed too pg-boss could not
 * even record it (a second job retrying for one customer breaks the policy's unique index), so it
 * stayed active until it expired. A scheduled round leaves a retrying job to its time; someone
 * asking brings it forward instead, with their trigger, and its count of retries goes on.
 * A round also leaves out customers being refreshed: their run started before the round, so their
 * new job would refresh them again at once, spending their key's PostHog budget twice, and until
 * the first ended every worker's fetch that took it up would come back empty (pg-boss swallows the
 * policy's conflict for the whole batch). Someone asking while a refresh runs still gets another.
 * Names and policy are written into the statements for pg-boss's partial index, as in
 * bossQueueStatus; the keys are customer ids, the text of whole numbers.
 */
const [REFRESH_NAME, POLICY_NAME] = [REFRESH_QUEUE, REFRESH_POLICY].map((v) => sql.raw(`'${v}'`));

/** Customers with a job waiting to retry, or running. */
async function busyCustomers(db: Db): Promise<number[]> {
  const rows = rowsOf<{ key: string }>(
    await db.execute(sql`
      select singleton_key as key from pgboss.job
      where name = ${REFRESH_NAME} and policy = ${POLICY_NAME} and state in ('retry', 'active') and singleton_key is not null`),
  );
  return rows.map((r) => Number(r.key));
}

async function bringRetriesForward(db: Db, ids: number[], trigger: string): Promise<number[]> {
  const enqueuedAt = new Date().toISOString();
  const rows = rowsOf<{ key: string }>(
    await db.execute(sql`
      update pgboss.job
      set start_after = now(), data = data || jsonb_build_object('trigger', ${trigger}::text, 'enqueuedAt', ${enqueuedAt}::text)
      where name = ${REFRESH_NAME} and policy = ${POLICY_NAME} and state = 'retry'
        and ${anyKeyOf(sql`coalesce(singleton_key, '')`, ids)}
      returning singleton_key as key`),
  );
  return rows.map((r) => Number(r.key));
}

/**
 * The pg-boss queue's status, read from its tables and from the server's list of connections:
 * needs no queue of its own, so a page or `delight queue` can ask without becoming a worker.
 */
export async function bossQueueStatus(db: Db, now = new Date()): Promise<QueueStatus> {
  const [exists] = rowsOf<{ ok: boolean }>(await db.execute(sql`select to_regclass('pgboss.job') is not null as ok`));
  const at = sql`${now.toISOString()}::timestamptz`;
  // Names and policy are written into the statement, not sent as parameters: the one plan kept for
  // a prepared statement (force_generic_plan, db/client.ts) could then neither leave out the other
  // queues' partitions nor use a partial index, and with half a day of completed jobs that plan
  // scanned them all (55 ms against 6). They are this module's constants, never input.
  const [refresh, failed, policy] = [REFRESH_QUEUE, FAILED_QUEUE, REFRESH_POLICY].map((v) => sql.raw(`'${v}'`));
  const jobs = exists?.ok
    ? rowsOf<{
        waiting: number;
        oldest: string | null;
        running: number;
        deferred: number;
        next: string | null;
        retrying: number;
        failed: number;
      }>(
        // Through pg-boss's own partial indexes (for fetching, and for the policy's one running job
        // per customer): the job table also holds half a day of completed jobs, which none reads.
        await db.execute(sql`
          select
            count(*) filter (where start_after <= ${at})::int as waiting,
            min(coalesce((data->>'enqueuedAt')::timestamptz, created_on)) filter (where start_after <= ${at}) as oldest,
            count(*) filter (where state = 'created' and start_after > ${at})::int as deferred,
            min(start_after) filter (where state = 'created' and start_after > ${at}) as next,
            count(*) filter (where state = 'retry' and start_after > ${at})::int as retrying,
            (select count(*)::int from pgboss.job
              where name = ${refresh} and state = 'active' and policy = ${policy}) as running,
            (select count(*)::int from pgboss.job where name = ${failed} and created_on > ${at} - interval '24 hours') as failed
          from pgboss.job where name = ${refresh} and state < 'active'`),
      )[0]
    : undefined;
  const workers = rowsOf<{ name: string }>(
    await db.execute(sql`
      select distinct substr(application_name, ${WORKER_PREFIX.length + 1}) as name from pg_stat_activity
      where datname = current_database() and starts_with(application_name, ${WORKER_PREFIX})
      order by 1`),
  );
  const date = (v: string | Date | null | undefined) => (v ? new Date(v) : null);
  return {
    kind: "pg-boss",
    waiting: jobs?.waiting ?? 0,
    oldestWaitingSince: date(jobs?.oldest),
    running: jobs?.running ?? 0,
    deferred: jobs?.deferred ?? 0,
    nextDeferredAt: date(jobs?.next),
    retrying: jobs?.retrying ?? 0,
    failedLastDay: jobs?.failed ?? 0,
    workers: workers.map((w) => w.name),
  };
}

/**
 * pg-boss's back-off, so both queues retry alike: the base delay doubled for each retry already
 * made, plus up to as much again at random, so that jobs which failed together do not all come
 * back at the same moment. Pure.
 */
export function retryDelayMs(retriesDone: number, baseSeconds: number, random = Math.random()): number {
  const step = baseSeconds * 1000 * 2 ** Math.min(16, retriesDone);
  return step + step * random;
}

function inProcessQueue(ctx: AppContext, options: QueueOptions): RefreshQueue {
  const log = options.log ?? console.log;
  const waiting = new Map<number, RefreshJob>();
  /** Customers whose job waits for a timer: held back by a budget, or to retry a batch that failed. */
  const later = new Map<number, { until: Date; retry: boolean; timer: NodeJS.Timeout }>();
  /** Failed runs so far of each customer's job, until one runs; then the job starts afresh. */
  const retries = new Map<number, number>();
  /** When jobs gave up, over the last day (for the status); older times are dropped as new ones come. */
  let gaveUp: number[] = [];
  const retryDelaySeconds = options.retryDelaySeconds ?? RETRY_DELAY_SECONDS;
  const timers = new Set<NodeJS.Timeout>();
  let concurrency = 0;
  /** Customers whose job runs now. */
  const runningIds = new Set<number>();
  let running: Promise<void> | null = null;
  let stopped = false;

  const kick = () => {
    if (concurrency === 0 || running || stopped || waiting.size === 0) return;
    running = (async () => {
      try {
        while (waiting.size > 0 && !stopped) {
          const batch = [...waiting.values()].slice(0, concurrency);
          for (const j of batch) {
            waiting.delete(j.customerId);
            runningIds.add(j.customerId);
          }
          let results: Awaited<ReturnType<typeof runRefreshJobs>> | null = null;
          let failure: Error | null = null;
          try {
            results = await runRefreshJobs(ctx.db, ctx.secretKey, batch, { ...options.refresh, budgets: options.budgets, concurrency });
          } catch (error) {
            failure = error as Error;
          } finally {
            runningIds.clear();
          }
          // As pg-boss does with a failed job: retried with back-off, RETRY_LIMIT times, then given up.
          const next = results ?? batch.map((j) => retryOf(j.customerId));
          if (failure !== null) {
            const given = next.filter((r) => r === null).length;
            log(
              given === batch.length
                ? `[delight] ${refreshJobs(batch.length)} gave up after ${RETRY_LIMIT} retries: ${reasonOf(failure)}`
                : `[delight] ${refreshJobs(batch.length)} did not run (retried with back-off${given ? `; ${given} gave up` : ""}): ${reasonOf(failure)}`,
            );
          }
          for (const [i, result] of next.entries()) {
            const again = batch[i]!;
            if (result === null) continue;
            if (failure === null) retries.delete(again.customerId);
            if (result.kind !== "deferred") continue;
            const timer = setTimeout(
              () => {
                timers.delete(timer);
                later.delete(again.customerId);
                if (!waiting.has(again.customerId)) waiting.set(again.customerId, again);
                kick();
              },
              Math.max(0, result.until.getTime() - Date.now()),
            );
            timer.unref();
            timers.add(timer);
            later.set(again.customerId, { until: result.until, retry: failure !== null, timer });
          }
        }
      } finally {
        running = null;
      }
      kick();
    })();
  };
  /** The failed job's retry, or null when its retries are spent (it gives up). */
  const retryOf = (customerId: number) => {
    const done = retries.get(customerId) ?? 0;
    if (done >= RETRY_LIMIT) {
      retries.delete(customerId);
      const at = Date.now();
      gaveUp = [...gaveUp.filter((t) => t > at - DAY_MS), at];
      return null;
    }
    retries.set(customerId, done + 1);
    return { kind: "deferred", until: new Date(Date.now() + retryDelayMs(done, retryDelaySeconds)) } as const;
  };
  /**
   * One job per customer, as pg-boss's singleton key keeps it: a customer already waiting, or
   * waiting for a timer, is not asked twice, or it would run now and again when the timer fires
   * (and a held-back customer would gain a timer each round). Someone asking again for a job that
   * waits to retry brings it forward; a job held back for its key's budget keeps its time, since
   * running it sooner would only hold it back again. A round leaves out a customer being refreshed.
   */
  const ask = (id: number, trigger: string) => {
    // Its run started before the round: another now would measure the same again (pg-boss's queue does the same).
    if (trigger === "schedule" && runningIds.has(id)) return;
    const held = later.get(id);
    if (held?.retry && trigger !== "schedule") {
      clearTimeout(held.timer);
      timers.delete(held.timer);
      later.delete(id);
    } else if (held) return;
    if (!waiting.has(id)) waiting.set(id, job(id, trigger));
  };
  const round = async (intervalMs: number) => {
    const ids = await dueCustomerIds(ctx.db, intervalMs);
    for (const id of ids) ask(id, "schedule");
    kick();
    return ids.length;
  };

  return {
    kind: "in-process",
    enqueue: async (ids, trigger) => {
      for (const id of ids) ask(id, trigger);
      kick();
    },
    work: async ({ concurrency: n = 4 } = {}) => {
      concurrency = n;
      kick();
    },
    schedule: async (intervalMs) => {
      if (intervalMs <= 0) return;
      const tick = () => void round(intervalMs).catch((error: Error) => log(`[delight] scheduled refresh did not run: ${error.message}`));
      // Soon after start (a tenth of the interval, at most 30 s), so a restarted server catches up.
      const first = setTimeout(tick, Math.min(30_000, intervalMs / 10));
      const every = setInterval(tick, Math.min(intervalMs, 15 * 60_000));
      first.unref();
      every.unref();
      timers.add(first);
      timers.add(every as unknown as NodeJS.Timeout);
    },
    round,
    status: async (now = new Date()) => {
      const asked = [...waiting.values()].map((j) => Date.parse(j.enqueuedAt));
      const held = [...later.values()].filter((l) => !l.retry);
      const until = held.map((l) => l.until.getTime());
      return {
        kind: "in-process",
        waiting: waiting.size,
        oldestWaitingSince: asked.length ? new Date(Math.min(...asked)) : null,
        running: runningIds.size,
        deferred: held.length,
        nextDeferredAt: until.length ? new Date(Math.min(...until)) : null,
        retrying: later.size - held.length,
        failedLastDay: gaveUp.filter((at) => at > now.getTime() - DAY_MS).length,
        workers: concurrency > 0 && !stopped ? [workerName()] : [],
      };
    },
    stop: async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await running;
    },
  };
}

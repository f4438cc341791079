import { ensureCurrent } from "../../checks/assessment/store";
import { pruneBatchFor, pruneRuns } from "../../db/retention";
import { upkeepTables } from "../../db/upkeep";
import { sendAlertsSoon } from "./alerts.server";
import { getContext } from "./db.server";
import { durationWords } from "./duration-words";
import { getConfig } from "./env.server";
import { refreshQueue } from "./refresh.server";

/** How often expired assessments are looked for, so pages rarely have to re-assess themselves. */
const REASSESS_TICK_MS = 30_000;
/** How often the alert outbox is worked through (new alerts, retries that fell due, digests). */
const ALERTS_TICK_MS = 10_000;
/** How often the embedded database's tables are looked at for vacuuming and analyzing (autovacuum's own nap is 1 min). */
const UPKEEP_TICK_MS = 60_000;
/** How often runs past DELIGHT_RUN_RETENTION are removed: a day's refreshes at most wait an hour. */
const PRUNE_TICK_MS = 60 * 60_000;
let started = false;
let reassessing: Promise<void> | null = null;
let upkeeping: Promise<void> | null = null;
let pruning: Promise<void> | null = null;

/**
 * Re-assesses every expired assessment (a rules change, a local midnight, an override running
 * out) in batches, now, in the background. Calls while one pass runs join it.
 */
export function reassessSoon(): Promise<void> {
  reassessing ??= (async () => {
    try {
      const ctx = await getContext();
      const done = await ensureCurrent(ctx.db, new Date());
      if (done > 0) console.log(`[delight] re-assessed ${done} customers`);
    } catch (error) {
      console.error(`[delight] re-assessment did not finish: ${(error as Error).message}`);
    } finally {
      reassessing = null;
    }
  })();
  return reassessing;
}

/**
 * On the embedded database, which has no autovacuum, vacuums and analyzes the tables that need it
 * (db/upkeep.ts). A PostgreSQL server does this itself.
 */
export function upkeepSoon(): Promise<void> {
  upkeeping ??= (async () => {
    try {
      const ctx = await getContext();
      if (ctx.dbHandle.kind !== "pglite") return;
      const since = performance.now();
      const done = await upkeepTables(ctx.db);
      if (done.length > 0) {
        const what = done.map((u) => `${u.vacuum ? "vacuumed" : "analyzed"} ${u.table}`).join(", ");
        console.log(`[delight] embedded database: ${what} (${Math.round(performance.now() - since)} ms)`);
      }
    } catch (error) {
      console.error(`[delight] database upkeep did not finish: ${(error as Error).message}`);
    } finally {
      upkeeping = null;
    }
  })();
  return upkeeping;
}

/** Removes refresh runs older than DELIGHT_RUN_RETENTION (db/retention.ts); 0 keeps them all. */
export function pruneSoon(now = () => new Date()): Promise<void> {
  pruning ??= (async () => {
    try {
      const ctx = await getContext();
      const keep = ctx.config.DELIGHT_RUN_RETENTION;
      if (keep === 0) return;
      const done = await pruneRuns(ctx.db, new Date(now().getTime() - keep), pruneBatchFor(ctx.dbHandle.kind));
      if (done.runs > 0) {
        const runs = `${done.runs} refresh ${done.runs === 1 ? "run" : "runs"}`;
        console.log(`[delight] removed ${runs} older than ${durationWords(keep)}, with their ${done.results} check results`);
      }
    } catch (error) {
      console.error(`[delight] old refresh runs were not removed: ${(error as Error).message}`);
    } finally {
      pruning = null;
    }
  })();
  return pruning;
}

/**
 * Refreshes every customer every DELIGHT_REFRESH_INTERVAL (0 = off) through the refresh queue,
 * keeps assessments current, delivers alerts, removes old refresh runs and looks after the
 * embedded database. Only in the process that owns scheduled work (DELIGHT_SCHEDULER=on;
 * `npm start` picks one when it runs several), which also works refresh jobs.
 * On PostgreSQL the refresh round is a pg-boss schedule, fired once however many processes share
 * the database. Timers are unref'd so they never keep the process alive.
 */
export function startScheduler() {
  if (started) return;
  let config: ReturnType<typeof getConfig>;
  try {
    config = getConfig();
  } catch {
    // A bad configuration is reported by boot() (npm start) or by the first request.
    return;
  }
  if (config.DELIGHT_SCHEDULER === "off") return;
  started = true;
  console.log(`[delight] scheduled work and a refresh worker run in process ${process.pid}`);
  setInterval(() => void reassessSoon(), REASSESS_TICK_MS).unref();
  setInterval(() => void sendAlertsSoon(), ALERTS_TICK_MS).unref();
  setInterval(() => void upkeepSoon(), UPKEEP_TICK_MS).unref();
  // Soon after start too, so an install that restarts more often than hourly still prunes.
  setTimeout(() => void pruneSoon(), UPKEEP_TICK_MS).unref();
  setInterval(() => void pruneSoon(), PRUNE_TICK_MS).unref();
  void (async () => {
    try {
      const ctx = await getContext();
      const queue = await refreshQueue(ctx);
      await queue.work({ concurrency: config.DELIGHT_WORKER_CONCURRENCY });
      await queue.schedule(config.DELIGHT_REFRESH_INTERVAL);
    } catch (error) {
      console.error(`[delight] scheduled refresh did not start: ${(error as Error).message}`);
    }
  })();
}

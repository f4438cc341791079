import { ensureCurrent } from "../../checks/assessment/store";
import { refreshDue } from "../../checks/schedule";
import { sendAlertsSoon } from "./alerts.server";
import { getContext } from "./db.server";
import { getConfig } from "./env.server";
import { refreshOptions } from "./refresh.server";

const FIRST_TICK_MS = 30_000;
const MAX_TICK_MS = 15 * 60_000;
/** How often expired assessments are looked for, so pages rarely have to re-assess themselves. */
const REASSESS_TICK_MS = 30_000;
/** How often the alert outbox is worked through (new alerts, retries that fell due, digests). */
const ALERTS_TICK_MS = 10_000;
let started = false;
let refreshing = false;
let reassessing: Promise<void> | null = null;

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
 * Refreshes every customer every DELIGHT_REFRESH_INTERVAL (0 = off), keeps assessments
 * current and delivers alerts. Refresh ticks are short so a restarted server catches up soon; each refreshes only
 * customers that are due, and ticks never overlap. Timers are unref'd so they never keep the
 * process alive.
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
  started = true;
  setInterval(() => void reassessSoon(), REASSESS_TICK_MS).unref();
  setInterval(() => void sendAlertsSoon(), ALERTS_TICK_MS).unref();
  const interval = config.DELIGHT_REFRESH_INTERVAL;
  if (interval <= 0) return;
  const tick = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const ctx = await getContext();
      const outcomes = await refreshDue(ctx.db, ctx.secretKey, interval, refreshOptions(ctx, "schedule"));
      if (outcomes.length > 0) {
        const failed = outcomes.filter((o) => o.status === "failed").length;
        console.log(`[delight] scheduled refresh: ${outcomes.length} customers, ${failed} failed`);
      }
    } catch (error) {
      console.error(`[delight] scheduled refresh did not run: ${(error as Error).message}`);
    } finally {
      refreshing = false;
    }
  };
  // Soon after start (a tenth of the interval, at most 30 s), so a restarted server catches up.
  setTimeout(tick, Math.min(FIRST_TICK_MS, interval / 10)).unref();
  setInterval(tick, Math.min(interval, MAX_TICK_MS)).unref();
}

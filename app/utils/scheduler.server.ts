import { refreshDue } from "../../checks/schedule";
import { getContext } from "./db.server";
import { getConfig } from "./env.server";
import { refreshOptions } from "./refresh.server";

const FIRST_TICK_MS = 30_000;
const MAX_TICK_MS = 15 * 60_000;
let started = false;
let running = false;

/**
 * Refreshes every customer every DELIGHT_REFRESH_INTERVAL (0 = off). Ticks are short so a
 * restarted server catches up soon; each tick refreshes only customers that are due, and ticks
 * never overlap. Timers are unref'd so they never keep the process alive.
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
  const interval = config.DELIGHT_REFRESH_INTERVAL;
  if (interval <= 0) return;
  const tick = async () => {
    if (running) return;
    running = true;
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
      running = false;
    }
  };
  // Soon after start (a tenth of the interval, at most 30 s), so a restarted server catches up.
  setTimeout(tick, Math.min(FIRST_TICK_MS, interval / 10)).unref();
  setInterval(tick, Math.min(interval, MAX_TICK_MS)).unref();
}

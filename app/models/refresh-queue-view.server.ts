import { countDueCustomers } from "../../checks/schedule";
import type { AppContext } from "../utils/context.server";
import { refreshQueueStatus } from "../utils/refresh.server";
import type { QueueStatus } from "../utils/refresh-queue.server";

/*
 * Whether background refreshes keep up, for the Settings page and `delight queue`: the queue's own
 * figures beside how many customers the schedule finds due.
 */

/** The refresh queue as the Settings page shows it (dates as ISO strings, from the loader). */
export type RefreshQueueView = {
  kind: "pg-boss" | "in-process";
  waiting: number;
  oldestWaitingSince: string | null;
  running: number;
  deferred: number;
  nextDeferredAt: string | null;
  retrying: number;
  failedLastDay: number;
  workerCount: number;
  /** Host and pid of each process working jobs: admins only, as it describes the servers. */
  workers: string[] | null;
  /** Customers whose data is older than the refresh interval; null when the schedule is off. */
  due: number | null;
  stalled: boolean;
  now: string;
};

export type RefreshQueueReport = QueueStatus & {
  /** Customers whose data is older than DELIGHT_REFRESH_INTERVAL; null when the schedule is off. */
  due: number | null;
  /** Customers wait (queued, held back, to retry, or due) and no process works jobs. */
  stalled: boolean;
};

export async function refreshQueueReport(ctx: AppContext, now = new Date()): Promise<RefreshQueueReport> {
  const interval = ctx.config.DELIGHT_REFRESH_INTERVAL;
  const [status, due] = await Promise.all([
    refreshQueueStatus(ctx, now),
    interval > 0 ? countDueCustomers(ctx.db, interval, now) : Promise.resolve(null),
  ]);
  const waitingInAnyWay = status.waiting + status.deferred + status.retrying + (due ?? 0) > 0;
  return { ...status, due, stalled: status.workers.length === 0 && waitingInAnyWay };
}

/** The queue as the Settings page and GET /api/queue show it to this role, read now: one reading for both. */
export async function readRefreshQueueView(ctx: AppContext, role: string, now = new Date()): Promise<RefreshQueueView> {
  return refreshQueueView(await refreshQueueReport(ctx, now), role, now);
}

/** The Settings page's copy: process names (host and pid) only for admins, as they describe the servers. */
export function refreshQueueView(report: RefreshQueueReport, role: string, now: Date): RefreshQueueView {
  return {
    kind: report.kind,
    waiting: report.waiting,
    oldestWaitingSince: report.oldestWaitingSince?.toISOString() ?? null,
    running: report.running,
    deferred: report.deferred,
    nextDeferredAt: report.nextDeferredAt?.toISOString() ?? null,
    retrying: report.retrying,
    failedLastDay: report.failedLastDay,
    workerCount: report.workers.length,
    workers: role === "admin" ? report.workers : null,
    due: report.due,
    stalled: report.stalled,
    now: now.toISOString(),
  };
}

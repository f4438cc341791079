import { and, eq, gt, gte } from "drizzle-orm";
import { type RefreshOptions, type RefreshOutcome, refreshCustomer } from "../../checks/refresh";
import type { Db } from "../../db/client";
import { checkRuns, customers, refreshLocks } from "../../db/schema";
import { ARCHIVED_READ_ONLY } from "../models/customers.server";
import type { AppContext } from "./context.server";
import { getContext, onShutdown } from "./db.server";
import { healthExporter } from "./posthog-export.server";
import { bossQueueStatus, openRefreshQueue, type QueueOptions, type QueueStatus, type RefreshQueue } from "./refresh-queue.server";
import { InputError } from "./validation.server";

/** How the server, its schedule and the CLI refresh: the one place configuration becomes refresh options. */
export function refreshOptions(ctx: AppContext, trigger: string): RefreshOptions {
  return { trigger, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS, onAssessed: healthExporter(ctx.config)?.onAssessed };
}

/** "Refresh now" on a customer page: the same refresh the CLI and the schedule run; never for an archived customer. */
export async function refreshNow(slug: string, trigger = "web"): Promise<RefreshOutcome | null> {
  const ctx = await getContext();
  const [customer] = await ctx.db.select().from(customers).where(eq(customers.slug, slug));
  if (!customer) return null;
  if (customer.archivedAt) throw new InputError({ form: ARCHIVED_READ_ONLY });
  return refreshCustomer(ctx.db, ctx.secretKey, customer, refreshOptions(ctx, trigger));
}

let queue: Promise<RefreshQueue> | undefined;

/** How this install's queue is configured: the one place config becomes queue options. */
export function queueOptions(ctx: AppContext): QueueOptions {
  const { trigger: _, ...refresh } = refreshOptions(ctx, "schedule");
  const timeoutSeconds = Math.ceil(ctx.config.DELIGHT_JOB_TIMEOUT / 1000);
  return {
    refresh,
    budgets: ctx.config.DELIGHT_POSTHOG_BUDGETS,
    expireInSeconds: timeoutSeconds,
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(timeoutSeconds / 3))),
    pollingIntervalSeconds: 1,
    retryDelaySeconds: Math.max(1, Math.min(30, Math.floor(timeoutSeconds / 4))),
  };
}

/** This process's handle on the refresh queue (pg-boss on PostgreSQL, in-process on PGlite). */
export function refreshQueue(ctx: AppContext): Promise<RefreshQueue> {
  if (!queue) {
    // A web process whose scheduled work runs in another process only ever queues.
    queue = openRefreshQueue(ctx, { ...queueOptions(ctx), sendOnly: ctx.config.DELIGHT_SCHEDULER === "off" });
    onShutdown(closeRefreshQueue);
    queue.catch(() => {
      queue = undefined;
    });
  }
  return queue;
}

/**
 * The refresh queue's status as this install sees it. On a PostgreSQL server it is read from the
 * database (every process's jobs and workers), without opening a queue here; with the embedded
 * database the queue is this process's own.
 */
export async function refreshQueueStatus(ctx: AppContext, now = new Date()): Promise<QueueStatus> {
  if (ctx.dbHandle.kind !== "pglite") return bossQueueStatus(ctx.db, now);
  return (await refreshQueue(ctx)).status(now);
}

/** Stops this process's queue (workers finish their jobs first). */
export async function closeRefreshQueue() {
  const open = await queue?.catch(() => undefined);
  queue = undefined;
  await open?.stop();
}

/**
 * THE entry point for background refreshes: queues a refresh of each customer, worked by the
 * server's own worker or any `delight worker`, inside each PostHog key's shared budget.
 */
export async function refreshInBackground(ctx: AppContext, customerIds: number[], trigger = "background"): Promise<void> {
  const at = new Date();
  for (const id of customerIds) if (!queuedAt.has(id)) queuedAt.set(id, at);
  await (await refreshQueue(ctx)).enqueue(customerIds, trigger);
}

/** When this process queued a refresh of each customer, until a run of it is stored (for the page's progress). */
const queuedAt = new Map<number, Date>();
// A lock older than refresh-lock's STALE_MS belongs to a crashed refresh, not a running one.
const STALE_MS = 10 * 60_000;

/**
 * When the refresh of this customer that is waiting or running started: queued by this process
 * and no run stored since, or holding the refresh lock (any process). Null when none is.
 */
export async function refreshRunningSince(db: Db, customerId: number, now = new Date()): Promise<Date | null> {
  const queued = queuedAt.get(customerId);
  if (queued) {
    const [done] = await db
      .select({ id: checkRuns.id })
      .from(checkRuns)
      .where(and(eq(checkRuns.customerId, customerId), gte(checkRuns.startedAt, queued)))
      .limit(1);
    if (!done && now.getTime() - queued.getTime() < STALE_MS) return queued;
    queuedAt.delete(customerId);
  }
  const [lock] = await db
    .select({ lockedAt: refreshLocks.lockedAt })
    .from(refreshLocks)
    .where(and(eq(refreshLocks.customerId, customerId), gt(refreshLocks.lockedAt, new Date(now.getTime() - STALE_MS))));
  return lock?.lockedAt ?? null;
}

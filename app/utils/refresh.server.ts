import { and, eq, gt, inArray } from "drizzle-orm";
import { type RefreshOptions, type RefreshOutcome, refreshCustomer } from "../../checks/refresh";
import type { Db } from "../../db/client";
import { customers, refreshLocks } from "../../db/schema";
import { ARCHIVED_READ_ONLY } from "../models/customers.server";
import type { AppContext } from "./context.server";
import { getContext } from "./db.server";
import { healthExporter } from "./posthog-export.server";
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

/** Background refreshes started by this process, by customer id (the job queue replaces this later). */
const running = new Map<number, { since: Date; done: Promise<void> }>();

/**
 * Refreshes these customers without making anyone wait: a customer just added or imported, or
 * whose host, project or key changed, gets its first results while its page shows the progress.
 * A few at a time (an import brings hundreds); each customer is marked as refreshing from the
 * moment it is queued, so its page says so at once; one run per customer; archived ones are left
 * alone; errors are logged (each refresh also records its own failure). DELIGHT_REFRESH_ON_SAVE
 * turns it off.
 */
export function refreshInBackground(ctx: AppContext, ids: number[], options: { concurrency?: number; trigger?: string } = {}): void {
  if (!ctx.config.DELIGHT_REFRESH_ON_SAVE) return;
  const fresh = [...new Set(ids)].filter((id) => !running.has(id));
  if (fresh.length === 0) return;
  const since = new Date();
  const settle = new Map<number, () => void>();
  for (const id of fresh) {
    const done = new Promise<void>((resolve) => settle.set(id, resolve));
    running.set(id, { since, done });
  }
  const finish = (id: number) => {
    running.delete(id);
    settle.get(id)?.();
  };
  const run = async () => {
    const rows = await ctx.db.select().from(customers).where(inArray(customers.id, fresh));
    for (const id of fresh) if (!rows.some((r) => r.id === id && !r.archivedAt)) finish(id);
    const queue = rows.filter((c) => !c.archivedAt);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await refreshCustomer(ctx.db, ctx.secretKey, next, refreshOptions(ctx, options.trigger ?? "background"));
        } catch (error) {
          // The outcome is stored with the run; here only a crash is left to say, never the key.
          console.error(`[delight] background refresh of ${next.slug} did not run: ${(error as Error).message}`);
        } finally {
          finish(next.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, queue.length) }, worker));
  };
  void run().catch((error) => {
    console.error(`[delight] background refresh did not start: ${(error as Error).message}`);
    for (const id of fresh) finish(id);
  });
}

// A lock older than refresh-lock's STALE_MS belongs to a crashed refresh, not a running one.
const LOCK_STALE_MS = 10 * 60_000;

/** When the running (or queued) refresh of this customer started, in this process or any other, or null. */
export async function refreshRunningSince(db: Db, customerId: number, now = new Date()): Promise<Date | null> {
  const local = running.get(customerId);
  if (local) return local.since;
  const [lock] = await db
    .select({ lockedAt: refreshLocks.lockedAt })
    .from(refreshLocks)
    .where(and(eq(refreshLocks.customerId, customerId), gt(refreshLocks.lockedAt, new Date(now.getTime() - LOCK_STALE_MS))));
  return lock?.lockedAt ?? null;
}

/** Resolves once every background refresh started so far has finished (tests, shutdown). */
export async function backgroundRefreshesSettled(): Promise<void> {
  await Promise.all([...running.values()].map((r) => r.done));
}

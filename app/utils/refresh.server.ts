import { and, eq, gt } from "drizzle-orm";
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
 * Refreshes these customers now without making anyone wait: a customer just added, or whose host,
 * project or key changed, gets its first results while its page shows the progress. One at a
 * time per customer; an archived or deleted one is left alone.
 */
export function refreshInBackground(ctx: AppContext, customerIds: number[], trigger = "saved"): void {
  if (!ctx.config.DELIGHT_REFRESH_ON_SAVE) return;
  for (const id of new Set(customerIds)) {
    if (running.has(id)) continue;
    const done = (async () => {
      const [customer] = await ctx.db.select().from(customers).where(eq(customers.id, id));
      if (!customer || customer.archivedAt) return;
      await refreshCustomer(ctx.db, ctx.secretKey, customer, refreshOptions(ctx, trigger));
    })()
      // The outcome is stored with the run; here only a crash is left to say, never the key.
      .catch((error) => console.error(`[delight] background refresh of customer ${id} did not finish: ${(error as Error).message}`))
      .finally(() => running.delete(id));
    running.set(id, { since: new Date(), done });
  }
}

// A lock older than refresh-lock's STALE_MS belongs to a crashed refresh, not a running one.
const LOCK_STALE_MS = 10 * 60_000;

/** When the running refresh of this customer started (in this process or any other), or null. */
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

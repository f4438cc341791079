import { and, eq, inArray, isNull } from "drizzle-orm";
import { type RefreshOptions, type RefreshOutcome, refreshCustomer, refreshMany } from "../../checks/refresh";
import { customers } from "../../db/schema";
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

/**
 * Refreshes `ids` (archived ones skipped) in this process without making the caller wait: the same
 * refresh as "Refresh now", a few at a time. Fire and forget; a failure is logged, and each
 * customer's outcome is stored with its run as usual.
 */
export function refreshInBackground(ctx: AppContext, ids: number[], trigger = "web-bulk"): void {
  if (ids.length === 0) return;
  void (async () => {
    const list = await ctx.db
      .select()
      .from(customers)
      .where(and(inArray(customers.id, ids), isNull(customers.archivedAt)));
    await refreshMany(ctx.db, ctx.secretKey, list, { ...refreshOptions(ctx, trigger), concurrency: 4 });
  })().catch((error: unknown) => console.error(`Background refresh of ${ids.length} customers failed: ${(error as Error).message}`));
}

import { eq, inArray } from "drizzle-orm";
import { type RefreshOptions, type RefreshOutcome, refreshCustomer } from "../../checks/refresh";
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
 * Refreshes these customers after the request that added them has answered: a few at a time,
 * errors logged (each refresh also records its own failure on the customer). Fire and forget.
 */
export function refreshInBackground(ctx: AppContext, ids: number[], options: { concurrency?: number; trigger?: string } = {}): void {
  if (ids.length === 0) return;
  const concurrency = options.concurrency ?? 4;
  const run = async () => {
    const rows = await ctx.db.select().from(customers).where(inArray(customers.id, ids));
    const queue = rows.filter((c) => !c.archivedAt);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        try {
          await refreshCustomer(ctx.db, ctx.secretKey, next, refreshOptions(ctx, options.trigger ?? "background"));
        } catch (error) {
          console.error(`[delight] background refresh of ${next.slug} did not run: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  };
  void run().catch((error) => console.error(`[delight] background refresh did not start: ${(error as Error).message}`));
}

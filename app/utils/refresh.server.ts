import { eq } from "drizzle-orm";
import { type RefreshOptions, type RefreshOutcome, refreshCustomer } from "../../checks/refresh";
import { customers } from "../../db/schema";
import type { AppContext } from "./context.server";
import { getContext } from "./db.server";
import { healthExporter } from "./posthog-export.server";

/** How the server, its schedule and the CLI refresh: the one place configuration becomes refresh options. */
export function refreshOptions(ctx: AppContext, trigger: string): RefreshOptions {
  return { trigger, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS, onAssessed: healthExporter(ctx.config)?.onAssessed };
}

/** "Refresh now" on a customer page: the same refresh the CLI and the schedule run. */
export async function refreshNow(slug: string, trigger = "web"): Promise<RefreshOutcome | null> {
  const ctx = await getContext();
  const [customer] = await ctx.db.select().from(customers).where(eq(customers.slug, slug));
  if (!customer) return null;
  return refreshCustomer(ctx.db, ctx.secretKey, customer, refreshOptions(ctx, trigger));
}

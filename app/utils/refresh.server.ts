import { eq } from "drizzle-orm";
import { customers } from "../../db/schema";
import { refreshCustomer, type RefreshOutcome } from "../../checks/refresh";
import { getContext } from "./db.server";
import { healthExporter } from "./posthog-export.server";

/** "Refresh now" on a customer page: the same refresh the CLI and the schedule run. */
export async function refreshNow(slug: string, trigger = "web"): Promise<RefreshOutcome | null> {
  const ctx = await getContext();
  const [customer] = await ctx.db.select().from(customers).where(eq(customers.slug, slug));
  if (!customer) return null;
  return refreshCustomer(ctx.db, ctx.secretKey, customer, { trigger, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS, onScored: healthExporter(ctx.config) });
}

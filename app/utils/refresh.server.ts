import { eq } from "drizzle-orm";
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

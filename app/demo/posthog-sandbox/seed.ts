import type { Db } from "../../../db/client";
import { CLI_ACTOR } from "../../models/audit.server";
import { createCustomer } from "../../models/customers.server";
import { createPlan, findPlanByName } from "../../models/plans.server";
import type { SandboxCustomer } from "./project-builder";

/**
 * Adds the sandbox's customers (and their suggested plans) to delight, as a person would with
 * `delight plan add` and `delight customer add`. Used by the demo, the tests and the benchmark.
 */
export async function seedSandboxCustomers(
  db: Db,
  secretKey: Buffer,
  sandbox: { url: string; customers: SandboxCustomer[] },
  options: { ownerId?: number | null } = {},
) {
  const planIds = new Map<string, number>();
  for (const { suggestedPlan } of sandbox.customers) {
    if (planIds.has(suggestedPlan.name)) continue;
    const plan = (await findPlanByName(db, suggestedPlan.name)) ?? (await createPlan(db, CLI_ACTOR, suggestedPlan));
    planIds.set(suggestedPlan.name, plan.id);
  }
  const created = [];
  for (const c of sandbox.customers) {
    const customer = await createCustomer(
      db,
      CLI_ACTOR,
      {
        name: c.title,
        posthogHost: sandbox.url,
        projectId: c.projectId,
        apiKey: c.apiKey,
        planId: planIds.get(c.suggestedPlan.name) ?? null,
        billingDay: c.billingDay,
        ownerId: options.ownerId ?? null,
      },
      { secretKey, allowPrivateHosts: true },
    );
    created.push({ scenario: c, customer });
  }
  return created;
}

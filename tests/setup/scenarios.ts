import { eq } from "drizzle-orm";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import type { Sandbox } from "../../app/demo/posthog-sandbox/server";
import { type RefreshOptions, refreshCustomer } from "../../checks/refresh";
import type { Db } from "../../db/client";
import { customers } from "../../db/schema";

export type ScenarioBook = Awaited<ReturnType<typeof seedSandboxCustomers>>;

/** The sandbox's scenarios of these names as customers of `db` (with their plans), in the sandbox's order. */
export function seedScenarios(db: Db, secretKey: Buffer, sandbox: Sandbox, names: readonly string[]): Promise<ScenarioBook> {
  return seedSandboxCustomers(db, secretKey, { ...sandbox, customers: sandbox.customers.filter((c) => names.includes(c.name)) });
}

/** The customer seeded for a scenario; a name the book does not hold is the test's mistake, and says so. */
export function scenarioCustomer(book: ScenarioBook, scenario: string) {
  const entry = book.find((b) => b.scenario.name === scenario);
  if (!entry) throw new Error(`No customer was seeded for the scenario "${scenario}"`);
  return entry.customer;
}

/** Refreshes the scenario's customer as it is stored now (with any edit made since it was seeded). */
export async function refreshScenario(db: Db, secretKey: Buffer, book: ScenarioBook, scenario: string, options: RefreshOptions) {
  const [row] = await db
    .select()
    .from(customers)
    .where(eq(customers.id, scenarioCustomer(book, scenario).id));
  return refreshCustomer(db, secretKey, row!, options);
}

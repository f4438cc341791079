import { bigint, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/**
 * PostHog's per-key rate limits as budgets every worker process shares (checks/posthog/budgets.ts):
 * calls granted per key, budget and short time slot. `key_hash` is a hash of host and key, never
 * the key. Old slots are deleted as new ones are taken.
 */
export const posthogBudgetSlots = pgTable(
  "posthog_budget_slots",
  {
    keyHash: text("key_hash").notNull(),
    budget: text("budget").notNull(),
    /** Milliseconds since the epoch ÷ the budget's slot length. */
    slot: bigint("slot", { mode: "number" }).notNull(),
    used: integer("used").notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyHash, t.budget, t.slot] })],
);

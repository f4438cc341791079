import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";
import { plans } from "./plans";
import { users } from "./users";

export const customers = pgTable(
  "customers",
  {
    id: serial("id").primaryKey(),
    /** Stable: set once from the first name, never changed by a rename. */
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    posthogHost: text("posthog_host").notNull(),
    projectId: integer("project_id").notNull(),
    /** AES-256-GCM envelope (see checks/secrets.ts); the plain key is never stored. */
    apiKeyEncrypted: text("api_key_encrypted").notNull(),
    /** Last four characters, the only part of the key ever shown. */
    apiKeyLast4: text("api_key_last4").notNull(),
    planId: integer("plan_id").references(() => plans.id),
    billingDay: integer("billing_day").notNull().default(1),
    /** The PostHog project's IANA time zone, learnt at each refresh; days and periods are counted in it. */
    timezone: text("timezone").notNull().default("UTC"),
    /**
     * The PostHog organization the project belonged to at the last refresh: the next refresh asks
     * for its members alongside the other calls (one round instead of two).
     */
    posthogOrgId: text("posthog_org_id"),
    ownerId: integer("owner_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    archivedAt: tstz("archived_at"),
  },
  (t) => [
    uniqueIndex("customers_slug_key").on(t.slug),
    index("customers_owner_idx").on(t.ownerId),
    index("customers_plan_idx").on(t.planId),
    index("customers_name_idx").on(sql`lower(${t.name})`),
    check("customers_billing_day_check", sql`${t.billingDay} between 1 and 31`),
    check("customers_project_id_check", sql`${t.projectId} > 0`),
  ],
);

/** Cross-process refresh lock: one row while a refresh of that customer runs. */
export const refreshLocks = pgTable("refresh_locks", {
  customerId: integer("customer_id")
    .primaryKey()
    .references(() => customers.id, { onDelete: "cascade" }),
  holder: text("holder").notNull(),
  lockedAt: tstz("locked_at").notNull().defaultNow(),
});

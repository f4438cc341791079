import { sql } from "drizzle-orm";
import { check, date, index, integer, jsonb, numeric, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
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
    /** Revenue as entered: an amount per month (MRR) or per year (ARR), in `currency` (ISO 4217). */
    revenue: numeric("revenue", { precision: 14, scale: 2, mode: "number" }),
    revenuePeriod: text("revenue_period", { enum: ["month", "year"] }),
    currency: text("currency"),
    /** Annual revenue whatever was entered (MRR × 12): what sorts, filters and adds up. */
    arr: numeric("arr", { precision: 16, scale: 2, mode: "number" }).generatedAlwaysAs(
      sql`case when revenue_period = 'month' then revenue * 12 else revenue end`,
    ),
    renewalDate: date("renewal_date", { mode: "string" }),
  },
  (t) => [
    uniqueIndex("customers_slug_key").on(t.slug),
    index("customers_owner_idx").on(t.ownerId),
    // "Does this user own any active customer?" on every page (the alerts badge), and their
    // customers' alerts: answered from this index alone, whoever asks.
    index("customers_active_owner_idx").on(t.ownerId).where(sql`${t.archivedAt} is null`),
    index("customers_plan_idx").on(t.planId),
    index("customers_name_idx").on(sql`lower(${t.name})`),
    check("customers_billing_day_check", sql`${t.billingDay} between 1 and 31`),
    check("customers_project_id_check", sql`${t.projectId} > 0`),
    index("customers_host_project_idx").on(t.posthogHost, t.projectId),
    index("customers_arr_idx").on(t.arr),
    index("customers_renewal_idx").on(t.renewalDate),
    check(
      "customers_revenue_check",
      sql`(${t.revenue} is null) = (${t.revenuePeriod} is null) and (${t.revenue} is null) = (${t.currency} is null)`,
    ),
    check("customers_revenue_period_check", sql`${t.revenuePeriod} in ('month', 'year')`),
    check("customers_currency_check", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

/** The people to talk to at a customer, in the order they were entered. */
export const customerContacts = pgTable(
  "customer_contacts",
  {
    id: serial("id").primaryKey(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    name: text("name").notNull(),
    email: text("email"),
    role: text("role"),
  },
  (t) => [index("customer_contacts_customer_idx").on(t.customerId, t.position)],
);

/**
 * A CSV import between its preview and its confirmation: the validated rows (API keys sealed like
 * stored keys), kept server-side under a random id so no key travels back to the browser.
 */
export const customerImports = pgTable(
  "customer_imports",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    fileName: text("file_name").notNull(),
    preview: jsonb("preview").notNull(),
    createdAt: createdAt(),
    expiresAt: tstz("expires_at").notNull(),
  },
  (t) => [index("customer_imports_expires_idx").on(t.expiresAt)],
);

/** Cross-process refresh lock: one row while a refresh of that customer runs. */
export const refreshLocks = pgTable("refresh_locks", {
  customerId: integer("customer_id")
    .primaryKey()
    .references(() => customers.id, { onDelete: "cascade" }),
  holder: text("holder").notNull(),
  lockedAt: tstz("locked_at").notNull().defaultNow(),
});

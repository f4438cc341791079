import { and, asc, eq, isNull, like, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import { reassess } from "../../checks/assessment/store";
import { normalisePostHogHost, regionOf } from "../../checks/posthog/host";
import { MAX_ANCHOR_DAY } from "../../checks/usage";
import type { Db } from "../../db/client";
import { preparedPerDb } from "../../db/prepared";
import { customerContacts, customers, plans, users } from "../../db/schema";
import { last4, maskApiKey, sealSecret } from "../../db/secrets";
import { type ErrorDetails, type FieldErrors, hasUnstorableCharacters, InputError } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";
import { type Contact, isCurrency, isIsoDate, MAX_AMOUNT, parseAmount } from "./commercial";
import { firstFreeSlug, slugify } from "./slug";
import { OWNER_ROLES } from "./users.server";

const optionalId = z.preprocess(
  (v) => (v === "" || v === undefined || v === null ? null : typeof v === "string" ? Number(v) : v),
  z
    .number({ invalid_type_error: "Choose one from the list" })
    .int("Choose one from the list")
    .positive("Choose one from the list")
    .max(2_147_483_647, "Choose one from the list")
    .nullable(),
);

export const ApiKeySchema = z
  .string()
  .trim()
  .min(1, "The PostHog personal API key is required")
  .max(200, "That is too long for a PostHog API key")
  .regex(/^\S+$/, "An API key has no spaces")
  .refine((k) => !k.startsWith("phc_"), "That is a project token (phc_…); delight needs a personal API key (phx_…)")
  .refine((k) => k.length >= 16, "That is too short for a PostHog personal API key");

const BILLING_DAY_MESSAGE = `Billing day is a day of the month from 1 to ${MAX_ANCHOR_DAY} (a month without it bills from its last day)`;

export const MAX_CONTACTS = 20;
const REVENUE_MESSAGE = "Revenue is an amount like 120000 or 9,999.50 (no currency sign, at most 2 decimals)";

/** A contact row of the form; an entirely blank row is allowed (and dropped), a partial one needs a name. */
const ContactSchema = z
  .object({
    name: z.string().trim().max(100, "Name is too long (100 characters at most)").default(""),
    email: z.preprocess(
      (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
      z.string().max(254, "E-mail is too long").email("Enter a valid e-mail address").or(z.literal("")).default(""),
    ),
    role: z.string().trim().max(100, "Role is too long (100 characters at most)").default(""),
  })
  .superRefine((c, ctx) => {
    if (!c.name && (c.email || c.role)) ctx.addIssue({ code: "custom", path: ["name"], message: "A contact needs a name" });
  });

function dropBlankContacts(list: { name: string; email: string; role: string }[]): Contact[] {
  return list.filter((c) => c.name).map((c) => ({ name: c.name, email: c.email || null, role: c.role || null }));
}

export function customerInputSchema(options: { allowPrivateHosts: boolean }) {
  return z.object({
    name: z
      .string({ required_error: "Name is required" })
      .trim()
      .min(1, "Name is required")
      .max(100, "Name is too long (100 characters at most)"),
    posthogHost: z
      .string({ required_error: "PostHog host is required" })
      .min(1, "PostHog host is required")
      .max(200, "PostHog host is too long")
      .transform((v, ctx) => {
        const result = normalisePostHogHost(v, { allowPrivate: options.allowPrivateHosts });
        if (!result.ok) {
          ctx.addIssue({ code: "custom", message: result.message });
          return z.NEVER;
        }
        return result.host;
      }),
    projectId: z.preprocess(
      (v) => (typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v === "" ? undefined : v),
      z
        .number({ required_error: "Project id is required", invalid_type_error: "Project id is the number in your PostHog project URL" })
        .int("Project id is a whole number")
        .positive("Project id is a whole number above 0")
        .max(2_147_483_647, "Project id is too large"),
    ),
    /** Optional on edit: blank keeps the stored key. */
    apiKey: z.preprocess((v) => (v === "" ? undefined : v), ApiKeySchema.optional()),
    planId: optionalId,
    billingDay: z.preprocess(
      (v) => (v === "" || v === undefined ? 1 : typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
      z
        .number({ invalid_type_error: BILLING_DAY_MESSAGE })
        .int(BILLING_DAY_MESSAGE)
        .min(1, BILLING_DAY_MESSAGE)
        .max(MAX_ANCHOR_DAY, BILLING_DAY_MESSAGE),
    ),
    ownerId: optionalId,
    // Commercial context: each absent (undefined) leaves what is stored; blank clears it.
    revenue: z.preprocess(
      (v) => (typeof v === "string" ? parseAmount(v) : v),
      z
        .number({ invalid_type_error: REVENUE_MESSAGE })
        .refine((n) => !Number.isNaN(n), REVENUE_MESSAGE)
        .refine((n) => n >= 0 && n <= MAX_AMOUNT, "Revenue is an amount from 0 to 999,999,999,999.99")
        .nullable()
        .optional(),
    ),
    revenuePeriod: z.preprocess(
      (v) => (v === "" ? "year" : typeof v === "string" ? v.trim().toLowerCase() : v),
      z.enum(["month", "year"], { errorMap: () => ({ message: "Revenue is per year (ARR) or per month (MRR)" }) }).optional(),
    ),
    currency: z.preprocess(
      (v) => (v === "" ? null : typeof v === "string" ? v.trim().toUpperCase() : v),
      z.string().refine(isCurrency, "Currency is a three-letter ISO 4217 code such as EUR, USD or GBP").nullable().optional(),
    ),
    renewalDate: z.preprocess(
      (v) => (v === "" ? null : typeof v === "string" ? v.trim() : v),
      z.string().refine(isIsoDate, "Renewal date is a day written YYYY-MM-DD").nullable().optional(),
    ),
    contacts: z.array(ContactSchema).max(MAX_CONTACTS, `At most ${MAX_CONTACTS} contacts`).transform(dropBlankContacts).optional(),
  });
}
export type CustomerInput = z.output<ReturnType<typeof customerInputSchema>>;

export { slugify } from "./slug";

async function uniqueSlug(db: Db, name: string): Promise<string> {
  const base = slugify(name);
  const taken = new Set(
    (
      await db
        .select({ slug: customers.slug })
        .from(customers)
        .where(or(eq(customers.slug, base), like(customers.slug, `${base}-%`)))
    ).map((r) => r.slug),
  );
  for (const reserved of RESERVED_SLUGS) taken.add(reserved);
  return firstFreeSlug(base, taken);
}

type CustomerSchema = ReturnType<typeof customerInputSchema>;

/**
 * Every field on its own, so a form shows all its mistakes at once instead of one round at a
 * time. Keys are the field name, or `field.index.part` inside a list (contacts).
 */
export function parseCustomerFields(schema: CustomerSchema, raw: Record<string, unknown>) {
  const errors: FieldErrors = {};
  const parsed: Partial<CustomerInput> = {};
  for (const [key, field] of Object.entries(schema.shape) as [keyof CustomerInput, z.ZodTypeAny][]) {
    const value = raw[key];
    if (typeof value === "string" && hasUnstorableCharacters(value)) {
      errors[key] = "Contains control characters that cannot be stored";
      continue;
    }
    const result = field.safeParse(value);
    if (result.success) (parsed as Record<string, unknown>)[key] = result.data;
    else for (const issue of result.error.issues) errors[[key, ...issue.path].join(".")] ??= issue.message;
  }
  return { errors, parsed };
}

/** The customer already on a PostHog project, archived or not (a project is added once). */
export async function findSameProject(db: Db, host: string, projectId: number, exceptId: number | null) {
  const [row] = await db
    .select({ slug: customers.slug, name: customers.name, archivedAt: customers.archivedAt })
    .from(customers)
    .where(
      and(eq(customers.posthogHost, host), eq(customers.projectId, projectId), exceptId === null ? undefined : ne(customers.id, exceptId)),
    )
    .limit(1);
  return row ? { slug: row.slug, name: row.name, archived: row.archivedAt !== null } : null;
}

export function sameProjectMessage(other: { name: string; archived: boolean }) {
  return other.archived
    ? `This PostHog project is already added as ${other.name} (archived): restore that customer instead`
    : `This PostHog project is already added as ${other.name}`;
}

/** Revenue comes as amount, period and currency together, or not at all; blank clears all three. */
export function settleRevenue(parsed: Partial<CustomerInput>, errors: FieldErrors) {
  if (parsed.revenue === null) {
    Object.assign(parsed, { revenuePeriod: null, currency: null });
  } else if (parsed.revenue !== undefined) {
    parsed.revenuePeriod ??= "year";
    if (!parsed.currency && !errors.currency) errors.currency = "Choose the currency of the revenue (e.g. EUR, USD)";
  } else {
    delete parsed.revenuePeriod;
    delete parsed.currency;
  }
}

/** Paths no customer may take as its slug: they are pages of their own under /customers/. */
export const RESERVED_SLUGS = ["new", "import"];

/**
 * Parses and checks a customer form against the database in one pass: field errors, the plan and
 * owner, and the PostHog project being free, all reported together. Throws one InputError.
 */
async function validateCustomer(
  db: Db,
  raw: unknown,
  options: CustomerOptions,
  before: { id: number; posthogHost: string; ownerId: number | null } | null,
): Promise<CustomerInput> {
  const { errors, parsed } = parseCustomerFields(customerInputSchema(options), (raw ?? {}) as Record<string, unknown>);
  const details: ErrorDetails = {};
  if (!errors.apiKey && !parsed.apiKey) {
    if (!before) errors.apiKey = "The PostHog personal API key is required";
    // The stored key may only ever go to the host it was saved with.
    else if (parsed.posthogHost !== undefined && parsed.posthogHost !== before.posthogHost)
      errors.apiKey = "Re-enter the API key when changing the PostHog host";
  }
  if (parsed.planId) {
    const [plan] = await db.select({ id: plans.id }).from(plans).where(eq(plans.id, parsed.planId));
    if (!plan) errors.planId = "That plan does not exist";
  }
  if (parsed.ownerId && parsed.ownerId !== before?.ownerId) {
    const [owner] = await db.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, parsed.ownerId));
    if (!owner) errors.ownerId = "That user does not exist";
    else if (!OWNER_ROLES.includes(owner.role)) errors.ownerId = `Only admins and csms can own customers (this user is a ${owner.role})`;
    else if (owner.disabledAt) errors.ownerId = "That user is disabled";
  }
  if (parsed.posthogHost !== undefined && parsed.projectId !== undefined) {
    // Two forms (or a form and an import) adding the same project at once: the second waits and sees the first.
    await db.execute(sql`lock table customers in share row exclusive mode`);
    const other = await findSameProject(db, parsed.posthogHost, parsed.projectId, before?.id ?? null);
    if (other) {
      errors.projectId = sameProjectMessage(other);
      details.duplicate = other;
    }
  }
  settleRevenue(parsed, errors);
  if (Object.keys(errors).length > 0) throw new InputError(errors, details);
  return parsed as CustomerInput;
}

export type CustomerOptions = { secretKey: Buffer; allowPrivateHosts: boolean };

export async function createCustomer(db: Db, actor: Actor, raw: unknown, options: CustomerOptions) {
  return db.transaction(async (tx) => {
    const input = await validateCustomer(tx, raw, options, null);
    const { apiKey, contacts, ...fields } = input;
    if (!apiKey) throw new InputError({ apiKey: "The PostHog personal API key is required" });
    const slug = await uniqueSlug(tx, input.name);
    const [customer] = await tx
      .insert(customers)
      .values({ ...fields, slug, apiKeyEncrypted: sealSecret(apiKey, options.secretKey), apiKeyLast4: last4(apiKey) })
      .returning();
    if (contacts?.length) await replaceContacts(tx, customer!.id, contacts);
    await recordAudit(tx, actor, "customer.create", "customer", customer!.id, { slug, ...fields, apiKey: maskApiKey(last4(apiKey)) });
    // Assessed from the start ("never refreshed"), so every reader has an assessment to show.
    await reassess(tx, [customer!.id], "customer", new Date());
    return customer!;
  });
}

export async function updateCustomer(db: Db, actor: Actor, slug: string, raw: unknown, options: CustomerOptions) {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(customers).where(eq(customers.slug, slug));
    if (!before) throw new InputError({ form: "Customer not found" });
    if (before.archivedAt) throw new InputError({ form: ARCHIVED_READ_ONLY });
    const input = await validateCustomer(tx, raw, options, before);
    const { apiKey, contacts, ...fields } = input;
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && before[key as keyof typeof before] !== value) changed[key] = value;
    }
    if (contacts !== undefined) {
      const previous = await contactsOf(tx, before.id);
      if (JSON.stringify(previous) !== JSON.stringify(contacts)) {
        await replaceContacts(tx, before.id, contacts);
        changed.contacts = contacts;
      }
    }
    if (apiKey) changed.apiKey = `replaced with ${maskApiKey(last4(apiKey))}`;
    const [customer] = await tx
      .update(customers)
      .set({
        ...fields,
        ...(apiKey ? { apiKeyEncrypted: sealSecret(apiKey, options.secretKey), apiKeyLast4: last4(apiKey) } : {}),
        updatedAt: new Date(),
      })
      .where(eq(customers.id, before.id))
      .returning();
    if (Object.keys(changed).length > 0) await recordAudit(tx, actor, "customer.update", "customer", before.id, changed);
    // The plan and the billing day decide usage versus plan (and which team checks apply).
    if ("planId" in changed || "billingDay" in changed) await reassess(tx, [before.id], "plan", new Date());
    return customer!;
  });
}

async function replaceContacts(db: Db, customerId: number, contacts: Contact[]) {
  await db.delete(customerContacts).where(eq(customerContacts.customerId, customerId));
  if (contacts.length > 0) await db.insert(customerContacts).values(contacts.map((c, position) => ({ customerId, position, ...c })));
}

export async function contactsOf(db: Db, customerId: number): Promise<Contact[]> {
  return db
    .select({ name: customerContacts.name, email: customerContacts.email, role: customerContacts.role })
    .from(customerContacts)
    .where(eq(customerContacts.customerId, customerId))
    .orderBy(asc(customerContacts.position));
}

export async function setArchived(db: Db, actor: Actor, slug: string, archived: boolean) {
  return db.transaction(async (tx) => {
    if (!archived) {
      const [row] = await tx.select().from(customers).where(eq(customers.slug, slug));
      const other = row ? await findSameProject(tx, row.posthogHost, row.projectId, row.id) : null;
      if (other && !other.archived)
        throw new InputError({ form: `${other.name} now uses this PostHog project: archive it first` }, { duplicate: other });
    }
    const [customer] = await tx
      .update(customers)
      .set({ archivedAt: archived ? new Date() : null, updatedAt: new Date() })
      .where(eq(customers.slug, slug))
      .returning();
    if (!customer) throw new InputError({ form: "Customer not found" });
    await recordAudit(tx, actor, archived ? "customer.archive" : "customer.unarchive", "customer", customer.id, {});
    return customer;
  });
}

/** The columns safe to show anywhere: never the sealed key. */
export const publicCustomerColumns = {
  id: customers.id,
  slug: customers.slug,
  name: customers.name,
  posthogHost: customers.posthogHost,
  projectId: customers.projectId,
  apiKeyLast4: customers.apiKeyLast4,
  planId: customers.planId,
  planName: plans.name,
  planMonthlyEvents: plans.monthlyEvents,
  billingDay: customers.billingDay,
  ownerId: customers.ownerId,
  ownerName: users.name,
  ownerEmail: users.email,
  createdAt: customers.createdAt,
  updatedAt: customers.updatedAt,
  archivedAt: customers.archivedAt,
  revenue: customers.revenue,
  revenuePeriod: customers.revenuePeriod,
  currency: customers.currency,
  arr: customers.arr,
  renewalDate: customers.renewalDate,
};

function publicCustomerQuery(db: Db) {
  return db
    .select(publicCustomerColumns)
    .from(customers)
    .leftJoin(plans, eq(plans.id, customers.planId))
    .leftJoin(users, eq(users.id, customers.ownerId));
}

/** A customer as getCustomer reads it: its public columns, contacts, and the time zone its days are counted in. */
export type CustomerRecord = NonNullable<Awaited<ReturnType<typeof getCustomer>>>;
export type PublicCustomer = Omit<CustomerRecord, "timezone">;

/** Postgres numeric comes back as text from some drivers. */
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Slugs are what slugify makes; anything else (from a URL or the CLI) cannot name a customer. */
export const isSlug = (value: string) => /^[a-z0-9][a-z0-9-]{0,59}$/.test(value);

/** The customer's contacts in order, as one JSON column of the customer's own row. */
const contactsColumn = sql<
  Contact[] | string
>`(select coalesce(json_agg(json_build_object('name', cc.name, 'email', cc.email, 'role', cc.role) order by cc.position), '[]'::json)
  from ${customerContacts} cc where cc.customer_id = ${customers.id})`;

const customerBySlug = preparedPerDb((db) =>
  db
    .select({ ...publicCustomerColumns, timezone: customers.timezone, contacts: contactsColumn })
    .from(customers)
    .leftJoin(plans, eq(plans.id, customers.planId))
    .leftJoin(users, eq(users.id, customers.ownerId))
    .where(eq(customers.slug, sql.placeholder("slug")))
    .prepare("customer_by_slug"),
);

export async function getCustomer(db: Db, slug: string) {
  if (!isSlug(slug)) return null;
  // One statement with its contacts: every customer page starts with this, before anything else can.
  const [row] = await customerBySlug(db).execute({ slug });
  if (!row) return null;
  // postgres.js and PGlite hand json back parsed; a string is parsed in case a driver does not.
  const contacts: Contact[] = typeof row.contacts === "string" ? JSON.parse(row.contacts) : row.contacts;
  return { ...row, revenue: num(row.revenue), arr: num(row.arr), contacts };
}

export async function listCustomers(db: Db, options: { includeArchived?: boolean } = {}) {
  return publicCustomerQuery(db)
    .where(options.includeArchived ? undefined : isNull(customers.archivedAt))
    .orderBy(asc(sql`lower(${customers.name})`));
}

export async function countActiveCustomers(db: Db) {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(customers).where(isNull(customers.archivedAt));
  return row?.n ?? 0;
}

/** The one outward shape of a customer (CLI --json and the JSON API): the key only masked. */
export function customerJson(c: PublicCustomer) {
  return {
    slug: c.slug,
    name: c.name,
    posthogHost: c.posthogHost,
    projectId: c.projectId,
    apiKey: maskApiKey(c.apiKeyLast4),
    plan: c.planName ? { name: c.planName, monthlyEvents: c.planMonthlyEvents } : null,
    billingDay: c.billingDay,
    owner: c.ownerEmail ? { name: c.ownerName, email: c.ownerEmail } : null,
    revenue: commercialJson(c),
    renewalDate: c.renewalDate,
    contacts: c.contacts,
    createdAt: c.createdAt.toISOString(),
    archivedAt: c.archivedAt ? c.archivedAt.toISOString() : null,
  };
}

/** Revenue as entered and as ARR (MRR × 12), or null when none is recorded. */
export function commercialJson(c: Pick<PublicCustomer, "revenue" | "revenuePeriod" | "currency" | "arr">) {
  if (c.revenue === null || !c.currency || !c.revenuePeriod) return null;
  return { amount: c.revenue, period: c.revenuePeriod, currency: c.currency, arr: c.arr };
}

/** What the edit form starts from: every field but the key, which only shows masked. */
export function customerEditView(customer: PublicCustomer) {
  const { apiKeyLast4, ...safe } = customer;
  return { customer: safe, region: regionOf(customer.posthogHost), maskedKey: maskApiKey(apiKeyLast4) };
}

export const ARCHIVED_READ_ONLY = "This customer is archived, so it is read-only: unarchive it (Edit, then Unarchive) to change anything";

/**
 * Archived customers are read-only until unarchived: no answers, overrides, catch-ups or
 * refreshes. Every entry point that changes a customer's health calls this first.
 */
export async function assertNotArchived(db: Db, customerId: number) {
  const [row] = await db.select({ archivedAt: customers.archivedAt }).from(customers).where(eq(customers.id, customerId));
  if (!row) throw new InputError({ form: "Customer not found" });
  if (row.archivedAt) throw new InputError({ form: ARCHIVED_READ_ONLY });
}

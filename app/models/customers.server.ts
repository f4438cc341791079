import { asc, eq, isNull, like, or, sql } from "drizzle-orm";
import { z } from "zod";
import { reassess } from "../../checks/assessment/store";
import { normalisePostHogHost, regionOf } from "../../checks/posthog/host";
import { MAX_ANCHOR_DAY } from "../../checks/usage";
import type { Db } from "../../db/client";
import { customers, plans, users } from "../../db/schema";
import { last4, maskApiKey, sealSecret } from "../../db/secrets";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

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
  });
}
export type CustomerInput = z.output<ReturnType<typeof customerInputSchema>>;

export function slugify(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/g, "");
  return base || "customer";
}

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
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

async function assertReferences(db: Db, input: Pick<CustomerInput, "planId" | "ownerId">) {
  if (input.planId !== null) {
    const [plan] = await db.select({ id: plans.id }).from(plans).where(eq(plans.id, input.planId));
    if (!plan) throw new InputError({ planId: "That plan does not exist" });
  }
  if (input.ownerId !== null) {
    const [owner] = await db.select({ id: users.id }).from(users).where(eq(users.id, input.ownerId));
    if (!owner) throw new InputError({ ownerId: "That user does not exist" });
  }
}

export type CustomerOptions = { secretKey: Buffer; allowPrivateHosts: boolean };

export async function createCustomer(db: Db, actor: Actor, raw: unknown, options: CustomerOptions) {
  const input = parseInput(customerInputSchema(options), raw);
  if (!input.apiKey) throw new InputError({ apiKey: "The PostHog personal API key is required" });
  const { apiKey, ...fields } = input;
  return db.transaction(async (tx) => {
    await assertReferences(tx, input);
    const slug = await uniqueSlug(tx, input.name);
    const [customer] = await tx
      .insert(customers)
      .values({ ...fields, slug, apiKeyEncrypted: sealSecret(apiKey, options.secretKey), apiKeyLast4: last4(apiKey) })
      .returning();
    await recordAudit(tx, actor, "customer.create", "customer", customer!.id, { slug, ...fields, apiKey: maskApiKey(last4(apiKey)) });
    // Assessed from the start ("never refreshed"), so every reader has an assessment to show.
    await reassess(tx, [customer!.id], "customer", new Date());
    return customer!;
  });
}

export async function updateCustomer(db: Db, actor: Actor, slug: string, raw: unknown, options: CustomerOptions) {
  const input = parseInput(customerInputSchema(options), raw);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(customers).where(eq(customers.slug, slug));
    if (!before) throw new InputError({ form: "Customer not found" });
    if (before.archivedAt) throw new InputError({ form: ARCHIVED_READ_ONLY });
    // The stored key may only ever go to the host it was saved with.
    if (input.posthogHost !== before.posthogHost && !input.apiKey) {
      throw new InputError({ apiKey: "Re-enter the API key when changing the PostHog host" });
    }
    await assertReferences(tx, input);
    const { apiKey, ...fields } = input;
    const changed: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (before[key as keyof typeof before] !== value) changed[key] = value;
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

export async function setArchived(db: Db, actor: Actor, slug: string, archived: boolean) {
  return db.transaction(async (tx) => {
    const [customer] = await tx
      .update(customers)
      .set({ archivedAt: archived ? new Date() : null, updatedAt: new Date() })
      .where(eq(customers.slug, slug))
      .returning();
    if (!customer) throw new InputError({ form: "Customer not found" });
    await recordAudit(tx, actor, archived ? "customer.archive" : "customer.unarchive", "customer", customer.id, {});
    // Its health stood still while archived; back in the book, it is assessed as of now.
    if (!archived) await reassess(tx, [customer.id], "customer", new Date());
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
};

function publicCustomerQuery(db: Db) {
  return db
    .select(publicCustomerColumns)
    .from(customers)
    .leftJoin(plans, eq(plans.id, customers.planId))
    .leftJoin(users, eq(users.id, customers.ownerId));
}

export type PublicCustomer = NonNullable<Awaited<ReturnType<typeof getCustomer>>>;

/** Slugs are what slugify makes; anything else (from a URL or the CLI) cannot name a customer. */
export const isSlug = (value: string) => /^[a-z0-9][a-z0-9-]{0,59}$/.test(value);

export async function getCustomer(db: Db, slug: string) {
  if (!isSlug(slug)) return null;
  const [row] = await publicCustomerQuery(db).where(eq(customers.slug, slug));
  return row ?? null;
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
    createdAt: c.createdAt.toISOString(),
    archivedAt: c.archivedAt ? c.archivedAt.toISOString() : null,
  };
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

import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { anyOf } from "../../db/id-list";
import { customers } from "../../db/schema";
import { hasUnstorableCharacters } from "../utils/validation.server";
import { isSlug } from "./customers.server";

/*
 * The customers the audit page names: the one its filter asks for, and those on the page's
 * entries. Both are looked up by key, never by listing the table: listing every customer made the
 * page 2.5 MB at 20,000 customers, and books of 100,000 are what delight is built for.
 */

/** How many same-named customers' slugs the page offers to choose from. */
const SLUGS_SHOWN = 5;

export type CustomerFilter = { id: number; message: null } | { id: null; message: string };

/**
 * What the filter names: a slug (archived customers too, as their entries stay in the log), else a
 * name in any case. Several customers may share a name; then only the slug tells them apart.
 */
export async function findFilterCustomer(db: Db, typed: string): Promise<CustomerFilter> {
  // Names are stored trimmed, and PostgreSQL text cannot hold NUL: such text names nobody.
  const text = typed.trim();
  const unknown = { id: null, message: `No customer “${text}”: type a customer's slug or exact name.` } as const;
  if (hasUnstorableCharacters(text)) return unknown;
  if (isSlug(text)) {
    const [bySlug] = await db.select({ id: customers.id }).from(customers).where(eq(customers.slug, text));
    if (bySlug) return { id: bySlug.id, message: null };
  }
  // lower() on both sides, as customers_name_idx is built: the same case folding as the index.
  const named = await db
    .select({ id: customers.id, slug: customers.slug })
    .from(customers)
    .where(eq(sql`lower(${customers.name})`, sql`lower(${text})`))
    .orderBy(asc(customers.slug))
    .limit(SLUGS_SHOWN + 1);
  if (named.length === 0) return unknown;
  if (named.length === 1) return { id: named[0]!.id, message: null };
  const slugs = named.slice(0, SLUGS_SHOWN).map((c) => c.slug);
  const more = named.length > SLUGS_SHOWN ? ", …" : "";
  return {
    id: null,
    message: `Several customers are named “${text}”: type the slug of the one you mean (${slugs.join(", ")}${more}).`,
  };
}

/** An entry's entity id as the customer id it was written from (String(customer.id)). */
const isCustomerId = (text: string) => /^[1-9]\d{0,9}$/.test(text) && Number(text) <= 2_147_483_647;

/** The names of the customers these entries are about (their entity ids), in one query. */
export async function customerNamesOf(db: Db, entityIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(entityIds.filter(isCustomerId).map(Number))];
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: customers.id, name: customers.name }).from(customers).where(anyOf(customers.id, ids));
  return new Map(rows.map((r) => [String(r.id), r.name]));
}

import { randomBytes } from "node:crypto";
import { and, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { reassess } from "../../checks/assessment/store";
import type { Db } from "../../db/client";
import { auditLog, customerContacts, customerImports, customers, plans, users } from "../../db/schema";
import { last4, maskApiKey, sealSecret } from "../../db/secrets";
import { CsvSyntaxError, parseCsv } from "../utils/csv-parse";
import { InputError } from "../utils/validation.server";
import type { Actor } from "./audit.server";
import { type Contact, parseContactList } from "./commercial";
import {
  type CustomerInput,
  type CustomerOptions,
  customerInputSchema,
  parseCustomerFields,
  RESERVED_SLUGS,
  sameProjectMessage,
  settleRevenue,
} from "./customers.server";
import { firstFreeSlug, slugify } from "./slug";
import { OWNER_ROLES } from "./users.server";

/*
 * Customers from a CSV file: `validateImport` reads and checks every row (nothing is written),
 * `importRows` writes the good ones in one transaction. The web page keeps the checked rows
 * between the two steps in `customer_imports`, keys sealed, so no key goes back to the browser.
 */

/** The columns, by their header (case, spaces and dashes do not matter), and the field each fills. */
export const IMPORT_COLUMNS = {
  name: "name",
  host: "posthogHost",
  project_id: "projectId",
  api_key: "apiKey",
  plan: "plan",
  billing_day: "billingDay",
  owner_email: "owner",
  arr: "arr",
  mrr: "mrr",
  currency: "currency",
  renewal_date: "renewalDate",
  contacts: "contacts",
  contact_name: "contactName",
  contact_email: "contactEmail",
  contact_role: "contactRole",
} as const;
type Column = keyof typeof IMPORT_COLUMNS;
const REQUIRED: Column[] = ["name", "host", "project_id", "api_key"];
/** Also accepted as headers. */
const ALIASES: Record<string, Column> = { posthog_host: "host", key: "api_key", owner: "owner_email", project: "project_id" };

/** Imports wait for each other and for forms adding customers, so the project check sees them all. */
const sqlLockCustomers = sql`lock table customers in share row exclusive mode`;

export const MAX_IMPORT_ROWS = 5000;
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
const STAGED_FOR_MS = 30 * 60_000;

export type ImportProblem = { row: number; column: string; message: string };

/** A checked row, ready to insert: the key already sealed. */
export type ImportRow = {
  row: number;
  name: string;
  posthogHost: string;
  projectId: number;
  apiKeyEncrypted: string;
  apiKeyLast4: string;
  planId: number | null;
  planName: string | null;
  billingDay: number;
  ownerId: number | null;
  ownerEmail: string | null;
  revenue: number | null;
  revenuePeriod: "month" | "year" | null;
  currency: string | null;
  renewalDate: string | null;
  contacts: Contact[];
};

export type ImportPreview = { rowCount: number; rows: ImportRow[]; problems: ImportProblem[] };

/** The schema's field names in the words of the file. */
const COLUMN_OF_FIELD: Record<string, string> = {
  name: "name",
  posthogHost: "host",
  projectId: "project_id",
  apiKey: "api_key",
  planId: "plan",
  billingDay: "billing_day",
  ownerId: "owner_email",
  revenue: "arr/mrr",
  revenuePeriod: "arr/mrr",
  currency: "currency",
  renewalDate: "renewal_date",
  contacts: "contacts",
};

function columnOf(fieldKey: string, fromCompact: boolean): string {
  const [field, index, part] = fieldKey.split(".");
  if (field === "contacts" && index !== undefined)
    return fromCompact ? `contacts (contact ${Number(index) + 1}${part ? ` ${part}` : ""})` : `contact_${part ?? "name"}`;
  return COLUMN_OF_FIELD[field!] ?? field!;
}

const headerKey = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");

/** Reads the file's header; a missing required column or an unknown one refuses the whole file. */
function readHeader(fields: string[]): Map<Column, number> {
  const columns = new Map<Column, number>();
  const unknown: string[] = [];
  fields.forEach((raw, i) => {
    const key = headerKey(raw);
    const column = (key in IMPORT_COLUMNS ? key : ALIASES[key]) as Column | undefined;
    if (!column) {
      if (key !== "")
        unknown.push(
          raw
            .trim()
            .replace(/[\u0000-\u001f\u007f]/g, "?")
            .slice(0, 40),
        );
      return;
    }
    if (columns.has(column)) throw new InputError({ file: `The column "${raw.trim()}" appears twice` });
    columns.set(column, i);
  });
  if (unknown.length > 0)
    throw new InputError({ file: `Unknown ${unknown.length === 1 ? "column" : "columns"}: ${unknown.join(", ")} (see the import format)` });
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length > 0)
    throw new InputError({ file: `Missing required ${missing.length === 1 ? "column" : "columns"}: ${missing.join(", ")}` });
  if (columns.has("arr") && columns.has("mrr")) throw new InputError({ file: "Give revenue as arr or as mrr, not both columns" });
  return columns;
}

/**
 * Reads and checks a whole file: every bad row is reported (row number as a spreadsheet shows it,
 * column, message), including a PostHog project that appears twice in the file or is already a
 * customer. Nothing is written. File-level problems (not CSV, no header, too many rows) throw.
 */
export async function validateImport(db: Db, text: string, options: CustomerOptions): Promise<ImportPreview> {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new InputError({ file: `This is not a readable CSV file. ${error.message}` });
    throw error;
  }
  const [head, ...body] = records;
  if (!head) throw new InputError({ file: "The file is empty" });
  const columns = readHeader(head.fields);
  if (body.length === 0) throw new InputError({ file: "The file has a header but no customers" });
  if (body.length > MAX_IMPORT_ROWS)
    throw new InputError({ file: `At most ${MAX_IMPORT_ROWS} customers per file (this one has ${body.length})` });

  // Everything a row is checked against, read once.
  const planByName = new Map((await db.select({ id: plans.id, name: plans.name }).from(plans)).map((p) => [p.name.toLowerCase(), p]));
  const userByEmail = new Map(
    (await db.select({ id: users.id, email: users.email, role: users.role, disabledAt: users.disabledAt }).from(users)).map((u) => [
      u.email,
      u,
    ]),
  );
  const existing = new Map(
    (
      await db
        .select({ host: customers.posthogHost, projectId: customers.projectId, name: customers.name, archivedAt: customers.archivedAt })
        .from(customers)
    ).map((c) => [`${c.host} ${c.projectId}`, { name: c.name, archived: c.archivedAt !== null }]),
  );
  const schema = customerInputSchema(options);
  const seen = new Map<string, number>();
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];

  // Spreadsheet rows: the header is row 1, so a record's row is its line number.
  for (const record of body) {
    const row = record.line;
    const cell = (c: Column) => {
      const i = columns.get(c);
      return i === undefined ? undefined : (record.fields[i] ?? "").trim();
    };
    const rowProblems: ImportProblem[] = [];
    const problem = (column: string, message: string) => rowProblems.push({ row, column, message });

    const compact = cell("contacts");
    const single = [cell("contact_name"), cell("contact_email"), cell("contact_role")];
    const contacts = [
      ...(compact ? parseContactList(compact) : []),
      ...(single.some(Boolean) ? [{ name: single[0] ?? "", email: single[1] ?? "", role: single[2] ?? "" }] : []),
    ];
    const arr = cell("arr");
    const mrr = cell("mrr");
    const raw: Record<string, unknown> = {
      name: cell("name"),
      posthogHost: cell("host"),
      projectId: cell("project_id"),
      apiKey: cell("api_key"),
      billingDay: cell("billing_day") ?? "",
      planId: null,
      ownerId: null,
      revenue: arr ?? mrr ?? "",
      revenuePeriod: mrr !== undefined ? "month" : "year",
      currency: cell("currency") ?? "",
      renewalDate: cell("renewal_date") ?? "",
      contacts,
    };
    const { errors, parsed } = parseCustomerFields(schema, raw);
    settleRevenue(parsed, errors);
    if (!errors.apiKey && !parsed.apiKey) errors.apiKey = "The PostHog personal API key is required";
    for (const [key, message] of Object.entries(errors)) problem(columnOf(key, Boolean(compact)), message);

    const planName = cell("plan");
    const plan = planName ? planByName.get(planName.toLowerCase()) : undefined;
    if (planName && !plan) problem("plan", `No plan named "${planName}"`);
    const ownerEmail = cell("owner_email")?.toLowerCase();
    const owner = ownerEmail ? userByEmail.get(ownerEmail) : undefined;
    if (ownerEmail && !owner) problem("owner_email", `No user with e-mail ${ownerEmail}`);
    else if (owner && !OWNER_ROLES.includes(owner.role))
      problem("owner_email", `Only admins and csms can own customers (${ownerEmail} is a ${owner.role})`);
    else if (owner?.disabledAt) problem("owner_email", `${ownerEmail} is disabled`);

    if (parsed.posthogHost !== undefined && parsed.projectId !== undefined) {
      const key = `${parsed.posthogHost} ${parsed.projectId}`;
      const other = existing.get(key);
      const earlier = seen.get(key);
      if (other) problem("project_id", sameProjectMessage(other));
      else if (earlier !== undefined) problem("project_id", `The same PostHog project as row ${earlier}`);
      else seen.set(key, row);
    }

    if (rowProblems.length > 0) {
      problems.push(...rowProblems);
      continue;
    }
    const input = parsed as CustomerInput;
    rows.push({
      row,
      name: input.name,
      posthogHost: input.posthogHost,
      projectId: input.projectId,
      apiKeyEncrypted: sealSecret(input.apiKey!, options.secretKey),
      apiKeyLast4: last4(input.apiKey!),
      planId: plan?.id ?? null,
      planName: plan?.name ?? null,
      billingDay: input.billingDay,
      ownerId: owner?.id ?? null,
      ownerEmail: owner ? ownerEmail! : null,
      revenue: input.revenue ?? null,
      revenuePeriod: input.revenuePeriod ?? null,
      currency: input.currency ?? null,
      renewalDate: input.renewalDate ?? null,
      contacts: input.contacts ?? [],
    });
  }
  return { rowCount: body.length, rows, problems };
}

export type ImportResult = {
  imported: { id: number; slug: string; name: string }[];
  /** Rows that were good in the preview but not any more (another customer took the project since). */
  problems: ImportProblem[];
  /** All or nothing was asked and some row was bad: nothing was written. */
  refused: boolean;
};

/**
 * Writes the checked rows in one transaction, or none at all: with `allOrNothing` any bad row
 * (from the preview, or found now) keeps the whole file out. A failure part-way rolls back
 * everything, so a file is never half imported.
 */
export async function importRows(
  db: Db,
  actor: Actor,
  preview: Pick<ImportPreview, "rows" | "problems">,
  options: { allOrNothing: boolean; now?: Date },
): Promise<ImportResult> {
  const now = options.now ?? new Date();
  return db.transaction(async (tx) => {
    // Serialise imports and forms adding customers: the project check below must see them.
    await tx.execute(sqlLockCustomers);
    const taken = await tx
      .select({ host: customers.posthogHost, projectId: customers.projectId, name: customers.name, archivedAt: customers.archivedAt })
      .from(customers)
      .where(inArray(customers.projectId, [...new Set(preview.rows.map((r) => r.projectId))]));
    const takenBy = new Map(taken.map((c) => [`${c.host} ${c.projectId}`, { name: c.name, archived: c.archivedAt !== null }]));
    const problems: ImportProblem[] = [];
    const rows = preview.rows.filter((r) => {
      const other = takenBy.get(`${r.posthogHost} ${r.projectId}`);
      if (other) problems.push({ row: r.row, column: "project_id", message: sameProjectMessage(other) });
      return !other;
    });
    if (rows.length === 0 || (options.allOrNothing && (preview.problems.length > 0 || problems.length > 0))) {
      return { imported: [], problems, refused: options.allOrNothing && rows.length > 0 };
    }

    const slugs = new Set((await tx.select({ slug: customers.slug }).from(customers)).map((c) => c.slug));
    for (const reserved of RESERVED_SLUGS) slugs.add(reserved);
    const values = rows.map((r) => {
      const slug = firstFreeSlug(slugify(r.name), slugs);
      slugs.add(slug);
      const { row: _row, planName: _plan, ownerEmail: _owner, contacts: _contacts, ...fields } = r;
      return { ...fields, slug };
    });
    const inserted: { id: number; slug: string; name: string }[] = [];
    // Batches keep each statement well under PostgreSQL's 65,535 parameters.
    for (let i = 0; i < values.length; i += 500) {
      inserted.push(
        ...(await tx
          .insert(customers)
          .values(values.slice(i, i + 500))
          .returning({ id: customers.id, slug: customers.slug, name: customers.name })),
      );
    }
    const contacts = rows.flatMap((r, i) => r.contacts.map((c, position) => ({ customerId: inserted[i]!.id, position, ...c })));
    for (let i = 0; i < contacts.length; i += 1000) await tx.insert(customerContacts).values(contacts.slice(i, i + 1000));
    await tx.insert(auditLog).values(
      rows.map((r, i) => ({
        actorId: actor.id,
        actor: actor.name,
        action: "customer.create",
        entity: "customer",
        entityId: String(inserted[i]!.id),
        details: {
          slug: inserted[i]!.slug,
          source: "import",
          row: r.row,
          name: r.name,
          posthogHost: r.posthogHost,
          projectId: r.projectId,
          planId: r.planId,
          ownerId: r.ownerId,
          apiKey: maskApiKey(r.apiKeyLast4),
        },
      })),
    );
    // Assessed from the start ("never refreshed"), like a customer added by hand.
    await reassess(
      tx,
      inserted.map((c) => c.id),
      "customer",
      now,
    );
    return { imported: inserted, problems, refused: false };
  });
}

/** Keeps a checked file for its confirmation step: the rows (keys sealed) under a random id, for 30 minutes. */
export async function stageImport(db: Db, userId: number, fileName: string, preview: ImportPreview, now = new Date()): Promise<string> {
  const id = randomBytes(18).toString("base64url");
  await db.delete(customerImports).where(lt(customerImports.expiresAt, now));
  await db.insert(customerImports).values({ id, userId, fileName, preview, expiresAt: new Date(now.getTime() + STAGED_FOR_MS) });
  return id;
}

/** A staged import of this user that has not expired, or null. */
export async function loadStagedImport(db: Db, userId: number, id: string, now = new Date()) {
  if (!/^[A-Za-z0-9_-]{24}$/.test(id)) return null;
  const [row] = await db
    .select()
    .from(customerImports)
    .where(and(eq(customerImports.id, id), eq(customerImports.userId, userId), gt(customerImports.expiresAt, now)));
  return row ? { id: row.id, fileName: row.fileName, createdAt: row.createdAt, preview: row.preview as ImportPreview } : null;
}

export async function dropStagedImport(db: Db, id: string) {
  await db.delete(customerImports).where(eq(customerImports.id, id));
}

/** What the preview page may show of a row: never the key, not even sealed. */
export function previewRowView(r: ImportRow) {
  return {
    row: r.row,
    name: r.name,
    posthogHost: r.posthogHost,
    projectId: r.projectId,
    planName: r.planName,
    ownerEmail: r.ownerEmail,
    arr: r.revenue === null ? null : r.revenuePeriod === "month" ? Math.round(r.revenue * 1200) / 100 : r.revenue,
    currency: r.currency,
    renewalDate: r.renewalDate,
    contacts: r.contacts.length,
  };
}

import { readFileSync, statSync } from "node:fs";
import { type Actor, CLI_ACTOR } from "../models/audit.server";
import { parseContactList } from "../models/commercial";
import { customerListEntry } from "../models/customer-api.server";
import { importRows, MAX_IMPORT_BYTES, validateImport } from "../models/customer-import.server";
import { createCustomer, customerJson, getCustomer, setArchived, updateCustomer } from "../models/customers.server";
import { createPlan, findPlanByName, listPlans } from "../models/plans.server";
import { type PortfolioRow, portfolioBatches } from "../models/portfolio.server";
import { findUserByEmail } from "../models/users.server";
import type { AppContext } from "../utils/context.server";
import { DEFAULT_FILTERS } from "../utils/portfolio-params";
import { InputError } from "../utils/validation.server";
import { CliError, type CliIo, output, parse, required } from "./io";

const fmt = new Intl.NumberFormat("en-US");

export async function actorFor(ctx: AppContext, email: string | undefined): Promise<Actor> {
  if (!email) return CLI_ACTOR;
  const user = await findUserByEmail(ctx.db, email);
  if (!user) throw new CliError(`No user with email ${email}`);
  return { id: user.id, name: `${user.email} (cli)` };
}

export async function planCommand(ctx: AppContext, args: string[], io: CliIo) {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const { values } = parse(rest, { name: { type: "string" }, "monthly-events": { type: "string" } });
    const plan = await createPlan(ctx.db, CLI_ACTOR, { name: required(values, "name"), monthlyEvents: required(values, "monthly-events") });
    output(io, values.json, plan, `Added plan ${plan.name} (${fmt.format(plan.monthlyEvents)} events a month)`);
    return;
  }
  if (sub === "list") {
    const { values } = parse(rest, {});
    const plans = await listPlans(ctx.db);
    output(io, values.json, plans, plans.map((p) => `${p.name}\t${fmt.format(p.monthlyEvents)}`).join("\n") || "No plans yet.");
    return;
  }
  throw new CliError("Usage: delight plan add --name N --monthly-events N | delight plan list", 2);
}

const customerOptions = {
  name: { type: "string" },
  "posthog-host": { type: "string" },
  "project-id": { type: "string" },
  "api-key": { type: "string" },
  plan: { type: "string" },
  "billing-day": { type: "string" },
  owner: { type: "string" },
  arr: { type: "string" },
  mrr: { type: "string" },
  currency: { type: "string" },
  "renewal-date": { type: "string" },
  contact: { type: "string", multiple: true },
  "clear-contacts": { type: "boolean" },
  by: { type: "string" },
} as const;

/**
 * The commercial options as customer fields; an option left out stays undefined (unchanged on
 * edit). `--arr ""` clears the revenue; `--contact` replaces the contacts, `--clear-contacts` removes them.
 */
function commercialFields(values: Record<string, string | boolean | string[] | undefined>) {
  const arr = values.arr as string | undefined;
  const mrr = values.mrr as string | undefined;
  if (arr !== undefined && mrr !== undefined) throw new CliError("Give either --arr or --mrr, not both", 2);
  const contacts = values.contact as string[] | undefined;
  return {
    revenue: arr ?? mrr,
    revenuePeriod: mrr !== undefined ? "month" : arr !== undefined ? "year" : undefined,
    currency: values.currency as string | undefined,
    renewalDate: values["renewal-date"] as string | undefined,
    contacts: values["clear-contacts"] ? [] : contacts ? contacts.flatMap(parseContactList) : undefined,
  };
}

async function customerFields(ctx: AppContext, values: Record<string, string | boolean | string[] | undefined>) {
  const planName = values.plan as string | undefined;
  const plan = planName ? await findPlanByName(ctx.db, planName) : null;
  if (planName && !plan) throw new InputError({ plan: `No plan named "${planName}" (see delight plan list)` });
  const ownerEmail = values.owner as string | undefined;
  const owner = ownerEmail ? await findUserByEmail(ctx.db, ownerEmail) : null;
  if (ownerEmail && !owner) throw new InputError({ owner: `No user with email ${ownerEmail}` });
  return { planId: plan?.id ?? null, ownerId: owner?.id ?? null };
}

/**
 * `customer import FILE [--dry-run] [--all-or-nothing]`: every bad row on its own line; the good
 * ones imported in one transaction (none with --all-or-nothing when any is bad, none with
 * --dry-run). Exits 1 when any row is bad, so a script notices.
 */
async function importCommand(ctx: AppContext, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    "dry-run": { type: "boolean" },
    "all-or-nothing": { type: "boolean" },
    by: { type: "string" },
  });
  const file = positionals[0];
  if (!file) throw new CliError("Usage: delight customer import FILE [--dry-run] [--all-or-nothing]", 2);
  let text: string;
  try {
    if (statSync(file).size > MAX_IMPORT_BYTES) throw new CliError(`${file} is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const actor = await actorFor(ctx, values.by);
  const options = { secretKey: ctx.secretKey, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS };
  const preview = await validateImport(ctx.db, text, options);
  const result = values["dry-run"]
    ? { imported: [], problems: [], refused: false }
    : await importRows(ctx.db, actor, preview, { allOrNothing: Boolean(values["all-or-nothing"]) });
  const problems = [...preview.problems, ...result.problems].sort((a, b) => a.row - b.row);
  const good = preview.rows.length - result.problems.length;
  const summary = values["dry-run"]
    ? `Dry run: ${good} of ${preview.rowCount} rows would be imported, ${preview.rowCount - good} bad; nothing was written.`
    : result.refused
      ? `Nothing imported: ${preview.rowCount - good} of ${preview.rowCount} rows are bad and --all-or-nothing was given.`
      : `Imported ${result.imported.length} of ${preview.rowCount} customers${problems.length ? `; ${preview.rowCount - result.imported.length} rows skipped` : ""}. Run \`delight refresh --all\` (or let the server's schedule) to score them.`;
  output(
    io,
    values.json,
    { dryRun: Boolean(values["dry-run"]), rows: preview.rowCount, imported: result.imported, refused: result.refused, problems },
    [...problems.map((p) => `row ${p.row}\t${p.column}\t${p.message}`), summary].join("\n"),
  );
  return problems.length > 0 ? 1 : 0;
}

export async function customerCommand(ctx: AppContext, args: string[], io: CliIo) {
  const [sub, ...rest] = args;
  const options = { secretKey: ctx.secretKey, allowPrivateHosts: ctx.config.DELIGHT_ALLOW_PRIVATE_HOSTS };
  if (sub === "add") {
    const { values } = parse(rest, customerOptions);
    const refs = await customerFields(ctx, values);
    const created = await createCustomer(
      ctx.db,
      await actorFor(ctx, values.by),
      {
        name: required(values, "name"),
        posthogHost: required(values, "posthog-host"),
        projectId: required(values, "project-id"),
        apiKey: required(values, "api-key"),
        billingDay: values["billing-day"] ?? "",
        ...refs,
        ...commercialFields(values),
      },
      options,
    );
    const customer = (await getCustomer(ctx.db, created.slug))!;
    output(io, values.json, customerJson(customer), `Added ${customer.name} as ${customer.slug}`);
    return;
  }
  if (sub === "edit") {
    const { values, positionals } = parse(rest, customerOptions);
    const slug = positionals[0];
    const before = slug ? await getCustomer(ctx.db, slug) : null;
    if (!before) throw new CliError(slug ? `No customer with slug ${slug}` : "Usage: delight customer edit SLUG [--name N] [...]", 2);
    const refs = await customerFields(ctx, values);
    await updateCustomer(
      ctx.db,
      await actorFor(ctx, values.by),
      before.slug,
      {
        name: values.name ?? before.name,
        posthogHost: values["posthog-host"] ?? before.posthogHost,
        projectId: values["project-id"] ?? String(before.projectId),
        apiKey: values["api-key"] ?? "",
        billingDay: values["billing-day"] ?? String(before.billingDay),
        planId: values.plan !== undefined ? refs.planId : before.planId,
        ownerId: values.owner !== undefined ? refs.ownerId : before.ownerId,
        ...commercialFields(values),
        // A currency or period alone changes the stored revenue's, so the amount comes along.
        ...(values.arr === undefined && values.mrr === undefined && values.currency !== undefined && before.revenue !== null
          ? { revenue: String(before.revenue), revenuePeriod: before.revenuePeriod ?? "year" }
          : {}),
        ...(values.currency === undefined && (values.arr !== undefined || values.mrr !== undefined) && before.currency
          ? { currency: before.currency }
          : {}),
      },
      options,
    );
    const customer = (await getCustomer(ctx.db, before.slug))!;
    output(io, values.json, customerJson(customer), `Updated ${customer.slug}`);
    return;
  }
  if (sub === "archive" || sub === "unarchive") {
    const { values, positionals } = parse(rest, { by: { type: "string" } });
    if (!positionals[0]) throw new CliError(`Usage: delight customer ${sub} SLUG`, 2);
    const customer = await setArchived(ctx.db, await actorFor(ctx, values.by), positionals[0], sub === "archive");
    output(
      io,
      values.json,
      { slug: customer.slug, archived: sub === "archive" },
      `${sub === "archive" ? "Archived" : "Restored"} ${customer.slug}`,
    );
    return;
  }
  if (sub === "list") {
    const { values } = parse(rest, { all: { type: "boolean" } });
    // The same rows and health as the portfolio and GET /api/customers, every one of them.
    await printCustomerList(ctx, io, { json: values.json ?? false, includeArchived: values.all ?? false });
    return;
  }
  if (sub === "import") return importCommand(ctx, rest, io);
  throw new CliError("Usage: delight customer add|edit|archive|unarchive|list|import", 2);
}

const listLine = (r: PortfolioRow) => {
  const h = r.health;
  const health = h ? `${h.score ?? "–"} ${h.band ?? "no band"}${h.flagged80 ? " ≥80%" : ""}${h.stale ? " stale" : ""}` : "not assessed";
  return `${r.slug}\t${r.name}\t${health}\t${r.plan?.name ?? "no plan"}\t${r.owner?.email ?? "no owner"}${r.archivedAt ? "\tarchived" : ""}`;
};

/**
 * Printed a batch at a time, as the CSV export is read: read whole, 100,000 customers held every
 * summary, and the whole JSON text, in memory at once. The JSON is byte for byte what
 * `JSON.stringify(list, null, 2)` gives; each batch waits for the next to learn whether its last
 * entry takes a comma.
 */
async function printCustomerList(ctx: AppContext, io: CliIo, { json, includeArchived }: { json: boolean; includeArchived: boolean }) {
  const batches = portfolioBatches(ctx.db, DEFAULT_FILTERS, { userId: 0, includeArchived });
  if (!json) {
    let any = false;
    for await (const rows of batches) {
      // A batch whose customers were all deleted while the list was read is empty.
      if (rows.length === 0) continue;
      io.stdout(rows.map(listLine).join("\n"));
      any = true;
    }
    if (!any) io.stdout("No customers yet.");
    return;
  }
  let pending: string | null = null;
  for await (const rows of batches) {
    if (rows.length === 0) continue;
    io.stdout(pending === null ? "[" : `${pending},`);
    pending = rows.map((r) => indent(JSON.stringify(customerListEntry(r), null, 2))).join(",\n");
  }
  io.stdout(pending === null ? "[]" : `${pending}\n]`);
}

const indent = (text: string) => text.replace(/^/gm, "  ");

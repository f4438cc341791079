import { eq } from "drizzle-orm";
import { flag80Reason } from "../../checks/assessment/flag80";
import { currentAssessment } from "../../checks/assessment/store";
import { activeCustomers, type RefreshOutcome, refreshMany } from "../../checks/refresh";
import { catalogFor, loadRules } from "../../checks/rules";
import { customers } from "../../db/schema";
import { recordAnswer, withdrawAnswer } from "../models/answers.server";
import { CLI_ACTOR } from "../models/audit.server";
import { customerDetailJson } from "../models/customer-api.server";
import { ARCHIVED_READ_ONLY, getCustomer } from "../models/customers.server";
import { findUserByEmail } from "../models/users.server";
import type { AppContext } from "../utils/context.server";
import { shutdownHealthExporter } from "../utils/posthog-export.server";
import { refreshOptions } from "../utils/refresh.server";
import { CliError, type CliIo, output, parse } from "./io";

/** The 24 handbook checks, then the extras switched on and the team's active custom checks (marked by origin). */
export async function checksCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values } = parse(args, {});
  const rules = await loadRules(ctx.db);
  const active = new Set(rules.custom.filter((c) => !c.retiredAt).map((c) => c.id));
  const extended = catalogFor({ ...rules, custom: rules.custom.filter((c) => active.has(c.id)).map((c) => ({ ...c, planIds: [] })) }, null);
  const list = extended.map((c) => ({
    id: c.id,
    section: c.section,
    question: c.question,
    kind: c.kind,
    rule: c.rule,
    ...(c.origin ? { origin: c.origin } : {}),
  }));
  output(io, values.json, list, list.map((c) => `${c.id.padEnd(34)} ${c.kind.padEnd(9)} ${c.question}`).join("\n"));
}

function progressBar(done: number, total: number, label: string) {
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${label}`.padEnd(80);
}

function outcomeLine(o: RefreshOutcome) {
  return `${o.slug}: ${o.message}${o.band ? ` (${o.band}, coverage ${o.coverage}%)` : ""}`;
}

export async function refreshCommand(ctx: AppContext, args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { customer: { type: "string" }, all: { type: "boolean" }, concurrency: { type: "string" } });
  if (Boolean(values.customer) === Boolean(values.all))
    throw new CliError("Usage: delight refresh --customer SLUG | --all [--concurrency N]", 2);
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new CliError("--concurrency must be a whole number from 1 to 64", 2);
  let list: (typeof customers.$inferSelect)[];
  if (values.customer) {
    list = await ctx.db.select().from(customers).where(eq(customers.slug, values.customer));
    if (list.length === 0) throw new CliError(`No customer with slug ${values.customer}`);
    if (list[0]!.archivedAt) throw new CliError(`${values.customer}: ${ARCHIVED_READ_ONLY}`);
  } else {
    list = await activeCustomers(ctx.db);
  }
  const bar = io.isTty && !values.json;
  const outcomes = await refreshMany(ctx.db, ctx.secretKey, list, {
    ...refreshOptions(ctx, "cli"),
    concurrency,
    onDone: (o, done, total) => {
      if (values.json) return;
      if (bar) io.stderr(progressBar(done, total, o.slug));
      else io.stdout(outcomeLine(o));
    },
  });
  await shutdownHealthExporter();
  if (bar) {
    io.stderr("\n");
    for (const o of outcomes) io.stdout(outcomeLine(o));
  }
  if (values.json) io.stdout(JSON.stringify(outcomes, null, 2));
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  if (!values.json)
    io.stdout(
      `${outcomes.length} refreshed: ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}`,
    );
  // A refresh that could not reach PostHog for every customer is worth a non-zero exit for cron.
  return outcomes.some((o) => o.status === "failed") ? 1 : 0;
}

export async function answerCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values, positionals } = parse(args, { note: { type: "string" }, by: { type: "string" } });
  const [slug, checkId, answer] = positionals;
  if (!slug || !checkId || !answer) throw new CliError("Usage: delight answer SLUG CHECK_ID yes|no|na|withdraw [--note T] [--by EMAIL]", 2);
  const customer = await getCustomer(ctx.db, slug);
  if (!customer) throw new CliError(`No customer with slug ${slug}`);
  let actor = CLI_ACTOR;
  if (values.by) {
    const user = await findUserByEmail(ctx.db, values.by);
    if (!user) throw new CliError(`No user with email ${values.by}`);
    actor = { id: user.id, name: user.email };
  }
  const withdraw = answer === "withdraw";
  const assessment = withdraw
    ? await withdrawAnswer(ctx.db, actor, customer.id, checkId)
    : await recordAnswer(ctx.db, actor, customer.id, { checkId, answer, note: values.note ?? "" });
  const check = assessment.checks.find((c) => c.checkId === checkId)!;
  output(
    io,
    values.json,
    { slug, checkId, answer: withdraw ? "withdrawn" : answer, status: check.status, score: assessment.score, band: assessment.band },
    `${slug} ${checkId}: ${withdraw ? "answer withdrawn" : `${answer} recorded`}; check is ${check.status}, score ${assessment.score ?? "—"}`,
  );
}

export async function reportCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values, positionals } = parse(args, {});
  const slug = positionals[0];
  if (!slug) throw new CliError("Usage: delight report SLUG [--json]", 2);
  const customer = await getCustomer(ctx.db, slug);
  if (!customer) throw new CliError(`No customer with slug ${slug}`);
  const current = await currentAssessment(ctx.db, customer.id, new Date());
  if (!current) throw new CliError(`No customer with slug ${slug}`);
  const detail = customerDetailJson(customer, current.assessment);
  const { health: h, usage } = detail;
  const asOf = `${h.flagged80AsOf ? ` as of ${h.flagged80AsOf}` : ""}${h.flagged80Why ? ` (${flag80Reason(h.flagged80Why)})` : ""}`;
  const lines = [
    `${customer.name} (${customer.slug})`,
    `Health: ${h.score ?? "—"} ${h.band ?? "no band"} · coverage ${Math.round(h.coverage * 100)}% · scoring v${h.scoringVersion}`,
    `Usage: ${usage.eventsThisPeriod} events this period${usage.percentOfQuota === null ? (usage.plan ? " (no data this period)" : " (no plan)") : ` = ${usage.percentOfQuota}% of plan, projected ${usage.projectedPercent ?? "–"}%`}${h.flagged80 ? ` · ≥ 80%${asOf}` : ""}`,
    `Data through: ${h.dataThrough ?? "no data yet"}${h.stale ? " (stale: no successful refresh in 2 days)" : ""}`,
    h.lastRefresh ? `Last refresh: ${h.lastRefresh.at} (${h.lastRefresh.status})` : "Never refreshed",
    "",
    ...detail.checks.map((c) => `${c.status.padEnd(8)} ${c.id.padEnd(34)} ${c.summary}`),
  ];
  output(io, values.json, detail, lines.join("\n"));
}

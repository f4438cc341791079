import { eq } from "drizzle-orm";
import { loadCustomerHealth } from "../../checks/health";
import { activeCustomers, type RefreshOutcome, refreshMany } from "../../checks/refresh";
import { catalogFor, loadRules } from "../../checks/rules";
import { customers } from "../../db/schema";
import { recordAnswer } from "../models/answers.server";
import { CLI_ACTOR } from "../models/audit.server";
import { ARCHIVED_READ_ONLY, customerJson, getCustomer } from "../models/customers.server";
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
  if (!slug || !checkId || !answer) throw new CliError("Usage: delight answer SLUG CHECK_ID yes|no|na [--note T] [--by EMAIL]", 2);
  const customer = await getCustomer(ctx.db, slug);
  if (!customer) throw new CliError(`No customer with slug ${slug}`);
  let actor = CLI_ACTOR;
  if (values.by) {
    const user = await findUserByEmail(ctx.db, values.by);
    if (!user) throw new CliError(`No user with email ${values.by}`);
    actor = { id: user.id, name: user.email };
  }
  const { state } = await recordAnswer(ctx.db, actor, customer.id, { checkId, answer, note: values.note ?? "" });
  const resolved = state.resolved.find((c) => c.checkId === checkId)!;
  output(
    io,
    values.json,
    { slug, checkId, answer, status: resolved.status, score: state.score.score, band: state.score.band },
    `${slug} ${checkId}: ${answer} recorded; check is ${resolved.status}, score ${state.score.score ?? "—"}`,
  );
}

export async function reportCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values, positionals } = parse(args, {});
  const slug = positionals[0];
  if (!slug) throw new CliError("Usage: delight report SLUG [--json]", 2);
  const customer = await getCustomer(ctx.db, slug);
  if (!customer) throw new CliError(`No customer with slug ${slug}`);
  const health = await loadCustomerHealth(ctx.db, customer.id);
  const { score, resolved, usage, flagged80 } = health.current;
  const json = {
    customer: customerJson(customer),
    health: {
      score: score.score,
      band: score.band,
      coverage: score.coverage,
      sections: score.sections,
      failing: score.failing,
      unknown: score.unknown,
      scoringVersion: score.version,
    },
    usage: {
      period: usage.period,
      eventsThisPeriod: usage.eventsThisPeriod,
      percentOfQuota: usage.percentOfQuota,
      projected: usage.projected,
      projectedPercent: usage.projectedPercent,
      flagged80,
    },
    lastRun: health.lastRun,
    checks: resolved.map((c) => ({
      id: c.checkId,
      section: c.section,
      question: c.question,
      kind: c.kind,
      status: c.status,
      source: c.source,
      summary: c.summary,
      evidence: c.evidence,
      stale: c.answerStale,
    })),
  };
  const lines = [
    `${customer.name} (${customer.slug})`,
    `Health: ${score.score ?? "—"} ${score.band ?? "no band"} · coverage ${Math.round(score.coverage * 100)}%`,
    `Usage: ${usage.eventsThisPeriod} events this period${usage.percentOfQuota === null ? " (no plan)" : ` = ${usage.percentOfQuota}% of plan, projected ${usage.projectedPercent}%`}${flagged80 ? " · ≥ 80%" : ""}`,
    health.lastRun ? `Last refresh: ${health.lastRun.finishedAt.toISOString()} (${health.lastRun.status})` : "Never refreshed",
    "",
    ...resolved.map((c) => `${c.status.padEnd(8)} ${c.checkId.padEnd(34)} ${c.summary}`),
  ];
  output(io, values.json, json, lines.join("\n"));
}

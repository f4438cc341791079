import { AlertNotFound, acknowledgeAlert, alertJson, listAlertPage, parseAlertFilters } from "../models/alerts.server";
import { CLI_ACTOR } from "../models/audit.server";
import { pendingCount, sendAlerts } from "../utils/alert-sender.server";
import { senderDeps } from "../utils/alerts.server";
import type { AppContext } from "../utils/context.server";
import { shutdownHealthExporter } from "../utils/posthog-export.server";
import { CliError, type CliIo, output, parse } from "./io";

const USAGE =
  "Usage: delight alerts [--customer SLUG] [--kind K] [--all] [--before ID] | alerts send [--wait SECONDS] [--digest] | alerts ack ID";

/** `alerts`: open alerts, newest first; `--all` adds acknowledged, snoozed and muted ones. */
async function listCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values, positionals } = parse(args, {
    customer: { type: "string" },
    kind: { type: "string" },
    all: { type: "boolean" },
    before: { type: "string" },
  });
  if (positionals.length) throw new CliError(USAGE, 2);
  const filters = parseAlertFilters({ customer: values.customer, kind: values.kind, all: values.all ?? false, before: values.before });
  const page = await listAlertPage(ctx.db, filters);
  const list = page.alerts.map(alertJson);
  const lines = list.map(
    (a) =>
      `${String(a.id).padStart(5)}  ${a.raisedAt.slice(0, 16).replace("T", " ")}  ${a.kind.padEnd(15)} ${a.message}${a.acknowledgedAt ? "  (acknowledged)" : ""}`,
  );
  // --json stays a list (its contract), so where the rest begins goes to stderr there.
  if (page.next !== null) {
    const more = `${list.length} shown; older ones follow: delight alerts --before ${page.next} (with the same filters)`;
    if (values.json) io.stderr(more);
    else lines.push(more);
  }
  output(io, values.json, list, list.length ? lines.join("\n") : filters.all ? "No alerts." : "No open alerts.");
}

/** `alerts send`: delivers what is pending (for cron), waiting up to --wait seconds for retries that fall due. */
async function sendCommand(ctx: AppContext, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { wait: { type: "string" }, digest: { type: "boolean" } });
  if (positionals.length) throw new CliError(USAGE, 2);
  const wait = values.wait === undefined ? 60 : Number(values.wait);
  if (!Number.isInteger(wait) || wait < 0 || wait > 3600) throw new CliError("--wait must be a whole number of seconds from 0 to 3600", 2);
  const deps = senderDeps(ctx);
  try {
    const report = await sendAlerts(deps, { waitMs: wait * 1000, digest: values.digest ? "now" : "due" });
    const pending = await pendingCount(ctx.db);
    const lines = report.deliveries.map((d) => `${d.status.padEnd(7)} ${d.target}: ${d.text}${d.error ? ` (${d.error})` : ""}`);
    const sent = report.deliveries.filter((d) => d.status === "sent").length;
    const failed = report.deliveries.filter((d) => d.status === "failed").length;
    lines.push(
      `${sent} sent, ${failed} failed, ${pending} still pending (${report.planned} new alerts, ${report.digests} digest messages queued)`,
    );
    output(io, values.json, { ...report, pending }, lines.join("\n"));
    return failed > 0 ? 1 : 0;
  } finally {
    deps.close();
    await shutdownHealthExporter();
  }
}

async function ackCommand(ctx: AppContext, args: string[], io: CliIo) {
  const { values, positionals } = parse(args, {});
  const id = positionals[0];
  if (!id || positionals.length > 1 || !/^\d{1,9}$/.test(id)) throw new CliError("Usage: delight alerts ack ID", 2);
  try {
    const row = await acknowledgeAlert(ctx.db, CLI_ACTOR, Number(id));
    output(io, values.json, { id: row.id, acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null }, `Alert ${row.id} acknowledged.`);
  } catch (error) {
    if (error instanceof AlertNotFound) throw new CliError(error.message);
    throw error;
  }
}

export async function alertsCommand(ctx: AppContext, args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "send") return sendCommand(ctx, rest, io);
  if (sub === "ack") await ackCommand(ctx, rest, io);
  else if (sub === "list") await listCommand(ctx, rest, io);
  else if (sub && !sub.startsWith("--")) throw new CliError(USAGE, 2);
  else await listCommand(ctx, args, io);
  return 0;
}

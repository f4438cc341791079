import { formatDistanceStrict } from "date-fns";
import { refreshQueueReport } from "../models/refresh-queue-view.server";
import type { AppContext } from "../utils/context.server";
import { lowerWorkerPriority } from "../utils/process-priority.server";
import { queueOptions } from "../utils/refresh.server";
import { openRefreshQueue } from "../utils/refresh-queue.server";
import { CliError, type CliIo, output, parse } from "./io";

/**
 * `worker`: works refresh jobs from the PostgreSQL server's queue until stopped (SIGTERM/SIGINT
 * lets the running jobs finish). Start as many as PostHog's budgets and the database allow, on
 * any machine that reaches the database; they share the budgets through it.
 */
export async function workerCommand(ctx: AppContext, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { concurrency: { type: "string" } });
  if (positionals.length) throw new CliError("Usage: delight worker [--concurrency N]", 2);
  if (ctx.dbHandle.kind === "pglite") {
    throw new CliError(
      "delight worker needs DATABASE_URL (a PostgreSQL server); with the embedded database the server refreshes in its own process",
      2,
    );
  }
  const concurrency = values.concurrency === undefined ? ctx.config.DELIGHT_WORKER_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new CliError("--concurrency must be a whole number from 1 to 256", 2);
  }
  // A worker beside web processes on one machine leaves them the CPU first (DELIGHT_WORKER_NICE).
  const nice = lowerWorkerPriority(io.stderr, ctx.config);
  const queue = await openRefreshQueue(ctx, { ...queueOptions(ctx), log: io.stderr });
  await queue.work({ concurrency });
  io.stdout(
    values.json
      ? JSON.stringify({ worker: process.pid, concurrency, nice })
      : `delight worker ${process.pid}: refreshing up to ${concurrency} customers at once${nice === null ? "" : ` at nice ${nice}`} (Ctrl-C stops)`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await queue.stop();
  return 0;
}

/**
 * `queue`: whether background refreshes keep up, read from the PostgreSQL server: jobs waiting,
 * running and held back, those that gave up, customers due, and every process working jobs.
 * Exits 1 when customers wait and no process works jobs, so a monitor can page someone.
 */
export async function queueCommand(ctx: AppContext, args: string[], io: CliIo, now = new Date()): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (positionals.length) throw new CliError("Usage: delight queue [--json]", 2);
  if (ctx.dbHandle.kind === "pglite") {
    throw new CliError(
      "delight queue needs DATABASE_URL (a PostgreSQL server); with the embedded database the queue lives in the server's process: see its Settings page",
      2,
    );
  }
  const r = await refreshQueueReport(ctx, now);
  const ago = (d: Date) => formatDistanceStrict(d, now, { addSuffix: true });
  const lines = [
    `waiting    ${r.waiting}${r.oldestWaitingSince ? ` (the longest asked for ${ago(r.oldestWaitingSince)})` : ""}`,
    `running    ${r.running}`,
    `held back  ${r.deferred} for PostHog's limits or a refresh already running${r.nextDeferredAt ? ` (the next ${ago(r.nextDeferredAt)})` : ""}`,
    `retrying   ${r.retrying} after an error`,
    `gave up    ${r.failedLastDay} in the last 24 hours`,
    `due        ${r.due === null ? "- (the schedule is off)" : r.due}`,
    `workers    ${r.workers.length}${r.workers.map((w) => `\n           ${w}`).join("")}`,
    ...(r.stalled ? ["No process is working refresh jobs: start `delight worker`, or a server whose DELIGHT_SCHEDULER is on."] : []),
  ];
  output(io, values.json, r, lines.join("\n"));
  return r.stalled ? 1 : 0;
}

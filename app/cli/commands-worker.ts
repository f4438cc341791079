import type { AppContext } from "../utils/context.server";
import { lowerWorkerPriority } from "../utils/process-priority.server";
import { queueOptions } from "../utils/refresh.server";
import { openRefreshQueue } from "../utils/refresh-queue.server";
import { CliError, type CliIo, parse } from "./io";

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

/**
 * Scale-out benchmark (issue 14): the sandbox enforcing PostHog's per-key throttles, customers
 * sharing keys plus customers with keys of their own, one scheduled round worked by 1 and then 3
 * `delight worker` processes on a PostgreSQL server.
 *   npx tsx tests/bench/scale.bench.ts [shared=2000] [keys=20] [own=2000] [latencyMs=50] [concurrency=16]
 * Needs DATABASE_URL or TEST_DATABASE_URL (a server where it may create databases).
 * Reports wall time against the bound (PostHog's latency for the rounds the workers can run at
 * once, or the budgets of the shared keys, whichever is longer), 429s the sandbox answered,
 * customers refreshed twice at once, and the most PostgreSQL connections open during the round.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { queueOptions } from "../../app/utils/refresh.server";
import { openRefreshQueue } from "../../app/utils/refresh-queue.server";
import { POSTHOG_BUDGETS, REFRESH_COST } from "../../checks/posthog/budgets";
import { rowsOf } from "../../db/rows";
import { startSandboxProcess } from "./sandbox-process";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [sharedArg = "2000", keysArg = "20", ownArg = "2000", latencyArg = "50", concurrencyArg = "16"] = process.argv.slice(2);
const SHARED = Number(sharedArg);
const KEYS = Number(keysArg);
const OWN = Number(ownArg);
const LATENCY = Number(latencyArg);
const CONCURRENCY = Number(concurrencyArg);
const N = SHARED + OWN;
const server = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
if (!server) {
  console.log("scale benchmark skipped: it needs DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server)");
  process.exit(0);
}
const admin = postgres(server, { max: 1, onnotice: () => {} });
const dbUrl = (name: string) => {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
};
const env = (name: string) => ({
  DATABASE_URL: dbUrl(name),
  DELIGHT_SECRET_KEY: "5c".repeat(32),
  DELIGHT_SESSION_SECRET: "s".repeat(40),
  DELIGHT_ALLOW_PRIVATE_HOSTS: "true",
  DELIGHT_REFRESH_INTERVAL: "0",
  DELIGHT_DATA_DIR: "memory://",
});

// Seeded once into a template; each configuration starts from a copy, and from a fresh sandbox
// (PostHog's windows and delight's budgets both empty).
const template = `delight_scale_template_${process.pid}`;
await admin.unsafe(`drop database if exists ${template}`);
await admin.unsafe(`create database ${template}`);
{
  const sandbox = await startSandboxProcess(OWN, 0, { shared: `${SHARED}:${KEYS}` });
  const ctx = await openContext(loadConfig(env(template)));
  const wanted = sandbox.customers.filter((c) => c.name.startsWith("bulk-") || c.name.startsWith("shared-"));
  await seedSandboxCustomers(ctx.db, ctx.secretKey, { url: sandbox.url, customers: wanted });
  await ctx.dbHandle.close();
  await sandbox.close();
}

const perKey = Math.ceil(SHARED / KEYS);
const allMinute = POSTHOG_BUDGETS.find((b) => b.name === "all/minute")!;
// PostHog lets a key make `limit` calls in any minute: the shared keys' calls need this long at least.
const budgetBoundMs = (Math.ceil((perKey * REFRESH_COST.all) / allMinute.limit) - 1) * allMinute.windowMs;
const results: Record<string, Record<string, string | number>> = {};

for (const workers of [1, 3]) {
  const name = `delight_scale_${process.pid}_${workers}`;
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name} template ${template}`);
  const sandbox = await startSandboxProcess(OWN, LATENCY, { shared: `${SHARED}:${KEYS}`, throttle: JSON.stringify(POSTHOG_BUDGETS) });
  const config = loadConfig(env(name));
  const ctx = await openContext(config);
  // The customers were seeded against a placeholder: point them at this sandbox.
  await ctx.db.execute(sql`update customers set posthog_host = ${sandbox.url}`);
  const children: ChildProcess[] = [];
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "worker", "--concurrency", String(CONCURRENCY)], {
      cwd: ROOT,
      env: { ...process.env, ...env(name) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    await new Promise((resolve) => child.stdout!.once("data", resolve));
  }
  const queue = await openRefreshQueue(ctx, queueOptions(ctx));
  let maxConnections = 0;
  const t0 = performance.now();
  await queue.round(3_600_000);
  for (;;) {
    const [row] = rowsOf<{ done: number; conns: number }>(
      await ctx.db.execute(
        sql`select (select count(distinct customer_id)::int from check_runs) as done, (select count(*)::int from pg_stat_activity where datname = ${name}) as conns`,
      ),
    );
    maxConnections = Math.max(maxConnections, row!.conns);
    if (row!.done >= N) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const wallMs = performance.now() - t0;
  const [twice] = rowsOf<{ overlapping: number; extra: number }>(
    await ctx.db.execute(
      sql`select (select count(*)::int from check_runs a join check_runs b on a.customer_id = b.customer_id and a.id < b.id
                 and a.started_at < b.finished_at and b.started_at < a.finished_at) as overlapping,
              (select count(*)::int - count(distinct customer_id)::int from check_runs) as extra`,
    ),
  );
  const requests = await sandbox.requests();
  const latencyBoundMs = Math.ceil(N / (workers * CONCURRENCY)) * 2 * LATENCY;
  const bound = Math.max(latencyBoundMs, budgetBoundMs);
  results[`${workers} worker${workers > 1 ? "s" : ""}`] = {
    wall: `${(wallMs / 1000).toFixed(1)} s`,
    bound: `${(bound / 1000).toFixed(1)} s`,
    "wall ÷ bound": (wallMs / bound).toFixed(2),
    "429s": requests.filter((r) => r.status === 429).length,
    "refreshed twice at once": twice!.overlapping,
    "runs beyond one each": twice!.extra,
    "PostgreSQL connections (max)": maxConnections,
    "calls/customer": (requests.length / N).toFixed(2),
  };
  await queue.stop();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once("exit", r) : r(null)))));
  await ctx.dbHandle.close();
  await sandbox.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
}
await admin.unsafe(`drop database if exists ${template} with (force)`);
await admin.end();

console.log(
  `\nscale-out benchmark — ${SHARED} customers sharing ${KEYS} keys (${perKey} a key) + ${OWN} with their own, ` +
    `${LATENCY} ms latency, ${CONCURRENCY} customers at once per worker, PostHog's throttles enforced`,
);
console.table(results);
console.log(
  `bound = max(latency: ⌈${N} ÷ (workers × ${CONCURRENCY})⌉ × 2 rounds × ${LATENCY} ms, budgets: ` +
    `${perKey} customers × ${REFRESH_COST.all} calls on one key at ${allMinute.limit} calls a minute = ${(budgetBoundMs / 1000).toFixed(0)} s)`,
);

/**
 * Load under refresh (issue 5): the production server refreshes 1,000 sandbox customers on its
 * own schedule while autocannon keeps 50 connections on the portfolio and on a customer page.
 *   npm run build && npx tsx tests/bench/load.bench.ts [customers=1000] [seconds=30] [latencyMs=20]
 * Database: a fresh database on the DATABASE_URL server if set, else the embedded PGlite.
 * Reports errors (target 0), p50/p95 per page (and the p95 of requests sent after the first SETTLE_SECONDS,
 * when every connection is open), and whether every customer ended with a complete
 * run. The sandbox runs in its own process, as PostHog would.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { startApp } from "../e2e/harness";
import { seedSession, seedUser } from "../factories";
import { benchDatabase } from "./bench-database";
import { ms, runLoad, SETTLE_SECONDS } from "./http-load";
import { startSandboxProcess } from "./sandbox-process";

const [customersArg = "1000", secondsArg = "30", latencyArg = "20"] = process.argv.slice(2);
const N = Number(customersArg);
const SECONDS = Number(secondsArg);
const CONNECTIONS = 50;

const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-bench-load-"));
// A database of our own: the embedded PGlite in a temp dir, or a new database on the DATABASE_URL server.
const { url: databaseUrl, drop: dropDatabase } = await benchDatabase("delight_bench_load");
const env = {
  DELIGHT_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  DELIGHT_SECRET_KEY: randomBytes(32).toString("hex"),
  DELIGHT_SESSION_SECRET: randomBytes(32).toString("hex"),
  DELIGHT_ALLOW_PRIVATE_HOSTS: "true",
  // The first scheduled pass starts 2 s after boot and covers every customer (none refreshed yet).
  DELIGHT_REFRESH_INTERVAL: "20s",
};

const sandbox = await startSandboxProcess(N, Number(latencyArg));
const ctx = await openContext(loadConfig({ ...env, NODE_ENV: "production" }));
const bulk = { url: sandbox.url, customers: sandbox.customers.filter((c) => c.name.startsWith("bulk-")).slice(0, N) };
const seeded = await seedSandboxCustomers(ctx.db, ctx.secretKey, bulk);
const user = await seedUser(ctx.db, { email: "load@example.com", name: "Load", role: "admin" });
const cookie = (
  await createCookie("__delight_session", { secrets: [env.DELIGHT_SESSION_SECRET] }).serialize(await seedSession(ctx.db, user.id))
).split(";")[0]!;
await ctx.dbHandle.close();

const app = await startApp({ ...env, NODE_ENV: "production" }, { dataDir });
const headers = { cookie };
const slug = seeded[0]!.customer.slug;
const started = performance.now();
const [portfolio, customer] = await Promise.all([
  runLoad(`${app.url}/`, { connections: CONNECTIONS / 2, seconds: SECONDS, headers }),
  runLoad(`${app.url}/customers/${slug}`, { connections: CONNECTIONS / 2, seconds: SECONDS, headers }),
]);

// Then wait for the first scheduled pass to finish and count complete runs through the API.
let complete = 0;
let refreshedDuringLoad = 0;
for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
  complete = 0;
  for (let page = 1; ; page++) {
    const body = (await (await fetch(`${app.url}/api/customers?page=${page}`, { headers })).json()) as {
      customers: { health: { lastRefresh: { status: string } | null } | null }[];
      total: number;
      pageSize: number;
    };
    complete += body.customers.filter((c) => c.health?.lastRefresh?.status === "ok").length;
    if (page * body.pageSize >= body.total) break;
  }
  if (!refreshedDuringLoad) refreshedDuringLoad = complete;
  if (complete >= N) break;
  await new Promise((r) => setTimeout(r, 2000));
}
const wall = (performance.now() - started) / 1000;
await app.stop();
await sandbox.close();
rmSync(dataDir, { recursive: true, force: true });
await dropDatabase();

console.log(
  `\nload under refresh — ${N} sandbox customers refreshed by the server's schedule, ${CONNECTIONS} connections for ${SECONDS} s, ${databaseUrl ? "PostgreSQL server" : "PGlite"}`,
);
console.table({
  "portfolio /": {
    requests: portfolio.total,
    "req/s": portfolio.rps.toFixed(1),
    p50: ms(portfolio.p50),
    p95: ms(portfolio.p95),
    [`p95 after ${SETTLE_SECONDS} s`]: ms(portfolio.settledP95),
    "non-2xx": portfolio.non2xx,
    "errors (of which time-outs)": `${portfolio.errors} (${portfolio.timeouts})`,
  },
  "customer page": {
    requests: customer.total,
    "req/s": customer.rps.toFixed(1),
    p50: ms(customer.p50),
    p95: ms(customer.p95),
    [`p95 after ${SETTLE_SECONDS} s`]: ms(customer.settledP95),
    "non-2xx": customer.non2xx,
    "errors (of which time-outs)": `${customer.errors} (${customer.timeouts})`,
  },
});
console.log(
  `customers with a complete (ok) run: ${complete} of ${N} (${refreshedDuringLoad} by the end of the load), ${wall.toFixed(0)} s after the load began`,
);
process.exit(0);

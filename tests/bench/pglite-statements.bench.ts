/**
 * Per-statement cost on the embedded database: the portfolio page's and a customer page's model
 * functions run many times against an in-memory PGlite, timed in this process (wall and CPU ms
 * per call), with the number of statements each call sends.
 *   npx tsx tests/bench/pglite-statements.bench.ts [customers=2000] [days=90] [runs=300] [prepare=true]
 * `prepare=false` times PGlite's own query path (each statement parsed every time), for comparison;
 * DELIGHT_PGLITE_THREAD=on runs the database in a worker thread (as the server does with it on).
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { customerPageData } from "../../app/models/customer-page.server";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import { createDb } from "../../db/client";
import { seedPortfolio, seedUser } from "../factories";

const [customersArg = "2000", daysArg = "90", runsArg = "300", prepareArg = "true"] = process.argv.slice(2);
const CUSTOMERS = Number(customersArg);
const DAYS = Number(daysArg);
const RUNS = Number(runsArg);

const handle = createDb({ dataDir: "memory://", prepare: prepareArg !== "false", thread: process.env.DELIGHT_PGLITE_THREAD === "on" });
await handle.migrate();
let t = performance.now();
const seeded = await seedPortfolio(handle.db, randomBytes(32), { customers: CUSTOMERS, days: DAYS });
const user = await seedUser(handle.db, { email: "bench@example.com", name: "Bench", role: "admin" });
await handle.db.execute(sql`analyze`);
console.log(
  `prepare=${prepareArg !== "false"} thread=${process.env.DELIGHT_PGLITE_THREAD === "on"}: seeded ${CUSTOMERS} customers × ${DAYS} days on PGlite in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

// Counts the statements a call sends, through the client drizzle holds.
const client = (handle.db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
let statements = 0;
const query = client.query;
client.query = (...args: unknown[]) => {
  statements++;
  return query.apply(client, args);
};

const customer = seeded.customers[Math.floor(CUSTOMERS / 2) + 1]!;
const cases: [string, () => Promise<unknown>][] = [
  [
    "portfolio (page 1, sparklines)",
    () => queryPortfolio(handle.db, parsePortfolioParams(new URLSearchParams("")), { userId: user.id, sparkline: true }),
  ],
  ["customer page", () => customerPageData(handle.db, customer.slug)],
];
for (const [name, run] of cases) {
  for (let i = 0; i < 20; i++) await run(); // warm-up: JIT, PGlite's caches
  statements = 0;
  const cpu = process.cpuUsage();
  const loop = performance.eventLoopUtilization();
  t = performance.now();
  for (let i = 0; i < RUNS; i++) await run();
  const wall = (performance.now() - t) / RUNS;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / RUNS;
  // CPU counts every thread of the process; the main thread's busy time is what pages wait for
  // when the database runs in a thread of its own (DELIGHT_PGLITE_THREAD).
  const mainMs = performance.eventLoopUtilization(loop).active / RUNS;
  console.log(
    `${name.padEnd(32)} wall ${wall.toFixed(2)} ms/call  cpu ${cpuMs.toFixed(2)} ms/call  main thread ${mainMs.toFixed(2)} ms/call  ${(statements / RUNS).toFixed(1)} statements/call`,
  );
}
await handle.close();

/**
 * Every portfolio view's data at the size of a large book: each sort, each filter, a search, a
 * deep page, and a customer page, timed as the loader runs them (their model functions, in this
 * process). The pages benchmark (portfolio.bench.ts) times two views through the server at
 * 10,000 customers; this one finds the view that stops scaling, as "mine" did (a CSM who owns few
 * of 100,000 customers: 342 ms before the owner index, 1.2 ms after).
 *   npx tsx tests/bench/views.bench.ts [customers=20000] [days=30] [runs=15]
 * Database: a fresh one on the DATABASE_URL server if set, else the embedded PGlite in a temp dir.
 * Seeding takes a while (100,000 customers: ~16 minutes on PostgreSQL here). Prints a table; not
 * a pass/fail test.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { customerPageData } from "../../app/models/customer-page.server";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { seedPortfolio, seedUser } from "../factories";
import { benchDatabase } from "./bench-database";
import { ms } from "./http-load";

const [customersArg = "20000", daysArg = "30", runsArg = "15"] = process.argv.slice(2);
const CUSTOMERS = Number(customersArg);
const DAYS = Number(daysArg);
const RUNS = Number(runsArg);

const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-bench-views-"));
const { url: databaseUrl, drop } = await benchDatabase("delight_bench_views");
const ctx = await openContext(
  loadConfig({
    ...process.env,
    DELIGHT_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    DELIGHT_SECRET_KEY: randomBytes(32).toString("hex"),
    DELIGHT_REFRESH_INTERVAL: "0",
    NODE_ENV: "production",
  }),
);
const target = databaseUrl ? "PostgreSQL server" : "PGlite (embedded)";

try {
  let t = performance.now();
  const seeded = await seedPortfolio(ctx.db, ctx.secretKey, { customers: CUSTOMERS, days: DAYS });
  // Someone who owns no customer: "mine" must not read the whole book to say so.
  const viewer = await seedUser(ctx.db, { email: "new-csm@example.com", name: "New CSM", role: "csm" });
  await ctx.db.execute(sql`vacuum analyze`);
  console.log(`Seeded ${CUSTOMERS} customers × ${DAYS} daily scores on ${target} in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const owner = seeded.owners[0]!.id;
  const lastPage = Math.ceil(CUSTOMERS / 25);
  const views = [
    "",
    "sort=score",
    "sort=score&dir=desc",
    "sort=change7d",
    "sort=change30d",
    "sort=coverage",
    "sort=plan",
    "sort=refreshed",
    "sort=failing",
    "sort=arr",
    "sort=renewal",
    "sort=owner",
    "band=poor",
    "flagged=1",
    "stale=1",
    "moved=1",
    "owner=me",
    `owner=${owner}`,
    "owner=none",
    "renews=90",
    "arrMin=5000",
    "q=acme%2012",
    "q=no-such-customer",
    "band=poor&flagged=1&sort=score&dir=desc&page=3",
    `page=${Math.floor(lastPage / 2)}`,
  ];
  const slug = seeded.customers[Math.floor(CUSTOMERS / 2)]!.slug;
  const timed: [string, () => Promise<unknown>][] = [
    ...views.map((v): [string, () => Promise<unknown>] => [
      `portfolio ?${v}`,
      () => queryPortfolio(ctx.db, parsePortfolioParams(new URLSearchParams(v)), { userId: viewer.id, sparkline: true }),
    ]),
    ["customer page", () => customerPageData(ctx.db, slug)],
  ];
  const lines: { view: string; p50: string; p95: string }[] = [];
  for (const [view, run] of timed) {
    for (let i = 0; i < 3; i++) await run();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    lines.push({ view, p50: ms(times[Math.floor(RUNS / 2)]!), p95: ms(times[Math.min(RUNS - 1, Math.floor(RUNS * 0.95))]!) });
  }
  console.log(`\nEach view's data, ${CUSTOMERS} customers × ${DAYS} days, ${target}, ${RUNS} runs each, Node ${process.version}`);
  console.table(lines);
} finally {
  await ctx.dbHandle.close();
  rmSync(dataDir, { recursive: true, force: true });
  await drop();
}
process.exit(0);

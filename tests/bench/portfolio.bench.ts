/**
 * Pages benchmark: a large book of customers with a year of daily scores, the production build,
 * and autocannon against the portfolio (two views) and a customer page, beside the time of each
 * page's data loading alone (its model function, in this process).
 *   npm run build && npx tsx tests/bench/portfolio.bench.ts [customers=10000] [days=365] [seconds=15]
 * Database: a fresh database on the DATABASE_URL server if set, else the embedded PGlite in a temp
 * dir. PGlite allows one process at a time, so the raw loading is timed in this process first, then
 * the database is closed and the server opens it. Targets (issue 14): one connection p50 ≤ 10 ms
 * (PostgreSQL) / ≤ 15 ms (PGlite); 20 connections p95 < 100 ms / < 250 ms. Then every other page
 * at one connection, with its size. Prints tables; always exits 0 unless setup fails.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createCookie } from "@remix-run/node";
import { sql } from "drizzle-orm";
import { customerPageData } from "../../app/models/customer-page.server";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { startApp } from "../e2e/harness";
import { seedPortfolio, seedSession, seedUser } from "../factories";
import { benchDatabase } from "./bench-database";
import { ms, runLoad } from "./http-load";

const ROOT = path.resolve(import.meta.dirname, "../..");
const [customersArg = "10000", daysArg = "365", secondsArg = "15"] = process.argv.slice(2);
const CUSTOMERS = Number(customersArg);
const DAYS = Number(daysArg);
const SECONDS = Number(secondsArg);
const CONNECTIONS = 20;
const RAW_RUNS = 40;
type Variant = { name: string; path: string; marker: string; raw: () => Promise<unknown> };

if (!existsSync(path.join(ROOT, "build/index.js"))) {
  console.error("Run `npm run build` first.");
  process.exit(1);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

// A database of our own: a temp dir for PGlite, or a new database on the server.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-bench-portfolio-"));
const { url: databaseUrl, drop: dropDatabase } = await benchDatabase("delight_bench");
const env = {
  DELIGHT_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  DELIGHT_SECRET_KEY: randomBytes(32).toString("hex"),
  DELIGHT_SESSION_SECRET: randomBytes(32).toString("hex"),
  DELIGHT_REFRESH_INTERVAL: "0",
};
const target = databaseUrl ? "PostgreSQL server" : "PGlite (embedded)";

// 1. Seed.
const ctx = await openContext(loadConfig({ ...process.env, ...env, NODE_ENV: "production" }));
let t = performance.now();
const seeded = await seedPortfolio(ctx.db, ctx.secretKey, { customers: CUSTOMERS, days: DAYS });
const bench = await seedUser(ctx.db, { email: "bench@example.com", name: "Bench", role: "admin" });
const sessionId = await seedSession(ctx.db, bench.id);
// The seed wrote millions of rows at once: vacuumed now, so that autovacuum does not do it on the
// same cores while pages are timed. A year of scores written a day at a time never comes in one go.
// The checkpoint writes out what the vacuum dirtied (every page) now rather than during the timing.
await ctx.db.execute(sql`vacuum analyze`);
await ctx.db.execute(sql`checkpoint`);
const seedSeconds = (performance.now() - t) / 1000;
console.log(
  `Seeded ${CUSTOMERS} customers × ${DAYS} daily scores on ${target} in ${seedSeconds.toFixed(1)} s (${seeded.owners.length} owners, ${seeded.plans.length} plans)`,
);

// 2. Each page's data loading alone, in this process, same data, same parameters.
const portfolio = (search: string) => () =>
  queryPortfolio(ctx.db, parsePortfolioParams(new URLSearchParams(search)), { userId: bench.id, sparkline: true });
// A customer in the middle of the book, refreshed, with a full year of history.
const customer = seeded.customers[Math.floor(CUSTOMERS / 2) + 1]!;
const VARIANTS: Variant[] = [
  { name: "portfolio (name, page 1)", path: "/", marker: 'data-testid="customer-row"', raw: portfolio("") },
  {
    name: "portfolio filtered + sorted",
    path: "/?band=poor&flagged=1&sort=score&dir=desc&page=3",
    marker: 'data-testid="customer-row"',
    raw: portfolio("?band=poor&flagged=1&sort=score&dir=desc&page=3"),
  },
  {
    name: "customer page",
    path: `/customers/${customer.slug}`,
    marker: 'data-testid="score"',
    raw: () => customerPageData(ctx.db, customer.slug),
  },
];
const raw: Record<string, number[]> = {};
for (const v of VARIANTS) {
  for (let i = 0; i < 3; i++) await v.raw();
  const times: number[] = [];
  for (let i = 0; i < RAW_RUNS; i++) {
    t = performance.now();
    await v.raw();
    times.push(performance.now() - t);
  }
  raw[v.name] = times.sort((a, b) => a - b);
}
await ctx.dbHandle.close();

// 3. The production server on that database.
const server = await startApp({ ...env, NODE_ENV: "production" }, { dataDir });
const base = server.url;
const cookie = await createCookie("__delight_session", { secrets: [env.DELIGHT_SESSION_SECRET] }).serialize(sessionId);
const cookieHeader = cookie.split(";")[0]!;

const load = (url: string, connections: number, seconds: number) =>
  runLoad(url, { connections, seconds, headers: { cookie: cookieHeader } });

type Line = {
  variant: string;
  rawP50: number;
  rawP95: number;
  oneP50: number;
  oneP95: number;
  p50: number;
  p95: number;
  rps: number;
  bad: number;
};
const lines: Line[] = [];
const OTHER_PAGES = [
  "/alerts",
  "/alerts?scope=all&view=history",
  "/audit",
  `/customers/${customer.slug}/catchup`,
  `/customers/${customer.slug}/edit`,
  "/settings",
  "/users",
  "/plans",
  "/api/customers",
  `/api/customers/${customer.slug}`,
  "/api/alerts",
];
const others: { page: string; bytes: number; p50: number; p95: number; bad: number }[] = [];
try {
  for (const v of VARIANTS) {
    const url = `${base}${v.path}`;
    const check = await fetch(url, { headers: { cookie: cookieHeader } });
    const html = await check.text();
    if (check.status !== 200 || !html.includes(v.marker)) throw new Error(`${url} answered ${check.status} without ${v.marker}`);
    // Enough for every web process (one per CPU on PostgreSQL) to have compiled its hot code.
    for (let i = 0; i < 100; i++) await fetch(url, { headers: { cookie: cookieHeader } }).then((r) => r.text());
    const one = await load(url, 1, Math.min(5, SECONDS));
    const many = await load(url, CONNECTIONS, SECONDS);
    lines.push({
      variant: v.name,
      rawP50: quantile(raw[v.name]!, 0.5),
      rawP95: quantile(raw[v.name]!, 0.95),
      oneP50: one.p50,
      oneP95: one.p95,
      p50: many.p50,
      p95: many.p95,
      rps: many.rps,
      bad: one.non2xx + one.errors + one.timeouts + many.non2xx + many.errors + many.timeouts,
    });
  }
  // Every other page a person opens, at one connection: none may grow with the book the way a
  // list of every customer or every alert did (the audit page's filter, the inbox).
  for (const page of OTHER_PAGES) {
    const url = `${base}${page}`;
    const check = await fetch(url, { headers: { cookie: cookieHeader } });
    const bytes = (await check.text()).length;
    if (check.status !== 200) throw new Error(`${url} answered ${check.status}`);
    for (let i = 0; i < 20; i++) await fetch(url, { headers: { cookie: cookieHeader } }).then((r) => r.text());
    const one = await load(url, 1, Math.min(3, SECONDS));
    others.push({ page, bytes, p50: one.p50, p95: one.p95, bad: one.non2xx + one.errors + one.timeouts });
  }
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
  await dropDatabase();
}

console.log(`\nPages, ${CUSTOMERS} customers × ${DAYS} days of scores, ${target}, Node ${process.version}, ${os.cpus().length} CPUs`);
console.table(
  lines.map((l) => ({
    variant: l.variant,
    "data only p50": ms(l.rawP50),
    "data only p95": ms(l.rawP95),
    "page c=1 p50": ms(l.oneP50),
    "page c=1 p95": ms(l.oneP95),
    [`page c=${CONNECTIONS} p50`]: ms(l.p50),
    [`page c=${CONNECTIONS} p95`]: ms(l.p95),
    "req/s": l.rps.toFixed(1),
    "non-2xx/errors": l.bad,
  })),
);
console.log("\nOther pages, one connection (size: the answer before compression)");
console.table(
  others.map((o) => ({
    page: o.page.replace(customer.slug, ":slug"),
    size: `${(o.bytes / 1024).toFixed(1)} KB`,
    "c=1 p50": ms(o.p50),
    "c=1 p95": ms(o.p95),
    "non-2xx/errors": o.bad,
  })),
);
const targets = databaseUrl ? { one: 10, many: 100 } : { one: 15, many: 250 };
for (const l of lines) {
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `${l.variant}: c=1 p50 ${ms(l.oneP50)} (target ≤ ${targets.one} ms: ${met(l.oneP50 <= targets.one)}); ` +
      `c=${CONNECTIONS} p95 ${ms(l.p95)} (target < ${targets.many} ms: ${met(l.p95 < targets.many)}); page ÷ data ${(l.oneP50 / l.rawP50).toFixed(2)}×`,
  );
}
process.exit(0);

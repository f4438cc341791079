/**
 * Retention benchmark: what removing refresh runs past DELIGHT_RUN_RETENTION costs.
 *   npx tsx tests/bench/retention.bench.ts [customers=200] [days=120] [keepDays=90]
 * Each customer gets one run a day for `days` days (a snapshot of ~13 KB of JSON, as a real one,
 * and 24 check results), then one pass of pruneRuns removes those older than `keepDays`. Reports
 * the rows and bytes before and after, the pass's wall time, and its longest single statement,
 * which is how long a page view can wait behind it (on PGlite, whose one connection it holds).
 * Database: with DATABASE_URL, a new database of its own on that server (dropped at the end), else
 * a fresh embedded one in a temp dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { pruneBatch, pruneBatchFor } from "../../db/retention";
import { rowsOf } from "../../db/rows";
import { benchDatabase } from "./bench-database";

const [customersArg = "200", daysArg = "120", keepArg = "90"] = process.argv.slice(2);
const N = Number(customersArg);
const DAYS = Number(daysArg);
const KEEP = Number(keepArg);
const DAY = 86_400_000;

const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-bench-retention-"));
const { url: databaseUrl, drop } = await benchDatabase("delight_bench_retention");
const ctx = await openContext(
  loadConfig({ ...process.env, DATABASE_URL: databaseUrl, DELIGHT_DATA_DIR: dataDir, DELIGHT_REFRESH_INTERVAL: "0" }),
);
const { db } = ctx;
const engine = ctx.dbHandle.kind;

// A snapshot shaped as a real one: 120 days of daily counts and lists of a project's things.
const daily = Array.from({ length: 120 }, (_, i) => ({
  day: `2026-0${1 + (i % 9)}-1${i % 10}`,
  events: 1000 + i * 7,
  identifies: 40 + i,
  persons: 12,
}));
const things = (kind: string) =>
  Array.from({ length: 12 }, (_, i) => ({ id: i, name: `${kind} ${i}`, created_at: "2026-01-01T00:00:00Z" }));
const snapshot = JSON.stringify({
  daily: { ok: true, value: daily },
  actions: { ok: true, value: things("action") },
  dashboards: { ok: true, value: things("dashboard") },
  featureFlags: { ok: true, value: things("flag") },
  insights: { ok: true, value: things("insight") },
  apiCalls: 8,
});

const since = performance.now();
await db.execute(sql`
  insert into customers (name, slug, posthog_host, project_id, api_key_encrypted, api_key_last4)
  select 'Bench ' || g, 'bench-' || g, 'us', g, 'x', '0000' from generate_series(1, ${N}) g`);
const now = Date.now();
for (let d = DAYS - 1; d >= 0; d--) {
  const at = new Date(now - d * DAY).toISOString();
  await db.execute(sql`
    with runs as (
      insert into check_runs (customer_id, started_at, finished_at, status, api_calls, snapshot, trigger)
      select id, ${at}::timestamptz, ${at}::timestamptz, 'ok', 8, ${snapshot}::jsonb, 'schedule' from customers
      returning id, customer_id
    )
    insert into check_results (run_id, customer_id, check_id, status, evidence, summary, created_at)
    select r.id, r.customer_id, 'check.' || c, 'pass', jsonb_build_object('events', c * 100, 'days', 30),
      'Seen on 30 of the last 30 days (' || c * 100 || ' events)', ${at}::timestamptz
    from runs r, generate_series(1, 24) c`);
}
// What the refresh writer keeps: each customer's health points at its newest run.
await db.execute(sql`
  insert into current_health (customer_id, run_id, results_run_id)
  select customer_id, max(id), max(id) from check_runs group by customer_id`);
await db.execute(sql`analyze`);
const seeded = (performance.now() - since) / 1000;

const sizes = async () =>
  rowsOf<{ runs: number; results: number; bytes: number }>(
    await db.execute(sql`
      select (select count(*)::int from check_runs) as runs, (select count(*)::int from check_results) as results,
        (pg_total_relation_size('check_runs') + pg_total_relation_size('check_results'))::float8 as bytes`),
  )[0]!;
const before = await sizes();

// One pass, timed statement by statement, in the scheduler's batches.
const statements: number[] = [];
const start = performance.now();
let removed = 0;
const cutoff = new Date(now - KEEP * DAY + DAY / 2);
const BATCH = pruneBatchFor(engine);
for (;;) {
  const t = performance.now();
  const done = await pruneBatch(db, cutoff, BATCH);
  statements.push(performance.now() - t);
  removed += done.runs;
  if (done.runs < BATCH) break;
}
const wall = (performance.now() - start) / 1000;
const after = await sizes();
// Rows deleted leave space PostgreSQL reuses for the next rows; a vacuum marks it so.
await db.execute(sql`vacuum check_runs, check_results`);
const reusable = await sizes();

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
console.log(`\nretention benchmark — ${N} customers × ${DAYS} daily runs, keep ${KEEP} days, database ${engine}`);
console.log(`seeded in ${seeded.toFixed(1)} s`);
console.table({
  before: { runs: before.runs, results: before.results, "on disk": mb(before.bytes) },
  after: { runs: after.runs, results: after.results, "on disk": mb(after.bytes) },
});
console.log(
  `removed ${removed} runs (${before.results - after.results} results) in ${wall.toFixed(2)} s: ${Math.round(removed / wall)} runs/s; ` +
    `per run with results before ${(before.bytes / before.runs / 1024).toFixed(1)} KB on disk`,
);
const sorted = [...statements].sort((a, b) => a - b);
console.log(
  `statements: ${statements.length} (batches of ${BATCH} runs), median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, longest ${sorted.at(-1)!.toFixed(0)} ms`,
);
console.log(`after vacuum: ${mb(reusable.bytes)} on disk, the freed space reused by the next runs`);

await ctx.dbHandle.close();
await drop();
rmSync(dataDir, { recursive: true, force: true });

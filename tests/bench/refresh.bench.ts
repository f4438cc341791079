/**
 * Refresh benchmark (issue 3): N sandbox customers, fixed latency on every PostHog call, one
 * full refresh each (collect → evaluate → persist) at a given concurrency.
 *   npx tsx tests/bench/refresh.bench.ts [customers=500] [latencyMs=50] [concurrency=16]
 * Reports API calls per customer, wall time and the ratio to the lower bound
 * customers × rounds × latency ÷ concurrency. A first refresh takes 2 rounds (members waits for
 * the project call's organization id; the other seven calls run alongside the project call); a
 * repeat refresh takes 1 (the organization id stored by the first goes out with the rest).
 * The sandbox runs in its own process, as PostHog would, so its work does not eat the client's CPU.
 * Database: with DATABASE_URL, a new database of its own on that server (dropped at the end), else
 * a fresh embedded one in a temp dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { collectSnapshot } from "../../checks/collect";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { activeCustomers, refreshMany } from "../../checks/refresh";
import { openSecret } from "../../db/secrets";
import { benchDatabase } from "./bench-database";
import { startSandboxProcess } from "./sandbox-process";

const [customersArg = "500", latencyArg = "50", concurrencyArg = "16"] = process.argv.slice(2);
const N = Number(customersArg);
const LATENCY = Number(latencyArg);
const CONCURRENCY = Number(concurrencyArg);
const ROUNDS = 2;

const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-bench-refresh-"));
const { url: databaseUrl, drop: dropDatabase } = await benchDatabase("delight_bench_refresh");
const sandbox = await startSandboxProcess(N, LATENCY);
const ctx = await openContext(
  loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    DELIGHT_DATA_DIR: dataDir,
    DELIGHT_ALLOW_PRIVATE_HOSTS: "true",
    DELIGHT_REFRESH_INTERVAL: "0",
  }),
);
const bulk = { url: sandbox.url, customers: sandbox.customers.filter((c) => c.name.startsWith("bulk-")) };
const seeded = await seedSandboxCustomers(ctx.db, ctx.secretKey, bulk);
const rows = seeded.map((s) => s.customer);
const lowerBoundMs = (N * ROUNDS * LATENCY) / CONCURRENCY;

// BENCH_MARKS=1 prints each phase's start and end on the clock of --cpu-prof's samples (µs), so a
// profile can be cut by phase; SANDBOX_PROF=dir profiles the sandbox process too.
function mark(phase: string) {
  if (process.env.BENCH_MARKS) console.error(`MARK ${phase} ${process.hrtime.bigint() / 1000n}`);
}

// 1. Collection alone (what PostHog latency allows), same concurrency.
const limiter = createRateLimiter();
let next = 0;
let collectCalls = 0;
// CPU time of this process per customer: on a machine shared with other work, wall time drifts
// with the load, CPU time much less.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
let cpu = process.cpuUsage();
let sandboxCpu = sandbox.cpuMs();
const t0 = performance.now();
mark("collect");
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < rows.length) {
      const c = rows[next++]!;
      const snap = await collectSnapshot(
        { host: c.posthogHost, projectId: c.projectId, apiKey: openSecret(c.apiKeyEncrypted, ctx.secretKey), billingDay: c.billingDay },
        { now: new Date(), limiter },
      );
      collectCalls += snap.apiCalls;
    }
  }),
);
const collectMs = performance.now() - t0;
mark("collectend");
const collectCpu = cpuMs(cpu);
const collectSandboxCpu = sandbox.cpuMs() - sandboxCpu;

// 2. Full refresh: collect, evaluate and one transaction per customer.
const before = (await sandbox.requests()).length;
cpu = process.cpuUsage();
sandboxCpu = sandbox.cpuMs();
const t1 = performance.now();
mark("refresh");
const outcomes = await refreshMany(ctx.db, ctx.secretKey, rows, { concurrency: CONCURRENCY, limiter: createRateLimiter() });
const refreshMs = performance.now() - t1;
mark("refreshend");
const refreshCpu = cpuMs(cpu);
const refreshSandboxCpu = sandbox.cpuMs() - sandboxCpu;
const calls = (await sandbox.requests()).length - before;
const queries = (await sandbox.requests()).slice(before).filter((r) => r.path.endsWith("/query/")).length;

// 3. Repeat refresh: the stored organization ids make it one round.
const again = await activeCustomers(ctx.db);
const beforeRepeat = (await sandbox.requests()).length;
cpu = process.cpuUsage();
sandboxCpu = sandbox.cpuMs();
const t2 = performance.now();
mark("repeat");
const { monitorEventLoopDelay } = await import("node:perf_hooks");
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
const repeated = await refreshMany(ctx.db, ctx.secretKey, again, { concurrency: CONCURRENCY, limiter: createRateLimiter() });
const repeatMs = performance.now() - t2;
mark("end");
eld.disable();
if (process.env.BENCH_MARKS)
  console.error(
    `event loop delay p50 ${eld.percentile(50) / 1e6} p90 ${eld.percentile(90) / 1e6} p99 ${eld.percentile(99) / 1e6} max ${eld.max / 1e6} mean ${eld.mean / 1e6}`,
  );
const repeatCpu = cpuMs(cpu);
const repeatSandboxCpu = sandbox.cpuMs() - sandboxCpu;
const repeatCalls = (await sandbox.requests()).length - beforeRepeat;
const oneRoundMs = (N * LATENCY) / CONCURRENCY;

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `\nrefresh benchmark — ${N} sandbox customers, ${LATENCY} ms latency per call, concurrency ${CONCURRENCY}, database ${ctx.dbHandle.kind}`,
);
console.table({
  "collect only": {
    wall: fmt(collectMs),
    "calls/customer": (collectCalls / N).toFixed(2),
    "ratio to lower bound": (collectMs / lowerBoundMs).toFixed(2),
    "CPU ms/customer": (collectCpu / N).toFixed(1),
    "sandbox CPU ms/customer": (collectSandboxCpu / N).toFixed(1),
  },
  "full refresh": {
    wall: fmt(refreshMs),
    "calls/customer": (calls / N).toFixed(2),
    "ratio to lower bound": (refreshMs / lowerBoundMs).toFixed(2),
    "CPU ms/customer": (refreshCpu / N).toFixed(1),
    "sandbox CPU ms/customer": (refreshSandboxCpu / N).toFixed(1),
  },
  "repeat refresh": {
    wall: fmt(repeatMs),
    "calls/customer": (repeatCalls / N).toFixed(2),
    "ratio to lower bound": (repeatMs / oneRoundMs).toFixed(2),
    "CPU ms/customer": (repeatCpu / N).toFixed(1),
    "sandbox CPU ms/customer": (repeatSandboxCpu / N).toFixed(1),
  },
});
console.log(
  `lower bound = ${N} × ${ROUNDS} rounds × ${LATENCY} ms ÷ ${CONCURRENCY} = ${fmt(lowerBoundMs)} (repeat: 1 round, ${fmt(oneRoundMs)})`,
);
console.log(`HogQL queries: ${queries} for ${N} customers; outcomes: ${JSON.stringify(countBy(outcomes.map((o) => o.status)))}`);
console.log(`repeat outcomes: ${JSON.stringify(countBy(repeated.map((o) => o.status)))}`);

await ctx.dbHandle.close();
await sandbox.close();
await dropDatabase();
rmSync(dataDir, { recursive: true, force: true });

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { CATALOG } from "../../checks/catalog";
import { activeCustomers, refreshMany } from "../../checks/refresh";
import { checkResults, checkRuns, currentHealth, healthScores } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const ROOT = path.resolve(__dirname, "../..");
const AUTOMATED = CATALOG.filter((c) => c.kind === "automated").length;
let database: TestDatabase;
let dataDir: string;
let env: Record<string, string>;
let sandbox: Sandbox;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-crash-"));
  env = { ...database.env, DELIGHT_DATA_DIR: dataDir };
  sandbox = await startSandbox();
  const ctx = await openContext(loadConfig(env));
  await seedSandboxCustomers(ctx.db, ctx.secretKey, sandbox);
  await refreshMany(ctx.db, ctx.secretKey, await activeCustomers(ctx.db), { concurrency: 4 });
  // The CLI process below must have the embedded database to itself.
  await ctx.dbHandle.close();
});
afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`a refresh killed with SIGKILL (${process.env.DELIGHT_TEST_DB})`, () => {
  // A child process starting tsx and an embedded database is slow on a busy 2-core CI machine.
  test("leaves every customer with its old or its new complete results, never a mix, and the database opens again", {
    timeout: 180_000,
  }, async () => {
    // Slow PostHog so the kill lands while runs are in flight and some have committed.
    sandbox.setFaults({ latencyMs: 150 });
    const before = sandbox.requests.length;
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "refresh", "--all", "--concurrency", "2"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "ignore"],
    });
    // The CLI prints a customer's line once its run is committed: the kill follows the first one,
    // while the others are still being asked (a count of PostHog requests raced the commits on a
    // loaded machine, or with the database in a thread of its own).
    let committed = 0;
    child.stdout!.on("data", (chunk: Buffer) => {
      // "<slug>: <outcome>" lines only, not the start-up's "[delight] …" ones.
      committed += String(chunk)
        .split("\n")
        .filter((line) => /^[a-z0-9-]+: /.test(line)).length;
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const deadline = Date.now() + 120_000;
    while (committed === 0 && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill("SIGKILL");
    await exited;
    sandbox.setFaults({});
    expect(committed).toBeGreaterThan(0);
    // The kill landed with runs still in flight: not every customer's eight requests were made.
    expect(sandbox.requests.length - before).toBeLessThan(9 * 8);

    const ctx = await openContext(loadConfig(env));
    try {
      const runs = await ctx.db.select().from(checkRuns);
      const byCustomer = new Map<number, number>();
      for (const run of runs) byCustomer.set(run.customerId, (byCustomer.get(run.customerId) ?? 0) + 1);
      // Some customers got a second, complete run before the kill; none got half of one.
      expect([...byCustomer.values()].some((n) => n === 2)).toBe(true);
      for (const run of runs) {
        const [results] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(checkResults).where(eq(checkResults.runId, run.id));
        const [scores] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(healthScores).where(eq(healthScores.runId, run.id));
        // Every run, failed ones too, comes with exactly one assessment; only ok/partial ones with results.
        const complete = run.status === "failed" ? { results: 0, scores: 1 } : { results: AUTOMATED, scores: 1 };
        expect({ run: run.id, results: results!.n, scores: scores!.n }).toEqual({ run: run.id, ...complete });
      }
      const pointers = await ctx.db.select().from(currentHealth);
      expect(pointers).toHaveLength(9);
      for (const p of pointers) expect(runs.some((r) => r.id === p.runId && r.customerId === p.customerId)).toBe(true);
      // Locks the killed process held do not block the next refresh.
      const again = await refreshMany(ctx.db, ctx.secretKey, await activeCustomers(ctx.db), { concurrency: 4 });
      expect(again.filter((o) => o.status === "skipped")).toEqual([]);
    } finally {
      await ctx.dbHandle.close();
    }
  });
});

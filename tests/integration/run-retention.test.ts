import { asc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { customerPageData } from "../../app/models/customer-page.server";
import { pruneSoon } from "../../app/utils/scheduler.server";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { pruneRuns } from "../../db/retention";
import { checkResults, checkRuns, currentHealth, healthScores } from "../../db/schema";
import { type ScenarioBook, scenarioCustomer, seedScenarios } from "../setup/scenarios";
import { setupTestApp } from "../setup/test-app";

const DAY = 86_400_000;
const NOW = new Date();
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

const app = setupTestApp();
let sandbox: Sandbox;
let book: ScenarioBook;

const refreshAt = (scenario: string, at: Date) =>
  refreshCustomer(app.ctx.db, app.ctx.secretKey, scenarioCustomer(book, scenario), {
    now: () => at,
    limiter: createRateLimiter(),
    retries: 0,
    sleep: async () => {},
  });

const idOf = (scenario: string) => scenarioCustomer(book, scenario).id;
const runsOf = async (scenario: string) =>
  (
    await app.ctx.db
      .select({ id: checkRuns.id, finishedAt: checkRuns.finishedAt, status: checkRuns.status })
      .from(checkRuns)
      .where(eq(checkRuns.customerId, idOf(scenario)))
      .orderBy(asc(checkRuns.finishedAt))
  ).map((r) => ({ ...r, age: Math.round((NOW.getTime() - r.finishedAt.getTime()) / DAY) || 0 }));
const scoresOf = async (scenario: string) =>
  app.ctx.db
    .select({ id: healthScores.id, score: healthScores.score, runId: healthScores.runId })
    .from(healthScores)
    .where(eq(healthScores.customerId, idOf(scenario)))
    .orderBy(asc(healthScores.id));
const resultsFor = async (runIds: number[]) =>
  (await app.ctx.db.select({ runId: checkResults.runId }).from(checkResults).where(inArray(checkResults.runId, runIds))).length;
const pageOf = async (scenario: string) => {
  const page = (await customerPageData(app.ctx.db, scenarioCustomer(book, scenario).slug, NOW))!;
  return { health: page.health, checklist: page.checklist, usage: page.usage, lastRun: page.lastRun };
};

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
  book = await seedScenarios(app.ctx.db, app.ctx.secretKey, sandbox, ["healthy", "slipping", "revoked-key"]);
  // healthy: a good refresh 200, 100 and 10 days ago and now.
  for (const days of [200, 100, 10, 0]) expect((await refreshAt("healthy", ago(days))).status).toBe("ok");
  // slipping: its last good refresh was 200 days ago; every one since failed.
  expect((await refreshAt("slipping", ago(200))).status).toBe("ok");
  sandbox.setFaults({ perCustomer: { slipping: { serverError: { status: 503 } } } });
  for (const days of [100, 0]) expect((await refreshAt("slipping", ago(days))).status).toBe("failed");
  sandbox.setFaults({});
  // revoked-key: one refresh, 200 days ago, which failed.
  expect((await refreshAt("revoked-key", ago(200))).status).toBe("failed");
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
});

describe(`refresh runs past their retention (${process.env.DELIGHT_TEST_DB})`, () => {
  test("old runs go with their results; the runs current health rests on stay, and every page reads the same", async () => {
    const before = {
      healthy: await runsOf("healthy"),
      slipping: await runsOf("slipping"),
      revoked: await runsOf("revoked-key"),
    };
    expect(before.healthy.map((r) => r.age)).toEqual([200, 100, 10, 0]);
    expect(before.slipping.map((r) => [r.age, r.status])).toEqual([
      [200, "ok"],
      [100, "failed"],
      [0, "failed"],
    ]);
    const pages = { healthy: await pageOf("healthy"), slipping: await pageOf("slipping"), revoked: await pageOf("revoked-key") };
    const scores = await scoresOf("healthy");
    const gone = [before.healthy[0]!.id, before.healthy[1]!.id, before.slipping[1]!.id];
    const goneResults = await resultsFor(gone);
    expect(goneResults).toBeGreaterThan(0);

    // One run at a time, so the loop over batches is what is exercised.
    const pruned = await pruneRuns(app.ctx.db, ago(90), 1);
    expect(pruned.runs).toBe(3);
    expect(pruned.results).toBe(goneResults);
    expect(await resultsFor(gone)).toBe(0);

    expect((await runsOf("healthy")).map((r) => r.age)).toEqual([10, 0]);
    // Slipping's health rests on its last good run (200 days old) and names its newest (failed) one.
    expect((await runsOf("slipping")).map((r) => [r.age, r.status])).toEqual([
      [200, "ok"],
      [0, "failed"],
    ]);
    const [pointers] = await app.ctx.db
      .select()
      .from(currentHealth)
      .where(eq(currentHealth.customerId, idOf("slipping")));
    expect([pointers!.resultsRunId, pointers!.runId]).toEqual([before.slipping[0]!.id, before.slipping[2]!.id]);
    // A customer whose only run is old keeps it: it is what its page says about the last refresh.
    expect((await runsOf("revoked-key")).map((r) => r.age)).toEqual([200]);

    // The score history keeps every score; only the link to a removed run is cleared.
    const after = await scoresOf("healthy");
    expect(after.map((s) => [s.id, s.score])).toEqual(scores.map((s) => [s.id, s.score]));
    expect(after.filter((s) => s.runId !== null && gone.includes(s.runId))).toEqual([]);
    expect(after.filter((s) => s.runId === null).length).toBeGreaterThanOrEqual(2);

    // Nothing a reader shows changed.
    expect({ healthy: await pageOf("healthy"), slipping: await pageOf("slipping"), revoked: await pageOf("revoked-key") }).toEqual(pages);

    // A second pass finds nothing more.
    expect(await pruneRuns(app.ctx.db, ago(90), 1000)).toEqual({ runs: 0, results: 0 });
  });

  test("the scheduler's hourly pass keeps 90 days unless told otherwise, and says what it removed", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      // 300 days on, healthy's run of 10 days ago is past 90 days; its newest run is what its health rests on.
      await pruneSoon(() => new Date(NOW.getTime() + 300 * DAY));
      const said = log.mock.calls.map((c) => String(c[0]));
      expect(said).toEqual([expect.stringMatching(/^\[delight\] removed 1 refresh run older than 90 days, with their \d+ check results$/)]);
    } finally {
      log.mockRestore();
    }
    expect((await runsOf("healthy")).map((r) => r.age)).toEqual([0]);
    expect((await runsOf("slipping")).length).toBe(2);
    expect((await runsOf("revoked-key")).length).toBe(1);
  });
});

import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { recordAnswer, recordOverride } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { catchupPackData } from "../../app/models/catchup-pack.server";
import { recordCatchup } from "../../app/models/catchups.server";
import { customerPageData, loadCustomerHealth } from "../../app/models/customer-page.server";
import { createCustomer } from "../../app/models/customers.server";
import { assessedStamp, stampsByIds } from "../../app/models/health-history.server";
import { chartPoints } from "../../app/models/history-chart";
import { createPlan } from "../../app/models/plans.server";
import { saveScoring } from "../../app/models/scoring-versions.server";
import { type Explanation, explain, explainedPoints } from "../../checks/assessment/explain";
import { currentAssessment } from "../../checks/assessment/store";
import { refreshCustomer } from "../../checks/refresh";
import { healthScores } from "../../db/schema";
import { setupTestApp } from "../setup/test-app";

/*
 * Issue 13 item 1: every move between two stored assessments is explained by its causes, and the
 * points of the explanation add up to the score difference, across an expired override, a held
 * catch-up and a new scoring version.
 */

const app = setupTestApp();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let base: Date;
const later = (ms: number) => new Date(base.getTime() + ms);
const round1 = (n: number) => Math.round(n * 10) / 10;
let sandbox: Sandbox;
let customerId: number;
const slug = "slipping-ltd";

beforeAll(async () => {
  sandbox = await startSandbox();
  const spec = sandbox.customers.find((c) => c.name === "slipping")!;
  const plan = await createPlan(app.ctx.db, CLI_ACTOR, spec.suggestedPlan);
  const row = await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    {
      name: spec.title,
      posthogHost: sandbox.url,
      projectId: spec.projectId,
      apiKey: spec.apiKey,
      planId: plan.id,
      billingDay: spec.billingDay,
    },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
  );
  customerId = row.id;
  // After the customer was added: its first (scoreless) assessment comes before the refresh.
  base = new Date(Date.now() + 1000);
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row, { now: () => base })).status).toBe("ok");
});
afterAll(async () => {
  await sandbox?.close();
});

/** Every line's points, the rules' share and any rounding rest equal the difference of the stored scores. */
function expectAddsUp(e: Explanation) {
  expect(e.delta).not.toBeNull();
  expect(e.delta).toBe(round1(e.to.score! - e.from.score!));
  expect(explainedPoints(e)).toBe(e.delta);
  // Lines carry the move, not a residual: at most a tenth or two is left to rounding.
  expect(Math.abs(e.rounding)).toBeLessThanOrEqual(0.2);
}

const history = () =>
  app.ctx.db
    .select({ id: healthScores.id, reason: healthScores.reason, score: healthScores.score })
    .from(healthScores)
    .where(eq(healthScores.customerId, customerId))
    .orderBy(asc(healthScores.computedAt), asc(healthScores.id));

describe(`every move explained (${process.env.DELIGHT_TEST_DB})`, () => {
  test("an override that expired: its line says so and the points add up", async () => {
    await recordOverride(
      app.ctx.db,
      CLI_ACTOR,
      customerId,
      { checkId: "setup.events_recurring", status: "pass", reason: "Seasonal, back in spring", expiresAt: later(3 * HOUR).toISOString() },
      later(HOUR),
    );
    const current = (await currentAssessment(app.ctx.db, customerId, later(3 * HOUR + 1000)))!;
    const rows = await history();
    expect(rows.map((r) => r.reason).slice(-3)).toEqual(["refresh", "override", "time"]);
    const overridden = rows.at(-2)!;
    const then = (await stampsByIds(app.ctx.db, customerId, [overridden.id])).get(overridden.id)!;
    const e = explain(then, assessedStamp(current.assessment));
    expect(e.delta).toBeLessThan(0);
    expect(e.lines).toEqual([
      expect.objectContaining({ checkId: "setup.events_recurring", cause: "override-expired", from: "pass", to: "fail" }),
    ]);
    expectAddsUp(e);
    // The override set and expired within the window nets out; a refresh-time window sees no trace of it.
    const week = (await loadCustomerHealth(app.ctx.db, slug, later(3 * HOUR + 2000)))!.moves["7d"]!;
    expect(week.explanation.lines.find((l) => l.checkId === "setup.events_recurring")).toBeUndefined();
  });

  test("a held catch-up: the pack and the page explain the move since it, adding up", async () => {
    const heldOn = base.toISOString().slice(0, 10);
    await recordCatchup(app.ctx.db, CLI_ACTOR, customerId, { date: heldOn, status: "held", attendees: "Ann" }, later(2 * DAY));
    await recordAnswer(app.ctx.db, CLI_ACTOR, customerId, { checkId: "training.demo_received", answer: "yes" }, later(2 * DAY + HOUR));
    const now = later(2 * DAY + 2 * HOUR);
    const loaded = (await loadCustomerHealth(app.ctx.db, slug, now))!;
    const since = loaded.moves.catchup!;
    expect(since.basis).toBe(`since the catch-up on ${heldOn}`);
    expectAddsUp(since.explanation);
    expect(since.explanation.lines).toEqual(
      expect.arrayContaining([expect.objectContaining({ checkId: "training.demo_received", cause: "answer", to: "pass" })]),
    );
    const pack = (await catchupPackData(app.ctx.db, slug, now))!;
    expect(pack.changesBasis).toBe(`since the catch-up on ${heldOn}`);
    expect(pack.changes.map((c) => c.key)).toContain("training.demo_received");
    expect(round1(pack.changes.reduce((s, c) => s + (c.points ?? 0), 0))).toBe(pack.atLastCatchup!.delta!.delta);
  });

  test("a new scoring version: the rules' share is said in words and every window adds up", async () => {
    await saveScoring(
      app.ctx.db,
      CLI_ACTOR,
      { weights: { "setup.events_recurring": "9", "training.demo_received": "5" }, healthy: "75", concerning: "45" },
      later(3 * DAY),
    );
    await recordAnswer(app.ctx.db, CLI_ACTOR, customerId, { checkId: "training.told_support", answer: "no" }, later(3 * DAY + HOUR));
    const now = later(3 * DAY + 2 * HOUR);
    const loaded = (await loadCustomerHealth(app.ctx.db, slug, now))!;
    expect(loaded.assessment.scoringVersion).toBe("2");
    for (const id of ["7d", "30d", "catchup"] as const) {
      const move = loaded.moves[id]!;
      expect(move.explanation.scoring).toMatchObject({
        from: "1",
        to: "2",
        bands: { from: { healthy: 70, concerning: 40 }, to: { healthy: 75, concerning: 45 } },
      });
      expect(move.explanation.scoring!.points).not.toBe(0);
      expectAddsUp(move.explanation);
    }
    const page = (await customerPageData(app.ctx.db, slug, now))!;
    const week = page.moves.find((m) => m.id === "7d")!.view!;
    expect(week.scoring).toMatch(/^Scoring changed from v1 to v2 \(bands 70\/40 → 75\/45\): [+−]\d+(\.\d)? points of this move$/);
    expect(week.items.map((i) => i.key)).toEqual(expect.arrayContaining(["training.told_support", "training.demo_received"]));
    // The chart draws each point's bands and marks the version once.
    const points = chartPoints(page.historyChart);
    expect(points.at(-1)).toMatchObject({ healthy: 75, concerning: 45 });
    expect(points[0]).toMatchObject({ healthy: 70, concerning: 40 });
    expect(page.historyChart.marks.map((m) => m.label)).toEqual(["scoring v2"]);
    // "since last week" across versions says so.
    const pack = (await catchupPackData(app.ctx.db, slug, now))!;
    expect(pack.changesScoring).toMatch(/^Scoring changed from v1 to v2/);
  });
});

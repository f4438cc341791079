import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { clearOverride, recordAnswer, recordOverride } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { cancelCatchup, listCatchups, recordCatchup } from "../../app/models/catchups.server";
import { reassess } from "../../checks/assessment/store";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import type { RefreshOptions } from "../../checks/refresh";
import { alerts, currentHealth, customers } from "../../db/schema";
import { alertCounts, alertsOfKind } from "../setup/alerts";
import { refreshScenario, type ScenarioBook, scenarioCustomer, seedScenarios } from "../setup/scenarios";
import { setupTestApp } from "../setup/test-app";

/*
 * Issue 12: every alert kind is raised once when the stored assessment changes into its
 * condition, not again while it holds (the next refresh, answer or re-assessment), and again
 * after it cleared and came back — through the real inputs: refreshes against the sandbox,
 * plan changes, overrides, answers, catch-ups and time. The usage alerts, which depend on the day
 * of the billing period, are in alerts-usage.test.ts on a pinned clock.
 */

const app = setupTestApp();
let sandbox: Sandbox;
let book: ScenarioBook;
const DAY = 86_400_000;

const fast = (now?: Date): RefreshOptions => ({
  limiter: createRateLimiter(),
  retries: 0,
  sleep: async () => {},
  ...(now ? { now: () => now } : {}),
});

beforeAll(async () => {
  sandbox = await startSandbox();
  book = await seedScenarios(app.ctx.db, app.ctx.secretKey, sandbox, ["healthy", "slipping", "near-plan", "server-side-only"]);
});
afterAll(async () => {
  await sandbox?.close();
});

const customerOf = (scenario: string) => scenarioCustomer(book, scenario);
const refresh = (scenario: string, now?: Date) => refreshScenario(app.ctx.db, app.ctx.secretKey, book, scenario, fast(now));
const raised = (scenario: string) => alertCounts(app.ctx.db, customerOf(scenario).id);
const alertsOf = (scenario: string, kind: string) => alertsOfKind(app.ctx.db, customerOf(scenario).id, kind);
const reassessAt = (scenario: string, now: Date) => app.ctx.db.transaction((tx) => reassess(tx, [customerOf(scenario).id], "time", now));

describe(`alerts on transitions (${process.env.DELIGHT_TEST_DB})`, () => {
  test("band_drop and score_drop: overrides that sink the score raise both once; cleared and sunk again, again", async () => {
    await refresh("healthy");
    const id = customerOf("healthy").id;
    const sink = [
      "setup.production",
      "setup.actions",
      "setup.funnels",
      "setup.dashboards",
      "setup.identify_calls",
      "training.everyone_used",
    ];
    for (const checkId of sink) await recordOverride(app.ctx.db, CLI_ACTOR, id, { checkId, status: "fail", reason: "testing alerts" });
    const kinds = await raised("healthy");
    expect(kinds.band_drop).toBeGreaterThanOrEqual(1);
    expect(kinds.score_drop).toBe(1);
    const [drop] = await alertsOf("healthy", "score_drop");
    expect(drop!.message).toMatch(/^Acme Analytics: score \d+ → \d+ within 7 days: .*now failing$/);
    const bandDrops = kinds.band_drop!;

    await refresh("healthy");
    expect(await raised("healthy")).toEqual(kinds);

    for (const checkId of sink) await clearOverride(app.ctx.db, CLI_ACTOR, id, checkId);
    expect((await raised("healthy")).band_drop).toBe(bandDrops);
    for (const checkId of sink) await recordOverride(app.ctx.db, CLI_ACTOR, id, { checkId, status: "fail", reason: "testing alerts" });
    const again = await raised("healthy");
    expect(again.score_drop).toBe(2);
    expect(again.band_drop).toBeGreaterThan(bandDrops);
    for (const checkId of sink) await clearOverride(app.ctx.db, CLI_ACTOR, id, checkId);
  });

  test("usage_drop: a customer whose events stopped, raised once; measured traffic clears it; the next refresh brings it back", async () => {
    await refresh("slipping");
    const [drop] = await alertsOf("slipping", "usage_drop");
    expect(drop!.message).toMatch(/^Slipping Ltd has sent no events for \d+ days \(last event \d+ \w+\)$/);
    await refresh("slipping");
    expect((await raised("slipping")).usage_drop).toBe(1);

    // Steady traffic measured up to yesterday (as a refresh would store it) clears the condition…
    const id = customerOf("slipping").id;
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.now() - (i + 1) * DAY).toISOString().slice(0, 10));
    await app.ctx.db.execute(sql`
      update usage_daily set events = 5000 where customer_id = ${id} and day in (select value::date from json_array_elements_text(${JSON.stringify(days)}::json))`);
    await reassessAt("slipping", new Date());
    expect((await alertsOf("slipping", "usage_drop"))[0]!.clearedAt).not.toBeNull();
    // …and a refresh measuring the real silence again raises it once more.
    await refresh("slipping");
    expect((await raised("slipping")).usage_drop).toBe(2);
  });

  test("stale: refreshes failing for more than 3 days raise it with the last error; a success clears it", async () => {
    const t0 = new Date();
    await refresh("server-side-only", t0);
    sandbox.setFaults({ perCustomer: { "server-side-only": { revokeAfter: 0 } } });
    try {
      await refresh("server-side-only", new Date(t0.getTime() + 2 * DAY));
      expect((await raised("server-side-only")).stale).toBeUndefined();
      await refresh("server-side-only", new Date(t0.getTime() + 3.5 * DAY));
      const [stale] = await alertsOf("server-side-only", "stale");
      expect(stale!.message).toMatch(/^Backend Systems has had no successful refresh for 3 days: .+/);
      await refresh("server-side-only", new Date(t0.getTime() + 4 * DAY));
      expect((await raised("server-side-only")).stale).toBe(1);
      sandbox.setFaults({});
      await refresh("server-side-only", new Date(t0.getTime() + 5 * DAY));
      sandbox.setFaults({ perCustomer: { "server-side-only": { revokeAfter: 0 } } });
      await refresh("server-side-only", new Date(t0.getTime() + 9 * DAY));
      expect((await raised("server-side-only")).stale).toBe(2);
    } finally {
      sandbox.setFaults({});
    }
  });

  test("catchup_overdue: a long-standing customer without catch-ups; scheduling one clears it, cancelling brings it back", async () => {
    const id = customerOf("near-plan").id;
    await app.ctx.db
      .update(customers)
      .set({ createdAt: new Date(Date.now() - 400 * DAY) })
      .where(eq(customers.id, id));
    await reassessAt("near-plan", new Date());
    const [overdue] = await alertsOf("near-plan", "catchup_overdue");
    expect(overdue!.message).toBe("Nearly There Inc has never had a catch-up and none is scheduled");
    await reassessAt("near-plan", new Date());
    const inAWeek = new Date(Date.now() + 7 * DAY).toISOString().slice(0, 10);
    await recordCatchup(app.ctx.db, CLI_ACTOR, id, { date: inAWeek, status: "scheduled" });
    expect((await raised("near-plan")).catchup_overdue).toBe(1);
    const [scheduled] = await listCatchups(app.ctx.db, id);
    await cancelCatchup(app.ctx.db, CLI_ACTOR, id, String(scheduled!.id));
    expect((await raised("near-plan")).catchup_overdue).toBe(2);
  });

  test("answer_no: yes → no raises it (per check), no → no does not, yes then no again does", async () => {
    const id = customerOf("healthy").id;
    const answer = (checkId: string, value: string) =>
      recordAnswer(app.ctx.db, { id: null, name: "casey@example.com" }, id, { checkId, answer: value, note: "" });
    await answer("training.demo_received", "no");
    expect((await raised("healthy")).answer_no).toBeUndefined();
    await answer("training.demo_received", "yes");
    await answer("training.demo_received", "no");
    await answer("training.demo_received", "no");
    expect((await raised("healthy")).answer_no).toBe(1);
    const [alert] = await alertsOf("healthy", "answer_no");
    expect(alert).toMatchObject({ subject: "training.demo_received" });
    expect(alert!.message).toBe("Acme Analytics: training.demo_received answered no (was yes) by casey@example.com");
    await answer("training.demo_received", "yes");
    await answer("training.demo_received", "no");
    expect((await raised("healthy")).answer_no).toBe(2);
  });

  test("an alert is written in the assessment's transaction: it names that assessment, and a rollback takes both", async () => {
    const id = customerOf("healthy").id;
    const [alert] = await alertsOf("healthy", "answer_no").then((rows) => rows.slice(-1));
    const [current] = await app.ctx.db.select().from(currentHealth).where(eq(currentHealth.customerId, id));
    expect(alert!.scoreId).toBe(current!.scoreId);
    expect(alert!.raisedAt.toISOString()).toBe(current!.scoredAt!.toISOString());

    const before = await raised("healthy");
    await expect(
      app.ctx.db.transaction(async (tx) => {
        await tx.execute(
          sql`insert into manual_answers (customer_id, check_id, answer, author_name) values (${id}, 'training.told_support', 'yes', 't')`,
        );
        await reassess(tx, [id], "answer", new Date());
        await tx.execute(
          sql`insert into manual_answers (customer_id, check_id, answer, author_name) values (${id}, 'training.told_support', 'no', 't')`,
        );
        await reassess(tx, [id], "answer", new Date(Date.now() + 1000));
        expect((await tx.select().from(alerts).where(eq(alerts.subject, "training.told_support"))).length).toBe(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await raised("healthy")).toEqual(before);
  });
});

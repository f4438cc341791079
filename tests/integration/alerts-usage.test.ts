import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createPlan } from "../../app/models/plans.server";
import { reassess } from "../../checks/assessment/store";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { customers } from "../../db/schema";
import { alertCounts, alertsOfKind } from "../setup/alerts";
import { refreshScenario, type ScenarioBook, scenarioCustomer, seedScenarios } from "../setup/scenarios";
import { setupTestApp } from "../setup/test-app";

/*
 * Issue 12: usage_80 and usage_100 are raised once when the stored assessment crosses the line,
 * not again while it holds, and again after a plan change cleared them.
 *
 * The clock is pinned (the sandbox's and the refreshes'). Whether a customer is over its plan
 * depends on the day of its billing period: from a real clock, Overflow (billed on the 3rd) was
 * not yet over 100 % on the 3rd to 5th of every month, and Nearly There (Tokyo, the 28th) was
 * projected over 100 % just after midnight on the fourth day of its period while the sandbox
 * crammed a whole day into those minutes. 15 Mar, noon in Tokyo: day 13 of Overflow's period and
 * day 16 of Nearly There's.
 */

const app = setupTestApp();
const T0 = new Date("2026-03-15T03:00:00Z");
const MINUTE = 60_000;
let sandbox: Sandbox;
let book: ScenarioBook;

beforeAll(async () => {
  sandbox = await startSandbox({ now: T0 });
  book = await seedScenarios(app.ctx.db, app.ctx.secretKey, sandbox, ["over-plan", "near-plan"]);
});
afterAll(async () => {
  await sandbox?.close();
});

const customerOf = (scenario: string) => scenarioCustomer(book, scenario);
// Each refresh or re-assessment five minutes after the one before, all inside the sandbox's day.
let ticks = 0;
const clock = () => {
  ticks += 1;
  return new Date(T0.getTime() + ticks * 5 * MINUTE);
};
const refresh = (scenario: string) => {
  const now = clock();
  return refreshScenario(app.ctx.db, app.ctx.secretKey, book, scenario, {
    limiter: createRateLimiter(),
    retries: 0,
    sleep: async () => {},
    now: () => now,
  });
};
const raised = (scenario: string) => alertCounts(app.ctx.db, customerOf(scenario).id);
const alertsOf = (scenario: string, kind: string) => alertsOfKind(app.ctx.db, customerOf(scenario).id, kind);

describe(`usage alerts on transitions (${process.env.DELIGHT_TEST_DB})`, () => {
  test("usage_80 and usage_100: raised by the refresh that crosses, not by the next, again after clearing", async () => {
    await refresh("over-plan");
    await refresh("near-plan");
    expect(await raised("over-plan")).toEqual({ usage_80: 1, usage_100: 1 });
    expect(await raised("near-plan")).toEqual({ usage_80: 1 });
    const [first] = await alertsOf("near-plan", "usage_80");
    expect(first!.message).toMatch(/^Nearly There Inc (is at \d+ %|is projected to use \d+ %|used at least 80 %) of Scale 2M/);

    await refresh("over-plan");
    await refresh("near-plan");
    expect(await raised("over-plan")).toEqual({ usage_80: 1, usage_100: 1 });
    expect(await raised("near-plan")).toEqual({ usage_80: 1 });

    // A much bigger plan clears both (the open alerts say so); back on the old plan they return.
    const huge = await createPlan(app.ctx.db, CLI_ACTOR, { name: "Enterprise 1B", monthlyEvents: 1_000_000_000 });
    const id = customerOf("over-plan").id;
    const [before] = await app.ctx.db.select({ planId: customers.planId }).from(customers).where(eq(customers.id, id));
    const switchPlan = (planId: number | null) =>
      app.ctx.db.transaction(async (tx) => {
        await tx.update(customers).set({ planId }).where(eq(customers.id, id));
        await reassess(tx, [id], "plan", clock());
      });
    await switchPlan(huge.id);
    expect((await alertsOf("over-plan", "usage_100"))[0]!.clearedAt).not.toBeNull();
    await refresh("over-plan");
    expect(await raised("over-plan")).toEqual({ usage_80: 1, usage_100: 1 });
    await switchPlan(before!.planId);
    expect(await raised("over-plan")).toEqual({ usage_80: 2, usage_100: 2 });
  });
});

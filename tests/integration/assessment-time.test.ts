import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { recordAnswer, recordOverride } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { recordCatchup } from "../../app/models/catchups.server";
import { customerPageData } from "../../app/models/customer-page.server";
import { queryPortfolio } from "../../app/models/portfolio.server";
import { DEFAULT_FILTERS } from "../../app/utils/portfolio-params";
import { currentAssessment } from "../../checks/assessment/store";
import { localDay, shiftDay } from "../../checks/days";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { billingPeriod } from "../../checks/usage";
import { customers, healthScores } from "../../db/schema";
import { type ScenarioBook, scenarioCustomer, seedScenarios } from "../setup/scenarios";
import { setupTestApp } from "../setup/test-app";

/*
 * Time is an input: with an injected clock, an override running out, an answer going stale, a
 * billing period ending and a catch-up leaving its window each change what readers see, with no
 * refresh in between; and a flagged customer whose refreshes fail stays flagged "as of".
 */

const app = setupTestApp();
let sandbox: Sandbox;
let book: ScenarioBook;
// The next 28th at noon in Tokyo, with the sandbox's clock on it: Nearly There bills on the 28th,
// so T0 and the billing test's reads 21 days later fall in one period whatever day the suite
// runs (from a real clock they did not on 14 Mar 2027). Later than now, as every record the
// seed makes today must stay older than what the tests write.
const T0 = (() => {
  const today = new Date();
  const on28th = (monthsAhead: number) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + monthsAhead, 28, 3));
  return on28th(0) > today ? on28th(0) : on28th(1);
})();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => new Date(T0.getTime() + ms);
// Readers assess every customer at the time they read, so each test reads later than the one
// before: the 15 days of failing refreshes come first, everything else after them.
const later = (ms: number) => at(16 * DAY + ms);

const fast = { limiter: createRateLimiter(), retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, sleep: async () => {} };

beforeAll(async () => {
  sandbox = await startSandbox({ now: T0 });
  book = await seedScenarios(app.ctx.db, app.ctx.secretKey, sandbox, ["healthy", "slipping", "over-plan", "brand-new", "near-plan"]);
  for (const { customer } of book) await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, { ...fast, now: () => T0 });
});
afterAll(async () => {
  await sandbox?.close();
});

const idOf = (scenario: string) => scenarioCustomer(book, scenario).id;
const slugOf = (scenario: string) => scenarioCustomer(book, scenario).slug;
const assessmentAt = async (scenario: string, now: Date) => (await currentAssessment(app.ctx.db, idOf(scenario), now))!.assessment;
const checkAt = async (scenario: string, checkId: string, now: Date) =>
  (await assessmentAt(scenario, now)).checks.find((c) => c.checkId === checkId)!;
/** The portfolio and the customer page at `now` agree with each other; returns their health. */
async function readersAt(scenario: string, now: Date) {
  const portfolio = await queryPortfolio(app.ctx.db, DEFAULT_FILTERS, { userId: 0, now });
  const row = portfolio.rows.find((r) => r.slug === slugOf(scenario))!;
  const page = (await customerPageData(app.ctx.db, slugOf(scenario), now))!;
  expect(row.health).toEqual(page.health);
  return page.health;
}
const lastReason = async (scenario: string) =>
  (
    await app.ctx.db
      .select({ reason: healthScores.reason })
      .from(healthScores)
      .where(eq(healthScores.customerId, idOf(scenario)))
      .orderBy(asc(healthScores.computedAt), asc(healthScores.id))
  ).at(-1)?.reason;

describe(`time is an input (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a customer at ≥ 80 % whose refreshes fail for 15 days stays flagged, as of its last data", async () => {
    const first = await readersAt("over-plan", at(HOUR));
    expect(first).toMatchObject({ flagged80: true, flagged80AsOf: null, stale: false });
    sandbox.setFaults({ perCustomer: { "over-plan": { serverError: { count: 100_000, status: 503 } } } });
    try {
      const customer = (
        await app.ctx.db
          .select()
          .from(customers)
          .where(eq(customers.id, idOf("over-plan")))
      )[0]!;
      for (let day = 1; day <= 15; day++) {
        const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, { ...fast, now: () => at(day * DAY) });
        expect(outcome.status).toBe("failed");
      }
    } finally {
      sandbox.setFaults({});
    }
    const afterFailures = await readersAt("over-plan", at(15 * DAY + HOUR));
    expect(afterFailures).toMatchObject({
      flagged80: true,
      stale: true,
      lastRefresh: { status: "failed" },
      dataThrough: first.dataThrough,
    });
    expect(afterFailures.flagged80AsOf).toBe(first.dataThrough);
    const flagged = await queryPortfolio(app.ctx.db, { ...DEFAULT_FILTERS, flagged: true }, { userId: 0, now: at(15 * DAY + HOUR) });
    expect(flagged.rows.map((r) => r.slug)).toContain(slugOf("over-plan"));
    const stale = await queryPortfolio(app.ctx.db, { ...DEFAULT_FILTERS, stale: true }, { userId: 0, now: at(15 * DAY + HOUR) });
    expect(stale.rows.map((r) => r.slug)).toContain(slugOf("over-plan"));
  });

  test("an override expiring changes the assessment at its expiry, without a refresh", async () => {
    const automated = await checkAt("slipping", "setup.events_recurring", later(HOUR));
    expect(automated.status).toBe("fail");
    await recordOverride(
      app.ctx.db,
      CLI_ACTOR,
      idOf("slipping"),
      { checkId: "setup.events_recurring", status: "pass", reason: "Seasonal, back in spring", expiresAt: later(3 * HOUR).toISOString() },
      later(HOUR),
    );
    const during = await readersAt("slipping", later(2 * HOUR));
    expect((await checkAt("slipping", "setup.events_recurring", later(2 * HOUR))).source).toBe("override");
    const afterExpiry = await readersAt("slipping", later(3 * HOUR + 1000));
    expect(await checkAt("slipping", "setup.events_recurring", later(3 * HOUR + 1000))).toMatchObject({
      status: "fail",
      override: { active: false },
    });
    expect(afterExpiry.score!).toBeLessThan(during.score!);
    expect(await lastReason("slipping")).toBe("time");
  });

  test("an answer turning stale at 180 days changes the assessment, without a refresh", async () => {
    await recordAnswer(app.ctx.db, CLI_ACTOR, idOf("healthy"), { checkId: "training.told_support", answer: "yes" }, later(-179 * DAY));
    const fresh = await readersAt("healthy", later(4 * HOUR));
    expect(await checkAt("healthy", "training.told_support", later(4 * HOUR))).toMatchObject({ status: "pass", answer: { stale: false } });
    const stale = await readersAt("healthy", later(DAY + 5 * HOUR));
    expect(await checkAt("healthy", "training.told_support", later(DAY + 5 * HOUR))).toMatchObject({
      status: "unknown",
      answer: { stale: true },
    });
    expect(stale.coverage).toBeLessThan(fresh.coverage);
  });

  test("a catch-up leaving its 100-day window changes the assessment, without a refresh", async () => {
    const tz = (
      await app.ctx.db
        .select()
        .from(customers)
        .where(eq(customers.id, idOf("brand-new")))
    )[0]!.timezone;
    const today = localDay(later(2 * DAY), tz);
    await recordCatchup(app.ctx.db, CLI_ACTOR, idOf("brand-new"), { date: shiftDay(today, -99), status: "held" }, later(2 * DAY));
    const inside = await readersAt("brand-new", later(2 * DAY + HOUR));
    expect((await checkAt("brand-new", "value.quarterly_catchup", later(2 * DAY + HOUR))).status).toBe("pass");
    const outside = await readersAt("brand-new", later(4 * DAY + HOUR));
    expect((await checkAt("brand-new", "value.quarterly_catchup", later(4 * DAY + HOUR))).status).toBe("fail");
    expect(outside.score!).toBeLessThan(inside.score!);
  });

  test("a billing period rolling over changes usage versus plan, without a refresh", async () => {
    const row = (
      await app.ctx.db
        .select()
        .from(customers)
        .where(eq(customers.id, idOf("near-plan")))
    )[0]!;
    const period = billingPeriod(later(5 * DAY), row.billingDay, row.timezone);
    const before = await assessmentAt("near-plan", later(5 * DAY));
    expect(before.usage.period.start).toBe(period.start);
    // Noon of the first day of the next period, in the project's zone.
    const next = new Date(`${shiftDay(period.end, 1)}T12:00:00Z`);
    const after = await assessmentAt("near-plan", next);
    expect(after.usage.period.start).toBe(shiftDay(period.end, 1));
    // Nothing measured in the new period yet: not zero events, but no data.
    expect(after.usage).toMatchObject({ eventsThisPeriod: 0, percentOfQuota: null, projection: { basis: "no-data" } });
    expect(before.usage.percentOfQuota).not.toBeNull();
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { customerPageData } from "../../app/models/customer-page.server";
import { refreshCustomer } from "../../checks/refresh";
import { setupTestApp } from "../setup/test-app";

/*
 * Issue 13 item 4: a customer that stopped sending events is not projected at its old average.
 * The sandbox's "slipping" project has had no events for its last 12 days (today included).
 */

const app = setupTestApp();
// Pinned, so the billing period falls the same way every day the test runs: Slipping bills on the
// 10th (New York), so the period is 10 Mar – 9 Apr and events stopped after 13 Mar.
const now = new Date("2026-03-25T18:00:00Z");
let sandbox: Sandbox;
const slug = "slipping-ltd";
/** One of the sandbox's customers, with its suggested plan, added as a person would. */
const addScenario = async (from: Sandbox, name: string) =>
  (
    await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, { url: from.url, customers: from.customers.filter((c) => c.name === name) })
  )[0]!.customer;

beforeAll(async () => {
  sandbox = await startSandbox({ now });
  const row = await addScenario(sandbox, "slipping");
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row, { now: () => now })).status).toBe("ok");
});
afterAll(async () => {
  await sandbox?.close();
});

describe(`projection after a stop (${process.env.DELIGHT_TEST_DB})`, () => {
  test("twelve days without events: projected from the last 7 days (nothing more), and the view says so", async () => {
    const { usage } = (await customerPageData(app.ctx.db, slug, now))!;
    expect(usage.period).toMatchObject({ start: "2026-03-10", end: "2026-04-09" });
    // The stop is measured as zeros, not missing days.
    const measured = usage.daily.filter((d) => d.events !== null);
    expect(measured.slice(-12).map((d) => d.events)).toEqual(Array(12).fill(0));
    expect(measured.slice(0, -12).every((d) => (d.events ?? 0) > 0)).toBe(true);
    expect(usage.eventsThisPeriod).toBeGreaterThan(0);

    expect(usage.projectionBasis).toBe("last-7-days");
    expect(usage.projected).toBe(usage.eventsThisPeriod);
    expect(usage.projectionNote).toMatch(
      /^Projected from the last 7 days \(0 a day\), which differ from this period's average \([\d,]+ a day\)\.$/,
    );
    // The old average would have added the rest of the period at its rate.
    const average = Number(usage.projectionNote.match(/average \(([\d,]+) a day\)/)![1]!.replace(/,/g, ""));
    expect(average).toBeGreaterThan(0);
    expect(usage.projected!).toBeLessThan(usage.eventsThisPeriod + average * (usage.period.days - usage.period.daysElapsed));
    expect(usage.projectedPercent).toBe(usage.percentOfQuota);
  });
});

/*
 * A steady customer just after its local midnight: today holds only the minutes already gone.
 * The sandbox used to put a whole day's events there, and on the fourth day of a period that
 * projected "Nearly There" (85 % of its plan, steady) at 113 %, a usage_100 alert it never earned
 * (CI, 30 Nov 2026, 15:00 UTC).
 */
describe(`projection just after local midnight (${process.env.DELIGHT_TEST_DB})`, () => {
  // 00:20 on 1 Dec in Tokyo: Nearly There bills on the 28th, so 3 days and 20 minutes are gone.
  const midnight = new Date("2026-11-30T15:20:00Z");
  let late: Sandbox;
  afterAll(async () => {
    await late?.close();
  });

  test("today counts for the 20 minutes it had, and the projection stays near the plan's 85 %", async () => {
    late = await startSandbox({ now: midnight });
    const row = await addScenario(late, "near-plan");
    expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row, { now: () => midnight })).status).toBe("ok");

    const { usage } = (await customerPageData(app.ctx.db, row.slug, midnight))!;
    expect(usage.period).toMatchObject({ start: "2026-11-28", end: "2026-12-27" });
    const days = usage.daily.filter((d) => d.events !== null);
    expect(days.map((d) => d.day)).toEqual(["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"]);
    const whole = days.slice(0, 3).map((d) => d.events!);
    const today = days[3]!.events!;
    // 20 minutes of a day: 1/72 of it, give or take the day's ±15 % noise.
    expect(today).toBeGreaterThan(0);
    expect(today).toBeLessThan(Math.min(...whole) / 50);
    expect(usage.projectionBasis).toBe("period-average");
    expect(usage.projectedPercent).toBeGreaterThan(70);
    expect(usage.projectedPercent).toBeLessThan(100);
    expect(usage.flagged80).toBe(true);
  });
});

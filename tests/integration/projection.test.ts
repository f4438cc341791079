import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerPageData } from "../../app/models/customer-page.server";
import { createCustomer } from "../../app/models/customers.server";
import { createPlan } from "../../app/models/plans.server";
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

beforeAll(async () => {
  sandbox = await startSandbox({ now });
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

import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerToday, scheduleCatchup } from "../../app/models/catchups.server";
import { createCustomer } from "../../app/models/customers.server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as catchupRoute from "../../app/routes/_app.customers.$slug.catchup";
import { shiftDay } from "../../checks/days";
import { refreshCustomer } from "../../checks/refresh";
import { healthScores } from "../../db/schema";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let customerId: number;
let editor: string;
let viewer: string;
const slug = "healthy-co";
const params = { slug };
const PAGE = `/customers/${slug}`;
const PACK = `${PAGE}/catchup`;
const DAY = 86_400_000;

beforeAll(async () => {
  sandbox = await startSandbox();
  const spec = sandbox.customers.find((c) => c.name === "healthy")!;
  const row = await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    { name: "Healthy Co", posthogHost: sandbox.url, projectId: spec.projectId, apiKey: spec.apiKey, planId: null, billingDay: 1 },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
  );
  customerId = row.id;
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row)).status).toBe("ok");
  editor = (await app.signIn("csm")).cookie;
  viewer = (await app.signIn("viewer")).cookie;
});
afterAll(async () => {
  await sandbox?.close();
});

const page = async (cookie = editor) => (await callLoader(customerPage, PAGE, { cookie, params })).data;
const pack = async (cookie = editor) => (await callLoader(catchupRoute, PACK, { cookie, params })).data;
const catchupCheck = (data: any) => data.checklist.flatMap((s: any) => s.checks).find((c: any) => c.checkId === "value.quarterly_catchup");
const postPack = (form: Record<string, string>) => callAction(catchupRoute, PACK, form, { cookie: editor, params });

describe(`a scheduled catch-up whose date passed (${process.env.DELIGHT_TEST_DB})`, () => {
  test("counts while it is ahead, then is overdue, fails the check and asks to be recorded or rescheduled", async () => {
    const now = new Date();
    const today = await customerToday(app.ctx.db, customerId, now);
    // Scheduled ten days ago for three days ago: at the time it was a future date, as the form requires.
    const tenDaysAgo = new Date(now.getTime() - 10 * DAY);
    const row = await scheduleCatchup(app.ctx.db, CLI_ACTOR, customerId, { date: shiftDay(today, -3), attendees: "Ann" }, tenDaysAgo);
    expect(row.status).toBe("scheduled");
    // Rescored then, when the date was still ahead, it counted.
    const [then] = await app.ctx.db
      .select({ contributions: healthScores.contributions })
      .from(healthScores)
      .where(and(eq(healthScores.customerId, customerId), eq(healthScores.computedAt, tenDaysAgo)));
    expect(
      (then!.contributions as { checkId: string; status: string }[]).find((c) => c.checkId === "value.quarterly_catchup")?.status,
    ).toBe("pass");

    let data = await page();
    expect(catchupCheck(data)).toMatchObject({
      status: "fail",
      summary: `Catch-up scheduled for ${shiftDay(today, -3)} is overdue: record it or reschedule.`,
    });
    expect(data.overdueCatchups).toEqual([{ id: row.id, date: shiftDay(today, -3), attendees: "Ann" }]);
    // A viewer sees it too (without the link to settle it).
    expect((await page(viewer)).overdueCatchups).toHaveLength(1);

    let packData = await pack();
    expect(packData.overdue).toMatchObject([{ id: row.id, date: shiftDay(today, -3), status: "scheduled" }]);
    expect(packData.upcoming).toEqual([]);
    expect(packData.past).toEqual([]);
    expect(packData.openItems.find((i: any) => i.checkId === "value.quarterly_catchup")).toMatchObject({
      kind: "failing",
      text: expect.stringContaining("overdue: record it or reschedule"),
    });

    // Reschedule: the same row moves to a future date and counts again.
    const moved = await postPack({ intent: "schedule", id: String(row.id), date: shiftDay(today, 7), attendees: "Ann", notes: "" });
    expect(moved.status).toBe(200);
    data = await page();
    expect(data.overdueCatchups).toEqual([]);
    expect(catchupCheck(data)).toMatchObject({ status: "pass", summary: `Next catch-up ${shiftDay(today, 7)} (in 7 days)` });
    packData = await pack();
    expect(packData.upcoming).toMatchObject([{ id: row.id, date: shiftDay(today, 7) }]);
    expect(packData.overdue).toEqual([]);
  });

  test("recording an overdue catch-up as held settles it", async () => {
    const now = new Date();
    const today = await customerToday(app.ctx.db, customerId, now);
    const row = await scheduleCatchup(app.ctx.db, CLI_ACTOR, customerId, { date: shiftDay(today, -1) }, new Date(now.getTime() - 5 * DAY));
    expect((await pack()).overdue.map((c: any) => c.id)).toEqual([row.id]);
    // Moving it into the past while keeping it "scheduled" is refused, as for any new one.
    const stillPast = await postPack({ intent: "schedule", id: String(row.id), date: shiftDay(today, -1), notes: "" });
    expect(stillPast.status).toBe(400);
    expect(stillPast.data.errors.date).toBe("That date has passed; record it as held instead");
    const held = await postPack({ intent: "record", id: String(row.id), date: shiftDay(today, -1), notes: "Went well" });
    expect(held.status).toBe(200);
    const packData = await pack();
    expect(packData.overdue).toEqual([]);
    expect(packData.past).toMatchObject([{ id: row.id, status: "held", notes: "Went well" }]);
    expect(catchupCheck(await page())).toMatchObject({ status: "pass", summary: expect.stringContaining("Last catch-up") });
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerToday } from "../../app/models/catchups.server";
import { createCustomer } from "../../app/models/customers.server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as catchupRoute from "../../app/routes/_app.customers.$slug.catchup";
import { shiftDay } from "../../checks/days";
import { refreshCustomer } from "../../checks/refresh";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let editor: string;
const slug = "slipping-ltd";
const params = { slug };
const PAGE = `/customers/${slug}`;
const PACK = `${PAGE}/catchup`;

// Text only the team should read, typed where a CSM types it.
const INTERNAL = {
  answerNote: "Champion is leaving in March, keep it quiet",
  overrideReason: "Sales promised funnels workshop; counting it for now",
  catchupNotes: "Renewal risk: budget cut rumoured",
  attendees: "Ann (VP), Bo (procurement)",
};

beforeAll(async () => {
  sandbox = await startSandbox();
  const spec = sandbox.customers.find((c) => c.name === "slipping")!;
  const row = await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    { name: spec.title, posthogHost: sandbox.url, projectId: spec.projectId, apiKey: spec.apiKey, billingDay: spec.billingDay },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
  );
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row)).status).toBe("ok");
  editor = (await app.signIn("csm")).cookie;
  const post = (form: Record<string, string>) => callAction(customerPage, PAGE, form, { cookie: editor, params });
  expect((await post({ intent: "answer", checkId: "training.demo_received", answer: "no", note: INTERNAL.answerNote })).status).toBe(200);
  const today = await customerToday(app.ctx.db, row.id, new Date());
  expect(
    (
      await post({
        intent: "override",
        checkId: "setup.funnels",
        status: "pass",
        reason: INTERNAL.overrideReason,
        expiresAt: shiftDay(today, 30),
      })
    ).status,
  ).toBe(200);
  const held = await callAction(
    catchupRoute,
    PACK,
    { intent: "record", date: today, attendees: INTERNAL.attendees, notes: INTERNAL.catchupNotes },
    { cookie: editor, params },
  );
  expect(held.status).toBe(200);
});
afterAll(async () => {
  await sandbox?.close();
});

const load = async (query = "") => (await callLoader(catchupRoute, `${PACK}${query}`, { cookie: editor, params })).data;

describe(`the catch-up pack in two versions (${process.env.DELIGHT_TEST_DB})`, () => {
  test("internal prep has everything: talking points, notes, overrides with reasons and expiry, the score trend", async () => {
    const data = await load();
    expect(data.audience).toBe("internal");
    const text = JSON.stringify(data);
    for (const internal of Object.values(INTERNAL)) expect(text).toContain(internal);
    expect(data.overrides).toMatchObject([{ checkId: "setup.funnels", status: "pass", reason: INTERNAL.overrideReason }]);
    expect(data.overrides[0].expiresOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(data.openItems.length).toBeGreaterThan(0);
    // One point per stored score: the refresh, the answer, the override and the catch-up.
    expect(data.historyChart.t.length).toBeGreaterThanOrEqual(4);
    // An unknown audience is the internal pack, not an error.
    expect((await load("?audience=board")).audience).toBe("internal");
  });

  test("the customer's version carries none of the team's text, in what it renders or serialises", async () => {
    const data = await load("?audience=customer");
    expect(data.audience).toBe("customer");
    const text = JSON.stringify(data);
    for (const internal of Object.values(INTERNAL)) expect(text).not.toContain(internal);
    expect(text).not.toContain(sandbox.url);
    expect(Object.keys(data).sort()).toEqual(
      [
        "atLastCatchup",
        "audience",
        "changes",
        "changesBasis",
        "changesScoring",
        "customer",
        "historyChart",
        "now",
        "overrides",
        "progress",
        "today",
        "usage",
      ].sort(),
    );
    // The override is there, with its expiry, but not why or by whom.
    expect(data.overrides).toEqual([
      { checkId: "setup.funnels", question: expect.any(String), status: "pass", expiresOn: expect.stringMatching(/^\d{4}-/) },
    ]);
    expect(data.historyChart).toEqual((await load()).historyChart);
    expect(data.now).toEqual((await load()).now);
  });
});

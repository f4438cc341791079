import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerToday } from "../../app/models/catchups.server";
import { createCustomer } from "../../app/models/customers.server";
import { createPlan } from "../../app/models/plans.server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as catchupRoute from "../../app/routes/_app.customers.$slug.catchup";
import { shiftDay } from "../../checks/days";
import { refreshCustomer } from "../../checks/refresh";
import { auditLog, catchups, checkRuns, healthScores, manualAnswers, overrides } from "../../db/schema";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let apiKey: string;
let customerId: number;
let editor: string;
let viewer: string;
const slug = "slipping-ltd";
const params = { slug };
const PAGE = `/customers/${slug}`;
const PACK = `${PAGE}/catchup`;

beforeAll(async () => {
  sandbox = await startSandbox();
  const spec = sandbox.customers.find((c) => c.name === "slipping")!;
  apiKey = spec.apiKey;
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
  const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, row);
  expect(outcome.status).toBe("ok");
  editor = (await app.signIn("csm")).cookie;
  viewer = (await app.signIn("viewer")).cookie;
});
afterAll(async () => {
  await sandbox?.close();
});

const page = async (cookie = editor) => (await callLoader(customerPage, PAGE, { cookie, params })).data;
const pack = async (cookie = editor) => (await callLoader(catchupRoute, PACK, { cookie, params })).data;
const checkOf = (data: any, id: string) => data.checklist.flatMap((s: any) => s.checks).find((c: any) => c.checkId === id);
const rowCount = async (table: typeof manualAnswers | typeof overrides | typeof healthScores | typeof catchups | typeof checkRuns) =>
  (await app.ctx.db.select({ n: count() }).from(table))[0]!.n;
const post = (form: Record<string, string>, cookie = editor) => callAction(customerPage, PAGE, form, { cookie, params });
const postPack = (form: Record<string, string>, cookie = editor) => callAction(catchupRoute, PACK, form, { cookie, params });

describe(`customer page (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the loader gives every check by section, chart-ready usage and history, and never the key", async () => {
    const data = await page();
    expect(data.checklist.map((s: any) => [s.section, s.checks.length])).toEqual([
      ["setup", 12],
      ["training", 6],
      ["value", 6],
    ]);
    expect(data.checklist.flatMap((s: any) => s.checks)).toHaveLength(24);
    expect(checkOf(data, "setup.events_recurring")).toMatchObject({ status: "fail", source: "posthog", sourceLabel: "PostHog" });
    expect(checkOf(data, "setup.events_recurring").when).toMatch(/^checked \d{4}-\d{2}-\d{2}$/);
    expect(checkOf(data, "training.demo_received")).toMatchObject({ status: "unknown", source: "manual", summary: "Not answered yet" });
    expect(data.maskedKey).toBe(`phx_…${apiKey.slice(-4)}`);
    expect(JSON.stringify(data)).not.toContain(apiKey);
    expect(JSON.stringify(data)).not.toContain("apiKeyEncrypted");
    expect(data.lastRun).toMatchObject({ status: "ok", errors: [] });
    // Assessed when it was added (never refreshed, no score), then by the refresh.
    expect(data.historyChart.score.map((s: number | null) => s === null)).toEqual([true, false]);
    expect(data.usage.plan).toEqual({ name: "Growth 500k", monthlyEvents: 500_000 });
    // Every day of the period is a point; the projection joins the actual line on the last measured day.
    expect(data.usage.cumulative).toHaveLength(data.usage.period.days);
    const lastActual = data.usage.cumulative.filter((p: any) => p.actual !== null).at(-1);
    expect(lastActual.projection).toBe(lastActual.actual);
    expect(data.usage.cumulative.at(-1).projection).toBe(data.usage.projected);
    expect(data.canEdit).toBe(true);
    expect((await page(viewer)).canEdit).toBe(false);
  });

  test("answering a manual check stores a new score with reason 'answer'", async () => {
    const before = await page();
    const scoresBefore = await rowCount(healthScores);
    const result = await post({ intent: "answer", checkId: "training.demo_received", answer: "yes", note: "Demo on the kick-off call" });
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ ok: true, intent: "answer" });
    expect(await rowCount(healthScores)).toBe(scoresBefore + 1);
    const after = await page();
    expect(after.score.value).not.toBe(before.score.value);
    expect(after.score.value).toBeGreaterThan(before.score.value);
    expect(after.historyChart.t).toHaveLength(before.historyChart.t.length + 1);
    const reasons = (await app.ctx.db.select({ reason: healthScores.reason }).from(healthScores).orderBy(healthScores.id)).map(
      (r) => r.reason,
    );
    expect(reasons.at(-1)).toBe("answer");
    const row = checkOf(after, "training.demo_received");
    expect(row).toMatchObject({ status: "pass", source: "manual", stale: false });
    expect(row.summary).toContain("Demo on the kick-off call");
    expect(row.history).toMatchObject([{ kind: "answer", what: 'Answered "yes"', note: "Demo on the kick-off call" }]);
    // The 7-day window starts at the first score (the refresh): the answer is the whole move.
    const week = after.moves.find((m: any) => m.id === "7d").view;
    expect(week.items).toEqual([expect.objectContaining({ checkId: "training.demo_received", text: "answer: now passing (was unknown)" })]);
    expect(week.items[0].points).toBe(week.delta.delta);
  });

  test("a bad answer is a 400 with a field message and the typed values, and stores nothing", async () => {
    const [answers, scores] = [await rowCount(manualAnswers), await rowCount(healthScores)];
    const result = await post({ intent: "answer", checkId: "training.joint_slack", answer: "maybe", note: "typed note" });
    expect(result.status).toBe(400);
    expect(result.data.errors).toEqual({ answer: "Answer yes, no or na" });
    expect(result.data.values).toMatchObject({ checkId: "training.joint_slack", answer: "maybe", note: "typed note" });
    const unknownCheck = await post({ intent: "answer", checkId: "setup.nope", answer: "yes" });
    expect(unknownCheck.status).toBe(400);
    expect(unknownCheck.data.errors.checkId).toBe("There is no check with this id (see delight checks)");
    expect([await rowCount(manualAnswers), await rowCount(healthScores)]).toEqual([answers, scores]);
  });

  test("an override needs a reason and a future expiry; otherwise 400 and nothing stored", async () => {
    const before = await rowCount(overrides);
    const past = await post({
      intent: "override",
      checkId: "setup.production",
      status: "pass",
      reason: "Moved to a new domain",
      expiresAt: "2020-01-01",
    });
    expect(past.status).toBe(400);
    expect(past.data.errors).toEqual({ expiresAt: "The expiry must be in the future" });
    expect(past.data.values.reason).toBe("Moved to a new domain");
    const noReason = await post({ intent: "override", checkId: "setup.production", status: "pass", reason: "", expiresAt: "" });
    expect(noReason.status).toBe(400);
    expect(noReason.data.errors.reason).toBe("Say why (at least a few words)");
    const manual = await post({
      intent: "override",
      checkId: "training.demo_received",
      status: "pass",
      reason: "Because we said so",
      expiresAt: "",
    });
    expect(manual.data.errors.checkId).toBe("Only automated checks take an override; answer manual checks instead");
    expect(await rowCount(overrides)).toBe(before);
  });

  test("an override shows both values, then clearing it restores the automated result", async () => {
    const expires = shiftDay(new Date().toISOString().slice(0, 10), 30);
    const result = await post({
      intent: "override",
      checkId: "setup.production",
      status: "pass",
      reason: "Traffic moved to a proxy we cannot see",
      expiresAt: expires,
    });
    expect(result.status).toBe(200);
    let row = checkOf(await page(), "setup.production");
    expect(row).toMatchObject({ status: "pass", source: "override", sourceLabel: "override", automated: { status: "fail" } });
    expect(row.override).toMatchObject({
      status: "pass",
      active: true,
      expiresOn: expires,
      reason: "Traffic moved to a proxy we cannot see",
    });
    expect(row.summary).toContain("automated: fail");
    expect(row.when).toMatch(/^overridden /);

    const cleared = await post({ intent: "clear-override", checkId: "setup.production" });
    expect(cleared.status).toBe(200);
    row = checkOf(await page(), "setup.production");
    expect(row).toMatchObject({ status: "fail", source: "posthog", override: null });
    expect(row.history.map((h: any) => h.kind)).toEqual(["cleared", "override"]);
    const reasons = (await app.ctx.db.select({ reason: healthScores.reason }).from(healthScores).orderBy(healthScores.id)).map(
      (r) => r.reason,
    );
    expect(reasons.slice(-2)).toEqual(["override", "override"]);
  });

  test("viewers get 403 on every intent, and nothing changes", async () => {
    const counts = async () =>
      Promise.all([rowCount(manualAnswers), rowCount(overrides), rowCount(catchups), rowCount(checkRuns), rowCount(healthScores)]);
    const before = await counts();
    const forms: Record<string, string>[] = [
      { intent: "answer", checkId: "training.joint_slack", answer: "yes" },
      { intent: "override", checkId: "setup.production", status: "pass", reason: "viewer trying" },
      { intent: "clear-override", checkId: "setup.production" },
      { intent: "refresh" },
    ];
    for (const form of forms) expect((await post(form, viewer)).status).toBe(403);
    const packForms: Record<string, string>[] = [
      { intent: "schedule", date: "2099-01-01" },
      { intent: "record", date: "2020-01-01" },
      { intent: "cancel", id: "1" },
    ];
    for (const form of packForms) {
      expect((await postPack(form, viewer)).status).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });

  test("an unknown intent or a cross-site post is refused", async () => {
    expect((await post({ intent: "delete-everything" })).status).toBe(400);
    const crossSite = await callAction(
      customerPage,
      PAGE,
      { intent: "answer", checkId: "training.joint_slack", answer: "yes" },
      { cookie: editor, params, origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
  });

  test("Refresh now runs a refresh and reports its outcome", async () => {
    const runs = await rowCount(checkRuns);
    const result = await post({ intent: "refresh" });
    expect(result.status).toBe(200);
    expect(result.data).toMatchObject({ ok: true, intent: "refresh", status: "ok" });
    expect(result.data.message).toMatch(/^refreshed, score \d/);
    expect(await rowCount(checkRuns)).toBe(runs + 1);
    expect((await page()).lastRun.status).toBe("ok");
  });
});

describe(`catch-up pack (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the pack lists the failing checks as talking points, with progress per section", async () => {
    const data = await pack();
    const failing = data.openItems.filter((i: any) => i.kind === "failing").map((i: any) => i.checkId);
    expect(failing).toEqual(
      expect.arrayContaining([
        "setup.events_recurring",
        "setup.production",
        "training.everyone_used",
        "value.regular_usage",
        "value.quarterly_catchup",
      ]),
    );
    expect(data.openItems[0].kind).toBe("failing");
    expect(data.openItems.find((i: any) => i.checkId === "training.joint_slack")).toMatchObject({
      kind: "unknown",
      text: "Nobody has answered this yet",
    });
    expect(data.progress.map((p: any) => p.section)).toEqual(["setup", "training", "value"]);
    expect(data.progress.find((p: any) => p.section === "training")).toMatchObject({ passing: 1 });
    expect(data.atLastCatchup).toBeNull();
    expect(data.lastNotes).toBeNull();
    expect(data.usage.plan.monthlyEvents).toBe(500_000);
    expect(JSON.stringify(data)).not.toContain(apiKey);
  });

  test("schedule, record with notes, reject bad dates, cancel — each rescored with reason 'catchup'", async () => {
    const today = await customerToday(app.ctx.db, customerId, new Date());
    const before = await rowCount(catchups);
    const bad = await postPack({ intent: "schedule", date: "2025-02-30", attendees: "Ann", notes: "" });
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toEqual({ date: "Enter the date as YYYY-MM-DD (a real day)" });
    expect(bad.data.values).toMatchObject({ date: "2025-02-30", attendees: "Ann" });
    const heldInFuture = await postPack({ intent: "record", date: shiftDay(today, 5), notes: "" });
    expect(heldInFuture.data.errors.date).toBe("A held catch-up cannot be in the future; schedule it instead");
    const longNotes = await postPack({ intent: "record", date: today, notes: "x".repeat(5001) });
    expect(longNotes.data.errors.notes).toBe("Keep the notes under 5,000 characters");
    expect(await rowCount(catchups)).toBe(before);

    const scheduled = await postPack({ intent: "schedule", date: shiftDay(today, 20), attendees: "Ann, Bo", notes: "" });
    expect(scheduled.status).toBe(200);
    expect(scheduled.data).toMatchObject({ ok: true, intent: "schedule" });
    let data = await pack();
    expect(data.upcoming).toMatchObject([{ date: shiftDay(today, 20), status: "scheduled", attendees: "Ann, Bo" }]);
    // value.quarterly_catchup reads catch-ups: the stored score moved with the write.
    expect(checkOf(await page(), "value.quarterly_catchup").status).toBe("pass");
    const reasons = (await app.ctx.db.select({ reason: healthScores.reason }).from(healthScores).orderBy(healthScores.id)).map(
      (r) => r.reason,
    );
    expect(reasons.at(-1)).toBe("catchup");

    const cancelled = await postPack({ intent: "cancel", id: String(data.upcoming[0].id) });
    expect(cancelled.status).toBe(200);
    data = await pack();
    expect(data.upcoming).toEqual([]);
    expect(data.past[0]).toMatchObject({ status: "cancelled" });
    expect(checkOf(await page(), "value.quarterly_catchup").status).toBe("fail");

    const held = await postPack({
      intent: "record",
      date: shiftDay(today, -2),
      attendees: "Ann",
      notes: "They want SSO.\nFollow up on funnels.",
    });
    expect(held.status).toBe(200);
    data = await pack();
    expect(data.lastNotes).toMatchObject({ date: shiftDay(today, -2), notes: "They want SSO.\nFollow up on funnels.", attendees: "Ann" });
    expect(data.atLastCatchup).toMatchObject({ date: shiftDay(today, -2) });
    expect(data.openItems.map((i: any) => i.checkId)).not.toContain("value.quarterly_catchup");
    expect((await page()).sinceCatchup).toMatchObject({ on: shiftDay(today, -2) });

    const audit = await app.ctx.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.entityId, String(customerId)));
    expect(audit.map((a) => a.action).filter((a) => a.startsWith("catchup."))).toEqual([
      "catchup.create",
      "catchup.cancel",
      "catchup.create",
    ]);
  });

  test("a catch-up of another customer cannot be cancelled through this one", async () => {
    const other = await createCustomer(
      app.ctx.db,
      CLI_ACTOR,
      {
        name: "Other Co",
        posthogHost: sandbox.url,
        projectId: 4242,
        apiKey: "phx_otherCustomerKey_0123456789",
        planId: null,
        billingDay: 1,
      },
      { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
    );
    const [row] = await app.ctx.db
      .insert(catchups)
      .values({ customerId: other.id, date: "2099-01-01", status: "scheduled", createdBy: "test" })
      .returning();
    const result = await postPack({ intent: "cancel", id: String(row!.id) });
    expect(result.status).toBe(400);
    expect(result.data.errors.form).toBe("Only a scheduled catch-up of this customer can be cancelled");
    const [still] = await app.ctx.db.select().from(catchups).where(eq(catchups.id, row!.id));
    expect(still!.status).toBe("scheduled");
  });

  test("a customer without a plan or a refresh says so", async () => {
    const data = (await callLoader(customerPage, "/customers/other-co", { cookie: editor, params: { slug: "other-co" } })).data;
    expect(data.usage.plan).toBeNull();
    expect(data.usage.hasData).toBe(false);
    expect(data.lastRun).toBeNull();
    expect(data.score.value).toBeNull();
    expect(checkOf(data, "setup.logged_in").summary).toBe("Not refreshed yet");
  });
});

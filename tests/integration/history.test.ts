import { count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { recordAnswer } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { recordCatchup } from "../../app/models/catchups.server";
import { ARCHIVED_READ_ONLY, createCustomer, setArchived, updateCustomer } from "../../app/models/customers.server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as catchupRoute from "../../app/routes/_app.customers.$slug.catchup";
import { refreshNow } from "../../app/utils/refresh.server";
import { catchups, catchupVersions, checkRuns, currentHealth, healthScores, manualAnswers, overrides } from "../../db/schema";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let customerId: number;
let ann: { cookie: string; email: string };
let bo: { cookie: string; email: string };
const params = { slug: "kept-corp" };
const PACK = "/customers/kept-corp/catchup";
const PAGE = "/customers/kept-corp";
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  const customer = await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    {
      name: "Kept Corp",
      posthogHost: "us",
      projectId: 3,
      apiKey: "phx_historyTestKey_0123456789",
      planId: null,
      billingDay: 1,
      ownerId: null,
    },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: false },
  );
  customerId = customer.id;
  ann = await app.signIn("csm");
  bo = await app.signIn("csm");
});

const rows = async (table: typeof manualAnswers | typeof overrides | typeof catchups | typeof checkRuns | typeof catchupVersions) =>
  (await app.ctx.db.select({ n: count() }).from(table))[0]!.n;

describe(`nothing overwritten (${process.env.DELIGHT_TEST_DB})`, () => {
  test("recording a catch-up again keeps every earlier version, with who and when, and the pack shows the history", async () => {
    const first = await callAction(
      catchupRoute,
      PACK,
      { intent: "record", date: today, attendees: "Ann, Cy", notes: "Agreed on the rollout plan" },
      { cookie: ann.cookie, params },
    );
    expect(first.data).toMatchObject({ ok: true });
    const [row] = await app.ctx.db.select().from(catchups).where(eq(catchups.customerId, customerId));
    const again = await callAction(
      catchupRoute,
      PACK,
      { intent: "record", id: String(row!.id), date: today, attendees: "Bo", notes: "Rewritten by Bo" },
      { cookie: bo.cookie, params },
    );
    expect(again.data).toMatchObject({ ok: true });

    const versions = await app.ctx.db
      .select()
      .from(catchupVersions)
      .where(eq(catchupVersions.catchupId, row!.id))
      .orderBy(catchupVersions.id);
    expect(versions.map((v) => [v.recordedBy, v.attendees, v.notes])).toEqual([
      [ann.email, "Ann, Cy", "Agreed on the rollout plan"],
      [bo.email, "Bo", "Rewritten by Bo"],
    ]);
    const pack = (await callLoader(catchupRoute, PACK, { cookie: ann.cookie, params })).data;
    expect(pack.history[row!.id].map((v: { notes: string; recordedBy: string }) => [v.recordedBy, v.notes])).toEqual([
      [ann.email, "Agreed on the rollout plan"],
      [bo.email, "Rewritten by Bo"],
    ]);
    expect(pack.past[0]).toMatchObject({ notes: "Rewritten by Bo" });
  });

  test("a catch-up saved before versions existed keeps its original text as the first version", async () => {
    const [legacy] = await app.ctx.db
      .insert(catchups)
      .values({ customerId, date: today, status: "held", attendees: "Old", notes: "Written long ago", createdBy: "old@example.com" })
      .returning();
    await recordCatchup(app.ctx.db, { id: null, name: "cy@example.com" }, customerId, {
      id: String(legacy!.id),
      date: today,
      status: "held",
      notes: "New",
    });
    const versions = await app.ctx.db
      .select()
      .from(catchupVersions)
      .where(eq(catchupVersions.catchupId, legacy!.id))
      .orderBy(catchupVersions.id);
    expect(versions.map((v) => [v.recordedBy, v.notes])).toEqual([
      ["old@example.com", "Written long ago"],
      ["cy@example.com", "New"],
    ]);
  });

  test("an archived customer is read-only until unarchived: no answers, overrides, catch-ups or Refresh now", async () => {
    await setArchived(app.ctx.db, CLI_ACTOR, "kept-corp", true);
    const before = await Promise.all([rows(manualAnswers), rows(overrides), rows(catchups), rows(checkRuns), rows(catchupVersions)]);
    const page = await callLoader(customerPage, PAGE, { cookie: ann.cookie, params });
    expect(page.data.canEdit).toBe(false);
    expect((await callLoader(catchupRoute, PACK, { cookie: ann.cookie, params })).data.canEdit).toBe(false);

    const pageForms: Record<string, string>[] = [
      { intent: "answer", checkId: "training.demo_received", answer: "yes" },
      { intent: "override", checkId: "setup.production", status: "pass", reason: "archived anyway" },
      { intent: "clear-override", checkId: "setup.production" },
      { intent: "refresh" },
    ];
    for (const form of pageForms) {
      const result = await callAction(customerPage, PAGE, form, { cookie: ann.cookie, params });
      expect(result.status, form.intent).toBe(409);
      expect(result.data.errors.form).toBe(ARCHIVED_READ_ONLY);
    }
    const packForms: Record<string, string>[] = [
      { intent: "schedule", date: "2099-01-01" },
      { intent: "record", date: today },
      { intent: "cancel", id: "1" },
    ];
    for (const form of packForms) {
      const result = await callAction(catchupRoute, PACK, form, { cookie: ann.cookie, params });
      expect(result.status, form.intent).toBe(409);
    }
    // The model entry points refuse too, whoever calls them.
    await expect(recordAnswer(app.ctx.db, CLI_ACTOR, customerId, { checkId: "training.demo_received", answer: "no" })).rejects.toThrow(
      ARCHIVED_READ_ONLY,
    );
    await expect(recordCatchup(app.ctx.db, CLI_ACTOR, customerId, { date: today, status: "held" })).rejects.toThrow(ARCHIVED_READ_ONLY);
    await expect(refreshNow("kept-corp")).rejects.toThrow(ARCHIVED_READ_ONLY);
    for (const argv of [
      ["answer", "kept-corp", "training.demo_received", "yes"],
      ["refresh", "--customer", "kept-corp"],
    ]) {
      const result = await cli({ context: app.ctx }, ...argv);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("archived");
    }
    expect(await Promise.all([rows(manualAnswers), rows(overrides), rows(catchups), rows(checkRuns), rows(catchupVersions)])).toEqual(
      before,
    );

    await setArchived(app.ctx.db, CLI_ACTOR, "kept-corp", false);
    const answered = await callAction(
      customerPage,
      PAGE,
      { intent: "answer", checkId: "training.demo_received", answer: "yes" },
      { cookie: ann.cookie, params },
    );
    expect(answered.data).toMatchObject({ ok: true });
  });

  test("an archived customer's settings and health stand still until it is unarchived, then it is assessed as of now", async () => {
    const options = { secretKey: app.ctx.secretKey, allowPrivateHosts: false };
    const settings = { name: "Kept Corp renamed", posthogHost: "us", projectId: 3, planId: null, billingDay: 5, ownerId: null };
    const scores = async () =>
      (await app.ctx.db.select({ n: count() }).from(healthScores).where(eq(healthScores.customerId, customerId)))[0]!.n;
    await setArchived(app.ctx.db, CLI_ACTOR, "kept-corp", true);
    await expect(updateCustomer(app.ctx.db, CLI_ACTOR, "kept-corp", settings, options)).rejects.toThrow(ARCHIVED_READ_ONLY);

    // Its assessment expires (midnight passes): readers keep showing the frozen one, no new row is written.
    await app.ctx.db
      .update(currentHealth)
      .set({ validUntil: new Date(0) })
      .where(eq(currentHealth.customerId, customerId));
    const before = await scores();
    const page = await callLoader(customerPage, PAGE, { cookie: ann.cookie, params });
    expect(page.status).toBe(200);
    expect(await scores()).toBe(before);

    await setArchived(app.ctx.db, CLI_ACTOR, "kept-corp", false);
    expect(await scores()).toBe(before + 1);
    const [row] = await app.ctx.db
      .select({ validUntil: currentHealth.validUntil })
      .from(currentHealth)
      .where(eq(currentHealth.customerId, customerId));
    expect(row!.validUntil.getTime()).toBeGreaterThan(Date.now());
    const updated = await updateCustomer(app.ctx.db, CLI_ACTOR, "kept-corp", settings, options);
    expect(updated.billingDay).toBe(5);
  });
});

import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { recordAnswer } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { addCustomCheck, retireCustomCheck } from "../../app/models/custom-checks.server";
import { scoreHistory } from "../../app/models/health-history.server";
import * as settingsRoute from "../../app/routes/_app.settings";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { activeCustomers, refreshCustomer, refreshMany } from "../../checks/refresh";
import { auditLog, customChecks, healthScores, manualAnswers, scoringVersions } from "../../db/schema";
import { assessmentOf } from "../setup/health";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let seeded: Awaited<ReturnType<typeof seedSandboxCustomers>>;
let admin: { cookie: string; email: string };
const fast = { retries: 1, maxRetryWaitMs: 50, timeoutMs: 2000, sleep: async () => {}, limiter: createRateLimiter() };
const customer = (name: string) => seeded.find((s) => s.scenario.name === name)!.customer;
const health = (name: string) => assessmentOf(app.ctx.db, customer(name).id);
const statusOf = async (name: string, checkId: string) => (await health(name)).checks.find((c) => c.checkId === checkId)?.status;
const settings = (form: Record<string, string>, cookie = admin.cookie) => callAction(settingsRoute, "/settings", form, { cookie });

beforeAll(async () => {
  sandbox = await startSandbox();
  seeded = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, sandbox);
  await refreshMany(app.ctx.db, app.ctx.secretKey, await activeCustomers(app.ctx.db), { ...fast, concurrency: 4 });
  admin = await app.signIn("admin");
});
afterAll(async () => {
  await sandbox?.close();
});

describe(`team-defined checks (${process.env.DELIGHT_TEST_DB})`, () => {
  test("settings changes are admin-only: csm and viewer get 403 and nothing changes", async () => {
    for (const role of ["viewer", "csm"] as const) {
      const { cookie } = await app.signIn(role);
      const forms: Record<string, string>[] = [
        { intent: "add-check", section: "training", question: "Did we send a welcome pack?", weight: "2", kind: "manual" },
        { intent: "scoring", healthy: "80", concerning: "50" },
        { intent: "extras", extras: "extra.reverse_proxy", minSdkVersions: "" },
        { intent: "retire-check", id: "custom.anything" },
      ];
      for (const form of forms) {
        expect((await settings(form, cookie)).status).toBe(403);
      }
      const page = await callLoader(settingsRoute, "/settings", { cookie });
      expect(page.status).toBe(200);
      expect(page.data.canEdit).toBe(false);
    }
    expect(await app.ctx.db.select().from(customChecks)).toEqual([]);
    expect(await app.ctx.db.select().from(scoringVersions)).toEqual([]);
  });

  test("bad definitions are refused with field messages and the typed values, before anything is saved", async () => {
    const hostile = await settings({
      intent: "add-check",
      section: "setup",
      question: "Traffic from prod?",
      kind: "event",
      event: "$pageview",
      property: "$host') OR 1=1 --",
      operator: "equals",
      value: "x",
      minCount: "1",
      days: "7",
    });
    expect(hostile.status).toBe(400);
    expect(hostile.data.errors).toEqual({ property: expect.stringMatching(/^Property names are letters/) });
    expect(hostile.data.values).toMatchObject({ property: "$host') OR 1=1 --", question: "Traffic from prod?" });
    const tooLong = await settings({
      intent: "add-check",
      section: "setup",
      question: "Signups?",
      kind: "event",
      event: "signed_up",
      minCount: "1",
      days: "365",
    });
    expect(tooLong.data.errors).toEqual({ days: "Days must be at most 90" });
    const badWeight = await settings({ intent: "add-check", section: "nope", question: "x", weight: "11" });
    expect(badWeight.data.errors).toMatchObject({
      section: "Choose setup, training or value",
      question: expect.any(String),
      weight: "Weight is a whole number from 0 to 10",
    });
    const bands = await settings({ intent: "scoring", healthy: "40", concerning: "60", "w:setup.actions": "-1" });
    expect(bands.status).toBe(400);
    expect(bands.data.errors).toEqual({
      concerning: "The concerning threshold must be below the healthy one",
      "w:setup.actions": "Weights are whole numbers from 0 to 10",
    });
    expect((await settings({ intent: "nope" })).status).toBe(400);
    expect(await app.ctx.db.select().from(customChecks)).toEqual([]);
  });

  test("a custom manual check: added (new version), answered, then retired; the score follows each step", async () => {
    const before = await health("slipping");
    const added = await settings({
      intent: "add-check",
      section: "training",
      question: "Did we run an onboarding workshop?",
      weight: "4",
      kind: "manual",
    });
    expect(added).toMatchObject({
      status: 200,
      data: { ok: true, message: "Added custom.did_we_run_an_onboarding_workshop; scoring version 2" },
    });
    const id = "custom.did_we_run_an_onboarding_workshop";
    const afterAdd = await health("slipping");
    expect(afterAdd.checks.find((c) => c.checkId === id)).toMatchObject({
      kind: "manual",
      origin: "custom",
      status: "unknown",
      section: "training",
    });
    expect((await scoreHistory(app.ctx.db, customer("slipping").id, new Date())).at(-1)).toMatchObject({
      scoringVersion: "2",
      reason: "scoring v2",
    });
    expect(afterAdd.score).toBe(before.score);

    const state = await recordAnswer(app.ctx.db, CLI_ACTOR, customer("slipping").id, { checkId: id, answer: "no", note: "next month" });
    expect(state.checks.find((c) => c.checkId === id)).toMatchObject({ status: "fail", source: "manual" });
    expect(state.score!).toBeLessThan(before.score!);
    expect(state.checks.find((c) => c.checkId === id)).toMatchObject({ weight: 4, points: 0, maxPoints: 4 });

    const retired = await settings({ intent: "retire-check", id });
    expect(retired.data.message).toBe(`Retired ${id}; scoring version 3`);
    const afterRetire = await health("slipping");
    expect(afterRetire.checks.some((c) => c.checkId === id)).toBe(false);
    expect(afterRetire.score).toBe(before.score);
    // Its answers stay in history.
    const answers = await app.ctx.db.select().from(manualAnswers).where(eq(manualAnswers.checkId, id));
    expect(answers).toMatchObject([{ answer: "no", note: "next month" }]);
    const [row] = await app.ctx.db.select().from(customChecks).where(eq(customChecks.id, id));
    expect(row!.retiredAt).toBeInstanceOf(Date);
    // Retired: no longer answerable, and its id is never reused.
    await expect(recordAnswer(app.ctx.db, CLI_ACTOR, customer("slipping").id, { checkId: id, answer: "yes" })).rejects.toThrow(
      /no check with this id/,
    );
    const again = await addCustomCheck(app.ctx.db, CLI_ACTOR, {
      section: "training",
      question: "Did we run an onboarding workshop?",
      kind: "manual",
    });
    expect(again.check.id).toBe(`${id}_2`);
    await retireCustomCheck(app.ctx.db, CLI_ACTOR, again.check.id);
    const audit = await app.ctx.db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.entity, "custom_check"));
    expect(audit.map((a) => a.action)).toEqual(["check.create", "check.retire", "check.create", "check.retire"]);
  });

  test("plan-specific checks appear only for customers on those plans", async () => {
    const growth = customer("healthy").planId!;
    const { check } = await addCustomCheck(app.ctx.db, CLI_ACTOR, {
      section: "value",
      question: "Have we offered a volume discount?",
      kind: "manual",
      planIds: [growth],
    });
    const on = (await health("healthy")).checks.some((c) => c.checkId === check.id);
    const off = (await health("brand-new")).checks.some((c) => c.checkId === check.id);
    expect([on, off]).toEqual([true, false]);
    await retireCustomCheck(app.ctx.db, CLI_ACTOR, check.id);
  });

  test("custom event checks are decided at the next refresh, in the same single HogQL query, with values as placeholders", async () => {
    await addCustomCheck(app.ctx.db, CLI_ACTOR, {
      section: "value",
      question: "Are people signing up?",
      kind: "event",
      event: "signed_up",
      minCount: "10",
      days: "60",
      weight: "3",
    });
    await addCustomCheck(app.ctx.db, CLI_ACTOR, {
      section: "setup",
      question: "Pageviews from the production domain?",
      kind: "event",
      event: "$pageview",
      property: "$host",
      operator: "contains",
      value: "app.healthy.test",
      minCount: "1",
      days: "7",
    });
    const signups = "custom.are_people_signing_up";
    const prod = "custom.pageviews_from_the_production_domain";
    expect(await statusOf("healthy", signups)).toBe("unknown");

    const start = sandbox.requests.length;
    const outcomes = await refreshMany(app.ctx.db, app.ctx.secretKey, await activeCustomers(app.ctx.db), { ...fast, concurrency: 3 });
    const mine = sandbox.requests.slice(start);
    const queries = mine.filter((r) => r.path.endsWith("/query/"));
    // Exactly one query per customer, event checks or not (all calls start together, so even a
    // revoked key sends its one query).
    expect(outcomes).toHaveLength(9);
    expect(queries).toHaveLength(outcomes.length);
    expect(new Set(queries.map((q) => q.customer)).size).toBe(outcomes.length);
    for (const q of queries.filter((r) => r.status === 200)) {
      expect(q.hogql!.values).toMatchObject({ e_1: "signed_up", e_2: "$pageview", p_2: "$host", v_2: "app.healthy.test" });
      for (const typed of ["signed_up", "app.healthy.test", "$pageview'"]) expect(q.hogql!.query).not.toContain(typed);
    }
    expect(
      queries
        .filter((q) => q.status !== 200)
        .map((q) => [q.customer, q.status])
        .sort(),
    ).toEqual([
      ["missing-scope", 403],
      ["revoked-key", 401],
    ]);

    expect(await statusOf("healthy", signups)).toBe("pass");
    expect(await statusOf("healthy", prod)).toBe("pass");
    expect(await statusOf("slipping", signups)).toBe("fail");
    expect(await statusOf("slipping", prod)).toBe("fail");
    expect(await statusOf("missing-scope", signups)).toBe("unknown");
    const checked = (await health("server-side-only")).checks.find((c) => c.checkId === signups)!;
    expect(checked).toMatchObject({ status: "pass", source: "posthog", origin: "custom" });
    expect(checked.evidence).toMatchObject({ minCount: 10, days: 60 });
  });

  test("extras switched on are decided from the stored snapshot at once; new SDK minimums re-decide without a refresh", async () => {
    const queriesBefore = sandbox.requests.filter((r) => r.path.endsWith("/query/")).length;
    const saved = await settings({ intent: "extras", extras: "extra.sdk_current", minSdkVersions: "web=1.150.0" });
    expect(saved.data.ok).toBe(true);
    const form = new URLSearchParams([
      ["intent", "extras"],
      ["extras", "extra.reverse_proxy"],
      ["extras", "extra.sdk_current"],
      ["extras", "extra.autocapture_actions"],
      ["extras", "extra.identify_share"],
      ["extras", "extra.dashboards_viewed"],
      ["minSdkVersions", "web=1.150.0"],
    ]);
    const all = await settingsRoute.action({
      request: new Request("http://delight.test/settings", {
        method: "POST",
        headers: { Cookie: admin.cookie, Origin: "http://delight.test", "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      }),
      params: {},
      context: {},
    });
    expect(all).toMatchObject({ ok: true });
    const expected: Record<string, Record<string, string>> = {
      healthy: {
        "extra.reverse_proxy": "pass",
        "extra.sdk_current": "pass",
        "extra.autocapture_actions": "pass",
        "extra.identify_share": "pass",
        "extra.dashboards_viewed": "pass",
      },
      slipping: {
        "extra.reverse_proxy": "fail",
        "extra.sdk_current": "fail",
        "extra.autocapture_actions": "pass",
        "extra.dashboards_viewed": "fail",
      },
      "brand-new": { "extra.autocapture_actions": "fail" },
      "server-side-only": { "extra.identify_share": "fail" },
    };
    for (const [name, checks] of Object.entries(expected)) {
      for (const [id, status] of Object.entries(checks))
        expect({ name, id, status: await statusOf(name, id) }).toEqual({ name, id, status });
    }
    const sdk = (await health("slipping")).checks.find((c) => c.checkId === "extra.sdk_current")!;
    expect(sdk.summary).toBe("Outdated SDKs in the last 30×24 hours: web@1.90.0");
    const viewed = (await health("healthy")).checks.find((c) => c.checkId === "extra.dashboards_viewed")!;
    expect(viewed.summary).toMatch(
      /^1 dashboard and 1 insight viewed in the last 30×24 hours; most recently “Growth” on \d{4}-\d{2}-\d{2}$/,
    );
    expect(viewed.evidence).toMatchObject({ viewed30d: 2, mostRecentlyViewed: "dashboard Growth" });
    await settings({ intent: "extras", extras: "extra.sdk_current", minSdkVersions: "web=1.50.0" });
    expect(await statusOf("slipping", "extra.sdk_current")).toBe("pass");
    expect(sandbox.requests.filter((r) => r.path.endsWith("/query/")).length).toBe(queriesBefore);
    const bad = await settings({ intent: "extras", extras: "extra.bogus", minSdkVersions: "web>=1" });
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toMatchObject({
      extras: "Unknown extra check",
      minSdkVersions: '"web>=1" is not lib=version (e.g. web=1.150.0)',
    });
  });

  test("a new scoring version rescores every customer; older scores keep their version", async () => {
    const customers = await activeCustomers(app.ctx.db);
    const latestVersion = async () => (await app.ctx.db.select({ n: sql<number>`max(number)::int` }).from(scoringVersions))[0]!.n;
    const previous = await latestVersion();
    const countBefore = async (version: string) =>
      (await app.ctx.db.select({ n: sql<number>`count(*)::int` }).from(healthScores).where(eq(healthScores.scoringVersion, version)))[0]!.n;
    const oldV1 = await countBefore("1");
    const result = await settings({
      intent: "scoring",
      healthy: "90",
      concerning: "50",
      "w:setup.production": "0",
      "w:custom.are_people_signing_up": "5",
    });
    expect(result.data.message).toBe(`Saved scoring version ${previous + 1}; every customer is being re-assessed under it`);
    const version = String(previous + 1);
    for (const c of customers) {
      // Read as every reader reads it: an assessment under the old version is never shown.
      const h = await assessmentOf(app.ctx.db, c.id);
      expect(h.scoringVersion).toBe(version);
      expect(h.checks.find((x) => x.checkId === "setup.production")?.weight).toBe(0);
      const [latest] = await app.ctx.db
        .select()
        .from(healthScores)
        .where(eq(healthScores.customerId, c.id))
        .orderBy(sql`${healthScores.computedAt} desc, ${healthScores.id} desc`)
        .limit(1);
      expect(latest).toMatchObject({ scoringVersion: version, reason: `scoring v${version}` });
    }
    expect(await countBefore("1")).toBe(oldV1);
    const healthy = await health("healthy");
    expect(healthy.band).toBe(healthy.score! >= 90 ? "healthy" : healthy.score! >= 50 ? "concerning" : "poor");
    const [row] = await app.ctx.db
      .select()
      .from(scoringVersions)
      .where(eq(scoringVersions.number, previous + 1));
    expect(row).toMatchObject({ author: admin.email, bands: { healthy: 90, concerning: 50 } });
    expect(row!.changed).toEqual([
      "custom.are_people_signing_up: weight 3 → 5",
      "setup.production: weight 4 → 0",
      "healthy band from 70 → 90",
      "concerning band from 40 → 50",
    ]);
    const nothing = await settings({ intent: "scoring", healthy: "90", concerning: "50" });
    expect(nothing.data.errors).toEqual({ form: "Nothing changed: the weights and bands are the same as the current version" });
    const versions = (
      await app.ctx.db
        .select({ version: healthScores.scoringVersion })
        .from(healthScores)
        .where(and(eq(healthScores.customerId, customer("healthy").id)))
        .orderBy(asc(healthScores.id))
    ).map((r) => r.version);
    expect(versions[0]).toBe("1");
    expect(versions.at(-1)).toBe(version);

    const page = await callLoader(settingsRoute, "/settings", { cookie: admin.cookie });
    expect(page.data.checklist.versions.map((v: { number: number }) => v.number)).toEqual(
      Array.from({ length: previous + 1 }, (_, i) => previous + 1 - i),
    );
    expect(page.data.checklist.scoring.rows.find((r: { id: string }) => r.id === "setup.production").weight).toBe(0);
  });

  test("a refresh after the version change stores the new version too", async () => {
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer("near-plan"), fast);
    expect(outcome.status).toBe("ok");
    const [latest] = await app.ctx.db.select().from(healthScores).where(eq(healthScores.runId, outcome.runId!));
    const [max] = await app.ctx.db.select({ n: sql<number>`max(number)::int` }).from(scoringVersions);
    expect(latest!.scoringVersion).toBe(String(max!.n));
  });
});

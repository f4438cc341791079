import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { clearOverride, recordAnswer, recordOverride } from "../../app/models/answers.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { cancelCatchup, recordCatchup, scheduleCatchup } from "../../app/models/catchups.server";
import { updateCustomer } from "../../app/models/customers.server";
import { updatePlan } from "../../app/models/plans.server";
import { createApiToken } from "../../app/models/tokens.server";
import * as portfolioRoute from "../../app/routes/_app._index";
import * as customerRoute from "../../app/routes/_app.customers.$slug._index";
import * as catchupRoute from "../../app/routes/_app.customers.$slug.catchup";
import * as settingsRoute from "../../app/routes/_app.settings";
import * as apiCustomers from "../../app/routes/api.customers";
import * as apiCustomer from "../../app/routes/api.customers.$slug";
import * as csvRoute from "../../app/routes/customers[.]csv";
import { flag80Reason } from "../../checks/assessment/flag80";
import type { HealthSummary } from "../../checks/assessment/summary";
import { localDay, shiftDay } from "../../checks/days";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { customers, healthScores, plans } from "../../db/schema";
import { cli } from "../setup/cli";
import { type ScenarioBook, scenarioCustomer, seedScenarios } from "../setup/scenarios";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

/*
 * Issue 9's acceptance: a book of customers goes through every kind of input that can change
 * health, and after each one every reader (portfolio, customer page, catch-up pack, CSV, both
 * API routes, `customer list --json`, `report --json`) shows the same health for every customer.
 */

const app = setupTestApp();
let sandbox: Sandbox;
let book: ScenarioBook;
let admin: { cookie: string; userId: number; email: string };
let token: string;
const sent: { slug: string; health: HealthSummary }[] = [];

const fast = () => ({
  limiter: createRateLimiter(),
  retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  sleep: async () => {},
  onAssessed: (c: { slug: string }, health: HealthSummary) => void sent.push({ slug: c.slug, health }),
});

beforeAll(async () => {
  sandbox = await startSandbox();
  const wanted = ["healthy", "slipping", "over-plan", "brand-new", "revoked-key", "missing-scope"];
  book = await seedScenarios(app.ctx.db, app.ctx.secretKey, sandbox, wanted);
  admin = await app.signIn("admin");
  token = (await createApiToken(app.ctx.db, CLI_ACTOR, admin.userId, { name: "one truth" })).token;
});
afterAll(async () => {
  await sandbox?.close();
});

const slugOf = (scenario: string) => scenarioCustomer(book, scenario).slug;
const idOf = (scenario: string) => scenarioCustomer(book, scenario).id;
const rowOf = async (scenario: string) =>
  (
    await app.ctx.db
      .select()
      .from(customers)
      .where(eq(customers.id, idOf(scenario)))
  )[0]!;
const bearer = () => ({ Authorization: `Bearer ${token}` });

/** One CSV line's cells (quoted cells may hold commas; "" is a quote). */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  for (const m of line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)) cells.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  return cells;
}

/** What each reader says about every customer's health, keyed by slug. */
async function readAll() {
  const portfolio = (await callLoader(portfolioRoute, "/", { cookie: admin.cookie })).data;
  const apiList = (await callLoader(apiCustomers, "/api/customers", { headers: bearer() })).data;
  const csv = String((await callLoader(csvRoute, "/customers.csv", { cookie: admin.cookie })).data)
    .replace(/^\uFEFF/, "")
    .trimEnd()
    .split("\r\n");
  const header = csv[0]!.split(",");
  const cliList = (await cli({ context: app.ctx }, "customer", "list", "--json")).json();
  const views: Record<string, Record<string, HealthSummary | Record<string, unknown>>> = {};
  for (const { customer } of book) {
    const slug = customer.slug;
    const params = { slug };
    const page = (await callLoader(customerRoute, `/customers/${slug}`, { cookie: admin.cookie, params })).data;
    const pack = (await callLoader(catchupRoute, `/customers/${slug}/catchup`, { cookie: admin.cookie, params })).data;
    const forCustomer = (await callLoader(catchupRoute, `/customers/${slug}/catchup?audience=customer`, { cookie: admin.cookie, params }))
      .data;
    const usageFlag = (u: { flagged80: boolean; flagged80AsOf: string | null; flagged80Because: string | null }) => ({
      flagged80: u.flagged80,
      asOf: u.flagged80AsOf,
      because: u.flagged80Because,
    });
    const detail = (await callLoader(apiCustomer, `/api/customers/${slug}`, { headers: bearer(), params })).data;
    const report = (await cli({ context: app.ctx }, "report", slug, "--json")).json();
    const line = cellsOf(csv.find((l) => cellsOf(l)[1] === slug)!);
    const cell = (name: string) => line[header.indexOf(name)] ?? "";
    views[slug] = {
      portfolio: portfolio.customers.find((c: { slug: string }) => c.slug === slug).health,
      page: page.health,
      pack: pack.health,
      apiList: apiList.customers.find((c: { slug: string }) => c.slug === slug).health,
      apiDetail: detail.health,
      cliList: cliList.find((c: { slug: string }) => c.slug === slug).health,
      report: report.health,
      csv: {
        score: cell("Score") === "" ? null : Number(cell("Score")),
        band: cell("Band") || null,
        coverage: Number(cell("Coverage %")),
        planPercent: cell("Plan %") === "" ? null : Number(cell("Plan %")),
        flagged80: cell("At least 80% of plan") === "yes",
        flagged80Because: cell("80% flag because") || null,
        problem: cell("Last refresh problem") || null,
      },
      // The page's own rendering of the score comes from the same summary.
      pageScore: { value: page.score.value, band: page.score.band, coverage: page.score.coverage },
      pageFlag: { flagged80: page.flagged80, because: page.flagged80Because },
      // The usage panel beside "Of quota" on the page and in both packs says the same flag.
      usageFlags: { page: usageFlag(page.usage), pack: usageFlag(pack.usage), customerPack: usageFlag(forCustomer.usage) },
    };
  }
  return views;
}

/** Every reader shows the same health for every customer; returns it. */
async function expectOneTruth(): Promise<Record<string, HealthSummary>> {
  const views = await readAll();
  const truth: Record<string, HealthSummary> = {};
  for (const [slug, v] of Object.entries(views)) {
    const health = v.page as HealthSummary;
    expect(health, slug).toBeTruthy();
    for (const reader of ["pack", "apiList", "apiDetail", "cliList", "report"]) {
      expect({ slug, reader, health: v[reader] }).toEqual({ slug, reader, health });
    }
    // The portfolio is sent only the fields its row shows, each exactly as stored.
    const { unknown, over100, lastSuccessAt, assessedAt, validUntil, ...shown } = health;
    expect({ slug, reader: "portfolio", health: v.portfolio }).toEqual({ slug, reader: "portfolio", health: shown });
    expect({ slug, csv: v.csv }).toEqual({
      slug,
      csv: {
        score: health.score,
        band: health.band,
        coverage: Math.round(health.coverage * 100),
        planPercent: health.planPercent,
        flagged80: health.flagged80,
        flagged80Because: flag80Reason(health.flagged80Why),
        problem: health.problem?.sentence ?? null,
      },
    });
    expect(v.pageScore).toEqual({ value: health.score, band: health.band, coverage: Math.round(health.coverage * 100) });
    expect(v.pageFlag).toEqual({ flagged80: health.flagged80, because: flag80Reason(health.flagged80Why) });
    const flag = { flagged80: health.flagged80, asOf: health.flagged80AsOf, because: flag80Reason(health.flagged80Why) };
    expect({ slug, usageFlags: v.usageFlags }).toEqual({ slug, usageFlags: { page: flag, pack: flag, customerPack: flag } });
    truth[slug] = health;
  }
  return truth;
}

const historyOf = async (scenario: string) =>
  (
    await app.ctx.db
      .select({ reason: healthScores.reason })
      .from(healthScores)
      .where(eq(healthScores.customerId, idOf(scenario)))
      .orderBy(asc(healthScores.computedAt), asc(healthScores.id))
  ).map((r) => r.reason);

describe(`one truth for a customer's health (${process.env.DELIGHT_TEST_DB})`, () => {
  test("new customers: assessed at once (never refreshed, no score), the same everywhere", async () => {
    const truth = await expectOneTruth();
    for (const h of Object.values(truth)) expect(h).toMatchObject({ score: null, band: null, lastRefresh: null, stale: true });
  });

  test("refreshes (ok, partial, failed): every reader and posthog-node show the stored assessment", async () => {
    sandbox.setFaults({ perCustomer: { slipping: { serverError: { count: 1000, status: 503, path: "/feature_flags/" } } } });
    try {
      for (const { customer } of book) await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, fast());
    } finally {
      sandbox.setFaults({});
    }
    const truth = await expectOneTruth();
    expect(truth[slugOf("healthy")]).toMatchObject({ band: "healthy", stale: false, lastRefresh: { status: "ok" } });
    expect(truth[slugOf("slipping")]!.lastRefresh!.status).toBe("partial");
    expect(truth[slugOf("revoked-key")]).toMatchObject({ score: null, lastRefresh: { status: "failed" }, stale: true });
    // The failure in one sentence with what to do, the same on every reader (the CSV too).
    expect(truth[slugOf("revoked-key")]!.problem).toMatchObject({
      kind: "auth",
      status: "failed",
      sentence: "PostHog rejected the API key — ask the customer for a new personal API key.",
    });
    expect(truth[slugOf("slipping")]!.problem).toMatchObject({ kind: "partial", status: "partial" });
    expect(truth[slugOf("slipping")]!.problem!.sentence).toContain("could not read feature flags");
    expect(truth[slugOf("missing-scope")]!.problem?.sentence).toMatch(/lacks the \S+:read scope/);
    expect(truth[slugOf("healthy")]!.problem).toBeNull();
    expect(truth[slugOf("over-plan")]!.flagged80).toBe(true);
    // Which figure set the flag depends on the day of the billing period (on its first days, before
    // there is a projection, the last 30 days' events do); whichever it is, it is at least 80 %.
    const why = truth[slugOf("over-plan")]!.flagged80Why!;
    expect(why.basis).toMatch(/^(this-period|projected|last-30-days)$/);
    expect(why.percent).toBeGreaterThanOrEqual(80);
    // What the team's PostHog was sent is that same summary.
    for (const { slug, health } of sent) expect({ slug, health }).toEqual({ slug, health: truth[slug] });
    expect(sent).toHaveLength(book.length);
  });

  test("a failed refresh of a refreshed customer: same score, the run failed, everyone agrees", async () => {
    const before = (await expectOneTruth())[slugOf("healthy")]!;
    sandbox.setFaults({ perCustomer: { healthy: { serverError: { count: 1000, status: 503 } } } });
    try {
      expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, await rowOf("healthy"), fast())).status).toBe("failed");
    } finally {
      sandbox.setFaults({});
    }
    const after = (await expectOneTruth())[slugOf("healthy")]!;
    expect(after).toMatchObject({
      score: before.score,
      band: before.band,
      lastRefresh: { status: "failed" },
      dataThrough: before.dataThrough,
    });
    expect(after.assessedAt > before.assessedAt).toBe(true);
  });

  test("answers, overrides set and cleared", async () => {
    const before = (await expectOneTruth())[slugOf("slipping")]!;
    await recordAnswer(app.ctx.db, CLI_ACTOR, idOf("slipping"), { checkId: "training.demo_received", answer: "yes", note: "kick-off" });
    const answered = (await expectOneTruth())[slugOf("slipping")]!;
    expect(answered.coverage).toBeGreaterThan(before.coverage);
    await recordOverride(app.ctx.db, CLI_ACTOR, idOf("slipping"), {
      checkId: "setup.events_recurring",
      status: "pass",
      reason: "Seasonal business",
      expiresAt: "",
    });
    const overridden = (await expectOneTruth())[slugOf("slipping")]!;
    expect(overridden.score!).toBeGreaterThan(answered.score!);
    await clearOverride(app.ctx.db, CLI_ACTOR, idOf("slipping"), "setup.events_recurring");
    expect((await expectOneTruth())[slugOf("slipping")]!.score).toBe(answered.score);
    expect((await historyOf("slipping")).slice(-3)).toEqual(["answer", "override", "override"]);
  });

  test("catch-ups scheduled, recorded and cancelled", async () => {
    const id = idOf("brand-new");
    const today = new Date().toISOString().slice(0, 10);
    const scheduled = await scheduleCatchup(app.ctx.db, CLI_ACTOR, id, { date: shiftDay(today, 30) });
    const withNext = (await expectOneTruth())[slugOf("brand-new")]!;
    await cancelCatchup(app.ctx.db, CLI_ACTOR, id, String(scheduled.id));
    const cancelled = (await expectOneTruth())[slugOf("brand-new")]!;
    expect(cancelled.score!).toBeLessThan(withNext.score!);
    await recordCatchup(app.ctx.db, CLI_ACTOR, id, { date: shiftDay(today, -5), status: "held", notes: "went well" });
    expect((await expectOneTruth())[slugOf("brand-new")]!.score).toBe(withNext.score);
    expect((await historyOf("brand-new")).slice(-3)).toEqual(["catchup", "catchup", "catchup"]);
  });

  test("a customer's plan and billing day, and a plan's quota", async () => {
    const before = (await expectOneTruth())[slugOf("over-plan")]!;
    const row = await rowOf("over-plan");
    const [bigger] = await app.ctx.db.insert(plans).values({ name: "Huge", monthlyEvents: 100_000_000 }).returning();
    const form = {
      name: row.name,
      posthogHost: row.posthogHost,
      projectId: row.projectId,
      planId: bigger!.id,
      billingDay: row.billingDay,
      ownerId: null,
    };
    await updateCustomer(app.ctx.db, CLI_ACTOR, row.slug, form, { secretKey: app.ctx.secretKey, allowPrivateHosts: true });
    const moved = (await expectOneTruth())[slugOf("over-plan")]!;
    expect(moved.planPercent!).toBeLessThan(before.planPercent!);
    // Billed from yesterday (its day of the month in the project's zone), or the day before when
    // that is no change, so the new period holds a whole day of events whatever the hour: billed on
    // the 31st, the first minutes of a 31st held fewer than the 1,000 below.
    const dayOfMonth = (back: number) => Number(shiftDay(localDay(new Date(), row.timezone), -back).slice(8, 10));
    const billedFrom = dayOfMonth(1) === row.billingDay ? dayOfMonth(2) : dayOfMonth(1);
    await updateCustomer(
      app.ctx.db,
      CLI_ACTOR,
      row.slug,
      { ...form, billingDay: billedFrom },
      { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
    );
    await expectOneTruth();
    await updatePlan(app.ctx.db, CLI_ACTOR, bigger!.id, { name: "Huge", monthlyEvents: 1_000 });
    const squeezed = (await expectOneTruth())[slugOf("over-plan")]!;
    expect(squeezed.planPercent!).toBeGreaterThan(100);
    expect(squeezed.flagged80).toBe(true);
    expect((await historyOf("over-plan")).slice(-3)).toEqual(["plan", "plan", "plan"]);
  });

  test("a scoring version, a team check added and retired, an extra switched on and off", async () => {
    const settings = (form: Record<string, string>) => callAction(settingsRoute, "/settings", form, { cookie: admin.cookie });
    const before = await expectOneTruth();
    expect((await settings({ intent: "scoring", healthy: "95", concerning: "90" })).data.ok).toBe(true);
    const strict = await expectOneTruth();
    for (const slug of Object.keys(before)) {
      expect(strict[slug]!.scoringVersion).toBe("2");
      if (strict[slug]!.score !== null) expect(strict[slug]!.band).not.toBe("healthy");
    }
    expect(
      (await settings({ intent: "add-check", section: "training", question: "Did they attend office hours?", weight: "5", kind: "manual" }))
        .data.ok,
    ).toBe(true);
    const added = await expectOneTruth();
    for (const h of Object.values(added)) expect(h.scoringVersion).toBe("3");
    expect((await settings({ intent: "retire-check", id: "custom.did_they_attend_office_hours" })).data.ok).toBe(true);
    await expectOneTruth();
    expect((await settings({ intent: "extras", extras: "extra.reverse_proxy", minSdkVersions: "" })).data.ok).toBe(true);
    const extra = await expectOneTruth();
    for (const h of Object.values(extra)) expect(h.scoringVersion).toBe("5");
    expect((await settings({ intent: "extras", minSdkVersions: "" })).data.ok).toBe(true);
    const last = await expectOneTruth();
    for (const h of Object.values(last)) expect(h.scoringVersion).toBe("6");
    expect(await historyOf("healthy")).toContain("scoring v6");
  });
});

import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { sparklinePoints } from "../../app/components/charts/sparkline";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import { createApiToken } from "../../app/models/tokens.server";
import * as portfolio from "../../app/routes/_app._index";
import * as apiCustomers from "../../app/routes/api.customers";
import * as apiCustomer from "../../app/routes/api.customers.$slug";
import * as csv from "../../app/routes/customers[.]csv";
import { apiTokens } from "../../db/schema";
import { type ScoreSeed, seedCustomers, seedHealth, seedPlan, seedUser } from "../factories";
import { callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const ALPHA_KEY = "phx_alphaPlainSecretKey_0123456789wxyz";
const FORMULA = "=cmd|' /C calc'!A0";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);
const score = (at: Date, value: number | null, extra: Partial<ScoreSeed> = {}): ScoreSeed => ({ at, score: value, ...extra });

let me: { cookie: string; userId: number };
let viewer: { cookie: string; userId: number };
let otherId: number;
let token: string;
let revokedToken: string;

beforeAll(async () => {
  const { db, secretKey } = app.ctx;
  me = await app.signIn("csm", "me@example.com");
  viewer = await app.signIn("viewer", "viewer@example.com");
  const other = await seedUser(db, { email: "olive@example.com", name: "Olive Other" });
  otherId = other.id;
  const plan = await seedPlan(db, "Growth", 1_000_000);
  const [alpha, beta, gamma, , formula] = await seedCustomers(db, secretKey, [
    { name: "Alpha Analytics", ownerId: me.userId, planId: plan.id, apiKey: ALPHA_KEY },
    { name: "Beta Bakery", ownerId: otherId, planId: plan.id },
    { name: "Gamma Games", planId: plan.id },
    { name: "Delta Dental", ownerId: me.userId },
    { name: FORMULA, slug: "formula", ownerId: otherId },
    { name: "Archived Co", ownerId: me.userId, archived: true },
  ]);
  const archived = (await seedCustomers(db, secretKey, [{ name: "Archived Two", archived: true }]))[0]!;
  const fillers = await seedCustomers(
    db,
    secretKey,
    Array.from({ length: 30 }, (_, i) => ({ name: `Filler ${String(i + 1).padStart(2, "0")}`, ownerId: otherId })),
  );

  await seedHealth(db, alpha!.id, {
    history: [
      score(ago(200 * DAY), 10), // outside the 90-day sparkline
      score(ago(2 * DAY), 60),
      score(new Date(ago(DAY).setUTCHours(1, 0, 0, 0)), 10),
      score(new Date(ago(DAY).setUTCHours(23, 0, 0, 0)), 70), // the day's last score wins
      score(ago(60_000), 85, {
        coverage: 0.9,
        planPercent: 92.4,
        projectedPercent: 101,
        flagged80: true,
        failing: 1,
        sections: { setup: { score: 90, coverage: 1 } },
      }),
    ],
    run: { status: "ok", finishedAt: ago(2 * HOUR) },
    results: [
      { checkId: "setup.logged_in", status: "pass", summary: "3 members logged in", evidence: { members: 3 } },
      { checkId: "value.plan_usage_80", status: "pass", summary: "92% of plan", evidence: { percent: 92.4 } },
    ],
  });
  await seedHealth(db, beta!.id, {
    history: [score(ago(5 * HOUR), 55, { coverage: 0.6, planPercent: 40, projectedPercent: 50, failing: 4 })],
    run: { status: "partial" },
  });
  await seedHealth(db, gamma!.id, {
    history: [score(ago(3 * DAY), 20, { coverage: 0.5, failing: 9, planPercent: 10 })],
    run: { status: "failed", finishedAt: ago(HOUR) },
  });
  await seedHealth(db, formula!.id, { history: [score(ago(DAY), null, { coverage: 0, failing: 0 })] });
  await seedHealth(db, archived.id, { history: [score(ago(DAY), 90)] });
  for (const [i, f] of fillers.entries())
    await seedHealth(db, f.id, { history: [score(ago(10 * HOUR + i * HOUR), 70 + i, { failing: 0, coverage: 1 })] });

  token = (await createApiToken(db, CLI_ACTOR, me.userId, { name: "tests" })).token;
  const revoked = await createApiToken(db, CLI_ACTOR, me.userId, { name: "old" });
  revokedToken = revoked.token;
  await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, revoked.id));
});

const page = async (search = "", cookie = me.cookie) => {
  const result = await callLoader(portfolio, `/${search}`, { cookie });
  expect(result.status).toBe(200);
  return result.data;
};
const names = (data: { customers: { name: string }[] }) => data.customers.map((c) => c.name);

describe(`portfolio page (${process.env.DELIGHT_TEST_DB})`, () => {
  test("first page: 25 of 35 active customers, band counts over all of them, archived left out", async () => {
    const data = await page();
    expect(data.total).toBe(35);
    expect(data.customers).toHaveLength(25);
    expect(data.pageCount).toBe(2);
    expect(data.filters).toMatchObject({ page: 1, sort: "name", dir: "asc" });
    expect(data.bandCounts).toEqual({ healthy: 31, concerning: 1, poor: 1, none: 2 });
    expect(JSON.stringify(data)).not.toContain("Archived");
  });

  test("a row carries score, band, coverage, plan use, flag, refresh and an ordered 90-day sparkline", async () => {
    // The page gets a slim view of the row: what the table shows, the sparkline already drawn.
    const [alpha] = (await page("?q=alpha")).customers;
    expect(alpha).toMatchObject({
      name: "Alpha Analytics",
      slug: "alpha-analytics",
      owner: { id: me.userId },
      hasPlan: true,
      health: { score: 85, band: "healthy", failing: 1, flagged80: true, stale: false, lastRefresh: { status: "ok" } },
    });
    expect(alpha.health.coverage).toBeCloseTo(0.9);
    expect(alpha.health.planPercent).toBeCloseTo(92.4, 1);
    expect(sparklinePoints(alpha.spark.path)).toHaveLength(3);
    expect(JSON.stringify(alpha)).not.toContain("Last4");
    // The model row under it: plan, owner e-mail, and the sparkline's scores in day order.
    const model = await queryPortfolio(app.ctx.db, parsePortfolioParams(new URLSearchParams("q=alpha")), {
      userId: me.userId,
      sparkline: true,
    });
    expect(model.rows[0]).toMatchObject({
      owner: { id: me.userId, email: "me@example.com" },
      plan: { name: "Growth", monthlyEvents: 1_000_000 },
    });
    // One score a day from the first: the score 200 days ago is out, yesterday's last score wins.
    expect(model.rows[0]!.sparkline).toEqual({
      from: ago(2 * DAY)
        .toISOString()
        .slice(0, 10),
      scores: [60, 70, 85],
    });
  });

  test.each([
    ["?owner=me", ["Alpha Analytics", "Delta Dental"]],
    ["?owner=none", ["Gamma Games"]],
    ["?flagged=1", ["Alpha Analytics"]],
    ["?band=poor", ["Gamma Games"]],
    ["?band=none", [FORMULA, "Delta Dental"].sort()],
    ["?q=GAM", ["Gamma Games"]],
    ["?q=beta-bakery", ["Beta Bakery"]],
    ["?q=%25", []],
    ["?q=alpha&owner=none", []],
  ])("filter %s", async (search, expected) => {
    const data = await page(search);
    expect(names(data).sort()).toEqual(expected);
    expect(data.total).toBe(expected.length);
  });

  test.each([
    ["q=alpha", false],
    ["q=GAM", false],
    ["q=beta-bakery", false],
    ["q=%25", false],
    ["q=a", false],
    ["q=a&owner=none", false],
    ["q=a&sort=score&dir=desc&band=healthy", false],
    ["q=a&page=2", false],
    ["q=archived", true],
  ])("search %s (archived too: %s) finds the same by id as through every ready row", async (search, includeArchived) => {
    const ask = (searchByIdMax?: number) =>
      queryPortfolio(app.ctx.db, parsePortfolioParams(new URLSearchParams(search)), {
        userId: me.userId,
        includeArchived,
        ...(searchByIdMax === undefined ? {} : { searchByIdMax }),
      });
    // The default looks a book this small up by id; with no room for ids, every ready row is read.
    const [byId, scanned] = await Promise.all([ask(), ask(0)]);
    expect(byId).toEqual(scanned);
    expect(byId.total).toBeGreaterThanOrEqual(search.startsWith("q=%") ? 0 : 1);
  });

  test("owner by id, and band counts ignore the band filter but follow the others", async () => {
    const byOwner = await page(`?owner=${otherId}`);
    expect(byOwner.total).toBe(32);
    expect(byOwner.bandCounts).toEqual({ healthy: 30, concerning: 1, poor: 0, none: 1 });
    const poor = await page("?band=poor");
    expect(poor.bandCounts).toEqual({ healthy: 31, concerning: 1, poor: 1, none: 2 });
  });

  test("'me' means whoever is signed in", async () => {
    expect((await page("?owner=me", viewer.cookie)).total).toBe(0);
  });

  test("sort by score: worst first, unscored last in either direction", async () => {
    const asc = await page("?sort=score&owner=me");
    expect(names(asc)).toEqual(["Alpha Analytics", "Delta Dental"]);
    const all = await page("?sort=score");
    expect(all.customers[0].name).toBe("Gamma Games");
    const desc = await page("?sort=score&dir=desc&page=2");
    expect(desc.customers.slice(-2).map((c: any) => c.health?.score ?? null)).toEqual([null, null]);
    expect((await page("?sort=score&dir=desc")).customers[0].health.score).toBe(99);
  });

  test.each([
    ["?sort=failing", "Gamma Games"],
    ["?sort=refreshed", "Gamma Games"],
    ["?sort=plan", "Alpha Analytics"],
    ["?sort=coverage&q=a", FORMULA],
    ["?sort=name&dir=desc", "Gamma Games"],
    ["?sort=owner&owner=me", "Alpha Analytics"],
  ])("%s puts %s first", async (search, first) => {
    expect((await page(search)).customers[0].name).toBe(first);
  });

  test("sort=owner orders by owner name with the unowned last", async () => {
    const data = await page("?sort=owner&q=a&dir=asc");
    const owners = data.customers.map((c: { owner: { id: number } | null }) => c.owner?.id ?? null);
    // The signed-in user is "csm …", before "Olive Other"; customers without an owner come last.
    expect(owners.slice(0, 2)).toEqual([me.userId, me.userId]);
    expect(owners.at(-1)).toBeNull();
  });

  test("pagination: page 2 has the rest, a page past the end shows the last", async () => {
    const first = await page("?sort=failing");
    const second = await page("?sort=failing&page=2");
    expect(second.customers).toHaveLength(10);
    expect(second.filters.page).toBe(2);
    const seen = new Set([...names(first), ...names(second)]);
    expect(seen.size).toBe(35);
    const past = await page("?sort=failing&page=99");
    expect(past.filters.page).toBe(2);
    expect(names(past)).toEqual(names(second));
  });

  test("invalid parameters fall back to defaults instead of failing", async () => {
    const data = await page(`?sort=drop%20table&dir=sideways&band=purple&owner=abc&flagged=yes&page=-4&q=${"x".repeat(500)}`);
    expect(data.filters).toMatchObject({ sort: "name", dir: "asc", band: null, owner: null, flagged: false, page: 1 });
    expect(data.filters.q).toHaveLength(100);
    const ok = await page("?page=abc&sort=score&dir=");
    expect(ok.filters).toMatchObject({ page: 1, sort: "score", dir: "asc" });
    expect(ok.total).toBe(35);
  });

  test("a viewer can read the portfolio but not add customers", async () => {
    const data = await page("", viewer.cookie);
    expect(data.canEdit).toBe(false);
    expect(data.total).toBe(35);
  });

  test("signed out: sent to sign in", async () => {
    const result = await callLoader(portfolio, "/?band=poor");
    expect(result.status).toBe(302);
    expect(result.location).toBe("/login?redirectTo=%2F%3Fband%3Dpoor");
  });
});

describe(`CSV export (${process.env.DELIGHT_TEST_DB})`, () => {
  const parse = (text: string) => text.trimEnd().split("\r\n");

  test("every matching row, formulas neutralised, as an attachment with security headers", async () => {
    const result = await callLoader(csv, "/customers.csv", { cookie: me.cookie });
    expect(result.status).toBe(200);
    expect(result.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(result.headers.get("Content-Disposition")).toMatch(/^attachment; filename="delight-customers-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(result.headers.get("X-Frame-Options")).toBe("DENY");
    expect(result.headers.get("Content-Security-Policy")).toContain("default-src 'self'");
    const lines = parse(String(result.data));
    expect(lines[0]).toBe(
      "Name,Slug,Owner email,Plan,Score,Band,Coverage %,Plan %,Projected %,At least 80% of plan,80% flag as of,80% flag because,Failing checks,Data through,Stale data,Last refresh,Last refresh status,Last refresh problem,ARR,Currency,Renewal date,Contacts",
    );
    expect(lines).toHaveLength(36);
    const formula = lines.find((l) => l.includes(",formula,"))!;
    expect(formula.startsWith(`'${FORMULA},formula,olive@example.com,,,,0,,,no,,,0,,no,`)).toBe(true);
    // An ok run has no problem, and no revenue, renewal or contacts recorded: those cells stay empty.
    expect(formula.endsWith(",ok,,,,,")).toBe(true);
    expect(lines.some((l) => l.startsWith("="))).toBe(false);
    const alpha = lines.find((l) => l.startsWith("Alpha Analytics"))!.split(",");
    expect(alpha.slice(0, 15)).toEqual([
      "Alpha Analytics",
      "alpha-analytics",
      "me@example.com",
      "Growth",
      "85",
      "healthy",
      "90",
      "92.4",
      "101",
      "yes",
      "",
      "92% of plan this billing period",
      "1",
      "",
      "no",
    ]);
    expect(new Date(alpha[15]!).getTime()).toBeGreaterThan(Date.now() - 3 * HOUR);
    expect(String(result.data)).not.toContain(ALPHA_KEY);
  });

  test("carries the filters and sort", async () => {
    const poor = parse(String((await callLoader(csv, "/customers.csv?band=poor", { cookie: viewer.cookie })).data));
    expect(poor.slice(1).map((l) => l.split(",")[0])).toEqual(["Gamma Games"]);
    // A failed run, then what to do about it.
    expect(poor[1]).toMatch(/,failed,The last refresh failed and did not record why — refresh again later\.,,,,$/);
    const mine = parse(String((await callLoader(csv, "/customers.csv?owner=me&sort=name&dir=desc", { cookie: me.cookie })).data));
    expect(mine.slice(1).map((l) => l.split(",")[0])).toEqual(["Delta Dental", "Alpha Analytics"]);
  });

  test("needs a signed-in user", async () => {
    expect((await callLoader(csv, "/customers.csv")).status).toBe(302);
  });
});

describe(`JSON API (${process.env.DELIGHT_TEST_DB})`, () => {
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

  test.each([
    ["no credentials", {}],
    ["an unknown token", bearer("dlt_notARealToken")],
    ["a revoked token", "revoked"],
    ["a malformed header", { Authorization: "Basic dXNlcjpwYXNz" }],
  ])("%s: 401 JSON with WWW-Authenticate", async (_, headers) => {
    const h = headers === "revoked" ? bearer(revokedToken) : (headers as Record<string, string>);
    for (const [route, path, params] of [
      [apiCustomers, "/api/customers", {}],
      [apiCustomer, "/api/customers/alpha-analytics", { slug: "alpha-analytics" }],
    ] as const) {
      const result = await callLoader(route, path, { headers: h, params });
      expect(result.status).toBe(401);
      expect(result.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      expect(result.headers.get("Content-Type")).toContain("application/json");
      expect(result.data.error).toEqual(expect.any(String));
      expect(JSON.stringify(result.data)).not.toContain("Alpha");
    }
  });

  test("a valid token lists customers with the portfolio's filters, 25 a page", async () => {
    const result = await callLoader(apiCustomers, "/api/customers", { headers: bearer(token) });
    expect(result.status).toBe(200);
    expect(result.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(result.headers.get("Cache-Control")).toBe("no-store");
    expect(result.data).toMatchObject({ total: 35, page: 1, pageSize: 25 });
    expect(result.data.customers).toHaveLength(25);
    const flagged = await callLoader(apiCustomers, "/api/customers?flagged=1&owner=me", { headers: bearer(token) });
    expect(flagged.data.total).toBe(1);
    expect(flagged.data.customers[0]).toMatchObject({
      slug: "alpha-analytics",
      name: "Alpha Analytics",
      apiKey: "phx_…wxyz",
      plan: { name: "Growth", monthlyEvents: 1_000_000 },
      owner: { email: "me@example.com" },
      health: { score: 85, band: "healthy", flagged80: true, lastRefresh: { status: "ok" } },
    });
    expect(JSON.stringify(result.data) + JSON.stringify(flagged.data)).not.toContain(ALPHA_KEY);
    expect(JSON.stringify(result.data)).not.toContain("apiKeyEncrypted");
    const second = await callLoader(apiCustomers, "/api/customers?page=2", { headers: bearer(token) });
    expect(second.data).toMatchObject({ page: 2, total: 35 });
    expect(second.data.customers).toHaveLength(10);
  });

  test("one customer: current health, sections, latest results, masked key", async () => {
    const result = await callLoader(apiCustomer, "/api/customers/alpha-analytics", {
      headers: bearer(token),
      params: { slug: "alpha-analytics" },
    });
    expect(result.status).toBe(200);
    expect(result.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect(result.data).toMatchObject({
      slug: "alpha-analytics",
      apiKey: "phx_…wxyz",
      health: { score: 85, band: "healthy", flagged80: true, projectedPercent: 101 },
      sections: { setup: { score: 90, coverage: 1 } },
      lastRefresh: { status: "ok", errors: [] },
    });
    expect(result.data.health.coverage).toBeCloseTo(0.9);
    expect(result.data.health.planPercent).toBeCloseTo(92.4, 1);
    expect(result.data.checks).toMatchObject([
      { id: "setup.logged_in", status: "pass", summary: "3 members logged in", evidence: { members: 3 } },
      { id: "value.plan_usage_80", status: "pass", summary: "92% of plan", evidence: { percent: 92.4 } },
    ]);
    expect(JSON.stringify(result.data)).not.toContain(ALPHA_KEY);
  });

  test("a never-refreshed customer has no score and no refresh; an unknown slug is a 404 JSON", async () => {
    const delta = await callLoader(apiCustomer, "/api/customers/delta-dental", {
      headers: bearer(token),
      params: { slug: "delta-dental" },
    });
    expect(delta.data).toMatchObject({
      slug: "delta-dental",
      health: { score: null, band: null, lastRefresh: null, stale: true },
      lastRefresh: null,
    });
    expect(delta.data.checks).toHaveLength(24);
    expect(delta.data.checks.every((c: { status: string }) => c.status === "unknown")).toBe(true);
    const missing = await callLoader(apiCustomer, "/api/customers/nope", { headers: bearer(token), params: { slug: "nope" } });
    expect(missing.status).toBe(404);
    expect(missing.data.error).toContain("nope");
  });

  test("a signed-in session works too, including a viewer's", async () => {
    const result = await callLoader(apiCustomers, "/api/customers?band=poor", { cookie: viewer.cookie });
    expect(result.status).toBe(200);
    expect(result.data.customers.map((c: { slug: string }) => c.slug)).toEqual(["gamma-games"]);
  });
});

import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { setArchived } from "../../app/models/customers.server";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import { reassignOwner } from "../../app/models/portfolio-bulk.server";
import * as portfolioRoute from "../../app/routes/_app._index";
import { DEFAULT_FILTERS, type PortfolioFilters } from "../../app/utils/portfolio-params";
import { auditLog, customers, healthScores, users } from "../../db/schema";
import { seedCustomers, seedHealth, seedUser } from "../factories";
import { callAction, rowsOf, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

let me: { cookie: string; userId: number };
let viewer: { cookie: string; userId: number };
const ids: Record<string, number> = {};

const page = (changes: Partial<PortfolioFilters> = {}, pageSize?: number | null) =>
  queryPortfolio(app.ctx.db, { ...DEFAULT_FILTERS, ...changes }, { userId: me.userId, pageSize });
const names = async (changes: Partial<PortfolioFilters>) => (await page(changes, null)).rows.map((r) => r.name);

/** Band counts counted now from the ready rows, for comparing with the maintained ones. */
async function liveCounts(where = sql`true`) {
  const rows = rowsOf<{ band: string; n: number }>(
    await app.ctx.db.execute(
      sql`select coalesce(band, 'none') as band, count(*)::int as n from current_health where not archived and ${where} group by 1`,
    ),
  );
  return { healthy: 0, concerning: 0, poor: 0, none: 0, ...Object.fromEntries(rows.map((r) => [r.band, r.n])) };
}

/** The ARR at risk added up now from the customers themselves, for comparing with the kept sums. */
async function liveArrAtRisk(where = sql`true`) {
  return rowsOf<{ currency: string; arr: number; customers: number }>(
    await app.ctx.db.execute(sql`
      select c.currency, sum(c.arr)::float8 as arr, count(*)::int as customers
      from current_health ch join customers c on c.id = ch.customer_id
      where c.archived_at is null and ch.band in ('concerning', 'poor') and c.arr is not null and ${where}
      group by c.currency order by sum(c.arr) desc, c.currency`),
  );
}
/** The ARR at risk the page reads, asked for in the same statement as its band counts. */
const atRisk = async (changes: Partial<PortfolioFilters> = {}) => (await page(changes)).arrAtRisk;

beforeAll(async () => {
  const { db, secretKey } = app.ctx;
  me = await app.signIn("csm", "me@example.com");
  viewer = await app.signIn("viewer", "viewer@example.com");
  const seeded = await seedCustomers(db, secretKey, [
    { name: "Zeta Zoo", ownerId: me.userId },
    { name: "Çelik Yapı" },
    { name: "Ørsted" },
    { name: "Cedar Labs" },
    { name: "Oslo Oy" },
    { name: "apple orchard" },
    { name: "Never Scored" },
  ]);
  for (const c of seeded) ids[c.name] = c.id;
  // Zeta: 40 a month ago, 50 eight days ago, 70 now: +20 in 7 days, +30 in 30.
  await seedHealth(db, ids["Zeta Zoo"]!, {
    history: [
      { at: ago(31), score: 40 },
      { at: ago(8), score: 50 },
      { at: ago(2), score: 58 },
      { at: new Date(), score: 70 },
    ],
  });
  // Çelik: fell 3 points in a week (not "moved"), nothing a month ago.
  await seedHealth(db, ids["Çelik Yapı"]!, {
    history: [
      { at: ago(9), score: 45 },
      { at: new Date(), score: 42 },
    ],
  });
  // Ørsted: only two days of history, so no 7-day change.
  await seedHealth(db, ids.Ørsted!, {
    history: [
      { at: ago(2), score: 80 },
      { at: new Date(), score: 75 },
    ],
  });
  // Cedar: a week ago it was scored under another scoring version.
  await db.insert(healthScores).values({
    customerId: ids["Cedar Labs"]!,
    computedAt: ago(10),
    score: 90,
    band: "healthy",
    coverage: 0.8,
    sections: {},
    scoringVersion: "0",
    reason: "seed",
  });
  await seedHealth(db, ids["Cedar Labs"]!, { history: [{ at: new Date(), score: 30 }] });
  await seedHealth(db, ids["Oslo Oy"]!, { history: [{ at: new Date(), score: 30 }] });
  await seedHealth(db, ids["apple orchard"]!, { history: [{ at: new Date(), score: 55 }] });
});

describe("movers", () => {
  test("the writer stores the 7- and 30-day change from the last score at or before each moment", async () => {
    const rows = new Map((await page({}, null)).rows.map((r) => [r.name, r.movers]));
    expect(rows.get("Zeta Zoo")).toEqual({ change7d: 20, change30d: 30, change7dFrom: null, change30dFrom: null });
    expect(rows.get("Çelik Yapı")).toMatchObject({ change7d: -3, change30d: null });
    expect(rows.get("Ørsted")).toMatchObject({ change7d: null, change30d: null });
    expect(rows.get("Never Scored")).toMatchObject({ change7d: null, change30d: null });
  });

  test("a change across scoring versions keeps the older version", async () => {
    const cedar = (await page({}, null)).rows.find((r) => r.name === "Cedar Labs")!;
    expect(cedar.movers).toEqual({ change7d: -60, change30d: null, change7dFrom: "0", change30dFrom: null });
    expect(cedar.health?.scoringVersion).toBe("1");
  });

  test("the change columns sort both ways with customers without a change last", async () => {
    const asc = await names({ sort: "change7d", dir: "asc" });
    expect(asc.slice(0, 3)).toEqual(["Cedar Labs", "Çelik Yapı", "Zeta Zoo"]);
    const desc = await names({ sort: "change7d", dir: "desc" });
    expect(desc.slice(0, 3)).toEqual(["Zeta Zoo", "Çelik Yapı", "Cedar Labs"]);
    // The rest have no change: by name, last in both directions.
    expect(asc.slice(3)).toEqual(desc.slice(3));
    expect(asc.slice(3)).toEqual(["apple orchard", "Never Scored", "Ørsted", "Oslo Oy"]);
  });

  test("'moved this week' keeps changes of 5 points or more either way, and counts agree", async () => {
    const moved = await page({ moved: true }, null);
    expect(moved.rows.map((r) => r.name).sort()).toEqual(["Cedar Labs", "Zeta Zoo"]);
    expect(moved.total).toBe(2);
    expect(moved.bandCounts).toEqual(await liveCounts(sql`abs(change_7d) >= 5`));
    expect(parsePortfolioParams(new URLSearchParams("moved=1")).moved).toBe(true);
  });
});

describe("sorting", () => {
  test("names sort by letter whatever their accents: Ç with C, Ø with O", async () => {
    expect(await names({ sort: "name", dir: "asc" })).toEqual([
      "apple orchard",
      "Cedar Labs",
      "Çelik Yapı",
      "Never Scored",
      "Ørsted",
      "Oslo Oy",
      "Zeta Zoo",
    ]);
    expect(await names({ sort: "name", dir: "desc" })).toEqual([
      "Zeta Zoo",
      "Oslo Oy",
      "Ørsted",
      "Never Scored",
      "Çelik Yapı",
      "Cedar Labs",
      "apple orchard",
    ]);
  });

  test("no score sorts last in both directions; ties go by name", async () => {
    const asc = await names({ sort: "score", dir: "asc" });
    const desc = await names({ sort: "score", dir: "desc" });
    expect(asc.at(-1)).toBe("Never Scored");
    expect(desc.at(-1)).toBe("Never Scored");
    // Cedar and Oslo both score 30: by name in either direction.
    expect(asc.slice(0, 2)).toEqual(["Cedar Labs", "Oslo Oy"]);
    expect(desc.slice(-3, -1)).toEqual(["Cedar Labs", "Oslo Oy"]);
  });

  test("pages of a sort split the customers without a score correctly", async () => {
    const all = await names({ sort: "owner", dir: "desc" });
    const paged: string[] = [];
    for (let p = 1; p <= 3; p++)
      paged.push(
        ...(
          await queryPortfolio(app.ctx.db, { ...DEFAULT_FILTERS, sort: "owner", dir: "desc", page: p }, { userId: me.userId, pageSize: 3 })
        ).rows.map((r) => r.name),
      );
    expect(paged).toEqual(all);
    expect(all[0]).toBe("Zeta Zoo");
  });
});

describe("the ready row follows its customer", () => {
  test("rename, owner, owner's name and archive reach the portfolio; counts stay equal to a live count", async () => {
    const { db } = app.ctx;
    await db.update(customers).set({ name: "Aardvark Oslo" }).where(eq(customers.id, ids["Oslo Oy"]!));
    expect((await names({ sort: "name" }))[0]).toBe("Aardvark Oslo");
    await reassignOwner(db, CLI_ACTOR, [ids["Aardvark Oslo"] ?? ids["Oslo Oy"]!, ids["Cedar Labs"]!], me.userId);
    await db.update(users).set({ name: "Meredith" }).where(eq(users.id, me.userId));
    const mine = await page({ owner: "me", sort: "owner" }, null);
    expect(mine.rows.map((r) => r.name).sort()).toEqual(["Aardvark Oslo", "Cedar Labs", "Zeta Zoo"]);
    expect(mine.rows.every((r) => r.owner?.name === "Meredith")).toBe(true);
    expect(mine.bandCounts).toEqual(await liveCounts(sql`owner_id = ${me.userId}`));
    const [zeta] = await db.select({ slug: customers.slug }).from(customers).where(eq(customers.id, ids["Zeta Zoo"]!));
    await setArchived(db, CLI_ACTOR, zeta!.slug, true);
    const after = await page({}, null);
    expect(after.rows.map((r) => r.name)).not.toContain("Zeta Zoo");
    expect(after.bandCounts).toEqual(await liveCounts());
    expect(after.total).toBe(6);
    await setArchived(db, CLI_ACTOR, zeta!.slug, false);
    expect((await page({}, null)).bandCounts).toEqual(await liveCounts());
    // Deleting a customer takes its count with it.
    await db.delete(customers).where(eq(customers.id, ids["Never Scored"]!));
    const final = await page({}, null);
    expect(final.total).toBe(6);
    expect(final.bandCounts).toEqual(await liveCounts());
    expect(final.bandCounts.none).toBe(0);
  });
});

describe("the ready row keeps the customer's commercial context", () => {
  test("revenue, currency, renewal, owner, band and archive reach it; the ARR at risk kept per currency equals one added up from the customers", async () => {
    const { db, secretKey } = app.ctx;
    const rev: Record<string, number> = {};
    for (const c of await seedCustomers(db, secretKey, [
      { name: "Rev Cedar" },
      { name: "Rev Apple" },
      { name: "Rev Celik" },
      { name: "Rev Orsted" },
    ])) {
      rev[c.name] = c.id;
    }
    // Poor, concerning, concerning, healthy.
    for (const [name, score] of [
      ["Rev Cedar", 30],
      ["Rev Apple", 50],
      ["Rev Celik", 45],
      ["Rev Orsted", 80],
    ] as const) {
      await seedHealth(db, rev[name]!, { history: [{ at: new Date(), score }] });
    }
    const set = (name: string, values: Partial<typeof customers.$inferInsert>) =>
      db.update(customers).set(values).where(eq(customers.id, rev[name]!));
    await set("Rev Celik", { revenue: 1000, revenuePeriod: "month", currency: "EUR", renewalDate: "2031-03-01" });
    await set("Rev Cedar", { revenue: 50_000, revenuePeriod: "year", currency: "USD", renewalDate: "2030-01-15" });
    await set("Rev Apple", { revenue: 2_000, revenuePeriod: "month", currency: "USD" });
    await set("Rev Orsted", { revenue: 9_999.5, revenuePeriod: "year", currency: "EUR" });
    const first = await atRisk();
    expect(first).toEqual([
      { currency: "USD", arr: 74_000, customers: 2 },
      { currency: "EUR", arr: 12_000, customers: 1 },
    ]);
    expect(first).toEqual(await liveArrAtRisk());
    // A minimum ARR of 0 keeps everyone with revenue but is not kept in the counts: the ready rows
    // are added up instead, to the same figures.
    expect(await atRisk({ arrMin: 0 })).toEqual(first);
    // Sorting by ARR and renewal reads the copies: the same order as the customers' own values.
    expect((await page({ sort: "arr", dir: "desc" }, null)).rows.slice(0, 4).map((r) => [r.name, r.arr])).toEqual([
      ["Rev Cedar", 50_000],
      ["Rev Apple", 24_000],
      ["Rev Celik", 12_000],
      ["Rev Orsted", 9_999.5],
    ]);
    expect((await page({ sort: "renewal" }, null)).rows.slice(0, 2).map((r) => r.name)).toEqual(["Rev Cedar", "Rev Celik"]);
    expect(await names({ arrMin: 12_000, sort: "arr", dir: "asc" })).toEqual(["Rev Celik", "Rev Apple", "Rev Cedar"]);

    // A change of amount, period or currency moves the sums; so do an owner, a new band and an archive.
    await set("Rev Cedar", { revenue: 4_000, revenuePeriod: "month" });
    await set("Rev Apple", { currency: "GBP" });
    await reassignOwner(db, CLI_ACTOR, [rev["Rev Celik"]!], me.userId);
    expect(await atRisk()).toEqual(await liveArrAtRisk());
    expect(await atRisk({ owner: "me" })).toEqual([{ currency: "EUR", arr: 12_000, customers: 1 }]);
    expect(await atRisk({ owner: "me" })).toEqual(await liveArrAtRisk(sql`c.owner_id = ${me.userId}`));
    await seedHealth(db, rev["Rev Celik"]!, { history: [{ at: new Date(), score: 95 }] });
    expect(await atRisk({ owner: "me" })).toEqual([]);
    expect(await atRisk()).toEqual(await liveArrAtRisk());
    expect(await atRisk({ arrMin: 0 })).toEqual(await liveArrAtRisk());
    // Equal amounts in two currencies: the currencies in alphabetical order, on both paths.
    await set("Rev Orsted", { revenue: 24_000, revenuePeriod: "year" });
    await seedHealth(db, rev["Rev Orsted"]!, { history: [{ at: new Date(), score: 10 }] });
    for (const changes of [{}, { arrMin: 0 }]) {
      expect(await atRisk(changes)).toEqual([
        { currency: "USD", arr: 48_000, customers: 1 },
        { currency: "EUR", arr: 24_000, customers: 1 },
        { currency: "GBP", arr: 24_000, customers: 1 },
      ]);
    }
    await set("Rev Orsted", { revenue: 9_999.5, revenuePeriod: "year" });
    await seedHealth(db, rev["Rev Orsted"]!, { history: [{ at: new Date(), score: 80 }] });
    await set("Rev Cedar", { archivedAt: new Date() });
    expect(await atRisk()).toEqual([{ currency: "GBP", arr: 24_000, customers: 1 }]);
    expect(await atRisk()).toEqual(await liveArrAtRisk());
    await set("Rev Cedar", { archivedAt: null });
    expect(await atRisk()).toEqual(await liveArrAtRisk());
    // Revenue taken away leaves no currency behind; a deleted customer takes its ARR with it.
    await set("Rev Apple", { revenue: null, revenuePeriod: null, currency: null });
    await db.delete(customers).where(eq(customers.id, rev["Rev Cedar"]!));
    expect(await atRisk()).toEqual([]);
    expect(await liveArrAtRisk()).toEqual([]);
    // The filters the kept sums do not cover (a minimum ARR) add up the ready rows instead, alike.
    await set("Rev Orsted", { revenue: 100, revenuePeriod: "month" });
    await seedHealth(db, rev["Rev Orsted"]!, { history: [{ at: new Date(), score: 10 }] });
    expect(await atRisk({ arrMin: 1_000 })).toEqual([{ currency: "EUR", arr: 1_200, customers: 1 }]);
    expect(await atRisk({ arrMin: 1_300 })).toEqual([]);
    await db.delete(customers).where(eq(customers.id, rev["Rev Orsted"]!));
    await db.delete(customers).where(eq(customers.id, rev["Rev Apple"]!));
    await db.delete(customers).where(eq(customers.id, rev["Rev Celik"]!));
  });
});

describe("bulk work", () => {
  test("reassigning refuses a viewer as owner and changes nothing", async () => {
    const before = await page({ owner: "me" }, null);
    await expect(reassignOwner(app.ctx.db, CLI_ACTOR, [ids.Ørsted!], viewer.userId)).rejects.toThrow(/Viewers cannot own customers/);
    expect((await page({ owner: "me" }, null)).total).toBe(before.total);
  });

  test("reassigning is audited per customer whose owner changed", async () => {
    const other = await seedUser(app.ctx.db, { email: "olive@example.com", name: "Olive" });
    const result = await reassignOwner(
      app.ctx.db,
      { id: me.userId, name: "me@example.com" },
      [ids.Ørsted!, ids["apple orchard"]!],
      other.id,
    );
    expect(result).toEqual({ changed: 2, unchanged: 0, skipped: 0 });
    const again = await reassignOwner(app.ctx.db, CLI_ACTOR, [ids.Ørsted!], other.id);
    expect(again).toEqual({ changed: 0, unchanged: 1, skipped: 0 });
    const audit = await app.ctx.db.select().from(auditLog).where(eq(auditLog.action, "customer.update"));
    const entries = audit.filter((a) => a.actor === "me@example.com");
    expect(entries.map((a) => Number(a.entityId)).sort()).toEqual([ids.Ørsted!, ids["apple orchard"]!].sort());
    expect(entries[0]!.details).toMatchObject({ ownerId: other.id, bulk: true });
  });

  test("the action refuses viewers (403) and bad input (400) without changing anything", async () => {
    const refused = await callAction(
      portfolioRoute,
      "/?index",
      { intent: "reassign", ids: String(ids.Ørsted), owner: "none" },
      { cookie: viewer.cookie },
    );
    expect(refused.status).toBe(403);
    const bad = await callAction(portfolioRoute, "/?index", { intent: "reassign", ids: "x", owner: "none" }, { cookie: me.cookie });
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ ok: false, errors: { ids: expect.any(String) } });
    const none = await callAction(portfolioRoute, "/?index", { intent: "refresh", ids: "999999" }, { cookie: me.cookie });
    expect(none.status).toBe(400);
    const ok = await callAction(
      portfolioRoute,
      "/?index",
      { intent: "reassign", ids: String(ids.Ørsted), owner: "none" },
      { cookie: me.cookie },
    );
    expect(ok.data).toMatchObject({ ok: true, intent: "reassign", changed: 1, ownerName: null });
    expect((await page({ owner: "none" }, null)).rows.map((r) => r.name)).toContain("Ørsted");
  });
});

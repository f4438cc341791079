import { beforeAll, describe, expect, test } from "vitest";
import { parsePortfolioParams, portfolioBatches, queryPortfolio } from "../../app/models/portfolio.server";
import * as csv from "../../app/routes/customers[.]csv";
import { seedPortfolio } from "../factories";
import { BASE, setupTestApp } from "../setup/test-app";

/*
 * The CSV export streams a batch of customers at a time. Whatever the filters and sort, the file
 * and the batches must hold every matching customer exactly once, in the order the portfolio
 * shows them, with the same figures as the page: a book larger than one batch (100) is exported
 * through the route, and smaller batches are checked against the one-statement read.
 */

const app = setupTestApp();
const CUSTOMERS = 250;
let viewer: Awaited<ReturnType<typeof app.signIn>>;

beforeAll(async () => {
  viewer = await app.signIn("viewer");
  await seedPortfolio(app.ctx.db, app.ctx.secretKey, { customers: CUSTOMERS, days: 2 });
}, 120_000);

const SEARCHES = ["", "?sort=score&dir=desc", "?band=poor&sort=change7d", "?q=acme", "?sort=owner&dir=desc&flagged=1", "?sort=renewal"];

/** The file's lines after the header, split into cells on commas outside quotes. */
function records(text: string): string[][] {
  const lines = text.replace(/^\uFEFF/, "").split("\r\n");
  expect(lines.pop()).toBe("");
  return lines.map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((cell) => cell.replace(/,$/, "")));
}

describe(`the CSV export, a batch at a time (${process.env.DELIGHT_TEST_DB})`, () => {
  test.each(SEARCHES)("%s: every matching customer once, in the portfolio's order", async (search) => {
    const response = (await csv.loader({
      request: new Request(`${BASE}/customers.csv${search}`, { headers: { Cookie: viewer.cookie } }),
      params: {},
      context: {},
    })) as Response;
    expect(response.status).toBe(200);
    const [header, ...lines] = records(await response.text());
    expect(header!.slice(0, 2)).toEqual(["Name", "Slug"]);
    const filters = parsePortfolioParams(new URLSearchParams(search));
    const whole = await queryPortfolio(app.ctx.db, filters, { userId: viewer.userId, pageSize: null });
    expect(whole.total).toBeGreaterThan(0);
    expect(lines.map((cells) => cells[1])).toEqual(whole.rows.map((r) => r.slug));
    // The figures are the page's: score, band and failing checks of each customer.
    const score = header!.indexOf("Score");
    const failing = header!.indexOf("Failing checks");
    expect(lines.map((cells) => [cells[score], cells[failing]])).toEqual(
      whole.rows.map((r) => [
        r.health?.score === null || !r.health ? "" : String(Number(r.health.score.toFixed(1))),
        String(r.health?.failing ?? ""),
      ]),
    );
  });

  test("the whole book is more than one batch, and comes out in full", async () => {
    const response = (await csv.loader({
      request: new Request(`${BASE}/customers.csv`, { headers: { Cookie: viewer.cookie } }),
      params: {},
      context: {},
    })) as Response;
    const [, ...lines] = records(await response.text());
    expect(lines).toHaveLength(CUSTOMERS);
    expect(new Set(lines.map((cells) => cells[1])).size).toBe(CUSTOMERS);
  });

  test.each(SEARCHES)("%s: batches of 37 are the one-statement read, cut up", async (search) => {
    const filters = parsePortfolioParams(new URLSearchParams(search));
    const whole = await queryPortfolio(app.ctx.db, filters, { userId: viewer.userId, pageSize: null });
    const sizes: number[] = [];
    const rows = [];
    for await (const batch of portfolioBatches(app.ctx.db, filters, { userId: viewer.userId, batchSize: 37 })) {
      sizes.push(batch.length);
      rows.push(...batch);
    }
    expect(rows).toEqual(whole.rows);
    expect(sizes.slice(0, -1).every((n) => n === 37)).toBe(true);
    expect(sizes.length).toBe(Math.ceil(whole.rows.length / 37));
  });
});

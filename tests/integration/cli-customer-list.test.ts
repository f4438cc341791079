import { beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerListEntry } from "../../app/models/customer-api.server";
import { setArchived } from "../../app/models/customers.server";
import { queryPortfolio } from "../../app/models/portfolio.server";
import { DEFAULT_FILTERS } from "../../app/utils/portfolio-params";
import { seedPortfolio } from "../factories";
import { cli } from "../setup/cli";
import { setupTestApp } from "../setup/test-app";

/*
 * `delight customer list` prints a batch of customers at a time (100), so a book of any size is
 * never held whole. What it prints must not depend on that: the JSON is exactly the one-statement
 * list as JSON.stringify writes it, and the text has one line per customer in the portfolio's
 * order. A book of 250 spans three batches.
 */

const app = setupTestApp();
const CUSTOMERS = 250;
const list = (...args: string[]) => cli({ context: app.ctx }, "customer", "list", ...args);

/** The list read whole, as the CLI printed it before it read in batches. */
async function whole(includeArchived: boolean) {
  const { rows } = await queryPortfolio(app.ctx.db, DEFAULT_FILTERS, { userId: 0, pageSize: null, includeArchived });
  return rows;
}

describe(`customer list, a batch at a time (${process.env.DELIGHT_TEST_DB})`, () => {
  test("an empty book prints an empty JSON list, and says so in text", async () => {
    const json = await list("--json");
    expect(json.code).toBe(0);
    expect(json.stdout).toBe("[]");
    expect((await list()).stdout).toBe("No customers yet.");
  });

  describe("a book of three batches", () => {
    beforeAll(async () => {
      await seedPortfolio(app.ctx.db, app.ctx.secretKey, { customers: CUSTOMERS, days: 2, owners: 4 });
      // Two archived customers, one of them in the middle of a batch.
      const { rows } = await queryPortfolio(app.ctx.db, DEFAULT_FILTERS, { userId: 0, pageSize: null });
      for (const r of [rows[3]!, rows[150]!]) await setArchived(app.ctx.db, CLI_ACTOR, r.slug, true);
    }, 120_000);

    test.each([false, true])("--json (archived too: %s) is byte for byte the whole list", async (all) => {
      const rows = await whole(all);
      expect(rows.length).toBe(all ? CUSTOMERS : CUSTOMERS - 2);
      const printed = await list("--json", ...(all ? ["--all"] : []));
      expect(printed.code).toBe(0);
      expect(printed.stdout).toBe(JSON.stringify(rows.map(customerListEntry), null, 2));
      expect(printed.json().map((c: { slug: string }) => c.slug)).toEqual(rows.map((r) => r.slug));
    });

    test.each([false, true])("text (archived too: %s): one line per customer, in the portfolio's order", async (all) => {
      const rows = await whole(all);
      const printed = await list(...(all ? ["--all"] : []));
      const lines = printed.stdout.split("\n");
      expect(lines.map((l) => l.split("\t")[0])).toEqual(rows.map((r) => r.slug));
      expect(lines.filter((l) => l.endsWith("\tarchived"))).toHaveLength(all ? 2 : 0);
      // Each line carries the customer's health as every other view shows it.
      const first = rows.find((r) => r.health?.score !== null && r.health)!;
      const line = lines.find((l) => l.startsWith(`${first.slug}\t`))!;
      expect(line.split("\t")[2]).toMatch(new RegExp(`^${first.health!.score} ${first.health!.band}`));
      // Every 50th seeded customer was never refreshed.
      const never = rows.find((r) => !r.health || r.health.score === null)!;
      expect(lines.find((l) => l.startsWith(`${never.slug}\t`))!.split("\t")[2]).toMatch(/^(not assessed|– )/);
    });
  });
});

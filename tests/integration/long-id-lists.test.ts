import { asc } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { ensureCurrent, expireAll } from "../../checks/assessment/store";
import { currentHealth } from "../../db/schema";
import { seedCustomers, seedHealth } from "../factories";
import { setupTestApp } from "../setup/test-app";

/*
 * A list of customer ids longer than the 65,534 parameters a statement may carry (PostgreSQL's
 * protocol and both drivers stop there): a plan used by 70,000 customers, a weekly digest over a
 * book that size. Each list goes as one text parameter (db/id-list.ts), whatever its length.
 */

const app = setupTestApp();
const LONG = 70_000;

describe(`id lists longer than a statement's parameters (${process.env.DELIGHT_TEST_DB})`, () => {
  test("expiring and re-assessing customers named in a list of 70,000 ids", async () => {
    const { db, secretKey } = app.ctx;
    const [a, b, c] = await seedCustomers(db, secretKey, [{ name: "Listed A" }, { name: "Listed B" }, { name: "Not Listed" }]);
    for (const customer of [a!, b!, c!]) await seedHealth(db, customer.id, { history: [{ at: new Date(), score: 70 }] });
    // Ids of no customer, with the two listed ones among them.
    const ids = Array.from({ length: LONG }, (_, i) => 1_000_000 + i);
    ids[123] = a!.id;
    ids[LONG - 1] = b!.id;

    const now = new Date();
    await db.transaction((tx) => expireAll(tx, now, ids));
    const validity = async () =>
      (
        await db
          .select({ id: currentHealth.customerId, until: currentHealth.validUntil })
          .from(currentHealth)
          .orderBy(asc(currentHealth.customerId))
      ).map((r) => ({ id: r.id, expired: r.until.getTime() <= now.getTime() }));
    expect(await validity()).toEqual([
      { id: a!.id, expired: true },
      { id: b!.id, expired: true },
      { id: c!.id, expired: false },
    ]);

    // Only the listed customers are looked at, and re-assessed.
    expect(await ensureCurrent(db, now, { only: ids })).toBe(2);
    expect((await validity()).every((r) => !r.expired)).toBe(true);
  });
});

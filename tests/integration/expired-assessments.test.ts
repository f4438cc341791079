import { asc, eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { ensureCurrent, expireAll } from "../../checks/assessment/store";
import { currentHealth, customers } from "../../db/schema";
import { seedCustomers, seedHealth } from "../factories";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();

describe(`re-assessing expired assessments (${process.env.DELIGHT_TEST_DB})`, () => {
  test("only the customers asked for, never an archived one, which keeps the health it had", async () => {
    const { db, secretKey } = app.ctx;
    const [a, b, c, archived] = await seedCustomers(db, secretKey, [{ name: "A" }, { name: "B" }, { name: "C" }, { name: "Archived" }]);
    for (const customer of [a!, b!, c!, archived!]) await seedHealth(db, customer.id, { history: [{ at: new Date(), score: 70 }] });
    await db.update(customers).set({ archivedAt: new Date() }).where(eq(customers.id, archived!.id));
    const now = new Date();
    await db.transaction((tx) => expireAll(tx, now));
    const expired = async () =>
      (
        await db
          .select({ id: currentHealth.customerId, until: currentHealth.validUntil })
          .from(currentHealth)
          .orderBy(asc(currentHealth.customerId))
      )
        .filter((r) => r.until.getTime() <= now.getTime())
        .map((r) => r.id);
    expect(await expired()).toEqual([a!.id, b!.id, c!.id, archived!.id]);

    expect(await ensureCurrent(db, now, { only: [a!.id, archived!.id] })).toBe(1);
    expect(await expired()).toEqual([b!.id, c!.id, archived!.id]);
    expect(await ensureCurrent(db, now)).toBe(2);
    expect(await expired()).toEqual([archived!.id]);
    // Nothing left to do: a second pass finds nothing.
    expect(await ensureCurrent(db, now)).toBe(0);
  });
});

import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { rescoringProgress } from "../../checks/assessment/store";
import { currentHealth, customers } from "../../db/schema";
import { seedCustomers, seedHealth } from "../factories";
import { setupTestApp } from "../setup/test-app";

/*
 * Settings' rescoring progress: of the active customers, how many hold an assessment under the
 * newest scoring version that is still valid. Counted from the ready rows' own copies (archived,
 * version, valid until) through one index, so each case below moves one of those copies.
 */

const app = setupTestApp();
const ids: number[] = [];

beforeAll(async () => {
  const seeded = await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Prog A" }, { name: "Prog B" }, { name: "Prog C" }]);
  for (const c of seeded) {
    await seedHealth(app.ctx.db, c.id, { history: [{ at: new Date(Date.now() - 3_600_000), score: 70 }] });
    ids.push(c.id);
  }
});

const progress = (version: string) => rescoringProgress(app.ctx.db, version);
const setReady = (id: number, values: Partial<typeof currentHealth.$inferInsert>) =>
  app.ctx.db.update(currentHealth).set(values).where(eq(currentHealth.customerId, id));

describe(`rescoring progress (${process.env.DELIGHT_TEST_DB})`, () => {
  test("every active customer counts; those assessed under the version and still valid are done", async () => {
    const [version] = await app.ctx.db
      .select({ v: currentHealth.scoringVersion })
      .from(currentHealth)
      .where(eq(currentHealth.customerId, ids[0]!));
    expect(await progress(version!.v!)).toEqual({ done: 3, total: 3 });
    expect(await progress("a newer version")).toEqual({ done: 0, total: 3 });
  });

  test("an expired assessment is not done; another version is not done; an archived customer is not counted", async () => {
    const [row] = await app.ctx.db
      .select({ v: currentHealth.scoringVersion })
      .from(currentHealth)
      .where(eq(currentHealth.customerId, ids[0]!));
    const version = row!.v!;
    await setReady(ids[0]!, { validUntil: new Date(Date.now() - 1000) });
    expect(await progress(version)).toEqual({ done: 2, total: 3 });
    await setReady(ids[1]!, { scoringVersion: "older" });
    expect(await progress(version)).toEqual({ done: 1, total: 3 });
    // Archiving reaches the ready row's copy through the customers trigger.
    await app.ctx.db.update(customers).set({ archivedAt: new Date() }).where(eq(customers.id, ids[2]!));
    expect(await progress(version)).toEqual({ done: 0, total: 2 });
  });
});

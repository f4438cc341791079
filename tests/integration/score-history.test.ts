import { describe, expect, test } from "vitest";
import { scoreHistory } from "../../app/models/health-history.server";
import { healthScores } from "../../db/schema";
import { seedCustomers } from "../factories";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const DAY = 86_400_000;

describe(`a customer's year of scores, read as one row (${process.env.DELIGHT_TEST_DB})`, () => {
  test("oldest first (ties by id), no score stays null, odd texts intact, older than the window left out", async () => {
    const [customer, other] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Series Co" }, { name: "Other Co" }]);
    const now = new Date("2026-06-15T12:00:00.000Z");
    const at = (daysAgo: number, ms = 0) => new Date(now.getTime() - daysAgo * DAY + ms);
    const row = (customerId: number, computedAt: Date, score: number | null, reason: string, scoringVersion = "1") => ({
      customerId,
      computedAt,
      score,
      band: null,
      coverage: 0.5,
      sections: {},
      scoringVersion,
      reason,
    });
    // Inserted out of order, so the ids do not follow the times.
    await app.ctx.db
      .insert(healthScores)
      .values([
        row(customer!.id, at(2), 61.5, 'answer "yes", {braces}, back\\slash'),
        row(customer!.id, at(400), 10, "too old"),
        row(customer!.id, at(10, 123), null, "no check decided"),
        row(other!.id, at(5), 99, "someone else"),
        row(customer!.id, at(2), 62.25, "same instant, later id", "2"),
        row(customer!.id, at(364), 33, "Zürich — 名前 😀"),
      ]);
    const history = await scoreHistory(app.ctx.db, customer!.id, now);
    expect(history.map(({ id: _id, ...s }) => s)).toEqual([
      { computedAt: at(364), score: 33, scoringVersion: "1", reason: "Zürich — 名前 😀" },
      { computedAt: at(10, 123), score: null, scoringVersion: "1", reason: "no check decided" },
      { computedAt: at(2), score: 61.5, scoringVersion: "1", reason: 'answer "yes", {braces}, back\\slash' },
      { computedAt: at(2), score: 62.25, scoringVersion: "2", reason: "same instant, later id" },
    ]);
    expect(history[2]!.id).toBeLessThan(history[3]!.id);
    expect(history.every((s) => Number.isInteger(s.id))).toBe(true);
    expect(await scoreHistory(app.ctx.db, customer!.id, now, 5)).toHaveLength(2);
    expect(await scoreHistory(app.ctx.db, customer!.id + 1000, now)).toEqual([]);
  });
});

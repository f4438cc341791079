import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { EMPTY_SPARKLINE, nextSparkline, type Sparkline } from "../../checks/assessment/sparkline";
import { rebuildSparklines } from "../../checks/assessment/store";
import { migrationsFolder } from "../../db/client";
import { currentHealth, healthScores } from "../../db/schema";
import { seedCustomers, seedHealth } from "../factories";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();

/** The statements of migration 0017 after the column default: those that rewrite stored sparklines. */
const rewriteStatements = () =>
  readFileSync(path.join(migrationsFolder(), "0017_sparkline_one_array.sql"), "utf8")
    .split("--> statement-breakpoint")
    .filter((s) => s.includes("UPDATE"));

const sparklineOf = async (customerId: number) =>
  (await app.ctx.db.select({ s: currentHealth.sparkline }).from(currentHealth).where(eq(currentHealth.customerId, customerId)))[0]!.s;

describe(`stored sparklines (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the migration turns [day, score] pairs into one array of daily scores, and leaves the new form alone", async () => {
    const { db, secretKey } = app.ctx;
    const [a, b, c] = await seedCustomers(db, secretKey, [{ name: "A" }, { name: "B" }, { name: "C" }]);
    for (const customer of [a!, b!, c!]) await seedHealth(db, customer.id, { history: [{ at: new Date(), score: 70 }] });
    const already: Sparkline = { from: "2026-06-01", scores: [50, null, 52] };
    // As the writer stored them before 0017 (through SQL: the column's type is the new form).
    await db.execute(
      sql`update current_health set sparkline = '[["2026-02-27", 70.5], ["2026-03-02", 72]]'::jsonb where customer_id = ${a!.id}`,
    );
    await db.execute(sql`update current_health set sparkline = '[]'::jsonb where customer_id = ${b!.id}`);
    await db.update(currentHealth).set({ sparkline: already }).where(eq(currentHealth.customerId, c!.id));

    const statements = rewriteStatements();
    expect(statements).toHaveLength(1);
    for (const statement of statements) await db.execute(sql.raw(statement));

    expect(await sparklineOf(a!.id)).toEqual({ from: "2026-02-27", scores: [70.5, null, null, 72] });
    expect(await sparklineOf(b!.id)).toEqual(EMPTY_SPARKLINE);
    expect(await sparklineOf(c!.id)).toEqual(already);
  });

  test("rebuilt from the score history, a sparkline is the one the writer keeps score by score", async () => {
    const { db, secretKey } = app.ctx;
    const [customer] = await seedCustomers(db, secretKey, [{ name: "History" }]);
    const now = new Date();
    const day = (n: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - n, 12));
    const scores: { at: Date; score: number | null }[] = [
      { at: day(120), score: 5 }, // older than 90 days
      { at: day(90), score: 7 }, // the day before the 90 days up to today
      { at: day(89), score: 9 }, // the first of them
      { at: day(40), score: 61.26 },
      { at: day(38), score: 64 },
      { at: new Date(day(38).getTime() + 3 * 3_600_000), score: 66 }, // the day's last wins
      { at: day(20), score: 70 },
      { at: new Date(day(20).getTime() + 3_600_000), score: null }, // and a last without a score takes the day away
      { at: day(2), score: 80 },
    ];
    await seedHealth(db, customer!.id, { history: [{ at: day(1), score: 81 }] });
    await db.insert(healthScores).values(
      scores.map((s) => ({
        customerId: customer!.id,
        computedAt: s.at,
        score: s.score,
        band: null,
        coverage: 0,
        sections: {},
        scoringVersion: "1",
        reason: "seed",
      })),
    );
    await rebuildSparklines(db, [customer!.id], now);

    // As the writer would keep it had it assessed each score in turn, and once more today (no score).
    const kept = [...scores, { at: day(1), score: 81 }, { at: now, score: null }].reduce<Sparkline>(
      (line, s) => nextSparkline(line, s.at, s.score),
      EMPTY_SPARKLINE,
    );
    expect(await sparklineOf(customer!.id)).toEqual(kept);
    expect(kept.from).toBe(day(89).toISOString().slice(0, 10));
    expect(kept.scores).toHaveLength(89);
    expect(kept.scores[0]).toBe(9);
    expect(kept.scores[89 - 38]).toBe(66);
    expect(kept.scores[89 - 20]).toBeNull();
  });
});

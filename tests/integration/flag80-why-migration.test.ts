import { readFileSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { parsePortfolioParams, queryPortfolio } from "../../app/models/portfolio.server";
import type { HealthSummary } from "../../checks/assessment/summary";
import { migrationsFolder } from "../../db/client";
import { currentHealth } from "../../db/schema";
import { seedCustomers, seedHealth, seedUser } from "../factories";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();

const migration = () => readFileSync(path.join(migrationsFolder(), "0019_flag80_why_summary.sql"), "utf8");

const storedSummary = async (customerId: number) =>
  (await app.ctx.db.select({ s: currentHealth.summary }).from(currentHealth).where(eq(currentHealth.customerId, customerId)))[0]!
    .s as HealthSummary;

describe(`the ≥ 80 % flag's reason in summaries stored before it (${process.env.DELIGHT_TEST_DB})`, () => {
  test("migration 0019 has every current assessment re-assessed, so the portfolio says why at once", async () => {
    const { db, secretKey } = app.ctx;
    const user = await seedUser(db, { email: "flag@example.com", name: "Flag", role: "admin" });
    const [early] = await seedCustomers(db, secretKey, [{ name: "Early Period" }]);
    await seedHealth(db, early!.id, {
      history: [{ at: new Date(), score: 80, planPercent: 2, flagged80: true }],
      results: [{ checkId: "value.plan_usage_80", status: "pass", summary: "91% of plan", evidence: { percentOfPlan: 91 } }],
    });
    // As the writer stored it before the field existed, still valid for a year.
    await db.execute(sql`update current_health set summary = summary - 'flagged80Why' where customer_id = ${early!.id}`);
    expect(await storedSummary(early!.id)).not.toHaveProperty("flagged80Why");
    const row = async () =>
      (await queryPortfolio(db, parsePortfolioParams(new URLSearchParams("q=Early")), { userId: user.id })).rows[0]!.health!;
    expect((await row()).flagged80Why).toBe(null);

    await db.execute(sql.raw(migration()));

    const health = await row();
    expect(health.flagged80).toBe(true);
    expect(health.flagged80Why).toEqual({ basis: "last-30-days", percent: 91 });
    expect((await storedSummary(early!.id)).flagged80Why).toEqual({ basis: "last-30-days", percent: 91 });
  });
});

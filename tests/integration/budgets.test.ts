import { describe, expect, test } from "vitest";
import { type Budget, takeBudget, takeBudgets } from "../../checks/posthog/budgets";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
// Room for two refreshes of 8 calls in a minute: the third must wait.
const budgets: Budget[] = [{ name: "all/minute", class: "all", limit: 20, windowMs: 60_000 }];

describe(`PostHog budgets shared in the database (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a batch takes a key's budget for its customers at once, as one call each in a row would", async () => {
    const taken = await takeBudgets(app.ctx.db, "key-batch", { all: 8 }, 3, { budgets });
    expect(taken.granted).toBe(2);
    expect(taken.refused).toMatchObject({ granted: false, budget: "all/minute" });
    expect(taken.refused!.waitMs).toBeGreaterThan(0);
    // What the batch took is stored: the next single call does not fit either.
    expect(await takeBudget(app.ctx.db, "key-batch", { all: 8 }, { budgets })).toMatchObject({ granted: false });
    // Another key has its own budget; forced charges are always taken.
    expect((await takeBudgets(app.ctx.db, "key-other", { all: 8 }, 2, { budgets })).granted).toBe(2);
    expect((await takeBudgets(app.ctx.db, "key-batch", { all: 8 }, 2, { budgets, force: true })).granted).toBe(2);
  });
});

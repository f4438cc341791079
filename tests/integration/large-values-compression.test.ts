import { eq, sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { rowsOf } from "../../db/rows";
import { currentHealth } from "../../db/schema";
import { seedCustomers, seedHealth } from "../factories";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();

/** Whether this database can compress with lz4 (a server built with it; PGlite is not). */
async function lz4Available(): Promise<boolean> {
  try {
    await app.ctx.db.transaction(async (tx) => {
      await tx.execute(sql`set local default_toast_compression = lz4`);
    });
    return true;
  } catch {
    return false;
  }
}

const LARGE = ["current_health.state", "check_runs.snapshot", "health_scores.contributions"];

describe(`large values a refresh writes (${process.env.DELIGHT_TEST_DB})`, () => {
  test("are compressed with lz4 where the database has it, and read back unchanged", async () => {
    const lz4 = await lz4Available();
    // The server on this project's machines is built with lz4; PGlite is not.
    expect(lz4).toBe(process.env.DELIGHT_TEST_DB === "postgres");
    const settings = rowsOf<{ column: string; method: string }>(
      await app.ctx.db.execute(sql`select c.relname || '.' || a.attname as "column", a.attcompression::text as method
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        where c.relname || '.' || a.attname in ${LARGE} and not a.attisdropped
        order by 1`),
    );
    expect(settings.map((s) => s.column).sort()).toEqual([...LARGE].sort());
    // "l" is lz4; an empty setting is the server's default (pglz).
    for (const s of settings) expect({ column: s.column, method: s.method.trim() }).toEqual({ column: s.column, method: lz4 ? "l" : "" });

    const [customer] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Large Values Ltd" }]);
    await seedHealth(app.ctx.db, customer!.id, { history: [{ at: new Date(), score: 70 }] });
    const state = {
      checks: Array.from({ length: 200 }, (_, i) => ({ checkId: `check.${i}`, summary: `${i} of 200 ${"passes ".repeat(5)}` })),
    };
    await app.ctx.db.update(currentHealth).set({ state }).where(eq(currentHealth.customerId, customer!.id));
    const [stored] = rowsOf<{ method: string | null; state: unknown }>(
      await app.ctx.db.execute(
        sql`select pg_column_compression(state) as method, state from current_health where customer_id = ${customer!.id}`,
      ),
    );
    expect(stored!.method).toBe(lz4 ? "lz4" : "pglz");
    expect(stored!.state).toEqual(state);
  });
});

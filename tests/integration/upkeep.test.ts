import { sql } from "drizzle-orm";
import { describe, expect, test, vi } from "vitest";
import { upkeepSoon } from "../../app/utils/scheduler.server";
import { rowsOf } from "../../db/rows";
import { upkeepTables } from "../../db/upkeep";
import { setupTestApp } from "../setup/test-app";

/*
 * The embedded database has no autovacuum: the scheduler vacuums and analyzes what needs it
 * (db/upkeep.ts). upkeepTables runs here on both engines; the scheduler calls it only on PGlite.
 * A table of the test's own holds the dead rows (deleted, so no page pruning takes them away
 * first), with the server's autovacuum off for it.
 */

const app = setupTestApp();

/** A new table of 1,000 rows, half of them then deleted: 500 dead, above 50 + 20% of 500. */
async function leaveDeadRows() {
  const { db } = app.ctx;
  await db.execute(sql`drop table if exists upkeep_probe`);
  await db.execute(sql`create table upkeep_probe (id int primary key, v int) with (autovacuum_enabled = false)`);
  await db.execute(sql`insert into upkeep_probe select g, g from generate_series(1, 1000) g`);
  await db.execute(sql`delete from upkeep_probe where id % 2 = 0`);
}

/** Statistics are sent at a transaction's end at most once a second: sent now, then read. */
async function probeStats() {
  const { db } = app.ctx;
  await db.execute(sql`select pg_stat_force_next_flush()`);
  await db.execute(sql`select 1`);
  const [row] = rowsOf<{ dead: number; vacuums: number }>(
    await db.execute(sql`
      select n_dead_tup::int as dead, vacuum_count::int as vacuums
      from pg_stat_user_tables where schemaname = 'public' and relname = 'upkeep_probe'`),
  );
  return row!;
}

describe(`upkeep of the embedded database (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a table with many dead rows is vacuumed; a second pass leaves it alone", async () => {
    await leaveDeadRows();
    expect(await probeStats()).toEqual({ dead: 500, vacuums: 0 });

    expect(await upkeepTables(app.ctx.db)).toContainEqual({ table: "upkeep_probe", vacuum: true });
    expect(await probeStats()).toEqual({ dead: 0, vacuums: 1 });
    expect(await upkeepTables(app.ctx.db)).not.toContainEqual(expect.objectContaining({ table: "upkeep_probe" }));
  });

  test("a table with rows that was never analyzed is analyzed, however few changes were counted", async () => {
    const { db } = app.ctx;
    await db.execute(sql`create table upkeep_fresh (id int primary key) with (autovacuum_enabled = false)`);
    await db.execute(sql`insert into upkeep_fresh select generate_series(1, 10)`);
    const analyzed = async () =>
      rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from pg_stats where tablename = 'upkeep_fresh'`))[0]!.n > 0;
    expect(await analyzed()).toBe(false);
    expect(await upkeepTables(db)).toContainEqual({ table: "upkeep_fresh", vacuum: false });
    expect(await analyzed()).toBe(true);
    expect(await upkeepTables(db)).not.toContainEqual(expect.objectContaining({ table: "upkeep_fresh" }));
  });

  test(
    process.env.DELIGHT_TEST_DB === "pglite"
      ? "the scheduler's pass vacuums on PGlite and says what it did"
      : "the scheduler's pass leaves a PostgreSQL server to its own autovacuum",
    async () => {
      await leaveDeadRows();
      expect((await probeStats()).dead).toBe(500);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      try {
        await upkeepSoon();
        const said = log.mock.calls.map((c) => String(c[0])).join("\n");
        if (process.env.DELIGHT_TEST_DB === "pglite") {
          expect(said).toMatch(/^\[delight\] embedded database: .*vacuumed upkeep_probe.* \(\d+ ms\)$/m);
          expect((await probeStats()).dead).toBe(0);
        } else {
          expect(said).toBe("");
          expect((await probeStats()).dead).toBe(500);
        }
      } finally {
        log.mockRestore();
      }
    },
  );
});

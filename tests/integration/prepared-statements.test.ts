import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type DbHandle } from "../../db/client";
import { rowsOf } from "../../db/rows";
import { users } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

/*
 * On a PostgreSQL server the statements drizzle builds are prepared once per connection (each page
 * view would otherwise have the server parse and plan them again), unless DELIGHT_DB_PREPARE turns
 * it off for a pooler; a schema change under a prepared statement does not break it.
 */

let database: TestDatabase;
const handles: DbHandle[] = [];
const open = async (prepare?: boolean) => {
  const handle = createDb({ url: database.env.DATABASE_URL || undefined, dataDir: "memory://", maxConnections: 1, prepare });
  handles.push(handle);
  await handle.migrate();
  return handle;
};
const preparedCount = async (handle: DbHandle) =>
  rowsOf<{ n: number }>(
    await handle.db.execute(sql`select count(*)::int as n from pg_prepared_statements where statement like '%"users"%'`),
  )[0]!.n;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const h of handles) await h.close();
  await database.drop();
});

describe(`prepared statements (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a drizzle query is prepared once on a server, and not with prepare off; the embedded database is unaffected", async () => {
    const on = await open();
    const query = () => on.db.select({ id: users.id }).from(users).where(eq(users.email, "nobody@example.com"));
    await query();
    await query();
    const off = await open(false);
    await off.db.select({ id: users.id }).from(users).where(eq(users.email, "nobody@example.com"));
    if (database.target === "postgres") {
      expect(await preparedCount(on)).toBeGreaterThanOrEqual(1);
      expect(await preparedCount(off)).toBe(0);
      // Planned once per connection, not again on each execution.
      const mode = async (h: DbHandle) =>
        rowsOf<{ plan_cache_mode: string }>(await h.db.execute(sql`show plan_cache_mode`))[0]!.plan_cache_mode;
      expect(await mode(on)).toBe("force_generic_plan");
      expect(await mode(off)).toBe("auto");
      for (let i = 0; i < 3; i++) await query();
      const plans = rowsOf<{ generic: number; custom: number }>(
        await on.db.execute(
          sql`select sum(generic_plans)::int as generic, sum(custom_plans)::int as custom from pg_prepared_statements where statement like '%"users"%'`,
        ),
      )[0]!;
      expect(plans).toEqual({ generic: 5, custom: 0 });
    } else {
      // PGlite has no named statements of its own to keep; the query still answers.
      expect(await query()).toEqual([]);
    }
  });

  test("a column whose type changes under a prepared statement is read with its new type", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prep_probe (id int primary key, n int)`);
    await handle.db.execute(sql`insert into prep_probe values (1, 7)`);
    const read = async () => rowsOf<{ n: unknown }>(await handle.db.execute(sql`select n from prep_probe where id = ${1}`))[0]!.n;
    expect(await read()).toBe(7);
    await handle.db.execute(sql`alter table prep_probe alter column n type text`);
    expect(await read()).toBe("7");
  });
});

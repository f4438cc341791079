import { eq, type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type Db, type DbHandle } from "../../db/client";
import { PREPARED_LIMIT } from "../../db/pglite-prepared";
import { rowsOf } from "../../db/rows";
import { users } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

/*
 * The statements drizzle builds are prepared once per server connection, or once per embedded
 * database (each page view would otherwise parse and plan them again), unless DELIGHT_DB_PREPARE
 * turns it off for a pooler. Prepared or not, they answer the same; a schema change under a
 * prepared statement does not break it.
 */

let database: TestDatabase;
const handles: DbHandle[] = [];
const open = async (prepare?: boolean) => {
  const handle = createDb({ url: database.env.DATABASE_URL || undefined, dataDir: "memory://", maxConnections: 1, prepare });
  handles.push(handle);
  await handle.migrate();
  return handle;
};
/** Statements kept prepared whose text is like `like`, seen from `db` (a database or a transaction). */
const preparedIn = async (db: Pick<Db, "execute">, like: string) =>
  rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from pg_prepared_statements where statement like ${like}`))[0]!.n;
const preparedCount = (handle: DbHandle, like = '%"users"%') => preparedIn(handle.db, like);
const rows = async <T>(handle: DbHandle, query: SQL) => rowsOf<T>(await handle.db.execute(query));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const h of handles) await h.close();
  await database.drop();
});

describe(`prepared statements (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a drizzle query is prepared once, and not with prepare off", async () => {
    const on = await open();
    const query = () => on.db.select({ id: users.id }).from(users).where(eq(users.email, "nobody@example.com"));
    await query();
    await query();
    const off = await open(false);
    await off.db.select({ id: users.id }).from(users).where(eq(users.email, "nobody@example.com"));
    expect(await preparedCount(on)).toBe(1);
    expect(await preparedCount(off)).toBe(0);
    // Planned once per connection, not again on each execution.
    const mode = async (h: DbHandle) =>
      rowsOf<{ plan_cache_mode: string }>(await h.db.execute(sql`show plan_cache_mode`))[0]!.plan_cache_mode;
    expect(await mode(on)).toBe("force_generic_plan");
    expect(await mode(off)).toBe("auto");
    for (let i = 0; i < 3; i++) expect(await query()).toEqual([]);
    const plans = rowsOf<{ generic: number; custom: number }>(
      await on.db.execute(
        sql`select sum(generic_plans)::int as generic, sum(custom_plans)::int as custom from pg_prepared_statements where statement like ${'%"users"%'}`,
      ),
    )[0]!;
    expect(plans).toEqual({ generic: 5, custom: 0 });
  });

  if (process.env.DELIGHT_TEST_DB === "postgres") {
    test("a server's connections have JIT off, prepared or not: compiling cost a large search more than it saved", async () => {
      const jit = async (h: DbHandle) => rowsOf<{ jit: string }>(await h.db.execute(sql`show jit`))[0]!.jit;
      expect(await jit(await open())).toBe("off");
      expect(await jit(await open(false))).toBe("off");
    });
  }

  test("statements inside a transaction and a savepoint are prepared too, and reused by the next one", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prep_in_tx (id int primary key, note text)`);
    const write = (id: number) => sql`insert into prep_in_tx values (${id}, ${`note ${id}`})`;
    const kept = () => preparedCount(handle, "insert into prep_in_tx values%");
    const inside = await handle.db.transaction(async (tx) => {
      // A lock changes no schema: what follows is prepared all the same.
      await tx.execute(sql`lock table prep_in_tx in share row exclusive mode`);
      await tx.execute(write(1));
      await tx.transaction(async (savepoint) => {
        await savepoint.execute(write(2));
      });
      return preparedIn(tx, "insert into prep_in_tx values%");
    });
    expect(inside).toBe(1);
    await handle.db.transaction(async (tx) => {
      await tx.execute(write(3));
    });
    expect(await kept()).toBe(1);
    expect(await rows(handle, sql`select id, note from prep_in_tx where id > ${0} order by id`)).toEqual([
      { id: 1, note: "note 1" },
      { id: 2, note: "note 2" },
      { id: 3, note: "note 3" },
    ]);
  });

  test("a repeated statement answers as the first time and as an unprepared one, for parameters of several types", async () => {
    const [on, off] = [await open(), await open(false)];
    const table = (h: DbHandle) => sql.raw(h === on ? "prep_types_on" : "prep_types_off");
    const at = new Date("2026-03-04T05:06:07.089Z");
    const write = (h: DbHandle, id: number, tags: string[] | null) =>
      rows(
        h,
        sql`insert into ${table(h)} values (${id}, ${`n${id}`}, ${at.toISOString()}, ${JSON.stringify({ id, é: "ü" })}::jsonb, ${id % 2 === 0}, ${"12.50"}, ${sql.param(tags)})
            returning id`,
      );
    const read = (h: DbHandle, id: number) =>
      h.db.execute(
        sql`select id, name, at, doc, flag, amount, tags, doc->>'é' as accent from ${table(h)}
            where id >= ${id} and name like ${"n%"} and at <= ${at.toISOString()} and flag in (${true}, ${false}) and (tags is null or ${"a"} = any(tags))
            order by id`,
      );
    for (const h of [on, off]) {
      await h.db.execute(
        sql`create table ${table(h)} (id int primary key, name text, at timestamptz, doc jsonb, flag boolean, amount numeric(10,2), tags text[])`,
      );
      expect(await write(h, 1, ["a", "b"])).toEqual([{ id: 1 }]);
      expect(await write(h, 2, null)).toEqual([{ id: 2 }]);
    }
    const first = await read(on, 1);
    expect(rowsOf(first)).toHaveLength(2);
    expect(rowsOf(first)[0]).toMatchObject({
      name: "n1",
      doc: { id: 1, é: "ü" },
      flag: false,
      amount: "12.50",
      tags: ["a", "b"],
      accent: "ü",
    });
    expect(await read(on, 1)).toEqual(first);
    expect(await read(off, 1)).toEqual(first);
    expect(rowsOf(await read(on, 2))).toEqual([rowsOf(first)[1]]);
  });

  test("an error inside a transaction rolls it back, and its statements still run afterwards", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prep_tx (id int primary key, note text)`);
    const insert = (id: number, note: string) => sql`insert into prep_tx values (${id}, ${note})`;
    await handle.db.execute(insert(1, "before"));
    const failed = handle.db.transaction(async (tx) => {
      await tx.execute(insert(2, "inside"));
      await tx.execute(insert(1, "duplicate"));
    });
    await expect(failed).rejects.toMatchObject({ cause: { code: "23505" } });
    const all = () => rows<{ id: number; note: string }>(handle, sql`select id, note from prep_tx where id > ${0} order by id`);
    expect(await all()).toEqual([{ id: 1, note: "before" }]);
    await handle.db.transaction(async (tx) => {
      await tx.execute(insert(2, "inside"));
    });
    expect(await all()).toEqual([
      { id: 1, note: "before" },
      { id: 2, note: "inside" },
    ]);
  });

  test("a column whose type changes under a prepared statement is read with its new type", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prep_probe (id int primary key, n int)`);
    await handle.db.execute(sql`insert into prep_probe values (1, 7)`);
    const read = async () => (await rows<{ n: unknown }>(handle, sql`select n from prep_probe where id = ${1}`))[0]!.n;
    expect(await read()).toBe(7);
    await handle.db.execute(sql`alter table prep_probe alter column n type text`);
    expect(await read()).toBe("7");
  });

  test("a statement prepared inside a transaction that changed a column, then rolled back, reads the column as it was", async () => {
    const handle = await open();
    await handle.db.execute(sql`create table prep_undo (id int primary key, n int)`);
    await handle.db.execute(sql`insert into prep_undo values (1, 7)`);
    const read = async () => (await rows<{ n: unknown }>(handle, sql`select n from prep_undo where id = ${1}`))[0]!.n;
    expect(await read()).toBe(7);
    const undone = handle.db.transaction(async (tx) => {
      await tx.execute(sql`alter table prep_undo alter column n type text`);
      const inside = rowsOf<{ n: unknown }>(await tx.execute(sql`select n from prep_undo where id = ${1}`))[0]!.n;
      throw new Error(`rolled back after reading ${JSON.stringify(inside)}`);
    });
    await expect(undone).rejects.toThrow('rolled back after reading "7"');
    // Inside a transaction too, where a stale statement could not just be prepared again.
    const again = await handle.db.transaction(
      async (tx) => rowsOf<{ n: unknown }>(await tx.execute(sql`select n from prep_undo where id = ${1}`))[0]!.n,
    );
    expect(again).toBe(7);
    expect(await read()).toBe(7);
  });

  test("the statements kept stay bounded, and one forgotten is prepared again", async () => {
    const handle = await open();
    const distinct = (i: number) => sql`select ${i}::int + ${sql.raw(String(i))} as n`;
    for (let i = 0; i < PREPARED_LIMIT + 40; i++) expect(await rows(handle, distinct(i))).toEqual([{ n: 2 * i }]);
    const kept = await preparedCount(handle, "select $1::int + %");
    if (database.target === "pglite") expect(kept).toBeLessThanOrEqual(PREPARED_LIMIT);
    else expect(kept).toBe(PREPARED_LIMIT + 40); // postgres.js keeps every statement of a connection
    expect(await rows(handle, distinct(0))).toEqual([{ n: 0 }]);
  });
});

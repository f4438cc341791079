import { randomBytes } from "node:crypto";
import { asc, inArray, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDb, type DbHandle } from "../../db/client";
import { anyOf, idRows, inIds } from "../../db/id-list";
import { recordset } from "../../db/recordset";
import { rowsOf } from "../../db/rows";
import { checkRuns, customers } from "../../db/schema";
import { seedCustomers } from "../factories";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

/*
 * Rows written through one JSON parameter (db/recordset.ts) read back exactly as the same rows
 * inserted by drizzle: dates, nulls (also in jsonb columns), nested JSON, numbers and text.
 */

const dialect = new PgDialect();
let database: TestDatabase;
let handle: DbHandle;

beforeAll(async () => {
  database = await createTestDatabase();
  handle = createDb({ url: database.env.DATABASE_URL || undefined, dataDir: "memory://", maxConnections: 2 });
  await handle.migrate();
});
afterAll(async () => {
  await handle?.close();
  await database.drop();
});

const RUNS = recordset(checkRuns, ["id", "customerId", "startedAt", "finishedAt", "status", "errors", "apiCalls", "snapshot", "trigger"]);

/** A run row with every listed column set, for the statement-only tests. */
const RUN = {
  id: 1,
  customerId: 1,
  startedAt: new Date(0),
  finishedAt: new Date(0),
  status: "ok" as const,
  errors: [],
  apiCalls: 0,
  snapshot: null,
  trigger: "manual",
};

describe(`recordset (${process.env.DELIGHT_TEST_DB})`, () => {
  test("lists the columns by their SQL names, in the order given", () => {
    expect(dialect.sqlToQuery(RUNS.columns).sql).toBe(
      '"id", "customer_id", "started_at", "finished_at", "status", "errors", "api_calls", "snapshot", "trigger"',
    );
  });

  test("the statement's text does not depend on the number of rows", () => {
    const text = (n: number) => dialect.sqlToQuery(RUNS.from(Array.from({ length: n }, (_, i) => ({ ...RUN, id: i }))));
    expect(text(1).sql).toBe(text(40).sql);
    expect(text(40).params).toHaveLength(1);
  });

  test("an invalid date or a number JSON cannot carry is refused, not written as NULL", () => {
    expect(() => RUNS.from([RUN, { ...RUN, finishedAt: new Date(Number.NaN) }])).toThrow("finishedAt: invalid date");
    expect(() => RUNS.from([{ ...RUN, apiCalls: Number.NaN }])).toThrow("apiCalls: NaN cannot be stored");
    expect(() => RUNS.from([{ ...RUN, apiCalls: Number.POSITIVE_INFINITY }])).toThrow("apiCalls: Infinity cannot be stored");
    expect(() => RUNS.from([RUN])).not.toThrow();
  });

  test("reads back what drizzle's own insert of the same rows reads back", async () => {
    const { db } = handle;
    const [customer] = await seedCustomers(db, randomBytes(32), [{ name: `Recordset ${randomBytes(3).toString("hex")}` }]);
    const at = new Date("2026-03-29T01:30:00.123Z");
    const rows = (base: number) => [
      {
        id: base + 1,
        customerId: customer!.id,
        startedAt: at,
        finishedAt: new Date(at.getTime() + 1500),
        status: "partial" as const,
        errors: [{ call: "members", kind: "forbidden", message: `It's "quoted" \\ and ünïcode` }],
        apiCalls: 8,
        snapshot: { nested: { list: [1, 2.5, null, "x"], empty: {} }, flag: true, big: 1e21, tiny: 0.30000000000000004 },
        trigger: "manual",
      },
      {
        id: base + 2,
        customerId: customer!.id,
        startedAt: at,
        finishedAt: at,
        status: "failed" as const,
        errors: [],
        apiCalls: 0,
        snapshot: null,
        trigger: "schedule",
      },
    ];
    await db.insert(checkRuns).values(rows(1000));
    await db.execute(RUNS.insert(rows(2000)));
    const read = async (ids: number[]) =>
      (await db.select().from(checkRuns).where(inArray(checkRuns.id, ids)).orderBy(asc(checkRuns.id))).map(({ id, ...rest }) => rest);
    const byDrizzle = await read([1001, 1002]);
    expect(await read([2001, 2002])).toEqual(byDrizzle);
    expect(byDrizzle[1]!.snapshot).toBeNull();
    // A JS null in a jsonb column is SQL NULL, not the JSON value null, either way.
    const nulls = rowsOf<{ id: number; missing: boolean }>(
      await db.execute(sql`select id, snapshot is null as missing from check_runs where id in (1002, 2002) order by id`),
    );
    expect(nulls).toEqual([
      { id: 1002, missing: true },
      { id: 2002, missing: true },
    ]);
  });
});

describe(`id lists (${process.env.DELIGHT_TEST_DB})`, () => {
  test.each([
    ["anyOf", anyOf],
    ["inIds", inIds],
  ] as const)("%s matches exactly the ids given, none for an empty list, with one parameter of fixed text", async (_name, match) => {
    const { db } = handle;
    const made = await seedCustomers(
      db,
      randomBytes(32),
      ["A", "B", "C"].map((n) => ({ name: `Ids ${n} ${randomBytes(3).toString("hex")}` })),
    );
    const ids = made.map((c) => c.id);
    const read = async (wanted: number[]) =>
      (await db.select({ id: customers.id }).from(customers).where(match(customers.id, wanted))).map((r) => r.id).sort((a, b) => a - b);
    expect(await read([ids[2]!, ids[0]!, ids[0]!, 999_999])).toEqual([ids[0], ids[2]].sort((a, b) => a! - b!));
    expect(await read([])).toEqual([]);
    const one = dialect.sqlToQuery(match(customers.id, [1]));
    const many = dialect.sqlToQuery(match(customers.id, [1, 2, 3, 4]));
    expect(one.sql).toBe(many.sql);
    expect(many.params).toEqual(["1,2,3,4"]);
    expect(() => match(customers.id, [1, Number.POSITIVE_INFINITY])).toThrow(TypeError);
  });

  test("idRows yields the ids in order; anything but a whole number is refused before reaching SQL", async () => {
    const rows = rowsOf<{ id: number }>(await handle.db.execute(sql`select ${idRows([3, 1, 2])} as id`));
    expect(rows.map((r) => r.id)).toEqual([3, 1, 2]);
    expect(() => anyOf(customers.id, [1, 2.5])).toThrow(TypeError);
    expect(() => idRows([Number.NaN])).toThrow(TypeError);
  });
});

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { messages, PGlite, TransactionAbortedError } from "@electric-sql/pglite";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { createDb, type DbHandle } from "../../db/client";
import { PGliteThread } from "../../db/pglite-thread";
import { rowsOf } from "../../db/rows";
import { users } from "../../db/schema";

/*
 * The embedded database in its own thread (db/pglite-thread.ts) answers exactly as PGlite in the
 * process's main thread: the same rows and types, the same transactions, the same errors. Each
 * test runs the same steps on both and compares. The embedded database either way, so this runs
 * the same whatever TEST_DATABASE_URL says.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const root = mkdtempSync(path.join(os.tmpdir(), "delight-thread-"));
let thread: DbHandle;
let inline: DbHandle;
const client = (h: DbHandle) => (h.db as unknown as { $client: PGlite }).$client;

beforeAll(async () => {
  thread = createDb({ dataDir: "memory://", thread: true });
  inline = createDb({ dataDir: "memory://", thread: false });
  await Promise.all([thread.migrate(), inline.migrate()]);
  expect(client(thread)).toBeInstanceOf(PGliteThread);
  expect(client(inline)).toBeInstanceOf(PGlite);
});
afterAll(async () => {
  await thread?.close();
  await inline?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Runs `steps` on both databases and expects the same outcome; returns the thread's. */
async function same<T>(steps: (h: DbHandle) => Promise<T>): Promise<T> {
  const a = await steps(thread);
  const b = await steps(inline);
  expect(a).toEqual(b);
  return a;
}

/** A rejection's class and every field PGlite and drizzle give it (the cause's too). */
async function failure(work: Promise<unknown>) {
  const error = await work.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => e as Error & { cause?: Error },
  );
  const describe = (e: Error | undefined) =>
    e && {
      class: e.constructor.name,
      database: e instanceof messages.DatabaseError,
      aborted: e instanceof TransactionAbortedError,
      message: e.message,
      fields: Object.fromEntries(Object.entries(e).filter(([key]) => key !== "cause" && key !== "queryOptions")),
      options: "queryOptions" in e ? Object.keys((e as { queryOptions?: object }).queryOptions ?? {}) : undefined,
    };
  return { ...describe(error), cause: describe(error.cause) };
}

describe("the embedded database in its own thread", () => {
  test("rows come back with the same values and types: dates, JSON, bigint, numeric, arrays, bytes", async () => {
    await same(async (h) => {
      await h.db.execute(sql`create table kinds (
        id int primary key, at timestamptz, local timestamp, day date, span interval, doc jsonb, plain json,
        big bigint, amount numeric(12,3), amounts numeric[], tags text[], ints int[], ats timestamptz[],
        bytes bytea, flag boolean, uid uuid, real_ double precision)`);
      return null;
    });
    const at = new Date("2026-03-04T05:06:07.089Z");
    const write = (h: DbHandle, id: number) =>
      h.db.execute(sql`insert into kinds values (${id}, ${at}, ${"2026-03-04 05:06:07"}, ${"2026-03-04"}, ${"1 day 02:03:04"},
        ${JSON.stringify({ a: [1, "é"], n: null })}::jsonb, ${JSON.stringify({ b: true })}::json, ${9007199254740993n},
        ${"123456789.125"}, ${sql.param(["1.5", "2.25"])}::numeric[], ${sql.param(["a", "b,c", 'd"e'])}, ${sql.param([1, 2, 3])},
        ${sql.param([at.toISOString()])}::timestamptz[], ${new Uint8Array([0, 1, 254, 255])}, ${id % 2 === 0},
        ${"0b6c8a8e-6f53-4b36-9d7e-3f6d1a2b4c5d"}, ${0.1 + 0.2}) returning id`);
    const written = await same(async (h) => [rowsOf(await write(h, 1)), rowsOf(await write(h, 2))]);
    expect(written).toEqual([[{ id: 1 }], [{ id: 2 }]]);
    // drizzle's execute (objects, its parsers keep dates as text)…
    const read = await same(async (h) => h.db.execute(sql`select *, id as "ID", 7 as id from kinds where id >= ${1} order by 1`));
    expect(rowsOf(read)[0]).toMatchObject({
      at: "2026-03-04 05:06:07.089+00",
      big: 9007199254740993n,
      id: 7,
      doc: { a: [1, "é"], n: null },
    });
    // …PGlite's own parsers (Date objects, no options), arrays of rows, and a parser of the caller's.
    const raw = await same(async (h) => client(h).query("select at, local, day, ats, bytes, big from kinds order by id"));
    expect((raw.rows[0] as { at: unknown }).at).toEqual(at);
    const parsers = { 1184: (value: string) => `parsed ${value}`, 1700: (value: string) => Number(value) };
    await same(async (h) =>
      client(h).query("select at, at, amount, null::timestamptz as none from kinds", [], { rowMode: "array", parsers }),
    );
    // Through the schema: drizzle's arrays of rows and its mapping to objects.
    await same(async (h) => {
      await h.db.insert(users).values({ email: "t@example.com", name: "T", role: "admin", passwordHash: "x" });
      const rows = await h.db.select().from(users).where(eq(users.email, "t@example.com"));
      // Written at different moments: the same type, not the same time.
      return rows.map((row) => ({ ...row, createdAt: row.createdAt instanceof Date, updatedAt: row.updatedAt instanceof Date }));
    });
    // Several statements at once.
    await same(async (h) => client(h).exec("select 1 as one; select 'two' as two, now()::date - now()::date as zero"));
  });

  test("a transaction commits, rolls back when its callback throws, and nests with savepoints", async () => {
    await same(async (h) => {
      await h.db.execute(sql`create table tx_log (id int primary key, note text)`);
      const note = (id: number, text: string) => sql`insert into tx_log values (${id}, ${text})`;
      await h.db.transaction(async (tx) => {
        await tx.execute(note(1, "committed"));
        await tx
          .transaction(async (inner) => {
            await inner.execute(note(2, "savepoint rolled back"));
            throw new Error("inner");
          })
          .catch((e: Error) => expect(e.message).toBe("inner"));
        await tx.transaction(async (inner) => {
          await inner.execute(note(3, "savepoint released"));
          await inner.transaction(async (deeper) => deeper.execute(note(4, "two deep")));
        });
      });
      const thrown = await h.db
        .transaction(async (tx) => {
          await tx.execute(note(5, "rolled back"));
          throw new Error("outer");
        })
        .catch((e: Error) => e.message);
      // drizzle's tx.rollback(): PGlite's ROLLBACK, then its own error.
      const rolledBack = await h.db
        .transaction(async (tx) => {
          await tx.execute(note(6, "rolled back too"));
          tx.rollback();
        })
        .catch((e: Error) => e.constructor.name);
      const value = await h.db.transaction(async (tx) =>
        rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from tx_log`)),
      );
      return { rows: rowsOf(await h.db.execute(sql`select * from tx_log order by id`)), thrown, rolledBack, value };
    });
  });

  test("PGlite's transaction object: rollback, closed, statements after it ends", async () => {
    await same(async (h) => {
      await client(h).exec("create table tx_raw (id int primary key)");
      let kept: Awaited<Parameters<Parameters<PGlite["transaction"]>[0]>[0]> | undefined;
      const result = await client(h).transaction(async (tx) => {
        kept = tx;
        await tx.query("insert into tx_raw values ($1)", [1]);
        await tx.rollback();
        return { closed: tx.closed, after: await tx.query("select 1").catch((e: Error) => e.message) };
      });
      const later = await kept!.query("select 1").catch((e: Error) => e.message);
      return { result, closedAfter: kept!.closed, later, rows: (await client(h).query("select * from tx_raw")).rows };
    });
  });

  test("statements outside a transaction wait for it to end, in the order they were sent", async () => {
    await same(async (h) => {
      await h.db.execute(sql`create table waits (id int primary key)`);
      const log: string[] = [];
      let outside: Promise<unknown> | undefined;
      await h.db.transaction(async (tx) => {
        await tx.execute(sql`insert into waits values (1)`);
        outside = h.db
          .execute(sql`select count(*)::int as n from waits`)
          .then((r) => log.push(`outside saw ${rowsOf<{ n: number }>(r)[0]!.n}`));
        for (let i = 2; i <= 4; i++) {
          await tx.execute(sql`insert into waits values (${i})`);
          log.push(`inside ${i}`);
        }
        log.push("callback done");
      });
      log.push("committed");
      await outside;
      // Concurrent statements of one transaction run in the order sent, too.
      const order = await h.db.transaction(async (tx) =>
        Promise.all(
          [1, 2, 3].map((i) => tx.execute(sql`select ${i}::int as i, clock_timestamp() as t`).then((r) => rowsOf<{ i: number }>(r)[0]!.i)),
        ),
      );
      return { log, order };
    });
  });

  test("errors keep PGlite's class and fields (code, detail, constraint…), in and out of transactions", async () => {
    await same(async (h) => {
      await h.db.execute(sql`create table uniq (id int primary key, email text constraint uniq_email unique)`);
      await h.db.execute(sql`insert into uniq values (${1}, ${"a@example.com"})`);
      const duplicate = await failure(h.db.execute(sql`insert into uniq values (${2}, ${"a@example.com"})`));
      expect(duplicate.cause).toMatchObject({ database: true, fields: { code: "23505", constraint: "uniq_email", table: "uniq" } });
      const syntax = await failure(h.db.execute(sql`selec 1`));
      const inside = await failure(
        h.db.transaction(async (tx) => {
          await tx.execute(sql`insert into uniq values (${3}, ${"b@example.com"})`);
          await tx.execute(sql`insert into uniq values (${1}, ${"c@example.com"})`);
        }),
      );
      const raw = await failure(client(h).query("insert into uniq values ($1, $2)", [1, "d@example.com"]));
      // A failed statement caught inside: COMMIT answers ROLLBACK, PGlite's TransactionAbortedError.
      const aborted = await failure(
        client(h).transaction(async (tx) => {
          await tx.query("insert into uniq values (1, 'e@example.com')").catch(() => {});
        }),
      );
      expect(aborted).toMatchObject({ aborted: true, database: true, fields: { query: "COMMIT" } });
      const thrown = await failure(client(h).exec("select 1/0"));
      return { duplicate, syntax, inside, raw, aborted, thrown, rows: rowsOf(await h.db.execute(sql`select * from uniq order by id`)) };
    });
  });

  test("a notice reaches the caller's onNotice", async () => {
    await same(async (h) => {
      const notices: string[] = [];
      await client(h).query("do $$ begin raise notice 'careful: %', 42; end $$", [], { onNotice: (n) => notices.push(n.message ?? "") });
      return notices;
    });
  });

  test("closing ends the thread; the same folder opens again, in a thread or not", async () => {
    const dataDir = path.join(root, "reopened");
    const steps: [boolean, number][] = [
      [true, 1],
      [false, 2],
      [true, 3],
    ];
    for (const [threaded, id] of steps) {
      const h = createDb({ dataDir, thread: threaded });
      await h.migrate();
      await h.db.execute(sql`create table if not exists reopened (id int primary key)`);
      await h.db.execute(sql`insert into reopened values (${id})`);
      const ids = rowsOf<{ id: number }>(await h.db.execute(sql`select id from reopened order by id`)).map((r) => r.id);
      expect(ids).toEqual(steps.slice(0, id).map(([, i]) => i));
      await h.close();
      const closed = await client(h)
        .query("select 1")
        .then(() => "answered")
        .catch(() => "refused");
      expect(closed).toBe("refused");
    }
  });

  test("DELIGHT_PGLITE_THREAD=on opens it in a thread; unset or off, in the main thread", async () => {
    const opened: Record<string, string> = {};
    for (const value of ["on", "off", undefined]) {
      const ctx = await openContext(
        loadConfig({ DATABASE_URL: "", DELIGHT_DATA_DIR: "memory://", DELIGHT_REFRESH_INTERVAL: "0", DELIGHT_PGLITE_THREAD: value }),
      );
      try {
        opened[String(value)] = client(ctx.dbHandle) instanceof PGliteThread ? "thread" : "main";
      } finally {
        await ctx.dbHandle.close();
      }
    }
    expect(opened).toEqual({ on: "thread", off: "main", undefined: "main" });
    expect(() => loadConfig({ DELIGHT_PGLITE_THREAD: "yes" })).toThrow(/DELIGHT_PGLITE_THREAD/);
  });

  test("a process that does not close its idle database still exits, and waits for a statement under way", async () => {
    const script = path.join(root, "exits.ts");
    writeFileSync(
      script,
      `import { createDb } from ${JSON.stringify(path.join(ROOT, "db/client.ts"))};
       const h = createDb({ dataDir: "memory://", thread: true });
       const client = (h.db as unknown as { $client: { query: (text: string) => Promise<{ rows: { n: number }[] }> } }).$client;
       client.query("select 41 + 1 as n").then((r) => console.log("answer", r.rows[0].n));`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect({ status: run.status, stdout: run.stdout.trim() }).toEqual({ status: 0, stdout: "answer 42" });
  });
});

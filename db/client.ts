import { mkdirSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { secureDataDir } from "./data-dir";
import { dbPath } from "./files";
import { openPGlite } from "./pglite-prepared";
import { PGliteThread } from "./pglite-thread";
import { postgresTarget } from "./postgres-url";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbHandle = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Applies pending migrations; applying twice is a no-op (drizzle's journal table). */
  migrate: () => Promise<void>;
  close: () => Promise<void>;
};

export type DbOptions = {
  /** postgres:// URL of a server; when absent the embedded PGlite is used. */
  url?: string;
  /** Folder for PGlite's files; "memory://" keeps it in memory (tests). */
  dataDir?: string;
  /** Pool size for a server; the CLI and tests need few connections. */
  maxConnections?: number;
  /**
   * Named prepared statements (default on): each distinct statement is parsed once per server
   * connection, or once per embedded database (db/pglite-prepared.ts), not on every page view.
   * Off behind a pooler in transaction mode (PgBouncer), where the next statement may land on
   * another server connection.
   */
  prepare?: boolean;
  /**
   * The embedded database in a worker thread of its own (db/pglite-thread.ts), so its work uses
   * another core than the pages' and the refresh's JavaScript. Off by default: on this project's
   * 2-core machine it made the refresh faster but single page views slower (README, Benchmarks).
   */
  thread?: boolean;
};

/** The migrations folder, from source or from the build (db/files.ts). */
export function migrationsFolder(): string {
  return dbPath("migrations", path.join("meta", "_journal.json"));
}

/**
 * drizzle sends every statement it builds through `unsafe` and asks postgres.js not to prepare it
 * (only `.prepare(name)` queries are), so the server parses and plans the same few statements on
 * every request. Asking for preparation here makes postgres.js keep one named statement per distinct text per
 * connection (statements without parameters still go as simple queries, so migrations are
 * unaffected); a plan invalidated by a schema change is re-prepared by postgres.js itself.
 *
 * A transaction (and a savepoint inside one) hands drizzle a client of its own, whose `unsafe`
 * is postgres.js's again: without the same change there, every statement of a refresh's write
 * went unnamed, parsed and planned each time, and, having parameters, took two round trips
 * (postgres.js describes an unnamed statement before it binds it).
 *
 * Inside a transaction a statement kept from before a schema change in that same transaction
 * cannot be prepared again (the failed attempt aborts the transaction, where outside one
 * postgres.js retries it), so after anything but a row read or write (or a lock) the rest of
 * the transaction goes unprepared, as before. A schema change made by another process (a
 * release migrating) that changes what a kept statement returns fails the first transaction to
 * use it; postgres.js then forgets the statement.
 */
const ROW_STATEMENT = /^\s*(select|with|insert|update|delete|values|table|lock)\b/i;

function preparedByDefault(client: postgres.Sql | postgres.TransactionSql, transaction?: { schemaChanged: boolean }) {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((query: string, parameters?: postgres.ParameterOrJSON<never>[], queryOptions?: postgres.UnsafeQueryOptions) => {
    if (transaction && !ROW_STATEMENT.test(query)) transaction.schemaChanged = true;
    return unsafe(query, parameters, { ...queryOptions, prepare: !transaction?.schemaChanged });
  }) as typeof client.unsafe;
  type Scoped = (...args: unknown[]) => unknown;
  const scoped =
    (open: Scoped): Scoped =>
    (...args: unknown[]) => {
      const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
      const state = transaction ?? { schemaChanged: false };
      return open(...args, (tx: postgres.TransactionSql) => {
        preparedByDefault(tx, state);
        return fn(tx);
      });
    };
  if ("begin" in client) client.begin = scoped(client.begin.bind(client) as Scoped) as typeof client.begin;
  if ("savepoint" in client) client.savepoint = scoped(client.savepoint.bind(client) as Scoped) as typeof client.savepoint;
}

export function createDb(options: DbOptions = {}): DbHandle {
  if (options.url) {
    const target = postgresTarget(options.url);
    const client = postgres(target.url, {
      ...(target.path ? { path: target.path } : {}),
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      // Reconnects happen per query; a restarted server is picked up by the next request.
      idle_timeout: 30,
      connect_timeout: 10,
      connection: {
        // A prepared statement is planned once per connection. Left to choose, PostgreSQL kept
        // re-planning the statements with a LIMIT parameter (the portfolio's page, the expired
        // assessments, the alert count): ~1 ms of planning each time for 0.1–0.3 ms of work, and
        // the same plan shape. Every statement here is short and selective on keys or indexes.
        ...(options.prepare !== false ? { plan_cache_mode: "force_generic_plan" } : {}),
        // JIT compiles a statement the planner costs above 100,000, and pays that at every
        // execution: a portfolio search over 100,000 customers spent 354 ms of its 630 compiling
        // (measured with auto_explain). Nothing here runs long enough to earn it back.
        jit: "off",
      },
    });
    if (options.prepare !== false) preparedByDefault(client);
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      migrate: () => migratePostgres(db as never, { migrationsFolder: migrationsFolder() }),
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? ".data";
  if (!dataDir.startsWith("memory://")) {
    // Before PGlite starts: its files must never be readable by other users.
    secureDataDir(dataDir);
    mkdirSync(path.join(dataDir, "pgdata"), { recursive: true, mode: 0o700 });
  }
  const onDisk = !dataDir.startsWith("memory://");
  const prepare = options.prepare !== false;
  const location = onDisk ? path.join(dataDir, "pgdata") : dataDir;
  // Planned once, as on a server (above): the embedded database's statements are the same ones.
  const client = options.thread ? new PGliteThread(location, prepare) : openPGlite(location, prepare);
  const db = drizzlePglite(client as PGlite, { schema }) as unknown as Db;
  // PGlite unpacks its initial files with mode 0666 whatever the umask, and writes a few later
  // ones 0644: the folder (0700) keeps them from other users meanwhile, and they are tightened
  // again once the database is up and when it closes.
  const tighten = () => {
    if (onDisk) secureDataDir(dataDir);
  };
  return {
    db,
    kind: "pglite",
    migrate: async () => {
      await migratePglite(db as never, { migrationsFolder: migrationsFolder() });
      tighten();
    },
    close: async () => {
      await client.close();
      tighten();
    },
  };
}

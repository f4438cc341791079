// @ts-check
// Plain JavaScript, so that the embedded database's worker thread (db/pglite-worker.js) runs it
// with node alone, from source and beside the Remix build alike.
import { messages, PGlite, parse, protocol } from "@electric-sql/pglite";

/**
 * @typedef {import("@electric-sql/pglite").QueryOptions} QueryOptions
 * @typedef {import("@electric-sql/pglite").Results} Results
 * @typedef {import("@electric-sql/pglite").Transaction} Transaction
 * @typedef {{ name: string; paramTypes: number[]; rowDescription: messages.BackendMessage | undefined }} Prepared
 */

/*
 * PGlite's `query` sends each statement as the unnamed statement in six separate calls into WASM
 * (Parse, Describe, Bind, Describe, Execute, Sync), so the same few statements of a page are
 * parsed and analysed again on every view. Here a statement text seen before runs from a named
 * statement prepared once per database, in one call (Bind, Execute, Sync); a new one costs one
 * more call (Parse, Describe, Sync) to learn its parameter types, which pick PGlite's serializers.
 * Rows, fields, errors, notices and the sync to disk after each statement outside a transaction
 * are PGlite's own (its `parseResults`, serializers and parsers).
 *
 * A schema change seen here (any command but row reads and writes) retires the kept statements.
 * One hidden inside a function called by a SELECT is not seen: outside a transaction the stale
 * statement is prepared again; inside one the statement fails, as it would on a server.
 */

/** How many statements one database keeps prepared; the least recently used one is closed beyond that. */
export const PREPARED_LIMIT = 256;

/** Statements worth keeping: reads and writes of rows. DDL, SET and the like take PGlite's own path. */
const KEPT = /^\s*(select|with|insert|update|delete|values|table)\b/i;

/** Command tags after which prepared statements still describe the schema. */
const ROW_COMMANDS = new Set([
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "MERGE",
  "COPY",
  "FETCH",
  "MOVE",
  "BEGIN",
  "START",
  "SAVEPOINT",
  "RELEASE",
  "SHOW",
  "LISTEN",
  "UNLISTEN",
  "NOTIFY",
]);

/**
 * A Bind message for the unnamed portal, each value in text format but byte arrays (binary), all
 * results in text: what PGlite's `serialize.bind` writes, written by Node's native UTF-8 encoder.
 * PGlite's measures every string in a JavaScript loop, twice, and grows its buffer from 256 bytes
 * by copies; a refresh binds tens of KB of JSON a customer, which made that loop a tenth of the
 * refresh's CPU on the embedded database.
 * @param {string} statement
 * @param {(string | ArrayBuffer | ArrayBufferView | null)[]} values
 */
export function bindMessage(statement, values) {
  const encoded = values.map((v) => {
    if (v === null) return null;
    if (typeof v === "string") return Buffer.from(v, "utf8");
    return ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);
  });
  // Length (itself included), portal "", statement, format codes, values, result format codes.
  let length = 4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 * values.length + 2 + 2;
  for (const e of encoded) length += 4 + (e ? e.length : 0);
  const out = Buffer.alloc(1 + length);
  let at = out.writeUInt8(0x42, 0); // 'B'
  at = out.writeInt32BE(length, at);
  at = out.writeUInt8(0, at);
  at += out.write(statement, at, "utf8");
  at = out.writeUInt8(0, at);
  at = out.writeInt16BE(values.length, at);
  for (const v of values) at = out.writeInt16BE(v !== null && typeof v !== "string" ? 1 : 0, at);
  at = out.writeInt16BE(values.length, at);
  for (const e of encoded) {
    at = out.writeInt32BE(e ? e.length : -1, at);
    if (e) at += e.copy(out, at);
  }
  out.writeInt16BE(0, at);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** @param {Uint8Array[]} parts */
const join = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** The fields PGlite adds to a database error of `query` (its `makePGliteError`, not exported). */
/** @type {(e: unknown, query: string, params: unknown[], options: QueryOptions | undefined) => unknown} */
const withQuery = (e, query, params, options) => {
  if (e instanceof messages.DatabaseError) Object.assign(e, { query, params, queryOptions: options });
  return e;
};

/**
 * PGlite's parsers with the query's own in front. PGlite copies its few hundred parsers into a new
 * object for every query given parsers (drizzle gives some to each): a fifth of a short query's
 * time. Here the query's own sit on an object whose prototype holds PGlite's: same lookups.
 */
/** @type {(defaults: PGlite["parsers"], options: QueryOptions | undefined) => PGlite["parsers"]} */
const withParsers = (defaults, options) => (options?.parsers ? Object.assign(Object.create(defaults), options.parsers) : defaults);

/**
 * A statement prepared before a schema change may no longer exist or describe its result
 * (PostgreSQL refuses a cached plan whose result type changed); it is prepared again.
 */
/** @param {unknown} e */
const isStale = (e) =>
  e instanceof messages.DatabaseError && (e.code === "26000" || (e.code === "0A000" && e.routine === "RevalidateCachedQuery"));

/**
 * Makes `client.query` and a transaction's `query` reuse named prepared statements (see above).
 * Anything else (no statement kept above, a blob) goes to PGlite's own `query` unchanged.
 */
/** @param {PGlite} client */
export function withPreparedStatements(client, limit = PREPARED_LIMIT) {
  /** @type {Map<string, Prepared>} */
  const kept = new Map(); // in order of last use
  /** @type {string[]} */
  let closing = []; // evicted or invalidated, closed with the next message sent
  let counter = 0;
  let changedInTransaction = false;

  const forgetAll = () => {
    for (const statement of kept.values()) closing.push(statement.name);
    kept.clear();
  };
  const closes = () => {
    const list = closing.map((name) => protocol.serialize.close({ type: "S", name }));
    closing = [];
    return list;
  };

  // A statement that may have changed the schema (DDL, DO, a function call, SET) retires every kept
  // statement; so does a rollback undoing such a change, since statements prepared after it saw it.
  /** @param {string | undefined} command */
  const observe = (command) => {
    if (command === undefined || ROW_COMMANDS.has(command)) return;
    if (command === "COMMIT" || command === "ROLLBACK") {
      if (command === "ROLLBACK" && changedInTransaction) forgetAll();
      if (!client.isInTransaction()) changedInTransaction = false;
      return;
    }
    forgetAll();
    changedInTransaction = client.isInTransaction();
  };
  /** @param {boolean} rolledBack */
  const transactionEnded = (rolledBack) => {
    if (rolledBack && changedInTransaction) forgetAll();
    changedInTransaction = false;
  };

  /** @type {(parts: Uint8Array[], options: QueryOptions | undefined) => Promise<messages.BackendMessage[]>} */
  const send = (parts, options) => client.execProtocolStream(join(parts), { syncToFs: false, onNotice: options?.onNotice });

  /** @type {(key: string, text: string, options: QueryOptions | undefined) => Promise<Prepared>} */
  const prepared = async (key, text, options) => {
    const hit = kept.get(key);
    if (hit) {
      kept.delete(key);
      kept.set(key, hit);
      return hit;
    }
    const name = `delight_${++counter}`;
    const { serialize } = protocol;
    /** @type {messages.BackendMessage[]} */
    let described;
    try {
      described = await send(
        [
          ...closes(),
          serialize.parse({ name, text, types: options?.paramTypes }),
          serialize.describe({ type: "S", name }),
          serialize.sync(),
        ],
        options,
      );
    } catch (e) {
      closing.push(name); // in case the Parse went through; closing a missing statement is no error
      throw e;
    }
    /** @type {Prepared} */
    const statement = {
      name,
      paramTypes: parse.parseDescribeStatementResults(described),
      rowDescription: described.find((m) => m.name === "rowDescription"),
    };
    kept.set(key, statement);
    if (kept.size > limit) {
      const [oldest, old] = /** @type {[string, Prepared]} */ (kept.entries().next().value);
      kept.delete(oldest);
      closing.push(old.name);
    }
    return statement;
  };

  /** @type {(text: string, params: unknown[], options: QueryOptions | undefined, retry?: boolean) => Promise<Results>} */
  const run = async (text, params, options, retry = true) => {
    const key = options?.paramTypes?.length ? `${text}\u0000${options.paramTypes.join(",")}` : text;
    try {
      const statement = await prepared(key, text, options);
      // As PGlite's query: each value through the serializer of the type the server inferred for it.
      const values = params.map((param, i) => {
        if (param === null || param === undefined) return null;
        const oid = statement.paramTypes[i];
        const serializer = options?.serializers?.[oid] ?? client.serializers[oid];
        return serializer ? serializer(param) : String(param);
      });
      const { serialize } = protocol;
      const replies = await send([...closes(), bindMessage(statement.name, values), serialize.execute({}), serialize.sync()], options);
      // The statement's description stands in for Describe Portal: the result type of a named
      // statement cannot change (PostgreSQL fails the Bind instead, see isStale).
      const result = parse.parseResults(
        statement.rowDescription ? [statement.rowDescription, ...replies] : replies,
        withParsers(client.parsers, options),
        { rowMode: options?.rowMode },
      )[0];
      observe(result.command);
      return result;
    } catch (e) {
      if (isStale(e)) {
        const stale = kept.get(key);
        if (stale) closing.push(stale.name);
        kept.delete(key);
        // Outside a transaction block nothing was lost: prepare it again. Inside, the block is
        // aborted; the error goes to the caller as it would on a server.
        if (retry && !client.isInTransaction()) return run(text, params, options, false);
      }
      throw withQuery(e, text, params, options);
    }
  };

  /** @type {(text: string, options: QueryOptions | undefined) => boolean} */
  const fast = (text, options) => !options?.blob && KEPT.test(text);
  /** @type {<R extends Results | Results[]>(result: Promise<R>) => Promise<R>} */
  const observed = async (result) => {
    const value = await result;
    for (const r of Array.isArray(value) ? value : [value]) observe(r.command);
    return value;
  };

  const query = client.query.bind(client);
  client.query = /** @type {PGlite["query"]} */ (
    /** @type {(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results>} */
    async (text, params = [], options) => {
      if (!fast(text, options)) return observed(query(text, params, options));
      await client._checkReady();
      return client._runExclusiveTransaction(() =>
        client._runExclusiveQuery(async () => {
          const result = await run(text, params, options);
          await client.syncToFs(); // as PGlite after each statement outside a transaction
          return result;
        }),
      );
    }
  );

  const exec = client.exec.bind(client);
  client.exec = async (text, options) => {
    try {
      return await observed(exec(text, options));
    } catch (e) {
      forgetAll(); // some of several statements may have run
      throw e;
    }
  };

  const transaction = client.transaction.bind(client);
  client.transaction = /** @type {PGlite["transaction"]} */ (
    /** @type {<T>(callback: (tx: Transaction) => Promise<T>) => Promise<T>} */
    async (callback) => {
      let rolledBack = false;
      try {
        const result = await transaction((tx) => {
          const { query: txQuery, exec: txExec, sql: txSql, rollback } = tx;
          tx.query = /** @type {Transaction["query"]} */ (
            /** @type {(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results>} */
            async (text, params = [], options) => {
              if (!fast(text, options)) return observed(txQuery(text, params, options));
              if (tx.closed) throw new Error("Transaction is closed");
              return client._runExclusiveQuery(() => run(text, params, options));
            }
          );
          tx.exec = (text, options) => observed(txExec(text, options));
          tx.sql = /** @type {Transaction["sql"]} */ (
            /** @type {(strings: TemplateStringsArray, ...params: unknown[]) => Promise<Results>} */
            (strings, ...params) => observed(txSql(strings, ...params))
          );
          tx.rollback = async () => {
            await rollback();
            rolledBack = true;
          };
          return callback(tx);
        });
        transactionEnded(rolledBack);
        return result;
      } catch (e) {
        transactionEnded(true);
        throw e;
      }
    }
  );
}

/**
 * Opens the embedded database, in this thread: with `prepare`, its statements are prepared and
 * planned once (as on a server: `plan_cache_mode=force_generic_plan`, see db/client.ts).
 * @param {string} dataDir a folder, or "memory://"
 * @param {boolean} prepare
 */
export function openPGlite(dataDir, prepare) {
  const startParams = [...PGlite.defaultStartParams, ...(prepare ? ["-c", "plan_cache_mode=force_generic_plan"] : [])];
  const client = new PGlite(dataDir, { startParams });
  if (prepare) withPreparedStatements(client);
  return client;
}

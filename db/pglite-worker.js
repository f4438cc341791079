// @ts-check
/*
 * The embedded database's own thread (started by db/pglite-thread.ts): PGlite parses, plans,
 * executes and writes here, on another core than the pages and the refresh's JavaScript.
 * Plain JavaScript, so node runs it as is, from source (tsx, vitest) and beside the Remix build.
 *
 * Messages in: { id, op, ... } with op query | exec | begin | rollback | end | close; out:
 * { id, result } or { id, error }, and { id, notice } while a statement runs. Statements arrive in
 * the order the main thread sent them and reach PGlite in that order, so PGlite's own locks give
 * the same semantics as in one thread: a transaction holds the database, other statements wait.
 */
import { parentPort, workerData } from "node:worker_threads";
import { messages, TransactionAbortedError } from "@electric-sql/pglite";
import { openPGlite } from "./pglite-prepared.js";

/**
 * @typedef {import("@electric-sql/pglite").Transaction} Transaction
 * @typedef {import("@electric-sql/pglite").QueryOptions} QueryOptions
 * @typedef {{ id: number; op: string; tx?: number; text?: string; params?: unknown[]; rowMode?: "array" | "object";
 *   parserTypes?: number[]; paramTypes?: number[]; notices?: boolean; commit?: boolean }} Message
 * @typedef {{ tx: Transaction; finish: (commit: boolean) => void }} Open
 */

const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);
const client = openPGlite(workerData.dataDir, workerData.prepare);

/** Open transactions, and what each one's end (commit or rollback) settles with. */
/** @type {Map<number, Open>} */
const transactions = new Map();
/** @type {Map<number, Promise<null>>} */
const ending = new Map();
let transactionCount = 0;
/** Thrown into PGlite's transaction callback to make it roll back; not an error of the caller's. */
const ROLL_BACK = Symbol("roll back");

/**
 * The caller's parsers stay in the main thread (functions do not cross threads): their types are
 * left as PGlite's text here, as a parser returning its input would, and parsed there.
 * @type {Map<string, Record<number, (value: string) => string>>}
 */
const rawParsers = new Map();
/** @param {string} value */
const raw = (value) => value;

/** @param {Message} m @returns {QueryOptions | undefined} */
function optionsOf(m) {
  if (!m.rowMode && !m.parserTypes && !m.paramTypes && !m.notices) return undefined;
  /** @type {QueryOptions} */
  const options = {};
  if (m.rowMode) options.rowMode = m.rowMode;
  if (m.paramTypes) options.paramTypes = m.paramTypes;
  if (m.parserTypes) {
    const key = m.parserTypes.join(",");
    let parsers = rawParsers.get(key);
    if (!parsers) {
      parsers = Object.fromEntries(m.parserTypes.map((type) => [type, raw]));
      if (rawParsers.size < 64) rawParsers.set(key, parsers);
    }
    options.parsers = parsers;
  }
  if (m.notices) options.onNotice = (notice) => port.postMessage({ id: m.id, notice: fieldsOf(notice) });
  return options;
}

/** Own fields of an error or notice, without what the main thread puts back itself. @param {object} e */
function fieldsOf(e) {
  /** @type {Record<string, unknown>} */
  const fields = {};
  for (const [key, value] of Object.entries(e)) {
    if (key !== "query" && key !== "params" && key !== "queryOptions" && typeof value !== "function") fields[key] = value;
  }
  return fields;
}

/**
 * An error as data (its class, message and own fields). The statement, parameters and options
 * PGlite names on it are the message's own unless they differ (a failed COMMIT names "COMMIT").
 * @param {unknown} e @param {Message} [m] @param {QueryOptions} [options]
 */
function describeError(e, m, options) {
  if (!(e instanceof Error)) return { kind: "value", value: e };
  const kind = e instanceof TransactionAbortedError ? "aborted" : e instanceof messages.DatabaseError ? "database" : "error";
  /** @type {Record<string, unknown> | undefined} */
  let query;
  if ("query" in e) {
    const { query: text, params } = /** @type {{ query: unknown; params: unknown }} */ (/** @type {unknown} */ (e));
    query = {
      ownText: text !== m?.text,
      text: text !== m?.text ? text : undefined,
      ownParams: params !== m?.params,
      params: params !== m?.params ? params : undefined,
      ownOptions: "queryOptions" in e && e.queryOptions !== options,
    };
  }
  return { kind, message: e.message, stack: e.stack, fields: fieldsOf(e), query };
}

/** @param {Message} m @param {Promise<unknown>} work @param {QueryOptions} [options] */
function reply(m, work, options) {
  work.then(
    (result) => port.postMessage({ id: m.id, result }),
    (e) => port.postMessage({ id: m.id, error: describeError(e, m, options) }),
  );
}

/** The transaction a statement belongs to, or the database itself. @param {Message} m */
function target(m) {
  if (m.tx === undefined) return client;
  const open = transactions.get(m.tx);
  if (!open) throw new Error("Transaction is closed");
  return open.tx;
}

/**
 * Opens a transaction whose statements come from the main thread; it commits or rolls back when
 * the main thread's callback has finished ("end").
 * @param {Message} m
 */
function begin(m) {
  const id = ++transactionCount;
  let started = false;
  /** @type {(commit: boolean) => void} */
  let finish = () => {};
  const decided = new Promise((resolve, reject) => {
    finish = (commit) => (commit ? resolve(undefined) : reject(ROLL_BACK));
  });
  const done = client
    .transaction(async (tx) => {
      started = true;
      transactions.set(id, { tx, finish });
      port.postMessage({ id: m.id, result: id });
      await decided;
    })
    .then(
      () => null,
      (e) => {
        if (e !== ROLL_BACK) throw e;
        return null;
      },
    )
    .finally(() => {
      transactions.delete(id);
      ending.delete(id);
    });
  ending.set(id, done);
  // Failed before the callback ran (the database did not start): that answers the begin itself.
  done.catch((e) => {
    if (!started) port.postMessage({ id: m.id, error: describeError(e, m) });
  });
}

/** @param {Message} m */
function end(m) {
  const id = /** @type {number} */ (m.tx);
  const open = transactions.get(id);
  const done = ending.get(id);
  if (!open || !done) return reply(m, Promise.reject(new Error("Transaction is closed")));
  open.finish(m.commit === true);
  reply(m, done);
}

port.on("message", (/** @type {Message} */ m) => {
  try {
    switch (m.op) {
      case "query": {
        const options = optionsOf(m);
        return reply(m, target(m).query(/** @type {string} */ (m.text), m.params, options), options);
      }
      case "exec": {
        const options = optionsOf(m);
        return reply(m, target(m).exec(/** @type {string} */ (m.text), options), options);
      }
      case "begin":
        return begin(m);
      case "rollback":
        return reply(
          m,
          /** @type {Transaction} */ (target(m)).rollback().then(() => null),
        );
      case "end":
        return end(m);
      case "close":
        return reply(
          m,
          client.close().then(() => null),
        );
      default:
        throw new Error(`unknown message ${m.op}`);
    }
  } catch (e) {
    port.postMessage({ id: m.id, error: describeError(e, m) });
  }
});

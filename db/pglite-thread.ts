import { Worker } from "node:worker_threads";
import { messages, type QueryOptions, type Results, TransactionAbortedError } from "@electric-sql/pglite";
import { dbPath } from "./files";

/*
 * The embedded database in a worker thread of its own (db/pglite-worker.js), so that its WASM work
 * (parsing, planning, executing, writing to disk) runs on another core than the pages and the
 * refresh's JavaScript. This object stands in for the PGlite client drizzle-orm/pglite holds:
 * `query`, `exec` and `transaction` as PGlite's, each statement one message each way.
 *
 * What does not cross a thread stays here: the caller's parsers (drizzle's keep dates as text)
 * run on this side, on the text PGlite read; errors are rebuilt as PGlite's own classes with their
 * fields (code, detail, constraint…), and the statement, parameters and options they name.
 */

type Pending = {
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  text?: string;
  params?: unknown[];
  options?: QueryOptions;
};

type ErrorDescription =
  | { kind: "value"; value: unknown }
  | {
      kind: "aborted" | "database" | "error";
      message: string;
      stack?: string;
      fields: Record<string, unknown>;
      /** Present when PGlite named the statement on the error; each part is the call's own unless marked. */
      query?: { ownText: boolean; text?: string; ownParams: boolean; params?: unknown[]; ownOptions: boolean };
    };

type Message = {
  id: number;
  op: "query" | "exec" | "begin" | "rollback" | "end" | "close";
  tx?: number;
  text?: string;
  params?: unknown[];
  rowMode?: "array" | "object";
  parserTypes?: number[];
  paramTypes?: number[];
  notices?: boolean;
  commit?: boolean;
};

function restoreError(described: ErrorDescription, pending: Pending): unknown {
  if (described.kind === "value") return described.value;
  const { fields } = described;
  let error: Error;
  if (described.kind === "aborted") error = new TransactionAbortedError();
  else if (described.kind === "database")
    error = new messages.DatabaseError(described.message, fields.length as number, fields.name as messages.MessageName);
  else error = new Error(described.message);
  Object.assign(error, fields);
  error.message = described.message;
  const query = described.query;
  if (query) {
    Object.assign(error, {
      query: query.ownText ? query.text : pending.text,
      params: query.ownParams ? query.params : pending.params,
      queryOptions: query.ownOptions ? undefined : pending.options,
    });
  }
  // This thread's stack (where the caller awaited), then the database thread's.
  if (described.stack) error.stack = `${error.stack}\n    in the database thread: ${described.stack}`;
  return error;
}

/** The caller's parsers, applied here to the text PGlite left for their types (see db/pglite-worker.js). */
function applyParsers(result: Results, parsers: Partial<NonNullable<QueryOptions["parsers"]>>, rowMode: QueryOptions["rowMode"]) {
  const fields = result.fields;
  const parse: { at: number | string; type: number; parser: (value: string, type: number) => unknown }[] = [];
  if (rowMode === "array") {
    fields.forEach((field, i) => {
      const parser = parsers[field.dataTypeID];
      if (parser) parse.push({ at: i, type: field.dataTypeID, parser });
    });
  } else {
    // A row object keeps the last of several columns with one name, as PGlite's.
    const last = new Map<string, number>();
    fields.forEach((field, i) => {
      last.set(field.name, i);
    });
    for (const [name, i] of last) {
      const type = fields[i]!.dataTypeID;
      const parser = parsers[type];
      if (parser) parse.push({ at: name, type, parser });
    }
  }
  if (parse.length === 0) return;
  for (const row of result.rows as Record<string | number, unknown>[]) {
    for (const { at, type, parser } of parse) {
      const value = row[at];
      if (value !== null) row[at] = parser(value as string, type);
    }
  }
}

export type ThreadTransaction = {
  query: <T>(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;
  exec: (text: string, options?: QueryOptions) => Promise<Results[]>;
  rollback: () => Promise<void>;
  readonly closed: boolean;
};

/** A PGlite in a worker thread, with the part of PGlite's interface delight and drizzle use. */
export class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;

  /** @param dataDir a folder, or "memory://"; @param prepare as db/pglite-prepared.js's openPGlite */
  constructor(dataDir: string, prepare: boolean) {
    this.#worker = new Worker(dbPath("pglite-worker.js"), { workerData: { dataDir, prepare } });
    // As PGlite in this thread: the process waits for statements under way, not for an idle database.
    this.#worker.unref();
    this.#worker.on("message", (m: { id: number; result?: unknown; error?: ErrorDescription; notice?: Record<string, unknown> }) =>
      this.#settle(m),
    );
    this.#worker.on("error", (e) => this.#fail(e));
    this.#worker.on("exit", (code) => this.#fail(new Error(`delight: the embedded database's thread stopped (exit code ${code})`)));
  }

  get closed() {
    return this.#closing !== undefined;
  }

  #fail(error: Error) {
    this.#failure ??= error;
    for (const pending of this.#pending.values()) pending.reject(this.#failure);
    this.#pending.clear();
  }

  #settle(m: { id: number; result?: unknown; error?: ErrorDescription; notice?: Record<string, unknown> }) {
    const pending = this.#pending.get(m.id);
    if (!pending) return;
    if (m.notice) {
      const notice = Object.assign(new messages.NoticeMessage(m.notice.length as number, m.notice.message as string), m.notice);
      pending.options?.onNotice?.(notice);
      return;
    }
    this.#pending.delete(m.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (m.error) pending.reject(restoreError(m.error, pending));
    else pending.resolve(m.result as never);
  }

  #call<T>(message: Omit<Message, "id">, pending: Omit<Pending, "resolve" | "reject"> = {}): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject, ...pending });
      (message as Message).id = id;
      this.#worker.postMessage(message);
    });
  }

  async #statement<T>(op: "query" | "exec", tx: number | undefined, text: string, params: unknown[] | undefined, options?: QueryOptions) {
    if (options?.serializers || options?.blob) {
      throw new TypeError("delight: serializers and blobs do not cross to the database thread (DELIGHT_PGLITE_THREAD=off)");
    }
    const parsers = options?.parsers;
    const message: Omit<Message, "id"> = { op, tx, text, params, rowMode: options?.rowMode, paramTypes: options?.paramTypes };
    if (parsers) message.parserTypes = Object.keys(parsers).map(Number);
    if (options?.onNotice) message.notices = true;
    const result = await this.#call<T>(message, { text, params, options });
    if (parsers) for (const r of (Array.isArray(result) ? result : [result]) as Results[]) applyParsers(r, parsers, options?.rowMode);
    return result;
  }

  query<T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> {
    return this.#statement<Results<T>>("query", undefined, text, params, options);
  }

  exec(text: string, options?: QueryOptions): Promise<Results[]> {
    return this.#statement<Results[]>("exec", undefined, text, undefined, options);
  }

  /**
   * As PGlite's: `callback` runs here while the database thread holds the transaction open (other
   * statements wait there); it commits when the callback returns and rolls back when it throws.
   */
  async transaction<T>(callback: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const id = await this.#call<number>({ op: "begin" });
    let closed = false;
    const check = () => {
      if (closed) throw new Error("Transaction is closed");
    };
    const tx: ThreadTransaction = {
      query: async (text, params = [], options) => {
        check();
        return this.#statement("query", id, text, params, options);
      },
      exec: async (text, options) => {
        check();
        return this.#statement("exec", id, text, undefined, options);
      },
      rollback: async () => {
        check();
        await this.#call({ op: "rollback", tx: id });
        closed = true;
      },
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      closed = true;
      await this.#call({ op: "end", tx: id, commit: false });
      throw error;
    }
    closed = true;
    await this.#call({ op: "end", tx: id, commit: true });
    return result;
  }

  /** Closes the database (its last writes synced), then stops the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        if (!this.#failure) await this.#call({ op: "close" });
      } finally {
        await this.#worker.terminate();
      }
    })();
    return this.#closing;
  }
}

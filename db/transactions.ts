import type { Db } from "./client";

/**
 * Whether two transactions on `db` can make progress at the same time: on a server each takes a
 * connection of its own; the embedded database runs one at a time, everything else (its plain
 * queries too) waiting behind it.
 */
export function runsTransactionsTogether(db: Db): boolean {
  // postgres.js's client has begin(); PGlite, and the thread in front of it, have transaction().
  const client = (db as { $client?: { begin?: unknown } }).$client;
  return typeof client?.begin === "function";
}

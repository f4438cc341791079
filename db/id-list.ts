import { type Column, type SQL, sql } from "drizzle-orm";

/**
 * `column = any(ids)` with the ids as one text parameter. drizzle's inArray makes a parameter
 * per id, so each batch size is a new statement for the server (or the embedded database) to
 * parse, describe and plan; this text is the same for any number of ids (none matches nothing).
 */
export function anyOf(column: Column | SQL, ids: readonly number[]): SQL {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`not an id: ${id}`);
  return sql`${column} = any(string_to_array(${ids.join(",")}, ',')::int[])`;
}

/** The ids as rows of one int column, in the order given (for `insert … select`). */
export function idRows(ids: readonly number[]): SQL {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`not an id: ${id}`);
  return sql`unnest(string_to_array(${ids.join(",")}, ',')::int[])`;
}

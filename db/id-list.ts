import { type Column, type SQL, sql } from "drizzle-orm";

/**
 * `column = any(ids)` with the ids as one text parameter. drizzle's inArray makes a parameter
 * per id, so each batch size is a new statement for the server (or the embedded database) to
 * parse, describe and plan; this text is the same for any number of ids (none matches nothing).
 */
export function anyOf(column: Column | SQL, ids: readonly number[]): SQL {
  return sql`${column} = any(${idArray(ids)})`;
}

/**
 * `column in (ids)` for a list of any length (every customer on a plan, every owned customer):
 * the list is unpacked once into rows the planner joins against, hashed when it is long. anyOf's
 * array is an expression that is built again for every row wherever the planner filters rows with
 * it rather than looking them up in an index: with 10,000 ids over a year of scores, that held the
 * embedded database for more than ten minutes. Use anyOf for a batch's few ids, this for the rest.
 */
export function inIds(column: Column | SQL, ids: readonly number[]): SQL {
  return sql`${column} in (select ${idRows(ids)})`;
}

/** The ids as rows of one int column, in the order given (for `insert … select`). */
export function idRows(ids: readonly number[]): SQL {
  return sql`unnest(${idArray(ids)})`;
}

/**
 * `column = any(ids)` for a text column that holds ids (pg-boss's singleton keys), compared as
 * text: the same one parameter, with no cast of the column that would keep an index on it unused.
 */
export function anyKeyOf(column: Column | SQL, ids: readonly number[]): SQL {
  return sql`${column} = any(string_to_array(${idText(ids)}, ','))`;
}

/** The ids as one int[] built from one text parameter. */
function idArray(ids: readonly number[]): SQL {
  return sql`string_to_array(${idText(ids)}, ',')::int[]`;
}

/** The ids as one comma-separated text; anything but a whole number is refused before reaching SQL. */
function idText(ids: readonly number[]): string {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new TypeError(`not an id: ${id}`);
  return ids.join(",");
}

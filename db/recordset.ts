import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/*
 * Many rows as one JSON parameter, unpacked by the database into the table's own row type:
 *   insert into t (a, b) select a, b from jsonb_populate_recordset(null::t, $1::jsonb)
 * A multi-row insert built by the ORM had a parameter per cell (hundreds per customer in a
 * refresh batch): building and checking them cost more CPU than the database spent storing the
 * rows, and its text changed with the number of rows, so each batch size was prepared again.
 * Here the statement's text is fixed and the rows are one JSON.stringify.
 *
 * Values go through JSON: Dates become ISO strings (as the ORM sends them), a JSON null is SQL
 * NULL, a jsonb column takes the nested value as it is. A key left undefined is NULL, not the
 * column's default: list only the columns every row sets. JSON would turn an invalid Date or a
 * NaN into null without a word, so those are refused, as the ORM refused an invalid Date.
 */

function checked(key: string, value: unknown): unknown {
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError(`${key}: ${value} cannot be stored`);
  if (value instanceof Date && Number.isNaN(value.getTime())) throw new TypeError(`${key}: invalid date`);
  return value;
}

type Key<T extends PgTable> = keyof T["$inferInsert"] & string;

export type Recordset<T extends PgTable, K extends Key<T>> = {
  /** The listed columns, comma-separated, in order. */
  columns: SQL;
  /** `jsonb_populate_recordset(null::table, $1::jsonb)` over `rows`. */
  from: (rows: Pick<T["$inferInsert"], K>[]) => SQL;
  /** `insert into table (columns) select columns from …` over `rows`; the caller may add `on conflict` or `returning`. */
  insert: (rows: Pick<T["$inferInsert"], K>[]) => SQL;
};

export function recordset<T extends PgTable, const K extends Key<T>>(table: T, keys: readonly K[]): Recordset<T, K> {
  const all = getTableColumns(table) as Record<string, { name: string }>;
  const names = keys.map((k) => {
    const column = all[k];
    if (!column) throw new Error(`no column ${k}`);
    return column.name;
  });
  const columns = sql.raw(names.map((n) => `"${n}"`).join(", "));
  const from = (rows: Pick<T["$inferInsert"], K>[]) => {
    const renamed = rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) out[names[i]!] = checked(keys[i]!, (row as Record<string, unknown>)[keys[i]!]);
      return out;
    });
    return sql`jsonb_populate_recordset(null::${table}, ${JSON.stringify(renamed)}::jsonb)`;
  };
  return {
    columns,
    from,
    insert: (rows) => sql`insert into ${table} (${columns}) select ${columns} from ${from(rows)}`,
  };
}

import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { rowsOf } from "./rows";

/*
 * What autovacuum does on a PostgreSQL server, for the embedded database, which has none: PGlite
 * runs one backend and no background workers (max_worker_processes = 0). Without it, every row
 * version a refresh replaces (each customer's ready row, every round) stays in its table for good,
 * and tables are never analyzed, so the planner keeps guessing at their sizes as the book grows.
 * The thresholds are PostgreSQL's defaults for autovacuum.
 */

export type TableStats = {
  table: string;
  /** Rows counted live (or as last measured), and dead row versions not yet vacuumed away. */
  live: number;
  dead: number;
  /** Rows inserted, updated or deleted since the table was last analyzed. */
  modifiedSinceAnalyze: number;
  /**
   * Whether the table was ever analyzed (it has planner statistics) and whether it has no pages at
   * all. Both come from the catalog: PGlite does not keep the activity counts above across a
   * restart, so after one a table looks unchanged however many rows it holds.
   */
  everAnalyzed: boolean;
  empty: boolean;
};

export type Upkeep = { table: string; vacuum: boolean };

/**
 * Which tables to vacuum (dead versions above 50 + 20% of the live rows; analyzed in the same
 * pass) or only analyze (changes above 50 + 10%, or never analyzed and not empty). Inserts alone
 * never call for a vacuum here: on a server autovacuum would also freeze and mark growing
 * append-only tables (the score history), which a single-process database whose transactions
 * number a few hundred per refresh round does not need, and which would hold its only connection
 * for as long as reading the whole history takes.
 */
export function upkeepDue(stats: readonly TableStats[]): Upkeep[] {
  const due: Upkeep[] = [];
  for (const s of stats) {
    if (s.dead > 50 + 0.2 * s.live) due.push({ table: s.table, vacuum: true });
    else if (s.modifiedSinceAnalyze > 50 + 0.1 * s.live || (!s.everAnalyzed && !s.empty)) {
      due.push({ table: s.table, vacuum: false });
    }
  }
  return due;
}

/**
 * Vacuums and analyzes the application's tables that need it, one statement per table, letting
 * whatever waits for the database (a page view) through between them. Returns what it did.
 */
export async function upkeepTables(db: Db): Promise<Upkeep[]> {
  const stats = rowsOf<TableStats>(
    await db.execute(sql`
      select s.relname as "table", greatest(s.n_live_tup, c.reltuples, 0)::float8 as live, s.n_dead_tup::float8 as dead,
        s.n_mod_since_analyze::float8 as "modifiedSinceAnalyze",
        exists (select 1 from pg_stats p where p.schemaname = s.schemaname and p.tablename = s.relname) as "everAnalyzed",
        pg_relation_size(s.relid) = 0 as empty
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = 'public'
      order by s.relname`),
  );
  const due = upkeepDue(stats);
  for (const [i, { table, vacuum }] of due.entries()) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    // VACUUM cannot run inside a transaction: each is a statement of its own.
    await db.execute(vacuum ? sql`vacuum (analyze) ${sql.identifier(table)}` : sql`analyze ${sql.identifier(table)}`);
  }
  return due;
}

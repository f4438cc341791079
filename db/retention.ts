import { sql } from "drizzle-orm";
import type { Db, DbHandle } from "./client";
import { rowsOf } from "./rows";

/*
 * Every refresh stores a run: its snapshot (~3 KB compressed, up to ~40 KB of JSON) and a result
 * per check (~24 rows of ~200 bytes), 8.6 KB on disk with indexes. Only the newest run and the newest
 * run with results of each customer are ever read again (current_health points at both); the score
 * history keeps its own rows. Kept for good, 10,000 customers refreshed daily would add ~31 GB a
 * year of rows nobody reads, and hourly refreshes 24 times that.
 */

/**
 * Runs removed per statement, each its own transaction. A server's other connections read past a
 * delete; the embedded database's one connection waits for it, so its batches are smaller
 * (`npm run bench -- retention`: 1,000 runs took 85–92 ms on PostgreSQL, 150–190 ms on PGlite).
 */
export const pruneBatchFor = (kind: DbHandle["kind"]) => (kind === "pglite" ? 250 : 1000);

export type PruneResult = { runs: number; results: number };

/**
 * Deletes the runs that finished before `before`, with their checks' results (by cascade), except
 * the runs each customer's current health rests on. Score history rows that named a deleted run
 * keep their score and lose only the link (ON DELETE SET NULL). One batch after another, each its
 * own statement.
 */
export async function pruneRuns(db: Db, before: Date, batch: number): Promise<PruneResult> {
  const total: PruneResult = { runs: 0, results: 0 };
  for (;;) {
    const done = await pruneBatch(db, before, batch);
    total.runs += done.runs;
    total.results += done.results;
    if (done.runs < batch) return total;
  }
}

/** One statement of `pruneRuns`: the oldest `batch` runs it may remove. */
export async function pruneBatch(db: Db, before: Date, batch: number): Promise<PruneResult> {
  const [row] = rowsOf<PruneResult>(
    await db.execute(sql`
      with gone as (
        delete from check_runs
        where id in (
          select r.id from check_runs r
          where r.finished_at < ${before.toISOString()}
            and not exists (
              select 1 from current_health h
              where h.customer_id = r.customer_id and (h.run_id = r.id or h.results_run_id = r.id)
            )
          order by r.finished_at
          limit ${batch}
        )
        returning id
      )
      -- Counted from the statement's snapshot, before the cascade removes them.
      select count(*)::int as runs,
        (select count(*)::int from check_results c where c.run_id in (select id from gone)) as results
      from gone
    `),
  );
  return row ?? { runs: 0, results: 0 };
}

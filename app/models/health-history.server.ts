import { and, desc, eq, inArray, lte, sql } from "drizzle-orm";
import type { Assessment } from "../../checks/assessment/assess";
import { contributionsOf, type StoredContribution } from "../../checks/assessment/contributions";
import type { Stamp } from "../../checks/assessment/explain";
import { VERSION_ONE } from "../../checks/rules";
import type { Db } from "../../db/client";
import { preparedPerDb } from "../../db/prepared";
import { rowsOf } from "../../db/rows";
import { healthScores, scoringVersions } from "../../db/schema";

/*
 * Reads of a customer's past assessments (health_scores): the history chart and the stored
 * assessments each "what changed" window starts from.
 */

export type StoredScore = {
  id: number;
  computedAt: Date;
  score: number | null;
  scoringVersion: string;
  reason: string;
};

type Series = {
  ids: number[] | null;
  ts: number[] | null;
  scores: (number | null)[] | null;
  versions: string[] | null;
  reasons: string[] | null;
};

/**
 * A year (by default) of assessments without their per-check breakdown, oldest first. One row of
 * arrays from the (customer_id, computed_at) index: a year of history costs one small row, not
 * hundreds of mapped ones. The rows are sorted once, below the aggregates (an ORDER BY in each of
 * five aggregates sorted the year five times), and the arrays come as JSON, which both drivers
 * read with the native JSON.parse rather than a character-by-character array parser (a NULL
 * score inside a float8[] also read as NaN on postgres.js). For 366 scores: PostgreSQL 1.36 →
 * 0.89 ms a read, PGlite 4.1 → 2.1 ms (measured on the benchmark's data).
 */
export async function scoreHistory(db: Db, customerId: number, now: Date, days = 365): Promise<StoredScore[]> {
  const since = new Date(now.getTime() - days * 86_400_000).toISOString();
  const [row] = rowsOf<Series>(
    await db.execute(sql`
      select json_agg(id) as ids,
        json_agg((extract(epoch from computed_at) * 1000)::float8) as ts,
        json_agg(score) as scores,
        json_agg(scoring_version) as versions,
        json_agg(reason) as reasons
      from (
        select id, computed_at, score, scoring_version, reason from health_scores
        where customer_id = ${customerId} and computed_at >= ${since}::timestamptz
        order by computed_at, id
      ) ordered`),
  );
  if (!row?.ids) return [];
  const history = row.ids.map((id, i) => ({
    id: Number(id),
    computedAt: new Date(Number(row.ts![i])),
    score: row.scores![i] === null ? null : Number(row.scores![i]),
    scoringVersion: row.versions![i]!,
    reason: row.reasons![i]!,
  }));
  // Aggregates read a sorted subquery in its order (PostgreSQL documents it as what "will usually
  // work", not as a promise), so the order is checked, and restored in the rare case it is not.
  return inOrder(history) ? history : history.sort(byTimeThenId);
}

const byTimeThenId = (a: StoredScore, b: StoredScore) => a.computedAt.getTime() - b.computedAt.getTime() || a.id - b.id;

function inOrder(history: StoredScore[]): boolean {
  for (let i = 1; i < history.length; i++) if (byTimeThenId(history[i - 1]!, history[i]!) > 0) return false;
  return true;
}

/** The stored score in force at `at`: the newest one computed at or before it. */
export function scoreAt(history: StoredScore[], at: Date): StoredScore | null {
  let found: StoredScore | null = null;
  for (const s of history) if (s.computedAt.getTime() <= at.getTime()) found = s;
  return found;
}

const allBands = preparedPerDb((db) =>
  db.select({ number: scoringVersions.number, bands: scoringVersions.bands }).from(scoringVersions).prepare("bands_by_version"),
);

/** Bands of every scoring version (version 1 lives in code). */
export async function bandsByVersion(db: Db): Promise<Map<string, { healthy: number; concerning: number }>> {
  const rows = await allBands(db).execute();
  return new Map([["1", VERSION_ONE.bands], ...rows.map((r) => [String(r.number), r.bands] as const)]);
}

const stampColumns = {
  id: healthScores.id,
  computedAt: healthScores.computedAt,
  score: healthScores.score,
  coverage: healthScores.coverage,
  scoringVersion: healthScores.scoringVersion,
  plan: healthScores.plan,
  contributions: healthScores.contributions,
};
type StampRow = {
  id: number;
  computedAt: Date;
  score: number | null;
  coverage: number;
  scoringVersion: string;
  plan: string | null;
  contributions: unknown;
};

function toStamp(row: StampRow): Stamp {
  return {
    at: row.computedAt.toISOString(),
    score: row.score,
    coverage: row.coverage,
    version: row.scoringVersion,
    // "" is "no plan"; null is a row stored before the plan was recorded.
    plan: row.plan === null ? undefined : row.plan === "" ? null : row.plan,
    contributions: row.contributions as StoredContribution[],
  };
}

/** The stored assessments `ids` with their per-check detail, by id. */
export async function stampsByIds(db: Db, customerId: number, ids: number[]): Promise<Map<number, Stamp>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select(stampColumns)
    .from(healthScores)
    .where(and(eq(healthScores.customerId, customerId), inArray(healthScores.id, ids)));
  return new Map(rows.map((r) => [r.id, toStamp(r)]));
}

/** The full stored assessment in force at the end of `day` (UTC): "since the catch-up". */
export async function stampAtEndOf(db: Db, customerId: number, day: string): Promise<(Stamp & { id: number }) | null> {
  const [row] = await db
    .select(stampColumns)
    .from(healthScores)
    .where(and(eq(healthScores.customerId, customerId), lte(healthScores.computedAt, new Date(`${day}T23:59:59.999Z`))))
    .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
    .limit(1);
  return row ? { id: row.id, ...toStamp(row) } : null;
}

/** The current assessment as the explanation reads a stored one. */
export function assessedStamp(a: Assessment): Stamp {
  return {
    at: a.assessedAt,
    score: a.score,
    coverage: a.coverage,
    version: a.scoringVersion,
    bands: a.bands,
    plan: a.usage.plan?.name ?? null,
    contributions: contributionsOf(a),
  };
}

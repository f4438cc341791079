import { and, asc, desc, eq, gte, lte } from "drizzle-orm";
import type { Assessment } from "../../checks/assessment/assess";
import type { HealthScore } from "../../checks/score";
import type { Db } from "../../db/client";
import { healthScores } from "../../db/schema";

/*
 * Reads of a customer's past assessments (health_scores): the history chart, "since last week",
 * "since the catch-up" and what changed against the previous assessment.
 */

export type StoredScore = {
  id: number;
  computedAt: Date;
  score: number | null;
  band: string | null;
  coverage: number;
  scoringVersion: string;
  reason: string;
};

/** A year (by default) of assessments without their per-check breakdown, oldest first. */
export async function scoreHistory(db: Db, customerId: number, now: Date, days = 365): Promise<StoredScore[]> {
  const since = new Date(now.getTime() - days * 86_400_000);
  return db
    .select({
      id: healthScores.id,
      computedAt: healthScores.computedAt,
      score: healthScores.score,
      band: healthScores.band,
      coverage: healthScores.coverage,
      scoringVersion: healthScores.scoringVersion,
      reason: healthScores.reason,
    })
    .from(healthScores)
    .where(and(eq(healthScores.customerId, customerId), gte(healthScores.computedAt, since)))
    .orderBy(asc(healthScores.computedAt), asc(healthScores.id));
}

/** The stored score in force at `at`: the newest one computed at or before it. */
export function scoreAt(history: StoredScore[], at: Date): StoredScore | null {
  let found: StoredScore | null = null;
  for (const s of history) if (s.computedAt.getTime() <= at.getTime()) found = s;
  return found;
}

const breakdown = {
  score: healthScores.score,
  band: healthScores.band,
  coverage: healthScores.coverage,
  sections: healthScores.sections,
  contributions: healthScores.contributions,
  failing: healthScores.failing,
  unknown: healthScores.unknown,
  scoringVersion: healthScores.scoringVersion,
};

/** A stored health_scores row read back as the HealthScore it was computed as. */
function toHealthScore(row: {
  score: number | null;
  band: string | null;
  coverage: number;
  sections: unknown;
  contributions: unknown;
  failing: number;
  unknown: number;
  scoringVersion: string;
}): HealthScore {
  return {
    score: row.score,
    band: row.band as HealthScore["band"],
    coverage: row.coverage,
    sections: row.sections as HealthScore["sections"],
    contributions: row.contributions as HealthScore["contributions"],
    failing: row.failing,
    unknown: row.unknown,
    version: row.scoringVersion,
  };
}

/** The assessment as the HealthScore shape that explainChange compares. */
export function assessedScore(a: Assessment): HealthScore {
  return {
    score: a.score,
    band: a.band,
    coverage: a.coverage,
    sections: a.sections,
    contributions: a.checks.map((c) => ({
      checkId: c.checkId,
      section: c.section,
      weight: c.weight,
      status: c.status,
      points: c.points,
      maxPoints: c.maxPoints,
    })),
    failing: a.failing,
    unknown: a.unknown,
    version: a.scoringVersion,
  };
}

/** The assessment stored before the current one (the current one is always the newest row). */
export async function previousScore(db: Db, customerId: number, currentScoreId: number | null): Promise<HealthScore | null> {
  const rows = await db
    .select({ id: healthScores.id, ...breakdown })
    .from(healthScores)
    .where(eq(healthScores.customerId, customerId))
    .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
    .limit(2);
  const previous = rows.find((r) => r.id !== currentScoreId);
  return previous ? toHealthScore(previous) : null;
}

/** The full stored score in force at the end of `day` (UTC), for "what changed since the last catch-up". */
export async function storedScoreAt(db: Db, customerId: number, day: string): Promise<HealthScore | null> {
  const [row] = await db
    .select(breakdown)
    .from(healthScores)
    .where(and(eq(healthScores.customerId, customerId), lte(healthScores.computedAt, new Date(`${day}T23:59:59.999Z`))))
    .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
    .limit(1);
  return row ? toHealthScore(row) : null;
}

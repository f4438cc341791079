import { and, asc, desc, eq, gte } from "drizzle-orm";
import type { Db } from "../db/client";
import { catchups, checkRuns, currentHealth, healthScores } from "../db/schema";
import { CATALOG } from "./catalog";
import type { ManualAnswerRecord, OverrideRecord, ResolvedCheck } from "./evaluate";
import {
  computeCurrentState,
  loadAnswers,
  loadCurrentResults,
  loadFacts,
  loadOverrides,
  toHealthScore,
  withFreshDelightChecks,
} from "./health-store";
import { loadRules } from "./rules";
import { explainChange, type HealthScore, type ScoreChange } from "./score";
import type { UsageVsPlan } from "./usage";

export type StoredScore = {
  id: number;
  computedAt: Date;
  score: number | null;
  band: string | null;
  coverage: number;
  scoringVersion: string;
  reason: string;
};

export type CustomerHealth = {
  /** Computed now from the stored results, answers and overrides (an override may have expired since the last stored score). */
  current: { resolved: ResolvedCheck[]; score: HealthScore; usage: UsageVsPlan; flagged80: boolean };
  lastRun: {
    id: number;
    status: string;
    startedAt: Date;
    finishedAt: Date;
    errors: { call: string; kind: string; message: string }[];
    apiCalls: number;
  } | null;
  /** Stored scores, oldest first, for the history chart (scoring version on each). */
  history: StoredScore[];
  weekAgo: StoredScore | null;
  lastCatchup: { date: string; score: StoredScore | null } | null;
  /** What changed since the previous stored score. */
  changes: ScoreChange[];
  answers: Record<string, ManualAnswerRecord[]>;
  overrides: Record<string, OverrideRecord[]>;
};

function groupByCheck<T extends { checkId: string }>(rows: T[]): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  // Newest first: the page shows the latest answer on top of its history.
  for (const row of [...rows].reverse()) {
    const list = out[row.checkId] ?? [];
    list.push(row);
    out[row.checkId] = list;
  }
  return out;
}

/** The stored score in force at `at`: the newest one computed at or before it. */
function scoreAt(history: StoredScore[], at: Date): StoredScore | null {
  let found: StoredScore | null = null;
  for (const s of history) if (s.computedAt.getTime() <= at.getTime()) found = s;
  return found;
}

/** Everything the customer page, the catch-up pack, `delight report` and the JSON API show about one customer. */
export async function loadCustomerHealth(db: Db, customerId: number, now = new Date(), historyDays = 365): Promise<CustomerHealth> {
  const facts = await loadFacts(db, customerId);
  if (!facts) throw new Error(`customer ${customerId} not found`);
  const since = new Date(now.getTime() - historyDays * 86_400_000);
  const [results, answers, overrideRows, historyRows, newestTwo, [pointer], held] = await Promise.all([
    loadCurrentResults(db, customerId),
    loadAnswers(db, customerId),
    loadOverrides(db, customerId),
    // A year of history for the chart needs no per-check breakdown; only the newest two do.
    db
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
      .orderBy(asc(healthScores.computedAt), asc(healthScores.id)),
    db
      .select({
        score: healthScores.score,
        band: healthScores.band,
        coverage: healthScores.coverage,
        scoringVersion: healthScores.scoringVersion,
        contributions: healthScores.contributions,
        failing: healthScores.failing,
        unknown: healthScores.unknown,
        sections: healthScores.sections,
      })
      .from(healthScores)
      .where(eq(healthScores.customerId, customerId))
      .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
      .limit(2),
    db.select({ runId: currentHealth.runId }).from(currentHealth).where(eq(currentHealth.customerId, customerId)),
    db
      .select({ date: catchups.date })
      .from(catchups)
      .where(and(eq(catchups.customerId, customerId), eq(catchups.status, "held")))
      .orderBy(desc(catchups.date))
      .limit(1),
  ]);
  const rules = await loadRules(db);
  const current = await computeCurrentState(db, facts, await withFreshDelightChecks(db, facts, results, now, rules), now, rules, {
    answers,
    overrides: overrideRows,
  });
  const [lastRun] = pointer?.runId
    ? await db
        .select({
          id: checkRuns.id,
          status: checkRuns.status,
          startedAt: checkRuns.startedAt,
          finishedAt: checkRuns.finishedAt,
          errors: checkRuns.errors,
          apiCalls: checkRuns.apiCalls,
        })
        .from(checkRuns)
        .where(eq(checkRuns.id, pointer.runId))
    : [];
  const history: StoredScore[] = historyRows;
  const [latestRow, previousRow] = newestTwo;
  const lastCatchupDate = held[0]?.date ?? null;
  return {
    current,
    lastRun: lastRun ?? null,
    history,
    weekAgo: scoreAt(history, new Date(now.getTime() - 7 * 86_400_000)),
    lastCatchup: lastCatchupDate ? { date: lastCatchupDate, score: scoreAt(history, new Date(`${lastCatchupDate}T23:59:59Z`)) } : null,
    changes: latestRow && previousRow ? explainChange(toHealthScore(previousRow), toHealthScore(latestRow)) : [],
    answers: groupByCheck(answers),
    overrides: groupByCheck(overrideRows),
  };
}

export const CHECK_ORDER = CATALOG.map((c) => c.id);

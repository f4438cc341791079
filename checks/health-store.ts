import { and, asc, desc, eq, gte, isNull, ne } from "drizzle-orm";
import type { Db } from "../db/client";
import {
  catchups,
  checkResults,
  checkRuns,
  currentHealth,
  customers,
  healthScores,
  manualAnswers,
  overrides,
  plans,
  usageDaily,
} from "../db/schema";
import type { AutomatedResult, ManualAnswerRecord, OverrideRecord, ResolvedCheck } from "./evaluate";
import { evaluateAutomated, resolveChecks } from "./evaluate";
import { catalogFor, loadRules, type Rules } from "./rules";
import { computeScore, type HealthScore } from "./score";
import type { UsageSnapshot } from "./snapshot";
import type { CatchupFact, CheckStatus } from "./types";
import { type UsageVsPlan, usageVsPlan } from "./usage";

/** Daily usage kept for the usage view: the current period and six before it, with margin. */
const USAGE_DAYS = 7 * 31 + 7;

export type CustomerFacts = { id: number; planId: number | null; billingDay: number; timezone: string; monthlyEvents: number | null };

export async function loadFacts(db: Db, customerId: number): Promise<CustomerFacts | null> {
  const [row] = await db
    .select({
      id: customers.id,
      planId: customers.planId,
      billingDay: customers.billingDay,
      timezone: customers.timezone,
      monthlyEvents: plans.monthlyEvents,
    })
    .from(customers)
    .leftJoin(plans, eq(plans.id, customers.planId))
    .where(eq(customers.id, customerId));
  return row ?? null;
}

/** The customer's catch-ups that were not cancelled, with their status (value.quarterly_catchup reads them). */
export async function loadCatchupFacts(db: Db, customerId: number): Promise<CatchupFact[]> {
  const rows = await db
    .select({ date: catchups.date, status: catchups.status })
    .from(catchups)
    .where(and(eq(catchups.customerId, customerId), ne(catchups.status, "cancelled")));
  return rows.flatMap((r) => (r.status === "cancelled" ? [] : [{ date: r.date, status: r.status }]));
}

export async function loadAnswers(db: Db, customerId: number): Promise<ManualAnswerRecord[]> {
  return db
    .select({
      checkId: manualAnswers.checkId,
      answer: manualAnswers.answer,
      note: manualAnswers.note,
      authorName: manualAnswers.authorName,
      createdAt: manualAnswers.createdAt,
    })
    .from(manualAnswers)
    .where(eq(manualAnswers.customerId, customerId))
    .orderBy(asc(manualAnswers.createdAt), asc(manualAnswers.id));
}

export async function loadOverrides(db: Db, customerId: number): Promise<OverrideRecord[]> {
  return db
    .select({
      checkId: overrides.checkId,
      status: overrides.status,
      reason: overrides.reason,
      expiresAt: overrides.expiresAt,
      authorName: overrides.authorName,
      createdAt: overrides.createdAt,
    })
    .from(overrides)
    .where(eq(overrides.customerId, customerId))
    .orderBy(asc(overrides.createdAt), asc(overrides.id));
}

export type CurrentResults = { runId: number; results: AutomatedResult[]; snapshot: UsageSnapshot | null };

/** The automated results of the customer's newest run that produced any (ok or partial). */
export async function loadCurrentResults(db: Db, customerId: number): Promise<CurrentResults | null> {
  const [pointer] = await db
    .select({ runId: currentHealth.resultsRunId, snapshot: checkRuns.snapshot })
    .from(currentHealth)
    .innerJoin(checkRuns, eq(checkRuns.id, currentHealth.resultsRunId))
    .where(eq(currentHealth.customerId, customerId));
  if (!pointer?.runId) return null;
  const rows = await db
    .select({ checkId: checkResults.checkId, status: checkResults.status, evidence: checkResults.evidence, summary: checkResults.summary })
    .from(checkResults)
    .where(eq(checkResults.runId, pointer.runId));
  return {
    runId: pointer.runId,
    results: rows.map((r) => ({ ...r, evidence: r.evidence as AutomatedResult["evidence"] })),
    snapshot: (pointer.snapshot as UsageSnapshot | null) ?? null,
  };
}

/**
 * Checks decided from delight's own records (catch-ups, the plan) and those read from columns the
 * snapshot already holds (extras, event checks) are re-decided from the stored snapshot whenever
 * the score is recomputed, so scheduling a catch-up, changing a plan or switching an extra on
 * shows at once instead of at the next PostHog refresh.
 */
export async function withFreshDelightChecks(
  db: Db,
  facts: CustomerFacts,
  current: CurrentResults | null,
  now: Date,
  rules?: Rules,
): Promise<AutomatedResult[] | null> {
  if (!current) return null;
  if (!current.snapshot) return current.results;
  const catalog = catalogFor(rules ?? (await loadRules(db)), facts.planId);
  const own = catalog.filter((c) => c.source === "delight" || c.fromSnapshot);
  const fresh = evaluateAutomated(
    {
      snapshot: current.snapshot,
      facts: { planMonthlyEvents: facts.monthlyEvents, catchups: await loadCatchupFacts(db, facts.id) },
      now,
    },
    own,
  );
  const byId = new Map(fresh.map((r) => [r.checkId, r]));
  const stored = new Set(current.results.map((r) => r.checkId));
  return [...current.results.map((r) => byId.get(r.checkId) ?? r), ...fresh.filter((r) => !stored.has(r.checkId))];
}

export async function loadUsage(db: Db, facts: CustomerFacts, now: Date): Promise<UsageVsPlan> {
  const since = new Date(now.getTime() - USAGE_DAYS * 86_400_000).toISOString().slice(0, 10);
  const daily = await db
    .select({ day: usageDaily.day, events: usageDaily.events })
    .from(usageDaily)
    .where(and(eq(usageDaily.customerId, facts.id), gte(usageDaily.day, since)))
    .orderBy(asc(usageDaily.day));
  return usageVsPlan({ daily, monthlyEvents: facts.monthlyEvents, anchorDay: facts.billingDay, timeZone: facts.timezone, now });
}

export type CurrentState = { resolved: ResolvedCheck[]; score: HealthScore; usage: UsageVsPlan; flagged80: boolean };

/** Everything the score is a function of, read in one place so refresh, answers and pages agree. */
export async function computeCurrentState(
  db: Db,
  facts: CustomerFacts,
  automated: AutomatedResult[] | null,
  now: Date,
  rules?: Rules,
  /** Callers that already read the answers and overrides pass them, saving two queries. */
  loaded?: { answers: ManualAnswerRecord[]; overrides: OverrideRecord[] },
): Promise<CurrentState> {
  const [answers, overrideRows, usage, inForce] = await Promise.all([
    loaded?.answers ?? loadAnswers(db, facts.id),
    loaded?.overrides ?? loadOverrides(db, facts.id),
    loadUsage(db, facts, now),
    rules ?? loadRules(db),
  ]);
  const resolved = resolveChecks({ automated, answers, overrides: overrideRows, now, catalog: catalogFor(inForce, facts.planId) });
  const score = computeScore(resolved, inForce.scoring);
  const planCheck = resolved.find((c) => c.checkId === "value.plan_usage_80")?.status as CheckStatus | undefined;
  return { resolved, score, usage, flagged80: usage.flagged80 || planCheck === "pass" };
}

/**
 * Appends a score computed from the current state and points current_health at it. Runs inside
 * the caller's transaction (refresh, answer, override) so the score and its cause land together.
 */
export async function storeScore(
  db: Db,
  facts: CustomerFacts,
  options: {
    automated: AutomatedResult[] | null;
    runId: number | null;
    resultsRunId: number | null;
    reason: string;
    now: Date;
    rules?: Rules;
  },
) {
  const state = await computeCurrentState(db, facts, options.automated, options.now, options.rules);
  const { score, usage } = state;
  const [row] = await db
    .insert(healthScores)
    .values({
      customerId: facts.id,
      computedAt: options.now,
      score: score.score,
      band: score.band,
      coverage: score.coverage,
      sections: score.sections,
      contributions: score.contributions,
      failing: score.failing,
      unknown: score.unknown,
      scoringVersion: score.version,
      runId: options.runId,
      reason: options.reason,
      periodEvents: usage.eventsThisPeriod,
      planPercent: usage.percentOfQuota,
      projectedPercent: usage.projectedPercent,
      flagged80: state.flagged80,
    })
    .returning({ id: healthScores.id });
  await movePointers(db, facts.id, {
    scoreId: row!.id,
    updatedAt: options.now,
    ...(options.runId ? { runId: options.runId } : {}),
    ...(options.resultsRunId ? { resultsRunId: options.resultsRunId } : {}),
  });
  return { scoreId: row!.id, state };
}

/** Moves the customer's current_health pointers given here (creating the row on first use); the others stay. */
export async function movePointers(
  db: Db,
  customerId: number,
  pointers: { updatedAt: Date; scoreId?: number; runId?: number; resultsRunId?: number },
) {
  await db
    .insert(currentHealth)
    .values({ customerId, ...pointers })
    .onConflictDoUpdate({ target: currentHealth.customerId, set: pointers });
}

/** Recomputes and stores the score after a manual answer or override (no PostHog call). */
export async function rescore(db: Db, customerId: number, reason: string, now = new Date(), rules?: Rules) {
  const facts = await loadFacts(db, customerId);
  if (!facts) throw new Error(`customer ${customerId} not found`);
  const inForce = rules ?? (await loadRules(db));
  const automated = await withFreshDelightChecks(db, facts, await loadCurrentResults(db, customerId), now, inForce);
  return storeScore(db, facts, { automated, runId: null, resultsRunId: null, reason, now, rules: inForce });
}

/** After the rules changed: a new score for every active customer under the rules now in force. */
export async function rescoreAll(db: Db, reason: string, now = new Date()) {
  const rules = await loadRules(db);
  const active = await db.select({ id: customers.id }).from(customers).where(isNull(customers.archivedAt)).orderBy(asc(customers.id));
  for (const { id } of active) await rescore(db, id, reason, now, rules);
  return active.length;
}

export async function latestScores(db: Db, customerId: number, limit = 2) {
  return db
    .select()
    .from(healthScores)
    .where(eq(healthScores.customerId, customerId))
    .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
    .limit(limit);
}

/** A stored health_scores row read back as the HealthScore it was computed as. */
export function toHealthScore(row: {
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

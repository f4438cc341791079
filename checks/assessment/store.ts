import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { anyOf, idRows, inIds } from "../../db/id-list";
import { preparedPerDb } from "../../db/prepared";
import { recordset } from "../../db/recordset";
import { rowsOf } from "../../db/rows";
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
} from "../../db/schema";
import { raiseAlerts } from "../alerts/raise";
import type { AutomatedResult } from "../evaluate";
import { loadRules, type Rules } from "../rules";
import type { CallFailure, UsageSnapshot } from "../snapshot";
import { type Assessment, type AssessmentInput, assess, type RunStatus } from "./assess";
import { contributionsOf } from "./contributions";
import { loadMovers } from "./movers";
import { EMPTY_SPARKLINE, nextSparkline, type Sparkline, sparklinePoints, sparklineWindow } from "./sparkline";
import { healthSummary } from "./summary";

/*
 * The one writer of customers' health, and the reads that guarantee a reader never sees an
 * expired assessment. Inputs are loaded for many customers at once (a handful of queries per
 * batch, not per customer), assessed in memory, and written with multi-row statements.
 */

/** Why an assessment was made; stored with it in health_scores.reason. */
export type Cause = "refresh" | "answer" | "override" | "catchup" | "customer" | "plan" | "scoring" | "settings" | "time";

const BATCH = 200;
/** Daily usage an assessment reads: the current billing period and six before it, with margin. */
const USAGE_DAYS = 7 * 31 + 7;

export type Loaded = {
  input: AssessmentInput;
  revision: number | null;
  sparkline: Sparkline;
  /** The scoring version of the assessment being replaced (null before the first). */
  previousVersion: string | null;
};

/** The columns of a ManualAnswerRecord: what decides a check here, and its history on the customer page. */
export const answerRecordColumns = {
  checkId: manualAnswers.checkId,
  answer: manualAnswers.answer,
  note: manualAnswers.note,
  authorName: manualAnswers.authorName,
  createdAt: manualAnswers.createdAt,
};

/** The columns of an OverrideRecord, likewise. */
export const overrideRecordColumns = {
  checkId: overrides.checkId,
  status: overrides.status,
  reason: overrides.reason,
  expiresAt: overrides.expiresAt,
  authorName: overrides.authorName,
  createdAt: overrides.createdAt,
};

/**
 * Everything the assessments of `ids` depend on, read in nine queries whatever the batch size.
 * `resultsFor` limits the stored results (and their snapshots, the biggest rows) to the customers
 * that need them: a refresh that measured new results replaces them, so it skips reading them.
 */
export async function loadInputs(
  db: Db,
  ids: number[],
  now: Date,
  rules?: Rules,
  options: { resultsFor?: number[] } = {},
): Promise<Map<number, Loaded>> {
  const out = new Map<number, Loaded>();
  if (ids.length === 0) return out;
  const since = new Date(now.getTime() - USAGE_DAYS * 86_400_000).toISOString().slice(0, 10);
  const [inForce, facts, pointers, answerRows, overrideRows, catchupRows, usageRows] = await Promise.all([
    rules ?? loadRules(db),
    db
      .select({
        id: customers.id,
        planId: customers.planId,
        planName: plans.name,
        monthlyEvents: plans.monthlyEvents,
        billingDay: customers.billingDay,
        timezone: customers.timezone,
        createdAt: customers.createdAt,
      })
      .from(customers)
      .leftJoin(plans, eq(plans.id, customers.planId))
      .where(anyOf(customers.id, ids)),
    db
      .select({
        customerId: currentHealth.customerId,
        revision: currentHealth.revision,
        runId: currentHealth.runId,
        resultsRunId: currentHealth.resultsRunId,
        sparkline: currentHealth.sparkline,
        scoringVersion: currentHealth.scoringVersion,
      })
      .from(currentHealth)
      .where(anyOf(currentHealth.customerId, ids)),
    // Only the newest answer and override of each check decide it.
    db
      .selectDistinctOn([manualAnswers.customerId, manualAnswers.checkId], { customerId: manualAnswers.customerId, ...answerRecordColumns })
      .from(manualAnswers)
      .where(anyOf(manualAnswers.customerId, ids))
      .orderBy(manualAnswers.customerId, manualAnswers.checkId, desc(manualAnswers.createdAt), desc(manualAnswers.id)),
    db
      .selectDistinctOn([overrides.customerId, overrides.checkId], { customerId: overrides.customerId, ...overrideRecordColumns })
      .from(overrides)
      .where(anyOf(overrides.customerId, ids))
      .orderBy(overrides.customerId, overrides.checkId, desc(overrides.createdAt), desc(overrides.id)),
    db
      .select({ customerId: catchups.customerId, date: catchups.date, status: catchups.status })
      .from(catchups)
      .where(anyOf(catchups.customerId, ids)),
    db
      .select({ customerId: usageDaily.customerId, day: usageDaily.day, events: usageDaily.events, measuredAt: usageDaily.measuredAt })
      .from(usageDaily)
      .where(and(anyOf(usageDaily.customerId, ids), gte(usageDaily.day, since))),
  ]);

  const pointerOf = new Map(pointers.map((p) => [p.customerId, p]));
  const runIds = [...new Set(pointers.flatMap((p) => [p.runId, p.resultsRunId]).filter((id): id is number => id !== null))];
  const wanted = options.resultsFor ? new Set(options.resultsFor) : null;
  const resultRunIds = [
    ...new Set(
      pointers
        .filter((p) => !wanted || wanted.has(p.customerId))
        .map((p) => p.resultsRunId)
        .filter((id): id is number => id !== null),
    ),
  ];
  const [runs, snapshots, results] = await Promise.all([
    runIds.length
      ? db
          .select({
            id: checkRuns.id,
            status: checkRuns.status,
            finishedAt: checkRuns.finishedAt,
            errors: checkRuns.errors,
            apiCalls: checkRuns.apiCalls,
          })
          .from(checkRuns)
          .where(anyOf(checkRuns.id, runIds))
      : [],
    resultRunIds.length
      ? db.select({ id: checkRuns.id, snapshot: checkRuns.snapshot }).from(checkRuns).where(anyOf(checkRuns.id, resultRunIds))
      : [],
    resultRunIds.length
      ? db
          .select({
            runId: checkResults.runId,
            checkId: checkResults.checkId,
            status: checkResults.status,
            evidence: checkResults.evidence,
            summary: checkResults.summary,
          })
          .from(checkResults)
          .where(anyOf(checkResults.runId, resultRunIds))
      : [],
  ]);
  const runOf = new Map(runs.map((r) => [r.id, r]));
  const snapshotOf = new Map(snapshots.map((r) => [r.id, (r.snapshot as UsageSnapshot | null) ?? null]));
  const resultsOf = groupBy(results, (r) => r.runId);
  const answersOf = groupBy(answerRows, (r) => r.customerId);
  const overridesOf = groupBy(overrideRows, (r) => r.customerId);
  const catchupsOf = groupBy(catchupRows, (r) => r.customerId);
  const usageOf = groupBy(usageRows, (r) => r.customerId);

  for (const f of facts) {
    const pointer = pointerOf.get(f.id);
    const lastRun = pointer?.runId ? runOf.get(pointer.runId) : undefined;
    const resultsRun = pointer?.resultsRunId ? runOf.get(pointer.resultsRunId) : undefined;
    const usage = usageOf.get(f.id) ?? [];
    const measuredAt = usage.reduce<Date | null>((max, r) => (max === null || r.measuredAt > max ? r.measuredAt : max), null);
    out.set(f.id, {
      revision: pointer?.revision ?? null,
      sparkline: pointer?.sparkline ?? EMPTY_SPARKLINE,
      previousVersion: pointer?.scoringVersion ?? null,
      input: {
        now,
        customer: f,
        rules: inForce,
        results: resultsRun
          ? {
              runId: resultsRun.id,
              finishedAt: resultsRun.finishedAt,
              automated: (resultsOf.get(resultsRun.id) ?? []).map((r) => ({ ...r, evidence: r.evidence as AutomatedResult["evidence"] })),
              snapshot: snapshotOf.get(resultsRun.id) ?? null,
            }
          : null,
        lastRun: lastRun
          ? {
              id: lastRun.id,
              status: lastRun.status as RunStatus,
              finishedAt: lastRun.finishedAt,
              errors: lastRun.errors as CallFailure[],
              apiCalls: lastRun.apiCalls,
            }
          : null,
        answers: answersOf.get(f.id) ?? [],
        overrides: overridesOf.get(f.id) ?? [],
        catchups: catchupsOf.get(f.id) ?? [],
        usage: { daily: usage.map((r) => ({ day: r.day, events: r.events })), measuredAt },
      },
    });
  }
  return out;
}

function groupBy<T, K>(rows: T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/**
 * Rebuilds the stored sparklines of `customerIds` from their score history (scores written
 * outside the writer: imported or synthetic history).
 */
export async function rebuildSparklines(db: Db, customerIds: number[], now: Date) {
  if (customerIds.length === 0) return;
  // From the start of the window's first UTC day, as the writer keeps it (nextSparkline).
  const since = `${sparklineWindow(now).from}T00:00:00Z`;
  await db.execute(sql`
    update current_health ch set sparkline = coalesce((
      with points as (
        select d.day, d.score from (
          select distinct on (day) (h.computed_at at time zone 'UTC')::date as day, round(h.score::numeric, 1)::float8 as score
          from health_scores h where h.customer_id = ch.customer_id and h.computed_at >= ${since}::timestamptz
          order by day, h.computed_at desc, h.id desc) d
        where d.score is not null)
      select jsonb_build_object('from', to_char(b.lo, 'YYYY-MM-DD'), 'scores', (
        select jsonb_agg(to_jsonb(p.score) order by g.day)
        from generate_series(b.lo, b.hi, interval '1 day') g(day) left join points p on p.day = g.day::date))
      from (select min(day) as lo, max(day) as hi from points) b where b.lo is not null
    ), '{"from": null, "scores": []}'::jsonb)
    where ${anyOf(sql`ch.customer_id`, customerIds)}
  `);
}

export type Written = { customerId: number; assessment: Assessment; scoreId: number };

// The writer's two multi-row statements, each with one JSON parameter (db/recordset.ts).
const HISTORY = recordset(healthScores, [
  "customerId",
  "computedAt",
  "score",
  "band",
  "coverage",
  "sections",
  "contributions",
  "plan",
  "failing",
  "unknown",
  "periodEvents",
  "planPercent",
  "projectedPercent",
  "flagged80",
  "scoringVersion",
  "runId",
  "reason",
]);
const COPIED = [
  "scoreId",
  "runId",
  "resultsRunId",
  "updatedAt",
  "validUntil",
  "state",
  "summary",
  "score",
  "band",
  "coverage",
  "failing",
  "unknown",
  "planPercent",
  "projectedPercent",
  "flagged80",
  "stale",
  "scoringVersion",
  "scoredAt",
  "refreshedAt",
  "runStatus",
  "sparkline",
  "signals",
  "change7d",
  "change30d",
  "change7dFrom",
  "change30dFrom",
] as const;
const CURRENT = recordset(currentHealth, ["customerId", ...COPIED]);
// Every copied column is replaced by the new assessment's; the revision is bumped.
const CURRENT_UPDATE = sql.raw(COPIED.map((k) => `"${currentHealth[k].name}" = excluded."${currentHealth[k].name}"`).join(", "));

/**
 * Appends each assessment to the history and makes it the customer's current one, in the
 * caller's transaction. The scalar columns and the summary are copies of the assessment.
 */
export async function writeAssessments(
  tx: Db,
  items: { assessment: Assessment; sparkline: Sparkline; cause: Cause; runId?: number | null }[],
): Promise<Written[]> {
  if (items.length === 0) return [];
  const history = items.map(({ assessment: a, cause, runId }) => ({
    customerId: a.customerId,
    computedAt: new Date(a.assessedAt),
    score: a.score,
    band: a.band,
    coverage: a.coverage,
    sections: a.sections,
    contributions: contributionsOf(a),
    // "" is "no plan"; null is a row written before plans were recorded.
    plan: a.usage.plan?.name ?? "",
    failing: a.failing,
    unknown: a.unknown,
    periodEvents: a.usage.eventsThisPeriod,
    planPercent: a.usage.percentOfQuota,
    projectedPercent: a.usage.projectedPercent,
    flagged80: a.flagged80,
    scoringVersion: a.scoringVersion,
    runId: runId ?? null,
    reason: cause === "scoring" ? `scoring v${a.scoringVersion}` : cause,
  }));
  const rows = rowsOf<{ id: number; customerId: number }>(
    await tx.execute(sql`${HISTORY.insert(history)} returning id, customer_id as "customerId"`),
  );
  const scoreIdOf = new Map(rows.map((r) => [r.customerId, r.id]));
  // Alerts: the change from the previous assessment's signals, raised in this same transaction.
  const signals = await raiseAlerts(
    tx,
    items.map(({ assessment, sparkline }) => ({
      assessment,
      sparkline: sparklinePoints(sparkline),
      scoreId: scoreIdOf.get(assessment.customerId)!,
    })),
  );
  const movers = await loadMovers(
    tx,
    items.map(({ assessment: a }) => ({
      customerId: a.customerId,
      assessedAt: a.assessedAt,
      score: a.score,
      scoringVersion: a.scoringVersion,
    })),
  );
  const current = items.map(({ assessment: a, sparkline }) => ({
    customerId: a.customerId,
    scoreId: scoreIdOf.get(a.customerId)!,
    runId: a.freshness.lastRefresh?.runId ?? null,
    resultsRunId: a.resultsRunId,
    updatedAt: new Date(a.assessedAt),
    validUntil: new Date(a.validUntil),
    state: a,
    summary: healthSummary(a),
    score: a.score,
    band: a.band,
    coverage: a.coverage,
    failing: a.failing,
    unknown: a.unknown,
    planPercent: a.usage.percentOfQuota,
    projectedPercent: a.usage.projectedPercent,
    flagged80: a.flagged80,
    stale: a.freshness.stale,
    scoringVersion: a.scoringVersion,
    scoredAt: new Date(a.assessedAt),
    refreshedAt: a.freshness.lastRefresh ? new Date(a.freshness.lastRefresh.at) : null,
    runStatus: a.freshness.lastRefresh?.status ?? null,
    sparkline: nextSparkline(sparkline, new Date(a.assessedAt), a.score),
    signals: signals.get(a.customerId),
    ...movers.get(a.customerId)!,
  }));
  await tx.execute(
    sql`insert into ${currentHealth} (${CURRENT.columns}, revision) select ${CURRENT.columns}, 1 from ${CURRENT.from(current)}
      on conflict (customer_id) do update set ${CURRENT_UPDATE}, revision = ${currentHealth}.revision + 1`,
  );
  return items.map(({ assessment }) => ({ customerId: assessment.customerId, assessment, scoreId: scoreIdOf.get(assessment.customerId)! }));
}

/** An assessment that only time made necessary is recorded as caused by the new scoring version when that is what changed. */
function causeOf(loaded: Loaded, cause: Cause): Cause {
  const version = loaded.input.rules.scoring.version;
  return cause === "time" && loaded.previousVersion !== null && loaded.previousVersion !== version ? "scoring" : cause;
}

/**
 * Whether two reads of the rules agree. A rules change also expires every assessment, but a
 * writer that read the rules before that change and the revisions after it would not notice.
 */
function sameRules(a: Rules, b: Rules): boolean {
  const key = (r: Rules) =>
    JSON.stringify([r.scoring, r.extras, r.minSdkVersions, r.custom.map((c) => [c.id, c.retiredAt?.getTime() ?? null, c.planIds])]);
  return key(a) === key(b);
}

/** Locks the customers' current rows (creating missing ones) and returns their revisions. */
async function lockCurrent(tx: Db, unsorted: number[]): Promise<Map<number, { revision: number; validUntil: Date }>> {
  // Always in id order, so two writers locking overlapping batches wait instead of deadlocking.
  const ids = [...new Set(unsorted)].sort((a, b) => a - b);
  await tx.execute(sql`insert into ${currentHealth} (customer_id) select ${idRows(ids)} on conflict do nothing`);
  const rows = await tx
    .select({ customerId: currentHealth.customerId, revision: currentHealth.revision, validUntil: currentHealth.validUntil })
    .from(currentHealth)
    .where(anyOf(currentHealth.customerId, ids))
    .orderBy(currentHealth.customerId)
    .for("update");
  return new Map(rows.map((r) => [r.customerId, { revision: r.revision, validUntil: r.validUntil }]));
}

/**
 * Assesses `ids` again from what is stored, inside the caller's transaction (the one that stored
 * the input that changed their health), and makes the results current.
 */
export async function reassess(tx: Db, ids: number[], cause: Cause, now: Date, rules?: Rules): Promise<Map<number, Written>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  await lockCurrent(tx, unique);
  const loaded = await loadInputs(tx, unique, now, rules);
  const written = await writeAssessments(
    tx,
    [...loaded.values()].map((l) => ({ assessment: assess(l.input), sparkline: l.sparkline, cause: causeOf(l, cause) })),
  );
  return new Map(written.map((w) => [w.customerId, w]));
}

/** `reassess` for one customer: its new assessment. */
export async function reassessOne(tx: Db, customerId: number, cause: Cause, now: Date): Promise<Assessment> {
  const written = (await reassess(tx, [customerId], cause, now)).get(customerId);
  if (!written) throw new Error(`customer ${customerId} not found`);
  return written.assessment;
}

export type Prepared = {
  loaded: Loaded;
  assessment: Assessment;
  cause: Cause;
  runId?: number | null;
  pointers?: { runId: number; resultsRunId: number | null };
};

/**
 * Writes assessments computed before the transaction opened (a refresh evaluates outside it),
 * all with multi-row statements, unless a customer's inputs changed since they were read; that
 * one is assessed again from what is stored now, inside this transaction.
 */
export async function commitPreparedMany(tx: Db, prepared: Prepared[]): Promise<Assessment[]> {
  if (prepared.length === 0) return [];
  const revisions = await lockCurrent(
    tx,
    prepared.map((p) => p.assessment.customerId),
  );
  const rulesNow = await loadRules(tx);
  const unchanged = (p: Prepared) =>
    revisions.get(p.assessment.customerId)?.revision === (p.loaded.revision ?? 0) && sameRules(p.loaded.input.rules, rulesNow);
  const ready = prepared.filter(unchanged);
  await writeAssessments(
    tx,
    ready.map((p) => ({ assessment: p.assessment, sparkline: p.loaded.sparkline, cause: p.cause, runId: p.runId })),
  );
  const out = new Map(ready.map((p) => [p.assessment.customerId, p.assessment]));
  for (const p of prepared.filter((p) => !unchanged(p))) {
    const id = p.assessment.customerId;
    if (p.pointers) {
      await tx
        .update(currentHealth)
        .set({ runId: p.pointers.runId, ...(p.pointers.resultsRunId ? { resultsRunId: p.pointers.resultsRunId } : {}) })
        .where(eq(currentHealth.customerId, id));
    }
    const again = await reassess(tx, [id], p.cause, new Date(p.assessment.assessedAt), rulesNow);
    out.set(id, again.get(id)!.assessment);
  }
  return prepared.map((p) => out.get(p.assessment.customerId)!);
}

/** `commitPreparedMany` for one assessment. */
export async function commitPrepared(tx: Db, prepared: Prepared): Promise<Assessment> {
  const [written] = await commitPreparedMany(tx, [prepared]);
  return written!;
}

/** Marks every current assessment expired (rules changed): readers and the scheduler re-assess. */
export async function expireAll(tx: Db, now: Date, customerIds?: number[]) {
  if (customerIds?.length === 0) return;
  await tx
    .update(currentHealth)
    .set({ validUntil: now, revision: sql`${currentHealth.revision} + 1` })
    .where(customerIds ? inIds(currentHealth.customerId, customerIds) : undefined);
}

/**
 * Active customers whose assessment has expired at `now`, oldest expiry first. Every page that shows
 * health asks this first, so it is one flat statement: 0.25-0.39 ms of CPU a call against the query
 * builder's 0.34-0.63 (1,000 calls each, nothing expired). It reads the ready row's copy of the
 * archived state (kept by triggers), a top-N on current_health_due_idx: with a join to customers
 * instead, at 100,000 customers the server planned a parallel scan costing 7-40 ms a page view
 * to find nothing.
 */
async function expiredIds(db: Db, now: Date, limit: number, only?: number[]): Promise<number[]> {
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`
      select ch.customer_id as id from current_health ch
      where not ch.archived and ch.valid_until <= ${now.toISOString()}::timestamptz
        ${only ? sql`and ${inIds(sql`ch.customer_id`, only)}` : sql``}
      order by ch.valid_until, ch.customer_id
      limit ${limit}`),
  );
  return rows.map((r) => r.id);
}

/**
 * Makes sure no active customer (or none of `only`) has an expired assessment at `now`:
 * expired ones are assessed again from stored inputs (no PostHog call), a batch at a time.
 * Readers call this before reading; the server's scheduler calls it ahead of them.
 */
export async function ensureCurrent(
  db: Db,
  now: Date,
  options: {
    only?: number[];
    onBatch?: (done: number) => void;
    /** Told when any expired assessment was found (by this call or one racing it): what was read beside this call is stale. */
    onExpired?: () => void;
  } = {},
): Promise<number> {
  let done = 0;
  // Each round assesses what it found; a customer someone else assessed meanwhile is skipped.
  for (let round = 0; round < 1000; round++) {
    const ids = await expiredIds(db, now, BATCH, options.only);
    if (ids.length === 0) break;
    options.onExpired?.();
    const rules = await loadRules(db);
    const loaded = await loadInputs(db, ids, now, rules);
    const prepared = [...loaded.values()].map((l) => ({ loaded: l, assessment: assess(l.input) }));
    const written = await db.transaction(async (tx) => {
      const revisions = await lockCurrent(tx, ids);
      // Rules that changed since they were read make every prepared assessment stale: skip the
      // batch, the next round reads the new rules (the change expired these customers again).
      if (!sameRules(rules, await loadRules(tx))) return 0;
      // Skip a customer whose inputs changed since they were read, or that a reader re-assessed
      // meanwhile (still valid: writing this older assessment over it would move time backwards).
      const fresh = prepared.filter((p) => {
        const locked = revisions.get(p.assessment.customerId);
        return locked?.revision === (p.loaded.revision ?? 0) && locked.validUntil <= now;
      });
      const items = fresh.map((p) => ({ assessment: p.assessment, sparkline: p.loaded.sparkline, cause: causeOf(p.loaded, "time") }));
      return (await writeAssessments(tx, items)).length;
    });
    done += written;
    options.onBatch?.(done);
  }
  return done;
}

// Every customer page and catch-up pack starts here: built once per database (db/prepared.ts).
const storedAssessment = preparedPerDb((db) =>
  db
    .select({
      state: currentHealth.state,
      validUntil: currentHealth.validUntil,
      scoreId: currentHealth.scoreId,
      archivedAt: customers.archivedAt,
    })
    .from(currentHealth)
    .innerJoin(customers, eq(customers.id, currentHealth.customerId))
    .where(eq(currentHealth.customerId, sql.placeholder("customerId")))
    .prepare("stored_assessment"),
);

/** The customer's assessment valid at `now` (and its history row), re-assessed first if it expired; null for no such customer. */
export async function currentAssessment(
  db: Db,
  customerId: number,
  now: Date,
): Promise<{ assessment: Assessment; scoreId: number } | null> {
  const read = async (conn: Db) => {
    const [row] = await storedAssessment(conn).execute({ customerId });
    // An archived customer is read-only until unarchived: its last assessment stands, as
    // ensureCurrent leaves it, so every reader (and no alert) sees the same frozen health.
    return row?.state && row.scoreId !== null && (row.validUntil > now || row.archivedAt)
      ? { assessment: row.state as Assessment, scoreId: row.scoreId }
      : null;
  };
  const stored = await read(db);
  if (stored) return stored;
  const [exists] = await db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId));
  if (!exists) return null;
  return db.transaction(async (tx) => {
    await lockCurrent(tx, [customerId]);
    // Another reader or the scheduler may have re-assessed it while this one waited for the lock.
    const meanwhile = await read(tx);
    if (meanwhile) return meanwhile;
    const fresh = (await reassess(tx, [customerId], "time", now)).get(customerId)!;
    return { assessment: fresh.assessment, scoreId: fresh.scoreId };
  });
}

/**
 * Customers re-assessed under the newest scoring version so far, for Settings' progress line.
 * Read from current_health_version_idx alone (the ready row's own archived copy, no join): counted
 * from the ready rows, it read every ~3 KB row, 150 ms at 20,000 customers on every Settings view.
 */
export async function rescoringProgress(db: Db, version: string): Promise<{ done: number; total: number }> {
  const [row] = await db
    .select({
      total: sql<number>`count(*)::int`,
      done: sql<number>`count(*) filter (where ${currentHealth.scoringVersion} = ${version} and ${currentHealth.validUntil} > now())::int`,
    })
    .from(currentHealth)
    .where(sql`not ${currentHealth.archived}`);
  return { done: row?.done ?? 0, total: row?.total ?? 0 };
}

import { type Activity, activityOf } from "../activity";
import { type CatchupStatus, catchupStatus } from "../catchup-due";
import { type Day, localDay, nextLocalMidnight, zoneOrUtc } from "../days";
import {
  ANSWER_STALE_DAYS,
  type AutomatedResult,
  evaluateAutomated,
  type ManualAnswerRecord,
  type OverrideRecord,
  resolveChecks,
} from "../evaluate";
import { catalogFor, type Rules } from "../rules";
import { computeScore, type HealthScore } from "../score";
import type { Band } from "../scoring";
import type { CallFailure, UsageSnapshot } from "../snapshot";
import type { AnswerValue, CheckKind, CheckOrigin, CheckSource, CheckStatus, DelightFacts, Evidence, Section } from "../types";
import { type UsageVsPlan, usageVsPlan } from "../usage";

/*
 * The assessment: everything delight says about one customer's health at one moment, computed
 * by one pure function from stored inputs. Stored (checks/assessment/store.ts) and then only
 * read: pages, exports, the CLI, the API and the team's PostHog all show the stored object.
 */

const DAY_MS = 86_400_000;
/** A customer whose last successful refresh is older than this shows its data as stale. */
export const STALE_AFTER_MS = 2 * DAY_MS;

export type RunStatus = "ok" | "partial" | "failed";

export type AssessmentInput = {
  now: Date;
  customer: {
    id: number;
    planId: number | null;
    planName: string | null;
    monthlyEvents: number | null;
    billingDay: number;
    timezone: string;
    /** When the customer was added (a catch-up is not overdue for a customer younger than 100 days). */
    createdAt?: Date;
  };
  rules: Rules;
  /** The newest run that produced results (ok or partial); null if none ever did. */
  results: { runId: number; finishedAt: Date; automated: AutomatedResult[]; snapshot: UsageSnapshot | null } | null;
  /** The newest run of any status. */
  lastRun: { id: number; status: RunStatus; finishedAt: Date; errors: CallFailure[]; apiCalls: number } | null;
  /** Only the newest answer and override per check matter; older rows may be passed too. */
  answers: ManualAnswerRecord[];
  overrides: OverrideRecord[];
  catchups: { date: Day; status: "scheduled" | "held" | "cancelled" }[];
  /** Measured days (missing days have no row) and when the newest measurement was taken. */
  usage: { daily: { day: Day; events: number }[]; measuredAt: Date | null };
};

/** One check as the assessment resolved it: JSON-safe, with what it contributed to the score. */
export type AssessedCheck = {
  checkId: string;
  origin: CheckOrigin;
  section: Section;
  question: string;
  kind: CheckKind;
  rule: string;
  status: CheckStatus;
  source: CheckSource;
  summary: string;
  evidence: Evidence;
  weight: number;
  points: number;
  maxPoints: number;
  automated: { status: CheckStatus; summary: string } | null;
  /** The answers a person may give this check (none: only an override changes it). */
  answers: AnswerValue[];
  /** The answer in force (never a withdrawn one). */
  answer: { answer: AnswerValue; note: string; by: string; at: string; stale: boolean } | null;
  /** The newest override unless it was cleared; kept when expired so pages can say so. */
  override: { status: "pass" | "fail" | "na"; reason: string; by: string; at: string; expiresAt: string | null; active: boolean } | null;
};

export type Freshness = {
  lastRefresh: { runId: number; at: string; status: RunStatus; errors: CallFailure[]; apiCalls: number } | null;
  lastSuccessAt: string | null;
  /** The newest day with measured usage (project-local). */
  dataThrough: Day | null;
  /** No successful refresh within STALE_AFTER_MS (or never). */
  stale: boolean;
};

export type Assessment = {
  customerId: number;
  assessedAt: string;
  /** Until when this assessment holds without any new input (see validUntil below). */
  validUntil: string;
  scoringVersion: string;
  bands: { healthy: number; concerning: number };
  score: number | null;
  band: Band | null;
  /** Share of the total weight that was decided (0–1). */
  coverage: number;
  sections: HealthScore["sections"];
  failing: number;
  unknown: number;
  checks: AssessedCheck[];
  usage: UsageVsPlan & { plan: { name: string; monthlyEvents: number } | null };
  /** At or above 80 % of plan: this period, projected, or the value.plan_usage_80 check. */
  flagged80: boolean;
  /** Set while the data behind a flag is stale: the day it was last measured. */
  flagged80AsOf: Day | null;
  freshness: Freshness;
  /** Last 7 days of events against the 4 weeks before, and days without events (the usage_drop alert). */
  activity: Activity;
  /** Held and scheduled catch-ups (the catchup_overdue alert). */
  catchups: CatchupStatus;
  /** When the customer was added; how long "never refreshed" has lasted. */
  addedAt: string | null;
  resultsRunId: number | null;
};

const iso = (d: Date) => d.toISOString();

/** What the rules read from delight's own records: the plan's quota and the catch-ups not cancelled. */
export function delightFacts(input: Pick<AssessmentInput, "customer" | "catchups">): DelightFacts {
  return {
    planMonthlyEvents: input.customer.monthlyEvents,
    catchups: input.catchups.flatMap((c) => (c.status === "cancelled" ? [] : [{ date: c.date, status: c.status }])),
  };
}

/**
 * Checks decided from delight's own records (catch-ups, the plan) and those read from columns the
 * snapshot already holds (extras, team event checks) are decided again at every assessment, so a
 * new catch-up, plan or setting shows at once instead of at the next refresh.
 */
function automatedNow(input: AssessmentInput): AutomatedResult[] | null {
  const { results, customer, rules, now } = input;
  if (!results) return null;
  if (!results.snapshot) return results.automated;
  const own = catalogFor(rules, customer.planId).filter((c) => c.source === "delight" || c.fromSnapshot);
  const fresh = evaluateAutomated({ snapshot: results.snapshot, facts: delightFacts(input), now }, own);
  const byId = new Map(fresh.map((r) => [r.checkId, r]));
  const stored = new Set(results.automated.map((r) => r.checkId));
  return [...results.automated.map((r) => byId.get(r.checkId) ?? r), ...fresh.filter((r) => !stored.has(r.checkId))];
}

/**
 * The earliest moment the same inputs would give a different answer: an override expiring, an
 * answer turning stale, the data turning stale, or the project-local midnight (which is also when
 * rolling windows move, a catch-up leaves its 100-day window and a billing period ends).
 */
export function validUntil(input: AssessmentInput, zone: string): Date {
  const { now } = input;
  const candidates = [nextLocalMidnight(now, zone).getTime()];
  for (const o of input.overrides) if (o.expiresAt && o.expiresAt > now) candidates.push(o.expiresAt.getTime());
  for (const a of input.answers) candidates.push(a.createdAt.getTime() + ANSWER_STALE_DAYS * DAY_MS + 1);
  if (input.results) candidates.push(input.results.finishedAt.getTime() + STALE_AFTER_MS + 1);
  return new Date(Math.min(...candidates.filter((t) => t > now.getTime())));
}

export function assess(input: AssessmentInput): Assessment {
  const { now, customer, rules } = input;
  const zone = zoneOrUtc(customer.timezone);
  const catalog = catalogFor(rules, customer.planId);
  const resolved = resolveChecks({ automated: automatedNow(input), answers: input.answers, overrides: input.overrides, now, catalog });
  const score = computeScore(resolved, rules.scoring);
  const contribution = new Map(score.contributions.map((c) => [c.checkId, c]));
  const checks = resolved.map((r): AssessedCheck => {
    const c = contribution.get(r.checkId);
    return {
      checkId: r.checkId,
      origin: r.origin ?? "handbook",
      section: r.section,
      question: r.question,
      kind: r.kind,
      rule: r.rule,
      status: r.status,
      source: r.source,
      summary: r.summary,
      evidence: r.evidence,
      weight: c?.weight ?? 0,
      points: c?.points ?? 0,
      maxPoints: c?.maxPoints ?? 0,
      automated: r.automated ? { status: r.automated.status, summary: r.automated.summary } : null,
      answers: [...r.answers],
      // resolveChecks never puts a withdrawn answer in force.
      answer:
        r.answer && r.answer.answer !== "withdrawn"
          ? { answer: r.answer.answer, note: r.answer.note, by: r.answer.authorName, at: iso(r.answer.createdAt), stale: r.answerStale }
          : null,
      override:
        r.override && r.override.status !== "cleared"
          ? {
              status: r.override.status,
              reason: r.override.reason,
              by: r.override.authorName,
              at: iso(r.override.createdAt),
              expiresAt: r.override.expiresAt ? iso(r.override.expiresAt) : null,
              active: r.overrideActive,
            }
          : null,
    };
  });

  const usage = usageVsPlan({
    daily: input.usage.daily,
    measuredAt: input.usage.measuredAt,
    monthlyEvents: customer.monthlyEvents,
    anchorDay: customer.billingDay,
    timeZone: zone,
    now,
  });
  const plan = customer.planName && customer.monthlyEvents ? { name: customer.planName, monthlyEvents: customer.monthlyEvents } : null;
  const lastSuccess = input.results?.finishedAt ?? null;
  const stale = lastSuccess === null || now.getTime() - lastSuccess.getTime() > STALE_AFTER_MS;
  const planCheck = resolved.find((c) => c.checkId === "value.plan_usage_80")?.status;
  const flagged80 = usage.flagged80 || planCheck === "pass";
  const run = input.lastRun;
  const today = localDay(now, zone);
  const addedAt = customer.createdAt ?? null;

  return {
    customerId: customer.id,
    assessedAt: iso(now),
    validUntil: iso(validUntil(input, zone)),
    scoringVersion: rules.scoring.version,
    bands: rules.scoring.bands,
    score: score.score,
    band: score.band,
    coverage: score.coverage,
    sections: score.sections,
    failing: score.failing,
    unknown: score.unknown,
    checks,
    usage: { ...usage, plan },
    flagged80,
    flagged80AsOf: flagged80 && stale ? (usage.dataThrough ?? (lastSuccess ? localDay(lastSuccess, zone) : null)) : null,
    freshness: {
      lastRefresh: run ? { runId: run.id, at: iso(run.finishedAt), status: run.status, errors: run.errors, apiCalls: run.apiCalls } : null,
      lastSuccessAt: lastSuccess ? iso(lastSuccess) : null,
      dataThrough: usage.dataThrough,
      stale,
    },
    activity: activityOf(input.usage.daily, today),
    catchups: catchupStatus(input.catchups, today, addedAt ? localDay(addedAt, zone) : null),
    addedAt: addedAt ? iso(addedAt) : null,
    resultsRunId: input.results?.runId ?? null,
  };
}

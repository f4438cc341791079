import type { Assessment } from "../assessment/assess";
import type { Day } from "../days";
import type { Band } from "../scoring";
import type { AlertKind, AlertThresholds } from "./kinds";

/*
 * Alerts fire on a change, never on a state: the writer keeps each condition's last known value
 * with the current assessment (`AlertSignals`), and the next assessment raises an alert only
 * where a condition turns on. A condition that cannot be told this time (no score, no recent
 * data) keeps its last known value, so a gap neither raises nor re-arms anything. No previous
 * signals (a customer's first assessment) counts as "unknown": what holds then is raised.
 */

const DAY_MS = 86_400_000;
const SCORE_WINDOW_DAYS = 7;

type Condition = "usage80" | "usage100" | "scoreDrop" | "usageDrop" | "stale" | "catchupOverdue";

export type AlertSignals = {
  v: 1;
  at: string;
  scoringVersion: string;
  score: number | null;
  /** The highest score of each UTC day of the last 8, oldest first (score_drop's window). */
  highs: [string, number][];
  /** The last known band (a gap without a score keeps it). */
  band: Band | null;
  answers: Record<string, "yes" | "no" | "na">;
  failing: string[];
} & Record<Condition, boolean | null>;

/** What one alert says, with the numbers behind it; `kind` decides the rest. */
export type AlertFacts =
  | { kind: "usage_80" | "usage_100"; percent: number | null; projectedPercent: number | null; plan: string | null; periodEnd: Day | null }
  | { kind: "band_drop"; from: Band; to: Band; score: number | null; previousScore: number | null }
  | { kind: "score_drop"; from: number; to: number; newlyFailing: string[] }
  | { kind: "usage_drop"; last7Days: number | null; weeklyAverageBefore: number | null; quietDays: number | null; lastEventDay: Day | null }
  | { kind: "stale"; days: number; lastSuccessAt: string | null; lastError: string | null }
  | { kind: "catchup_overdue"; lastHeld: Day | null; addedAt: string | null }
  | { kind: "answer_no"; checkId: string; question: string; by: string; note: string };

export type Cleared = { kind: AlertKind; subject: string };

export type Transition = { raised: AlertFacts[]; cleared: Cleared[]; signals: AlertSignals };

export type TransitionContext = {
  /** The customer's daily scores before this assessment ([UTC day, score], oldest first). */
  sparkline: [string, number][];
  thresholds: AlertThresholds;
};

const BAND_RANK: Record<Band, number> = { poor: 0, concerning: 1, healthy: 2 };
const CONDITION_KIND: Record<Condition, AlertKind> = {
  usage80: "usage_80",
  usage100: "usage_100",
  scoreDrop: "score_drop",
  usageDrop: "usage_drop",
  stale: "stale",
  catchupOverdue: "catchup_overdue",
};

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/**
 * Daily highs of the last 8 UTC days before `at`: kept with the signals, because the stored
 * sparkline keeps each day's *last* score and would forget a peak earlier the same day. Before the
 * first signals, the sparkline is the best there is.
 */
function previousHighs(previous: AlertSignals | null, at: Date, sparkline: [string, number][]): [string, number][] {
  const since = utcDay(new Date(at.getTime() - SCORE_WINDOW_DAYS * DAY_MS));
  return (previous?.highs ?? sparkline).filter(([day]) => day >= since);
}

function withScore(highs: [string, number][], at: Date, score: number | null): [string, number][] {
  if (score === null) return highs;
  const day = utcDay(at);
  const today = highs.find(([d]) => d === day);
  return [...highs.filter(([d]) => d !== day), [day, Math.max(score, today?.[1] ?? score)]];
}

/**
 * Each condition as this assessment shows it (null: cannot be told). Reads optional fields
 * defensively: assessments stored before alerts existed lack some of them.
 */
export function observe(a: Assessment, previous: AlertSignals | null, context: TransitionContext) {
  const at = new Date(a.assessedAt);
  const highs = previousHighs(previous, at, context.sparkline);
  const peak = highs.length ? Math.max(...highs.map(([, score]) => score)) : null;
  const since = a.freshness.lastSuccessAt ?? a.addedAt ?? null;
  const staleDays = since ? (at.getTime() - new Date(since).getTime()) / DAY_MS : null;
  const answers: AlertSignals["answers"] = {};
  for (const c of a.checks) if (c.answer) answers[c.checkId] = c.answer.answer;
  const conditions: Record<Condition, boolean | null> = {
    usage80: a.flagged80,
    usage100: a.usage.over100 ?? null,
    scoreDrop: a.score === null ? null : peak !== null && peak - a.score >= context.thresholds.scoreDropPoints,
    usageDrop: a.activity?.dropped ?? null,
    stale: staleDays === null ? null : staleDays > context.thresholds.staleDays,
    catchupOverdue: a.catchups?.overdue ?? null,
  };
  const failing = a.checks.filter((c) => c.status === "fail").map((c) => c.checkId);
  return { conditions, peak, highs: withScore(highs, at, a.score), staleDays, answers, failing };
}

function factsFor(kind: AlertKind, a: Assessment, seen: ReturnType<typeof observe>, previous: AlertSignals | null): AlertFacts {
  switch (kind) {
    case "usage_80":
    case "usage_100":
      return {
        kind,
        percent: a.usage.percentOfQuota,
        projectedPercent: a.usage.projectedPercent,
        plan: a.usage.plan?.name ?? null,
        periodEnd: a.usage.period?.end ?? null,
      };
    case "score_drop": {
      const before = new Set(previous?.failing ?? []);
      return { kind, from: seen.peak ?? 0, to: a.score ?? 0, newlyFailing: seen.failing.filter((id) => !before.has(id)) };
    }
    case "usage_drop":
      return {
        kind,
        last7Days: a.activity.last7Days,
        weeklyAverageBefore: a.activity.weeklyAverageBefore,
        quietDays: a.activity.quietDays,
        lastEventDay: a.activity.lastEventDay,
      };
    case "stale": {
      const errors = a.freshness.lastRefresh?.status === "ok" ? [] : (a.freshness.lastRefresh?.errors ?? []);
      return {
        kind,
        days: Math.floor(seen.staleDays ?? 0),
        lastSuccessAt: a.freshness.lastSuccessAt,
        lastError: errors[0]?.message ?? null,
      };
    }
    case "catchup_overdue":
      return { kind, lastHeld: a.catchups.lastHeld, addedAt: a.addedAt };
    default:
      throw new Error(`${kind} is not a condition`);
  }
}

/** Compares the new assessment with the previous signals: the alerts to raise, those that cleared, and the signals to keep. */
export function transition(previous: AlertSignals | null, a: Assessment, context: TransitionContext): Transition {
  const seen = observe(a, previous, context);
  // New scoring rules move every score at once: that is no customer's drop, so the drops re-baseline silently.
  const rescored = previous !== null && previous.scoringVersion !== a.scoringVersion;
  const raised: AlertFacts[] = [];
  const cleared: Cleared[] = [];
  const kept = {} as Record<Condition, boolean | null>;
  for (const condition of Object.keys(CONDITION_KIND) as Condition[]) {
    const before = previous?.[condition] ?? null;
    const now = seen.conditions[condition];
    kept[condition] = now ?? before;
    const kind = CONDITION_KIND[condition];
    if (now === true && before !== true && !(rescored && condition === "scoreDrop")) raised.push(factsFor(kind, a, seen, previous));
    if (now === false && before === true) cleared.push({ kind, subject: "" });
  }

  const band = a.band ?? previous?.band ?? null;
  if (previous?.band && a.band && !rescored) {
    if (BAND_RANK[a.band] < BAND_RANK[previous.band]) {
      raised.push({ kind: "band_drop", from: previous.band, to: a.band, score: a.score, previousScore: previous.score });
    } else if (BAND_RANK[a.band] > BAND_RANK[previous.band]) cleared.push({ kind: "band_drop", subject: "" });
  }

  for (const [checkId, answer] of Object.entries(seen.answers)) {
    const before = previous?.answers[checkId];
    const check = a.checks.find((c) => c.checkId === checkId)!;
    if (answer === "no" && before === "yes") {
      raised.push({ kind: "answer_no", checkId, question: check.question, by: check.answer?.by ?? "", note: check.answer?.note ?? "" });
    }
    if (answer !== "no" && before === "no") cleared.push({ kind: "answer_no", subject: checkId });
  }

  return {
    raised,
    cleared,
    signals: {
      v: 1,
      at: a.assessedAt,
      scoringVersion: a.scoringVersion,
      score: a.score,
      highs: seen.highs,
      band,
      // Answers are never deleted, only superseded; a retired check's last answer is kept.
      answers: { ...previous?.answers, ...seen.answers },
      failing: seen.failing,
      ...kept,
    },
  };
}

/** The subject that tells apart alerts of one kind for one customer (the check of answer_no). */
export const subjectOf = (facts: AlertFacts) => (facts.kind === "answer_no" ? facts.checkId : "");

import { CATALOG } from "./catalog";
import {
  ANSWER_VALUES,
  type AnswerValue,
  type CheckDefinition,
  type CheckKind,
  type CheckOrigin,
  type CheckSource,
  type CheckStatus,
  type Evidence,
  type RuleInput,
  type Section,
} from "./types";

export type AutomatedResult = { checkId: string; status: CheckStatus; evidence: Evidence; summary: string };

export type ManualAnswerRecord = {
  checkId: string;
  /** `withdrawn`: the person took their answer back; the check is decided as if never answered. */
  answer: AnswerValue | "withdrawn";
  note: string;
  authorName: string;
  createdAt: Date;
};

export type OverrideRecord = {
  checkId: string;
  status: "pass" | "fail" | "na" | "cleared";
  reason: string;
  expiresAt: Date | null;
  authorName: string;
  createdAt: Date;
};

export type ResolvedCheck = {
  checkId: string;
  /** `handbook` when omitted. */
  origin?: CheckOrigin;
  section: Section;
  question: string;
  kind: CheckKind;
  rule: string;
  /** The answers the check takes (empty: PostHog or delight decides; disagree with an override). */
  answers: readonly AnswerValue[];
  status: CheckStatus;
  source: CheckSource;
  evidence: Evidence;
  summary: string;
  automated: AutomatedResult | null;
  /** The answer in force (never a withdrawn one), or null. */
  answer: ManualAnswerRecord | null;
  answerStale: boolean;
  /** Latest override row unless it was cleared; kept when expired so the page can say so. */
  override: OverrideRecord | null;
  overrideActive: boolean;
};

/** Answers older than this count as `unknown` (DESIGN: "older than 180 days is stale"). */
export const ANSWER_STALE_DAYS = 180;
const DAY_MS = 86_400_000;

/** The answers a check takes (see CheckDefinition.answers). */
export function answersFor(check: Pick<CheckDefinition, "kind" | "answers">): readonly AnswerValue[] {
  return check.answers ?? (check.kind === "manual" ? ANSWER_VALUES : []);
}

/** "If applicable" questions: PostHog decides yes or no, a person may say it does not apply. */
export const isIfApplicable = (check: Pick<CheckDefinition, "kind" | "answers">) =>
  check.kind === "automated" && answersFor(check).length === 1 && answersFor(check)[0] === "na";

/** Runs every automated check of `catalog` on one snapshot. */
export function evaluateAutomated(input: RuleInput, catalog: CheckDefinition[] = CATALOG): AutomatedResult[] {
  return catalog.flatMap((check) => {
    if (!check.evaluate) return [];
    try {
      return [{ checkId: check.id, ...check.evaluate(input) }];
    } catch (error) {
      // One rule tripping over odd data must not lose the other results of a refresh.
      const reason = error instanceof Error ? error.message : String(error);
      return [{ checkId: check.id, status: "unknown", evidence: { reason }, summary: `Rule error: ${reason}` }];
    }
  });
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const ANSWER_STATUS = { yes: "pass", no: "fail", na: "na" } as const;

function latest<T extends { checkId: string; createdAt: Date }>(rows: T[], checkId: string): T | null {
  let found: T | null = null;
  // `>=` so that of two rows with the same time the later one in the list wins.
  for (const r of rows) if (r.checkId === checkId && (!found || r.createdAt >= found.createdAt)) found = r;
  return found;
}

const answerEvidence = (a: ManualAnswerRecord): Evidence => ({
  answer: a.answer,
  answeredBy: a.authorName,
  answeredOn: day(a.createdAt),
});

type Decision = Pick<ResolvedCheck, "status" | "source" | "summary" | "answerStale">;
type InForce = ManualAnswerRecord & { answer: AnswerValue };

function fromAnswer(answer: InForce, now: Date): Decision {
  const stale = now.getTime() - answer.createdAt.getTime() > ANSWER_STALE_DAYS * DAY_MS;
  if (stale) {
    const from = `${day(answer.createdAt)} by ${answer.authorName}`;
    return {
      status: "unknown",
      source: "manual",
      answerStale: true,
      summary: `Answer "${answer.answer}" from ${from} is stale (older than ${ANSWER_STALE_DAYS} days)`,
    };
  }
  const note = answer.note ? `: ${answer.note}` : "";
  return {
    status: ANSWER_STATUS[answer.answer],
    source: "manual",
    answerStale: false,
    summary: `Answered "${answer.answer}" by ${answer.authorName} on ${day(answer.createdAt)}${note}`,
  };
}

/*
 * Every resolved check has the same fields in the same order, built in one literal: a refresh
 * resolves the whole catalogue for every customer, and layered spreads of partial objects were
 * most of evaluate's time in its profile.
 */
function resolved(
  check: CheckDefinition,
  automated: AutomatedResult | null,
  answer: InForce | null,
  override: OverrideRecord | null,
  overrideActive: boolean,
  evidence: Evidence,
  decision: Decision,
): ResolvedCheck {
  return {
    checkId: check.id,
    origin: check.origin ?? "handbook",
    section: check.section,
    question: check.question,
    kind: check.kind,
    rule: check.rule,
    answers: answersFor(check),
    automated,
    answer,
    override,
    overrideActive,
    evidence,
    status: decision.status,
    source: decision.source,
    answerStale: decision.answerStale,
    summary: decision.summary,
  };
}

function resolveOne(
  check: CheckDefinition,
  automated: AutomatedResult | null,
  refreshed: boolean,
  answer: InForce | null,
  override: OverrideRecord | null,
  now: Date,
): ResolvedCheck {
  if (check.kind === "manual") {
    const decided: Decision = answer
      ? fromAnswer(answer, now)
      : { status: "unknown", source: "manual", answerStale: false, summary: "Not answered yet" };
    return resolved(check, automated, answer, null, false, answer ? answerEvidence(answer) : {}, decided);
  }

  const autoSource = check.source ?? "posthog";
  const auto: AutomatedResult = automated ?? {
    checkId: check.id,
    status: "unknown",
    evidence: {},
    summary: refreshed ? "No result from the last refresh" : "Not refreshed yet",
  };
  const active = override !== null && (override.expiresAt === null || override.expiresAt > now);
  if (override && active && override.status !== "cleared") {
    return resolved(
      check,
      automated,
      answer,
      override,
      true,
      { ...auto.evidence, overrideStatus: override.status, overrideReason: override.reason },
      {
        status: override.status,
        source: "override",
        answerStale: false,
        summary: `Overridden to ${override.status} by ${override.authorName}: ${override.reason} (automated: ${auto.status}, ${auto.summary})`,
      },
    );
  }
  // "If applicable": a person saying it does not apply holds until withdrawn, whatever later
  // refreshes find, and is never stale (it is a fact about the customer, not a reading).
  if (answer?.answer === "na" && isIfApplicable(check)) {
    const note = answer.note ? `: ${answer.note}` : "";
    return resolved(
      check,
      automated,
      answer,
      override,
      false,
      { ...auto.evidence, ...answerEvidence(answer) },
      {
        status: "na",
        source: "manual",
        answerStale: false,
        summary: `Not applicable — ${answer.authorName} on ${day(answer.createdAt)}${note} (automated: ${auto.status}, ${auto.summary})`,
      },
    );
  }
  // An automated check that could not decide (the toolbar) falls back to a person's answer.
  if (auto.status === "unknown" && answer) {
    const decided = fromAnswer(answer, now);
    return resolved(
      check,
      automated,
      answer,
      override,
      false,
      { ...auto.evidence, ...answerEvidence(answer) },
      { ...decided, summary: `${decided.summary} (automated: ${auto.summary})` },
    );
  }
  return resolved(check, automated, answer, override, false, automated?.evidence ?? {}, {
    status: auto.status,
    source: autoSource,
    answerStale: false,
    summary: auto.summary,
  });
}

/**
 * The latest answer unless it was withdrawn or is one the check does not take (rows written
 * before the check stopped taking answers stay in history but decide nothing).
 */
function answerInForce(check: CheckDefinition, answer: ManualAnswerRecord | null): InForce | null {
  if (!answer || answer.answer === "withdrawn") return null;
  return answersFor(check).includes(answer.answer) ? (answer as InForce) : null;
}

/**
 * The status of every check: manual answers, overrides and the latest automated results combined
 * by DESIGN.md's rules. `automated: null` means the customer was never refreshed.
 */
export function resolveChecks(input: {
  automated: AutomatedResult[] | null;
  answers: ManualAnswerRecord[];
  overrides: OverrideRecord[];
  now: Date;
  catalog?: CheckDefinition[];
}): ResolvedCheck[] {
  const { automated, answers, overrides, now, catalog = CATALOG } = input;
  const results = new Map((automated ?? []).map((r) => [r.checkId, r]));
  return catalog.map((check) => {
    const override = latest(overrides, check.id);
    return resolveOne(
      check,
      results.get(check.id) ?? null,
      automated !== null,
      answerInForce(check, latest(answers, check.id)),
      override?.status === "cleared" ? null : override,
      now,
    );
  });
}

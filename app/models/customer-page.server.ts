import { asc, eq, sql } from "drizzle-orm";
import type { AssessedCheck, Assessment } from "../../checks/assessment/assess";
import { type Explanation, explain } from "../../checks/assessment/explain";
import { flag80Reason } from "../../checks/assessment/flag80";
import { answerRecordColumns, currentAssessment, overrideRecordColumns } from "../../checks/assessment/store";
import { type HealthSummary, healthSummary } from "../../checks/assessment/summary";
import { localDay } from "../../checks/days";
import type { ManualAnswerRecord, OverrideRecord } from "../../checks/evaluate";
import { CALL_LABELS, type CallName } from "../../checks/snapshot";
import { SECTIONS } from "../../checks/types";
import type { Db } from "../../db/client";
import { preparedPerDb } from "../../db/prepared";
import { manualAnswers, overrides } from "../../db/schema";
import { maskApiKey } from "../../db/secrets";
import { overdueCatchups } from "./catchup-overdue";
import { listCatchups } from "./catchups.server";
import { SECTION_LABELS, SOURCE_LABELS, scoreDelta } from "./customer-view";
import { type CustomerRecord, getCustomer, type PublicCustomer } from "./customers.server";
import { explanationView, WINDOW_LABELS, type WindowId, windowStarts } from "./explain-view";
import { assessedStamp, bandsByVersion, scoreAt, scoreHistory, stampAtEndOf, stampsByIds } from "./health-history.server";
import { historyChart } from "./history-chart";
import { usageView } from "./usage-view";

/*
 * View models for the customer page and the catch-up pack, built from the customer's stored
 * assessment. Every date is turned into text here, in UTC, so the server's HTML and the
 * browser's hydration render the same characters.
 */

const WINDOW_IDS: WindowId[] = ["refresh", "7d", "30d", "catchup"];
const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

export type HistoryItem = {
  /** Stable within one check's history (its list never reorders), for React. */
  key: string;
  kind: "answer" | "override" | "cleared";
  who: string;
  when: string;
  what: string;
  note: string;
};

function checkHistory(answers: ManualAnswerRecord[] = [], overrides: OverrideRecord[] = []): HistoryItem[] {
  const items = [
    ...answers.map((a) => ({
      at: a.createdAt,
      item: {
        kind: "answer" as const,
        who: a.authorName,
        when: stamp(a.createdAt),
        what: a.answer === "withdrawn" ? "Withdrew the answer" : `Answered "${a.answer}"`,
        note: a.note,
      },
    })),
    ...overrides.map((o) => ({
      at: o.createdAt,
      item:
        o.status === "cleared"
          ? { kind: "cleared" as const, who: o.authorName, when: stamp(o.createdAt), what: "Cleared the override", note: "" }
          : {
              kind: "override" as const,
              who: o.authorName,
              when: stamp(o.createdAt),
              what: `Overrode to ${o.status}${o.expiresAt ? ` until ${dayOf(o.expiresAt)}` : ""}`,
              note: o.reason,
            },
    })),
  ];
  return items.sort((a, b) => b.at.getTime() - a.at.getTime()).map((x, i) => ({ key: `${x.item.kind}-${i}`, ...x.item }));
}

function checkRow(c: AssessedCheck, assessment: Assessment, record: CheckRecords, now: Date) {
  const lastRun = assessment.freshness.lastRefresh;
  // After failed refreshes the automated results are the last good run's: date them by it, not by the failure.
  const checkedAt = lastRun?.status === "failed" ? assessment.freshness.lastSuccessAt : (lastRun?.at ?? null);
  const when =
    c.source === "override" && c.override
      ? `overridden ${c.override.at.slice(0, 10)}`
      : c.source === "manual" && c.answer
        ? `answered ${c.answer.at.slice(0, 10)}`
        : c.kind === "automated" && checkedAt
          ? `checked ${checkedAt.slice(0, 10)}`
          : null;
  const o = c.override;
  return {
    checkId: c.checkId,
    origin: c.origin,
    section: c.section,
    question: c.question,
    kind: c.kind,
    rule: c.rule,
    status: c.status,
    source: c.source,
    sourceLabel: SOURCE_LABELS[c.source],
    summary: c.summary,
    when,
    stale: c.answer?.stale ?? false,
    answers: c.answers,
    answerInForce: c.answer ? { answer: c.answer.answer, by: c.answer.by, on: c.answer.at.slice(0, 10) } : null,
    automated: c.kind === "automated" ? (c.automated ?? { status: "unknown" as const, summary: "Not refreshed yet" }) : null,
    override: o
      ? {
          status: o.status,
          reason: o.reason,
          by: o.by,
          on: o.at.slice(0, 10),
          expiresOn: o.expiresAt ? o.expiresAt.slice(0, 10) : null,
          active: o.active,
          expired: !o.active && o.expiresAt !== null && Date.parse(o.expiresAt) <= now.getTime(),
        }
      : null,
    history: checkHistory(record.answers.get(c.checkId), record.overrides.get(c.checkId)),
  };
}
export type CheckRowView = ReturnType<typeof checkRow>;

type CheckRecords = { answers: Map<string, ManualAnswerRecord[]>; overrides: Map<string, OverrideRecord[]> };

function byCheck<T extends { checkId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) out.set(row.checkId, [...(out.get(row.checkId) ?? []), row]);
  return out;
}

const answersOf = preparedPerDb((db) =>
  db
    .select(answerRecordColumns)
    .from(manualAnswers)
    .where(eq(manualAnswers.customerId, sql.placeholder("customerId")))
    .orderBy(asc(manualAnswers.createdAt), asc(manualAnswers.id))
    .prepare("answers_of_customer"),
);

const overridesOf = preparedPerDb((db) =>
  db
    .select(overrideRecordColumns)
    .from(overrides)
    .where(eq(overrides.customerId, sql.placeholder("customerId")))
    .orderBy(asc(overrides.createdAt), asc(overrides.id))
    .prepare("overrides_of_customer"),
);

/** Every answer and override of the customer, for the history under each check. */
async function checkRecords(db: Db, customerId: number): Promise<CheckRecords> {
  const [answers, overrideRows] = await Promise.all([answersOf(db).execute({ customerId }), overridesOf(db).execute({ customerId })]);
  return { answers: byCheck(answers), overrides: byCheck(overrideRows) };
}

export function headerOf(customer: PublicCustomer, now = new Date()) {
  const { apiKeyLast4, ...safe } = customer;
  // The day "renews in N days" counts from, decided once on the server so the browser agrees.
  return { customer: safe, maskedKey: maskApiKey(apiKeyLast4), today: now.toISOString().slice(0, 10) };
}

/**
 * Each kind of failure once, with every call it hit and the first call's words: a revoked key
 * fails all eight calls (members with its own wording of the same cause).
 */
function distinctErrors(errors: { call: string; kind: string; message: string }[]) {
  const byKind = new Map<string, { calls: string[]; message: string }>();
  for (const e of errors) {
    const seen = byKind.get(e.kind) ?? { calls: [], message: e.message };
    seen.calls.push(CALL_LABELS[e.call as CallName] ?? e.call);
    byKind.set(e.kind, seen);
  }
  return [...byKind.values()].map(({ calls, message }) => ({ call: calls.join(", "), message }));
}

export function lastRunView(assessment: Assessment) {
  const run = assessment.freshness.lastRefresh;
  if (!run) return null;
  return {
    status: run.status,
    when: stamp(new Date(run.at)),
    apiCalls: run.apiCalls,
    errors: distinctErrors(run.errors),
  };
}

export function scoreView(health: HealthSummary) {
  return {
    value: health.score,
    band: health.band,
    coverage: Math.round(health.coverage * 100),
    version: health.scoringVersion,
    failing: health.failing,
    unknown: health.unknown,
  };
}

/** The customer, its assessment valid now, its history, and why the score moved in each window: what the page and the pack start from. */
export async function loadCustomerHealth(db: Db, slug: string, now: Date) {
  const customer = await getCustomer(db, slug);
  return customer ? customerHealth(db, customer, now) : null;
}

/**
 * The same for a customer already read. The current assessment, the year of history, the
 * catch-ups and the bands are read side by side; when reading the assessment re-assessed the
 * customer (it had expired), its new score came after the history was read, which is read again.
 */
export async function customerHealth(db: Db, customer: CustomerRecord, now: Date) {
  const [current, firstHistory, catchupRows, bands] = await Promise.all([
    currentAssessment(db, customer.id, now),
    scoreHistory(db, customer.id, now),
    listCatchups(db, customer.id),
    bandsByVersion(db),
  ]);
  if (!current) return null;
  const history = firstHistory.some((s) => s.id === current.scoreId) ? firstHistory : await scoreHistory(db, customer.id, now);
  // Newest first: the first held one is the last catch-up held.
  const held = catchupRows.find((c) => c.status === "held");
  const { assessment } = current;
  const starts = windowStarts(history, current.scoreId, now, held?.date ?? null);
  const stamps = await stampsByIds(db, customer.id, [...new Set(Object.values(starts).flatMap((s) => (s ? [s.id] : [])))]);
  // A catch-up held before the year of history the page reads.
  if (held && !starts.catchup) {
    const older = await stampAtEndOf(db, customer.id, held.date);
    if (older && older.id !== current.scoreId) {
      stamps.set(older.id, older);
      starts.catchup = { id: older.id, basis: `since the catch-up on ${held.date}` };
    }
  }
  const nowStamp = assessedStamp(assessment);
  const moves = Object.fromEntries(
    WINDOW_IDS.map((id) => {
      const start = starts[id];
      const then = start ? stamps.get(start.id) : undefined;
      return [
        id,
        start && then ? { basis: start.basis, explanation: explain({ ...then, bands: bands.get(then.version) }, nowStamp) } : null,
      ];
    }),
  ) as Record<WindowId, { basis: string; explanation: Explanation } | null>;
  const atCatchup = moves.catchup?.explanation.from ?? null;
  return {
    customer,
    assessment,
    catchupRows,
    health: healthSummary(assessment),
    history,
    bands,
    moves,
    weekAgo: scoreAt(history, new Date(now.getTime() - 7 * 86_400_000)),
    lastCatchup: held ? { date: held.date, score: atCatchup?.score ?? null, version: atCatchup?.version ?? null } : null,
  };
}

/** A window's explanation in words, or null when the window has no earlier assessment. */
export function moveView(move: { basis: string; explanation: Explanation } | null, checks: AssessedCheck[]) {
  if (!move) return null;
  const byId = new Map(checks.map((c) => [c.checkId, c]));
  return {
    basis: move.basis,
    ...explanationView(
      move.explanation,
      (id) => byId.get(id)?.question ?? id,
      (id) => byId.get(id)?.summary ?? "",
    ),
  };
}
export type MoveView = NonNullable<ReturnType<typeof moveView>>;

/** A score movement, with the versions named when the two scores were computed under different rules. */
export function deltaAcross(then: { score: number | null; version: string | null }, health: HealthSummary) {
  return {
    delta: scoreDelta(then.score, health.score),
    versions: then.version && then.version !== health.scoringVersion ? `scoring v${then.version} → v${health.scoringVersion}` : null,
  };
}

/** Everything `/customers/:slug` shows, or null for an unknown slug. */
export async function customerPageData(db: Db, slug: string, now = new Date()) {
  const customer = await getCustomer(db, slug);
  return customer ? customerPageOf(db, customer, now) : null;
}

/** The customer page of a customer already read: its health and the checks' records side by side. */
export async function customerPageOf(db: Db, customer: CustomerRecord, now = new Date()) {
  const [loaded, records] = await Promise.all([customerHealth(db, customer, now), checkRecords(db, customer.id)]);
  if (!loaded) return null;
  const { assessment, health, history, weekAgo, lastCatchup, catchupRows } = loaded;
  const today = localDay(now, customer.timezone);
  const rows = assessment.checks.map((c) => checkRow(c, assessment, records, now));
  return {
    ...headerOf(customer),
    health,
    score: scoreView(health),
    flagged80: health.flagged80,
    flagged80AsOf: health.flagged80AsOf,
    flagged80Because: flag80Reason(health.flagged80Why),
    sinceWeek: weekAgo
      ? { on: dayOf(weekAgo.computedAt), ...deltaAcross({ score: weekAgo.score, version: weekAgo.scoringVersion }, health) }
      : null,
    sinceCatchup: lastCatchup ? { on: lastCatchup.date, ...deltaAcross(lastCatchup, health) } : null,
    moves: WINDOW_IDS.map((id) => ({
      id,
      label: WINDOW_LABELS[id],
      view: moveView(loaded.moves[id], assessment.checks),
      empty:
        id !== "catchup"
          ? "No earlier score in this window."
          : lastCatchup
            ? `No score was stored by the catch-up on ${lastCatchup.date}.`
            : "No catch-up held yet.",
    })),
    historyChart: historyChart(history, loaded.bands),
    checklist: SECTIONS.map((section) => {
      const checks = rows.filter((r) => r.section === section);
      const sectionScore = assessment.sections[section];
      return {
        section,
        label: SECTION_LABELS[section],
        score: sectionScore.score,
        coverage: Math.round(sectionScore.coverage * 100),
        passing: checks.filter((c) => c.status === "pass").length,
        total: checks.filter((c) => c.status !== "na").length,
        checks,
      };
    }),
    usage: usageView(assessment.usage, assessment.usage.plan, health),
    lastRun: lastRunView(assessment),
    overdueCatchups: overdueCatchups(catchupRows, today).map((c) => ({ id: c.id, date: c.date, attendees: c.attendees })),
  };
}
export type CustomerPageData = NonNullable<Awaited<ReturnType<typeof customerPageOf>>>;

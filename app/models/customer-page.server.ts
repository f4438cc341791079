import type { ManualAnswerRecord, OverrideRecord, ResolvedCheck } from "../../checks/evaluate";
import { type CustomerHealth, loadCustomerHealth } from "../../checks/health";
import { CALL_LABELS, type CallName } from "../../checks/snapshot";
import { SECTIONS } from "../../checks/types";
import type { Db } from "../../db/client";
import { maskApiKey } from "../../db/secrets";
import { overdueCatchups } from "./catchup-overdue";
import { customerToday, listCatchups } from "./catchups.server";
import { describeChange, SECTION_LABELS, SOURCE_LABELS, scoreDelta } from "./customer-view";
import { getCustomer, type PublicCustomer } from "./customers.server";
import { usageView } from "./usage-view";

/*
 * View models for the customer page and the catch-up pack. Every date is turned into text here,
 * in UTC, so the server's HTML and the browser's hydration render the same characters.
 */

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

function checkRow(r: ResolvedCheck, health: CustomerHealth, now: Date) {
  const lastRunDay = health.lastRun ? dayOf(health.lastRun.finishedAt) : null;
  const when =
    r.source === "override" && r.override
      ? `overridden ${dayOf(r.override.createdAt)}`
      : r.source === "manual" && r.answer
        ? `answered ${dayOf(r.answer.createdAt)}`
        : r.kind === "automated" && lastRunDay
          ? `checked ${lastRunDay}`
          : null;
  const o = r.override;
  return {
    checkId: r.checkId,
    origin: r.origin ?? "handbook",
    section: r.section,
    question: r.question,
    kind: r.kind,
    rule: r.rule,
    status: r.status,
    source: r.source,
    sourceLabel: SOURCE_LABELS[r.source],
    summary: r.summary,
    when,
    stale: r.answerStale,
    answers: [...r.answers],
    answerInForce: r.answer ? { answer: r.answer.answer, by: r.answer.authorName, on: dayOf(r.answer.createdAt) } : null,
    automated:
      r.kind === "automated" ? { status: r.automated?.status ?? "unknown", summary: r.automated?.summary ?? "Not refreshed yet" } : null,
    override: o
      ? {
          status: o.status,
          reason: o.reason,
          by: o.authorName,
          on: dayOf(o.createdAt),
          expiresOn: o.expiresAt ? dayOf(o.expiresAt) : null,
          active: r.overrideActive,
          expired: !r.overrideActive && o.expiresAt !== null && o.expiresAt <= now,
        }
      : null,
    history: checkHistory(health.answers[r.checkId], health.overrides[r.checkId]),
  };
}
export type CheckRowView = ReturnType<typeof checkRow>;

function historyChart(health: CustomerHealth) {
  const points = health.history.map((s) => ({
    t: s.computedAt.getTime(),
    date: dayOf(s.computedAt),
    score: s.score,
    version: s.scoringVersion,
  }));
  const marks = points.flatMap((p, i) =>
    i > 0 && points[i - 1]!.version !== p.version ? [{ t: p.t, label: `scoring v${p.version}` }] : [],
  );
  return { points, marks };
}

export function headerOf(customer: PublicCustomer) {
  const { apiKeyLast4, ...safe } = customer;
  return { customer: safe, maskedKey: maskApiKey(apiKeyLast4) };
}

export function planOf(customer: PublicCustomer) {
  return customer.planName && customer.planMonthlyEvents ? { name: customer.planName, monthlyEvents: customer.planMonthlyEvents } : null;
}

export function lastRunView(health: CustomerHealth) {
  const run = health.lastRun;
  if (!run) return null;
  return {
    status: run.status,
    when: stamp(run.finishedAt),
    apiCalls: run.apiCalls,
    errors: run.errors.map((e) => ({ call: CALL_LABELS[e.call as CallName] ?? e.call, message: e.message })),
  };
}

export function scoreView(health: CustomerHealth) {
  const { score } = health.current;
  return {
    value: score.score,
    band: score.band,
    coverage: Math.round(score.coverage * 100),
    version: score.version,
    failing: score.failing,
    unknown: score.unknown,
  };
}

export function changesView(changes: CustomerHealth["changes"], resolved: ResolvedCheck[]) {
  const byId = new Map(resolved.map((r) => [r.checkId, r]));
  return changes.map((c) => ({
    checkId: c.checkId,
    question: byId.get(c.checkId)?.question ?? c.checkId,
    text: describeChange(c),
    why: byId.get(c.checkId)?.summary ?? "",
    effect: c.scoreEffect,
  }));
}

/** Everything `/customers/:slug` shows, or null for an unknown slug. */
export async function customerPageData(db: Db, slug: string, now = new Date()) {
  const customer = await getCustomer(db, slug);
  if (!customer) return null;
  const [health, catchups, today] = await Promise.all([
    loadCustomerHealth(db, customer.id, now),
    listCatchups(db, customer.id),
    customerToday(db, customer.id, now),
  ]);
  const current = health.current.score.score;
  const rows = health.current.resolved.map((r) => checkRow(r, health, now));
  return {
    ...headerOf(customer),
    score: scoreView(health),
    flagged80: health.current.flagged80,
    sinceWeek: health.weekAgo ? { on: dayOf(health.weekAgo.computedAt), delta: scoreDelta(health.weekAgo.score, current) } : null,
    sinceCatchup: health.lastCatchup ? { on: health.lastCatchup.date, delta: scoreDelta(health.lastCatchup.score?.score, current) } : null,
    changes: changesView(health.changes, health.current.resolved),
    historyChart: historyChart(health),
    checklist: SECTIONS.map((section) => {
      const checks = rows.filter((r) => r.section === section);
      const sectionScore = health.current.score.sections[section];
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
    usage: usageView(health.current.usage, planOf(customer)),
    lastRun: lastRunView(health),
    overdueCatchups: overdueCatchups(catchups, today).map((c) => ({ id: c.id, date: c.date, attendees: c.attendees })),
  };
}
export type CustomerPageData = NonNullable<Awaited<ReturnType<typeof customerPageData>>>;

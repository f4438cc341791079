import type { Cause, CheckLine, Explanation } from "../../checks/assessment/explain";
import { STATUS_WORDS, scoreDelta } from "./customer-view";

/*
 * "What changed" in plain words: the windows the customer page offers, which stored assessment
 * each starts from, and each explanation line as a sentence with its points. Pure, so the page
 * and the catch-up pack word a move the same way.
 */

export type WindowId = "refresh" | "7d" | "30d" | "catchup";
export const WINDOW_LABELS: Record<WindowId, string> = {
  refresh: "Last refresh",
  "7d": "7 days",
  "30d": "30 days",
  catchup: "Since the catch-up",
};

type Scored = { id: number; computedAt: Date; score: number | null; reason: string };

const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The stored assessment each window compares the current one with, and how to say it. `history`
 * is oldest first and ends with the current assessment `currentId`.
 */
export function windowStarts(
  history: Scored[],
  currentId: number,
  now: Date,
  heldOn: string | null,
): Record<WindowId, { id: number; basis: string } | null> {
  const earlier = history.filter((h) => h.id !== currentId);
  const inForceAt = (t: number) => earlier.filter((h) => h.computedAt.getTime() <= t).at(-1) ?? null;
  let lastRefresh = -1;
  history.forEach((h, i) => {
    if (h.reason === "refresh") lastRefresh = i;
  });
  const beforeRefresh = lastRefresh > 0 ? history[lastRefresh - 1]! : null;
  const daysBack = (days: number) => {
    const at = inForceAt(now.getTime() - days * 86_400_000);
    if (at) return { id: at.id, basis: `since ${dayOf(at.computedAt)}` };
    // A customer younger than the window: from its first score.
    const first = earlier.find((h) => h.score !== null);
    return first ? { id: first.id, basis: `since the first score on ${dayOf(first.computedAt)}` } : null;
  };
  const held = heldOn ? inForceAt(Date.parse(`${heldOn}T23:59:59.999Z`)) : null;
  return {
    refresh:
      beforeRefresh && beforeRefresh.id !== currentId
        ? { id: beforeRefresh.id, basis: `since just before the refresh of ${stamp(history[lastRefresh]!.computedAt)}` }
        : null,
    "7d": daysBack(7),
    "30d": daysBack(30),
    catchup: held && heldOn ? { id: held.id, basis: `since the catch-up on ${heldOn}` } : null,
  };
}

const signed = (n: number) => `${n > 0 ? "+" : n < 0 ? "−" : "±"}${Math.abs(n)}`;
const word = (s: CheckLine["from"]) => (s === null ? "not scored" : STATUS_WORDS[s]);
const moved = (l: CheckLine) => (l.from === l.to ? `stays ${word(l.to)}` : `now ${word(l.to)} (was ${word(l.from)})`);

export const CAUSE_LABELS: Record<Cause, string> = {
  data: "PostHog data",
  records: "delight's records",
  answer: "answer",
  "answer-stale": "answer went stale",
  "override-set": "override set",
  "override-expired": "override expired",
  "override-cleared": "override cleared",
  "check-added": "check added",
  "check-retired": "check retired",
  plan: "plan changed",
};

/** One line as a sentence, e.g. "override expired: now failing (was passing)". */
export function describeLine(l: CheckLine): string {
  if (l.cause === "check-added") return `added to the checklist: ${word(l.to)}`;
  if (l.cause === "check-retired") return `no longer scored (was ${word(l.from)})`;
  return `${CAUSE_LABELS[l.cause]}: ${moved(l)}`;
}

export function describeScoring(s: NonNullable<Explanation["scoring"]>): string {
  const what = s.from === s.to ? `Weights changed within scoring v${s.to}` : `Scoring changed from v${s.from} to v${s.to}`;
  const bands = s.bands
    ? ` (bands ${s.bands.from.healthy}/${s.bands.from.concerning} → ${s.bands.to.healthy}/${s.bands.to.concerning})`
    : "";
  const points = s.points === null ? "" : s.points === 0 ? ": no points of this move" : `: ${signed(s.points)} points of this move`;
  return `${what}${bands}${points}`;
}

export type ExplanationItem = { key: string; checkId: string | null; question: string; text: string; points: number | null; why: string };

/** An explanation as the page and the pack list it: the rules first, then checks by points moved. */
export function explanationView(e: Explanation, questionOf: (checkId: string) => string, whyOf: (checkId: string) => string = () => "") {
  const items: ExplanationItem[] = [
    ...(e.plan
      ? [
          {
            key: "plan",
            checkId: null,
            question: "Plan",
            text: `changed from ${e.plan.from ?? "none"} to ${e.plan.to ?? "none"}`,
            points: null,
            why: "",
          },
        ]
      : []),
    ...e.lines.map((l) => ({
      key: l.checkId,
      checkId: l.checkId,
      question: questionOf(l.checkId),
      text: describeLine(l),
      points: l.points,
      why: whyOf(l.checkId),
    })),
    ...(e.rounding !== 0
      ? [
          {
            key: "rest",
            checkId: null,
            question: e.detailed ? "Rounding" : "Not broken down",
            text: e.detailed ? "tenths left over by rounding" : "the earlier score was stored without per-check detail",
            points: e.rounding,
            why: "",
          },
        ]
      : []),
  ];
  return {
    from: { score: e.from.score, version: e.from.version, at: stamp(new Date(e.from.at)) },
    delta: scoreDelta(e.from.score, e.to.score),
    scoring: e.scoring ? describeScoring(e.scoring) : null,
    items,
  };
}
export type ExplanationView = ReturnType<typeof explanationView>;

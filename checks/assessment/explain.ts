import { isDecided } from "../scoring";
import type { CheckStatus, Section } from "../types";
import type { StoredContribution } from "./contributions";

/*
 * Why a score moved between two stored assessments, with the points each cause contributed.
 *
 * A score is 100·P/D (points passed over points decided). Moving from state A to state B changes
 * it by exactly Σᵢ 100·(ΔPᵢ − s_A·ΔDᵢ) / D_B, where s_A = P_A/D_A: a sum of one term per check,
 * whatever the order the changes happened in. A move across scoring versions goes in two such
 * steps: first the old statuses under the new weights (the "rule change"), then each check's
 * status change under the new weights. The terms add up to the exact difference; rounding to
 * tenths is then settled so the lines shown add up to the difference of the stored scores.
 */

/** One stored assessment as the explanation reads it. */
export type Stamp = {
  at: string;
  score: number | null;
  /** Share of the total weight decided (0–1), when known. */
  coverage?: number;
  version: string;
  /** Bands of `version` when known (a band change moves no points but is said). */
  bands?: { healthy: number; concerning: number } | null;
  /** The plan's name; undefined when not recorded (rows stored before plans were). */
  plan?: string | null;
  contributions: StoredContribution[];
};

export type Cause =
  | "data" // a refresh read different data from PostHog
  | "records" // delight's own records: a catch-up, the plan's quota
  | "answer"
  | "answer-stale"
  | "override-set"
  | "override-expired"
  | "override-cleared"
  | "check-added" // a team check added, an extra switched on
  | "check-retired"
  | "plan";

export type CheckLine = {
  checkId: string;
  section: Section;
  cause: Cause;
  from: CheckStatus | null;
  to: CheckStatus | null;
  /** Points of the move this line accounts for; null when either side has no score. */
  points: number | null;
};

type Side = { at: string; score: number | null; coverage: number | null; version: string };

export type Explanation = {
  from: Side;
  to: Side;
  /** to.score − from.score; null when either is missing. */
  delta: number | null;
  /** Set when the two sides were scored under different versions, with the points the rules alone moved. */
  scoring: {
    from: string;
    to: string;
    points: number | null;
    bands: { from: { healthy: number; concerning: number }; to: { healthy: number; concerning: number } } | null;
  } | null;
  plan: { from: string | null; to: string | null } | null;
  lines: CheckLine[];
  /** Points left by rounding to tenths that no line could take; 0 almost always. */
  rounding: number;
  /** False when the earlier assessment was stored without its per-check detail (imported history). */
  detailed: boolean;
};

type Entry = { p: number; d: number; status: CheckStatus };
const round1 = (n: number) => Math.round(n * 10) / 10;
const entry = (status: CheckStatus, weight: number): Entry => ({
  status,
  p: status === "pass" ? weight : 0,
  d: isDecided(status) ? weight : 0,
});
const totals = (entries: Iterable<Entry>) => {
  let p = 0;
  let d = 0;
  for (const e of entries) {
    p += e.p;
    d += e.d;
  }
  return { p, d };
};

/** Each check's share of the move from `a` to `b` (see the comment at the top), in points. */
function shares(a: Map<string, Entry>, b: Map<string, Entry>): Map<string, number> {
  const ta = totals(a.values());
  const tb = totals(b.values());
  const sa = ta.p / ta.d;
  const out = new Map<string, number>();
  for (const id of new Set([...a.keys(), ...b.keys()])) {
    const dp = (b.get(id)?.p ?? 0) - (a.get(id)?.p ?? 0);
    const dd = (b.get(id)?.d ?? 0) - (a.get(id)?.d ?? 0);
    out.set(id, (100 * (dp - sa * dd)) / tb.d);
  }
  return out;
}

function causeOf(before: StoredContribution | undefined, after: StoredContribution | undefined, planChanged: boolean): Cause {
  if (!before) return planChanged && after?.origin === "custom" ? "plan" : "check-added";
  if (!after) return planChanged && before.origin === "custom" ? "plan" : "check-retired";
  const wasOverridden = before.override?.active ?? before.source === "override";
  const isOverridden = after.override?.active ?? after.source === "override";
  if (isOverridden && (!wasOverridden || before.override?.status !== after.override?.status)) return "override-set";
  if (wasOverridden && !isOverridden) return after.override && !after.override.active ? "override-expired" : "override-cleared";
  if (after.source === "manual" || before.source === "manual") {
    return after.answer?.stale && !before.answer?.stale ? "answer-stale" : "answer";
  }
  if (planChanged && before.checkId === "value.plan_usage_80") return "plan";
  if (after.source === "delight") return "records";
  return "data";
}

/** Whether a check line belongs in the explanation even though it moved no points. */
function worthSaying(before: StoredContribution | undefined, after: StoredContribution | undefined, cause: Cause): boolean {
  if (!before || !after) return true;
  if (before.status !== after.status) return true;
  return cause === "override-set" || cause === "override-expired" || cause === "override-cleared";
}

/**
 * Tenths for each exact share so that they add up to `target` exactly: each share is rounded,
 * and what rounding left over goes, a tenth at a time, to the shares that rounding moved most.
 */
function settle(exact: number[], target: number): { rounded: number[]; rest: number } {
  const tenths = exact.map((x) => Math.round(x * 10));
  let left = Math.round(target * 10) - tenths.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, gap: x * 10 - tenths[i]! })).filter((x) => x.gap !== 0 || exact[x.i] !== 0);
  const used = new Set<number>();
  while (left !== 0) {
    const step = Math.sign(left);
    const best = order.filter((o) => !used.has(o.i)).sort((a, b) => step * (b.gap - a.gap))[0];
    if (!best) break;
    used.add(best.i);
    tenths[best.i]! += step;
    left -= step;
  }
  return { rounded: tenths.map((t) => t / 10), rest: left / 10 };
}

/** Why the score moved from `before` to `after`; lines add up to `delta` exactly (in tenths). */
export function explain(before: Stamp, after: Stamp): Explanation {
  const delta = before.score !== null && after.score !== null ? round1(after.score - before.score) : null;
  const bandsDiffer =
    before.bands && after.bands && (before.bands.healthy !== after.bands.healthy || before.bands.concerning !== after.bands.concerning);
  const versionChanged = before.version !== after.version;
  const planChanged = before.plan !== undefined && after.plan !== undefined && before.plan !== after.plan;
  const base = {
    from: { at: before.at, score: before.score, coverage: before.coverage ?? null, version: before.version },
    to: { at: after.at, score: after.score, coverage: after.coverage ?? null, version: after.version },
    delta,
    plan: planChanged ? { from: before.plan ?? null, to: after.plan ?? null } : null,
  };
  const scoringLine = (points: number | null) =>
    versionChanged || bandsDiffer
      ? {
          from: before.version,
          to: after.version,
          points,
          bands: bandsDiffer ? { from: before.bands!, to: after.bands! } : null,
        }
      : null;

  // History stored without per-check detail (imported or synthetic) cannot be taken apart.
  if (before.contributions.length === 0) {
    return { ...base, scoring: scoringLine(null), lines: [], rounding: delta ?? 0, detailed: false };
  }

  const b = new Map(before.contributions.map((c) => [c.checkId, c]));
  const a = new Map(after.contributions.map((c) => [c.checkId, c]));
  const ids = [...new Set([...b.keys(), ...a.keys()])];
  const start = new Map([...b].map(([id, c]) => [id, entry(c.status, c.weight)]));
  // The old statuses under the new weights (a check gone from the new side keeps its weight: its
  // leaving is its own line, not the rules').
  const middle = new Map([...b].map(([id, c]) => [id, entry(c.status, a.get(id)?.weight ?? c.weight)]));
  const end = new Map([...a].map(([id, c]) => [id, entry(c.status, c.weight)]));

  const candidates = ids.flatMap((id) => {
    const cause = causeOf(b.get(id), a.get(id), planChanged);
    return worthSaying(b.get(id), a.get(id), cause) ? [{ id, cause }] : [];
  });
  const lineOf = (id: string, cause: Cause, points: number | null): CheckLine => ({
    checkId: id,
    section: (a.get(id) ?? b.get(id))!.section,
    cause,
    from: b.get(id)?.status ?? null,
    to: a.get(id)?.status ?? null,
    points,
  });

  const d0 = totals(start.values()).d;
  const dm = totals(middle.values()).d;
  const d1 = totals(end.values()).d;
  if (delta === null || d0 === 0 || d1 === 0) {
    return { ...base, scoring: scoringLine(null), lines: candidates.map((c) => lineOf(c.id, c.cause, null)), rounding: 0, detailed: true };
  }

  // The rules' share: old statuses re-weighed. When the new weights decide nothing of the old
  // statuses (every decided check weighed 0) there is no middle score: one step, weights and all.
  const twoSteps = dm > 0;
  const ruleExact = twoSteps ? [...shares(start, middle).values()].reduce((x, y) => x + y, 0) : 0;
  const perCheck = shares(twoSteps ? middle : start, end);
  const said = new Set(candidates.map((c) => c.id));
  // In one step a check whose weight alone changed moves points that belong to the rules.
  const ruleRest = twoSteps ? 0 : ids.filter((id) => !said.has(id)).reduce((x, id) => x + perCheck.get(id)!, 0);
  const hasRuleLine = versionChanged || bandsDiffer || Math.abs(ruleExact + ruleRest) > 1e-9;
  const exact = [...(hasRuleLine ? [ruleExact + ruleRest] : []), ...candidates.map((c) => perCheck.get(c.id)!)];
  const { rounded, rest } = settle(exact, delta);
  const rulePoints = hasRuleLine ? rounded.shift()! : null;
  const lines = candidates
    .map((c, i) => lineOf(c.id, c.cause, rounded[i]!))
    .sort((x, y) => Math.abs(y.points ?? 0) - Math.abs(x.points ?? 0) || x.checkId.localeCompare(y.checkId));
  const scoring =
    scoringLine(rulePoints) ??
    // Weights moved within one version (should not happen, but the points must land somewhere).
    (rulePoints !== null ? { from: before.version, to: after.version, points: rulePoints, bands: null } : null);
  return { ...base, scoring, lines, rounding: rest, detailed: true };
}

/** The sum of every line: equals `delta` (tests hold the explanation to this). */
export function explainedPoints(e: Explanation): number {
  const lines = e.lines.reduce((s, l) => s + (l.points ?? 0), 0);
  return round1(lines + (e.scoring?.points ?? 0) + e.rounding);
}

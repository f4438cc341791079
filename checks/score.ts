import type { ResolvedCheck } from "./evaluate";
import { type Band, bandFor, DEFAULT_SCORING, isDecided, type ScoringConfig } from "./scoring";
import { type CheckStatus, SECTIONS, type Section } from "./types";

export type Contribution = {
  checkId: string;
  section: Section;
  weight: number;
  status: CheckStatus;
  /** `weight` when passed, else 0. */
  points: number;
  /** `weight` when decided (pass or fail), else 0: na and unknown leave the denominator. */
  maxPoints: number;
};

export type HealthScore = {
  score: number | null;
  band: Band | null;
  coverage: number;
  sections: Record<Section, { score: number | null; coverage: number }>;
  contributions: Contribution[];
  failing: number;
  unknown: number;
  version: string;
};

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round1 = (n: number) => Math.round(n * 10) / 10;

function summarise(contributions: Contribution[]): { score: number | null; coverage: number } {
  const total = sum(contributions.map((c) => c.weight));
  const decided = sum(contributions.map((c) => c.maxPoints));
  const passed = sum(contributions.map((c) => c.points));
  // Nothing decided is "no score", not 0: a never-refreshed customer is not a failing one.
  return {
    score: decided > 0 ? round1((100 * passed) / decided) : null,
    coverage: total > 0 ? decided / total : 0,
  };
}

/** DESIGN.md "Health score". Checks without a weight in `config` take no part. */
export function computeScore(resolved: ResolvedCheck[], config: ScoringConfig = DEFAULT_SCORING): HealthScore {
  const contributions = resolved.map((r): Contribution => {
    const weight = config.weights[r.checkId] ?? 0;
    return {
      checkId: r.checkId,
      section: r.section,
      weight,
      status: r.status,
      points: r.status === "pass" ? weight : 0,
      maxPoints: isDecided(r.status) ? weight : 0,
    };
  });
  const overall = summarise(contributions);
  const sections = Object.fromEntries(
    SECTIONS.map((s) => [s, summarise(contributions.filter((c) => c.section === s))]),
  ) as HealthScore["sections"];
  return {
    ...overall,
    // Banded on the rounded score so the number shown and its band always agree.
    band: bandFor(overall.score, config),
    sections,
    contributions,
    failing: resolved.filter((r) => r.status === "fail").length,
    unknown: resolved.filter((r) => r.status === "unknown").length,
    version: config.version,
  };
}

export type ScoreChange = {
  checkId: string;
  section: Section;
  /** Null when the check was not part of that score. */
  from: CheckStatus | null;
  to: CheckStatus | null;
  pointsBefore: number;
  pointsAfter: number;
  maxPointsBefore: number;
  maxPointsAfter: number;
  /** How far this change alone moves the previous score; null when either side has no score. */
  scoreEffect: number | null;
};

/** Checks whose status changed since `previous`, biggest effect on the score first. */
export function explainChange(previous: HealthScore | null, current: HealthScore): ScoreChange[] {
  // A score stored without its per-check breakdown (e.g. the demo's synthetic history) cannot be
  // compared check by check; reading it as "nothing was scored" would credit every check.
  if (!previous || previous.contributions.length === 0) return [];
  // Before anything was decided (a customer never refreshed) there is nothing to compare with:
  // every decided check would read as a change.
  if (previous.score === null) return [];
  const before = new Map(previous.contributions.map((c) => [c.checkId, c]));
  const after = new Map(current.contributions.map((c) => [c.checkId, c]));
  const ids = [...new Set([...before.keys(), ...after.keys()])];
  const changes = ids.flatMap((id): ScoreChange[] => {
    const b = before.get(id);
    const a = after.get(id);
    if (b?.status === a?.status) return [];
    // Replays the previous score with only this check moved, so effects are comparable.
    const replay = summarise([...previous.contributions.filter((c) => c.checkId !== id), ...(a ? [a] : [])]).score;
    return [
      {
        checkId: id,
        section: (a ?? b)!.section,
        from: b?.status ?? null,
        to: a?.status ?? null,
        pointsBefore: b?.points ?? 0,
        pointsAfter: a?.points ?? 0,
        maxPointsBefore: b?.maxPoints ?? 0,
        maxPointsAfter: a?.maxPoints ?? 0,
        scoreEffect: replay === null || previous.score === null ? null : round1(replay - previous.score),
      },
    ];
  });
  return changes.sort((x, y) => Math.abs(y.scoreEffect ?? 0) - Math.abs(x.scoreEffect ?? 0) || x.checkId.localeCompare(y.checkId));
}

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

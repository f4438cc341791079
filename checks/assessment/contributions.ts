import type { Contribution } from "../score";
import type { AnswerValue, CheckOrigin, CheckSource } from "../types";
import type { Assessment } from "./assess";

/**
 * What each check contributed to one assessment, as stored with it in health_scores.contributions:
 * enough to explain any later move without the whole assessment. Rows written before the markers
 * existed lack the optional fields; the explanation then falls back to `source`.
 */
export type StoredContribution = Contribution & {
  source?: CheckSource;
  /** Only when not a handbook check (an extra switched on, a team check). */
  origin?: Exclude<CheckOrigin, "handbook">;
  /** The newest override unless cleared, kept when lapsed so a later move can say it expired. */
  override?: { status: "pass" | "fail" | "na"; expiresAt: string | null; active: boolean };
  /** The answer in force. */
  answer?: { answer: AnswerValue; stale: boolean };
};

/** The per-check record stored with an assessment; the one mapping the writer and the readers share. */
export function contributionsOf(a: Pick<Assessment, "checks">): StoredContribution[] {
  return a.checks.map((c) => ({
    checkId: c.checkId,
    section: c.section,
    weight: c.weight,
    status: c.status,
    source: c.source,
    points: c.points,
    maxPoints: c.maxPoints,
    ...(c.origin !== "handbook" ? { origin: c.origin } : {}),
    ...(c.override ? { override: { status: c.override.status, expiresAt: c.override.expiresAt, active: c.override.active } } : {}),
    ...(c.answer ? { answer: { answer: c.answer.answer, stale: c.answer.stale } } : {}),
  }));
}

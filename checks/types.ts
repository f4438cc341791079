import type { UsageSnapshot } from "./snapshot";

export const SECTIONS = ["setup", "training", "value"] as const;
export type Section = (typeof SECTIONS)[number];

export type CheckStatus = "pass" | "fail" | "na" | "unknown";
/** What a person can answer; a later `withdrawn` row (see evaluate.ts) takes an answer back. */
export const ANSWER_VALUES = ["yes", "no", "na"] as const;
export type AnswerValue = (typeof ANSWER_VALUES)[number];
export type CheckSource = "posthog" | "manual" | "override" | "delight";
export type CheckKind = "automated" | "manual";

/** Numbers a result was decided on; rendered in plain words by `summary`. */
export type Evidence = Record<string, string | number | boolean | null | string[]>;

export type RuleResult = { status: CheckStatus; evidence: Evidence; summary: string };

export type CatchupFact = { date: string; status: "scheduled" | "held" };

/** Facts delight knows itself (not from PostHog) that some rules read. */
export type DelightFacts = {
  /** Monthly event quota of the customer's plan, or null when no plan is set. */
  planMonthlyEvents: number | null;
  /**
   * Catch-ups held or scheduled, not cancelled: date (YYYY-MM-DD, the customer's calendar) and
   * status, since a scheduled one whose date has passed did not happen as far as we know.
   */
  catchups: CatchupFact[];
};

export type RuleInput = { snapshot: UsageSnapshot; facts: DelightFacts; now: Date };

/** Where a check comes from: the handbook (built in), delight's optional extras, or the team. */
export type CheckOrigin = "handbook" | "extra" | "custom";

export type CheckDefinition = {
  id: string;
  /** `handbook` when omitted. */
  origin?: CheckOrigin;
  /**
   * Re-decided from the stored snapshot whenever the score is recomputed (not only at a refresh),
   * so a changed setting or a newly enabled check shows at once.
   */
  fromSnapshot?: boolean;
  section: Section;
  question: string;
  kind: CheckKind;
  /** One sentence saying how an automated check decides (shown in the UI and `delight checks`). */
  rule: string;
  /**
   * Where an automated result comes from: `delight` for rules decided against delight's own
   * records (catch-ups, the plan quota); `posthog` when omitted.
   */
  source?: CheckSource;
  /**
   * The answers a person may give. Manual checks: all of them (the default). Automated checks:
   * none by default, since PostHog decides them and an override is the way to disagree; `na`
   * alone for the handbook's "if applicable" questions, where only a person knows it does not
   * apply; all three where the rule defers to a person when PostHog cannot tell (the toolbar).
   */
  answers?: readonly AnswerValue[];
  /** Automated checks only. Pure: same input, same output. */
  evaluate?: (input: RuleInput) => RuleResult;
};

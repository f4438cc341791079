import type { AssessedCheck } from "../../checks/assessment/assess";
import { type CheckStatus, SECTIONS, type Section } from "../../checks/types";

/*
 * Pure wording shared by the customer page and the catch-up pack: the same check reads the same
 * way in both, and the rules are unit-tested without a database.
 */

export const SECTION_LABELS: Record<Section, string> = { setup: "Setup", training: "Training", value: "Value over time" };

export const STATUS_WORDS: Record<CheckStatus, string> = { pass: "passing", fail: "failing", na: "not applicable", unknown: "unknown" };

export type SectionProgress = { section: Section; label: string; passing: number; total: number };

/** "x of y passing" per section; checks marked not applicable leave the total. */
export function sectionProgress(resolved: AssessedCheck[]): SectionProgress[] {
  return SECTIONS.map((section) => {
    const inSection = resolved.filter((r) => r.section === section && r.status !== "na");
    return {
      section,
      label: SECTION_LABELS[section],
      passing: inSection.filter((r) => r.status === "pass").length,
      total: inSection.length,
    };
  });
}

export type OpenItemKind = "failing" | "unknown" | "stale-answer" | "expired-override";
export type OpenItem = { checkId: string; section: Section; question: string; kind: OpenItemKind; text: string };

/**
 * Talking points for a catch-up: failing checks first, then what we could not decide, answers
 * that went stale and overrides that ran out (each needs a person to look again).
 */
export function openItems(checks: AssessedCheck[], now: Date): OpenItem[] {
  const items: OpenItem[] = [];
  for (const r of checks) {
    const base = { checkId: r.checkId, section: r.section, question: r.question };
    if (r.status === "fail") items.push({ ...base, kind: "failing", text: r.summary });
    else if (r.answer?.stale) items.push({ ...base, kind: "stale-answer", text: r.summary });
    else if (r.status === "unknown")
      items.push({ ...base, kind: "unknown", text: r.kind === "manual" && !r.answer ? "Nobody has answered this yet" : r.summary });
    const o = r.override;
    if (o && !o.active && o.expiresAt && Date.parse(o.expiresAt) <= now.getTime()) {
      items.push({
        ...base,
        kind: "expired-override",
        text: `Override to ${o.status} by ${o.by} expired on ${o.expiresAt.slice(0, 10)} (${o.reason})`,
      });
    }
  }
  const order: OpenItemKind[] = ["failing", "expired-override", "stale-answer", "unknown"];
  return items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

export type Delta = { from: number; to: number; delta: number; direction: "up" | "down" | "same" };

/** Score movement between two scores, or null when either is missing. */
export function scoreDelta(from: number | null | undefined, to: number | null | undefined): Delta | null {
  if (from === null || from === undefined || to === null || to === undefined) return null;
  const delta = Math.round((to - from) * 10) / 10;
  return { from, to, delta, direction: delta > 0 ? "up" : delta < 0 ? "down" : "same" };
}

/** Where a check's status comes from, as the checklist shows it. */
export const SOURCE_LABELS = { posthog: "PostHog", manual: "manual", override: "override", delight: "delight" } as const;

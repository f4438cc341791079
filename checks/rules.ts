import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { customChecks, scoringVersions, teamSettings } from "../db/schema";
import { CATALOG } from "./catalog";
import { compileEventCheck, describeEventRule, type EventDefinition, evaluateEventCheck, MAX_EVENT_DAYS } from "./event-checks";
import { EXTRA_IDS, EXTRA_WEIGHTS, type ExtraId, extraChecks } from "./extras";
import type { QueryColumn } from "./posthog/daily-query";
import { DEFAULT_SCORING, type ScoringConfig } from "./scoring";
import type { CheckDefinition } from "./types";

/*
 * The rules in force: which checks count for a customer and how they are weighed. Built-ins and
 * version 1 live in code; the team's additions (custom checks, extras switched on, later scoring
 * versions) live in the database. Refresh, rescoring and every page read them through here so
 * they always agree.
 */

export type CustomCheck = typeof customChecks.$inferSelect;

export type Rules = {
  scoring: ScoringConfig;
  /** Every custom check, retired ones included (for history and Settings). */
  custom: CustomCheck[];
  extras: ExtraId[];
  minSdkVersions: Record<string, string>;
};

/** Version 1: the handbook weights in code, plus the extras' defaults (they count only when on). */
export const VERSION_ONE: ScoringConfig = { ...DEFAULT_SCORING, weights: { ...DEFAULT_SCORING.weights, ...EXTRA_WEIGHTS } };

export async function loadScoring(db: Db): Promise<ScoringConfig> {
  const [latest] = await db.select().from(scoringVersions).orderBy(desc(scoringVersions.number)).limit(1);
  return latest ? { version: String(latest.number), weights: latest.weights, bands: latest.bands } : VERSION_ONE;
}

export async function loadTeamSettings(db: Db): Promise<{ extras: ExtraId[]; minSdkVersions: Record<string, string> }> {
  const [row] = await db.select().from(teamSettings).where(eq(teamSettings.id, 1));
  const extras = (row?.extras ?? []).filter((id): id is ExtraId => (EXTRA_IDS as readonly string[]).includes(id));
  return { extras, minSdkVersions: row?.minSdkVersions ?? {} };
}

export async function loadRules(db: Db): Promise<Rules> {
  const [scoring, settings, custom] = await Promise.all([
    loadScoring(db),
    loadTeamSettings(db),
    db.select().from(customChecks).orderBy(asc(customChecks.createdAt), asc(customChecks.id)),
  ]);
  return { scoring, custom, ...settings };
}

const appliesTo = (c: CustomCheck, planId: number | null) =>
  c.retiredAt === null && (c.planIds.length === 0 || (planId !== null && c.planIds.includes(planId)));

export function customDefinition(c: CustomCheck): CheckDefinition {
  const base = { id: c.id, section: c.section, question: c.question, origin: "custom" as const };
  if (c.kind === "manual" || !c.event) return { ...base, kind: "manual", rule: "Answered by a person (yes / no / not applicable)." };
  const def = c.event as EventDefinition;
  return {
    ...base,
    kind: "automated",
    fromSnapshot: true,
    rule: describeEventRule(def),
    evaluate: ({ snapshot }) => evaluateEventCheck(c.id, def, snapshot.windows),
  };
}

// A refresh asks for each customer's catalogue three times, and a batch shares one read of the
// rules: building it once per rules read and plan spares hundreds of closures per customer.
const catalogs = new WeakMap<Rules, Map<number | null, CheckDefinition[]>>();

/** The checks that count for a customer on `planId`: built-ins, extras switched on, the team's own. */
export function catalogFor(rules: Rules, planId: number | null): CheckDefinition[] {
  let byPlan = catalogs.get(rules);
  if (!byPlan) {
    byPlan = new Map();
    catalogs.set(rules, byPlan);
  }
  let catalog = byPlan.get(planId);
  if (!catalog) {
    const extras = extraChecks({ minSdkVersions: rules.minSdkVersions }).filter((c) => rules.extras.includes(c.id as ExtraId));
    catalog = [...CATALOG, ...extras, ...rules.custom.filter((c) => appliesTo(c, planId)).map(customDefinition)];
    byPlan.set(planId, catalog);
  }
  return catalog;
}

/** The event checks of a customer as extra columns of the daily query, and how far back it must reach. */
export function eventColumnsFor(rules: Rules, planId: number | null): { columns: QueryColumn[]; lookbackDays: number } {
  const events = rules.custom.filter((c) => c.kind === "event" && c.event && appliesTo(c, planId));
  const columns = events.map((c, i) => compileEventCheck(c.id, c.event as EventDefinition, i + 1));
  const longest = Math.max(0, ...events.map((c) => Math.min(c.event!.days, MAX_EVENT_DAYS)));
  return { columns, lookbackDays: longest + 1 };
}

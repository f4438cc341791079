import { rescoringProgress } from "../../checks/assessment/store";
import { CATALOG } from "../../checks/catalog";
import { describeEventRule, type EventDefinition, OPERATOR_LABELS, OPERATORS } from "../../checks/event-checks";
import { extraChecks } from "../../checks/extras";
import { catalogFor, loadRules } from "../../checks/rules";
import type { Db } from "../../db/client";
import { InputError } from "../utils/validation.server";
import type { Actor } from "./audit.server";
import { addCustomCheck, retireCustomCheck } from "./custom-checks.server";
import { SECTION_LABELS } from "./customer-view";
import { listPlans } from "./plans.server";
import { listScoringVersions, saveScoring } from "./scoring-versions.server";
import { saveTeamSettings } from "./team-settings.server";

/*
 * Settings' view of the rules in force and the admin actions that change them. Dates are text in
 * UTC so the server HTML and the hydrated page agree.
 */

const stamp = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;

export async function checklistSettings(db: Db) {
  const [rules, plans, versions] = await Promise.all([loadRules(db), listPlans(db), listScoringVersions(db)]);
  const progress = await rescoringProgress(db, rules.scoring.version);
  const planName = new Map(plans.map((p) => [p.id, p.name]));
  const weights = rules.scoring.weights;
  // Every check that can count: the handbook's, the extras switched on and active custom checks on any plan.
  const active = catalogFor({ ...rules, custom: rules.custom.map((c) => ({ ...c, planIds: [] })) }, null);
  return {
    plans: plans.map((p) => ({ id: p.id, name: p.name })),
    custom: rules.custom.map((c) => ({
      id: c.id,
      kind: c.kind,
      section: SECTION_LABELS[c.section],
      question: c.question,
      weight: weights[c.id] ?? 0,
      plans: c.planIds.length ? c.planIds.map((id) => planName.get(id) ?? `#${id}`).join(", ") : "all plans",
      rule: c.event ? describeEventRule(c.event as EventDefinition) : "Answered by a person",
      added: `${stamp(c.createdAt)} by ${c.createdBy}`,
      retired: c.retiredAt ? `${stamp(c.retiredAt)} by ${c.retiredBy ?? "?"}` : null,
    })),
    extras: extraChecks({ minSdkVersions: rules.minSdkVersions }).map((c) => ({
      id: c.id,
      question: c.question,
      rule: c.rule,
      enabled: rules.extras.includes(c.id as never),
    })),
    minSdkVersions: Object.entries(rules.minSdkVersions)
      .map(([lib, v]) => `${lib}=${v}`)
      .join(", "),
    scoring: {
      version: rules.scoring.version,
      bands: rules.scoring.bands,
      rows: active.map((c) => ({
        id: c.id,
        section: SECTION_LABELS[c.section],
        question: c.question,
        origin: c.origin ?? "handbook",
        weight: weights[c.id] ?? 0,
      })),
    },
    /** Customers already re-assessed under the version in force (a rules change re-assesses in the background). */
    rescoring: { version: rules.scoring.version, ...progress },
    versions: versions.map((v) => ({
      number: v.number,
      author: v.author,
      when: v.createdAt ? stamp(v.createdAt) : "built in",
      changed: v.changed,
      bands: v.bands,
    })),
    builtIn: CATALOG.length,
    operators: OPERATORS.map((value) => ({ value, label: OPERATOR_LABELS[value] })),
  };
}
export type ChecklistSettings = Awaited<ReturnType<typeof checklistSettings>>;

export const SETTINGS_INTENTS = ["add-check", "retire-check", "scoring", "extras"] as const;
export type SettingsIntent = (typeof SETTINGS_INTENTS)[number];

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === "string" ? v : undefined;
};

/** Runs one Settings form; bad input throws InputError (a 400 with field messages at the route). */
export async function runSettingsIntent(db: Db, actor: Actor, intent: SettingsIntent, form: FormData): Promise<string> {
  if (intent === "add-check") {
    const plans = form.getAll("plans").map(String);
    if (plans.some((p) => !/^\d{1,9}$/.test(p))) throw new InputError({ plans: "Choose plans from the list" });
    const { check, version } = await addCustomCheck(db, actor, {
      section: text(form, "section"),
      question: text(form, "question"),
      weight: text(form, "weight"),
      kind: text(form, "kind"),
      planIds: plans.map(Number),
      event: text(form, "event"),
      property: text(form, "property"),
      operator: text(form, "operator"),
      value: text(form, "value"),
      minCount: text(form, "minCount"),
      days: text(form, "days"),
      count: text(form, "count"),
    });
    return `Added ${check.id}; scoring version ${version}`;
  }
  if (intent === "retire-check") {
    const { check, version } = await retireCustomCheck(db, actor, text(form, "id") ?? "");
    return `Retired ${check.id}; scoring version ${version}`;
  }
  if (intent === "scoring") {
    const weights: Record<string, unknown> = {};
    for (const [key, value] of form.entries()) if (key.startsWith("w:")) weights[key.slice(2)] = value;
    const { number } = await saveScoring(db, actor, { weights, healthy: text(form, "healthy"), concerning: text(form, "concerning") });
    return `Saved scoring version ${number}; every customer is being re-assessed under it`;
  }
  const extras = form.getAll("extras").map(String);
  const { version } = await saveTeamSettings(db, actor, { extras, minSdkVersions: text(form, "minSdkVersions") ?? "" });
  return version ? `Saved; scoring version ${version}` : "Saved";
}

import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { EventDefinitionSchema, MAX_EVENT_CHECKS } from "../../checks/event-checks";
import { type CustomCheck, loadScoring } from "../../checks/rules";
import { SECTIONS } from "../../checks/types";
import type { Db } from "../../db/client";
import { customChecks, plans } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";
import { createScoringVersion, MAX_WEIGHT } from "./scoring-versions.server";

export const CUSTOM_ID = /^custom\.[a-z0-9_]{1,48}$/;

const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

export const CustomCheckInputSchema = z.object({
  section: z.enum(SECTIONS, { errorMap: () => ({ message: "Choose setup, training or value" }) }),
  question: z
    .string({ required_error: "Write the question" })
    .trim()
    .min(5, "Write the question (at least 5 characters)")
    .max(300, "Keep the question under 300 characters")
    .regex(/^[^\u0000-\u001F\u007F]+$/, "The question cannot contain control characters"),
  weight: z.preprocess(
    (v) => (v === undefined || v === "" ? 1 : typeof v === "string" && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z
      .number({ invalid_type_error: "Weight is a whole number from 0 to 10" })
      .int("Weight is a whole number from 0 to 10")
      .min(0, "Weight is a whole number from 0 to 10")
      .max(MAX_WEIGHT, "Weight is a whole number from 0 to 10"),
  ),
  kind: z.preprocess(
    emptyToUndefined,
    z.enum(["manual", "event"], { errorMap: () => ({ message: "Choose manual or event" }) }).default("manual"),
  ),
  planIds: z.array(z.number().int().positive()).max(100).default([]),
});

/** `custom.` + a slug of the question; a number is added when that id was ever used. */
export function slugFor(question: string, taken: Set<string>): string {
  const base =
    question
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 40)
      .replace(/_+$/, "") || "check";
  let id = `custom.${base}`;
  for (let n = 2; taken.has(id); n++) id = `custom.${base}_${n}`;
  return id;
}

/** Plan names ("Growth, Scale") as ids, for the CLI. Unknown names are refused. */
export async function planIdsByName(db: Db, names: string): Promise<number[]> {
  const wanted = names
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const all = await db.select({ id: plans.id, name: plans.name }).from(plans);
  return wanted.map((name) => {
    const plan = all.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (!plan) throw new InputError({ plans: `There is no plan named ${name}` });
    return plan.id;
  });
}

/**
 * Adds a team-defined check: validated first (an event definition that could not be measured is
 * refused before anything is saved), then stored with a new scoring version carrying its weight,
 * and every customer re-assessed under it (in the background; see createScoringVersion).
 */
export async function addCustomCheck(db: Db, actor: Actor, raw: Record<string, unknown>, now = new Date()) {
  const input = parseInput(CustomCheckInputSchema, raw);
  const event = input.kind === "event" ? parseInput(EventDefinitionSchema, raw) : null;
  // The form's count select always sends a value; only a choice other than its default is stray.
  const stray = ["event", "property", "operator", "value", "count"].find(
    (k) => typeof raw[k] === "string" && (raw[k] as string).trim() !== "" && !(k === "count" && raw[k] === "events"),
  );
  if (!event && stray) throw new InputError({ [stray]: "Only event checks take an event definition; choose the event kind" });
  return db.transaction(async (tx) => {
    const existing = await tx
      .select({ id: customChecks.id, kind: customChecks.kind, retiredAt: customChecks.retiredAt })
      .from(customChecks);
    if (event && existing.filter((c) => c.kind === "event" && !c.retiredAt).length >= MAX_EVENT_CHECKS) {
      throw new InputError({ kind: `At most ${MAX_EVENT_CHECKS} event checks can be active: retire one first` });
    }
    if (input.planIds.length) {
      const known = new Set((await tx.select({ id: plans.id }).from(plans)).map((p) => p.id));
      if (input.planIds.some((id) => !known.has(id))) throw new InputError({ plans: "Choose plans from the list" });
    }
    const id = slugFor(input.question, new Set(existing.map((c) => c.id)));
    const [check] = await tx
      .insert(customChecks)
      .values({
        id,
        kind: input.kind,
        section: input.section,
        question: input.question,
        planIds: input.planIds,
        event,
        createdBy: actor.name,
        createdAt: now,
      })
      .returning();
    await recordAudit(tx, actor, "check.create", "custom_check", id, {
      kind: input.kind,
      section: input.section,
      question: input.question,
      weight: input.weight,
      planIds: input.planIds,
      event,
    });
    const scoring = await loadScoring(tx);
    const version = await createScoringVersion(
      tx,
      actor,
      { weights: { ...scoring.weights, [id]: input.weight }, bands: scoring.bands },
      [`Added ${id}: ${input.question}`],
      now,
    );
    return { check: check!, weight: input.weight, version: version.number };
  });
}

/** Stops a custom check counting. Its row, answers and results stay; the id is never reused. */
export async function retireCustomCheck(db: Db, actor: Actor, id: string, now = new Date()) {
  if (!CUSTOM_ID.test(id)) throw new InputError({ id: "Only custom checks (custom.…) can be retired" });
  return db.transaction(async (tx) => {
    const [retired] = await tx
      .update(customChecks)
      .set({ retiredAt: now, retiredBy: actor.name })
      .where(and(eq(customChecks.id, id), isNull(customChecks.retiredAt)))
      .returning();
    if (!retired) throw new InputError({ id: `There is no active custom check ${id}` });
    await recordAudit(tx, actor, "check.retire", "custom_check", id, {});
    const scoring = await loadScoring(tx);
    const { [id]: _dropped, ...weights } = scoring.weights;
    const version = await createScoringVersion(tx, actor, { weights, bands: scoring.bands }, [`Retired ${id}: ${retired.question}`], now);
    return { check: retired, version: version.number };
  });
}

export function customCheckJson(c: CustomCheck, weights: Record<string, number>) {
  return {
    id: c.id,
    kind: c.kind,
    section: c.section,
    question: c.question,
    weight: weights[c.id] ?? 0,
    planIds: c.planIds,
    event: c.event,
    createdBy: c.createdBy,
    createdAt: c.createdAt.toISOString(),
    retiredAt: c.retiredAt?.toISOString() ?? null,
  };
}

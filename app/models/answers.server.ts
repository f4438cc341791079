import { z } from "zod";
import { loadFacts, rescore } from "../../checks/health-store";
import { catalogFor, loadRules } from "../../checks/rules";
import type { CheckDefinition } from "../../checks/types";
import type { Db } from "../../db/client";
import { manualAnswers, overrides } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";
import { assertNotArchived } from "./customers.server";

// Which ids exist depends on the customer (plan-specific and retired custom checks), so the schema
// only checks the shape and `checkFor` checks the id against the customer's catalogue.
const checkIdField = z
  .string({ required_error: "Choose a check" })
  .trim()
  .min(1, "Choose a check")
  .max(120, "There is no check with this id (see delight checks)");

const NO_SUCH_CHECK = "There is no check with this id (see delight checks)";

async function checkFor(db: Db, customerId: number, checkId: string): Promise<CheckDefinition> {
  const facts = await loadFacts(db, customerId);
  const check = facts ? catalogFor(await loadRules(db), facts.planId).find((c) => c.id === checkId) : undefined;
  if (!check) throw new InputError({ checkId: NO_SUCH_CHECK });
  return check;
}

export const AnswerInputSchema = z.object({
  checkId: checkIdField,
  answer: z.enum(["yes", "no", "na"], { errorMap: () => ({ message: "Answer yes, no or na" }) }),
  note: z.string().trim().max(2000, "Keep the note under 2,000 characters").default(""),
});

export const OverrideInputSchema = z.object({
  checkId: checkIdField,
  status: z.enum(["pass", "fail", "na"], { errorMap: () => ({ message: "Override to pass, fail or na" }) }),
  reason: z
    .string({ required_error: "Say why" })
    .trim()
    .min(3, "Say why (at least a few words)")
    .max(2000, "Keep the reason under 2,000 characters"),
  expiresAt: z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? null : v),
    z.coerce.date({ errorMap: () => ({ message: "Enter a valid date" }) }).nullable(),
  ),
});

/** Appends an answer (history is kept) and stores the new score in the same transaction. */
export async function recordAnswer(db: Db, actor: Actor, customerId: number, raw: unknown, now = new Date()) {
  const input = parseInput(AnswerInputSchema, raw);
  await assertNotArchived(db, customerId);
  await checkFor(db, customerId, input.checkId);
  return db.transaction(async (tx) => {
    await tx.insert(manualAnswers).values({
      customerId,
      checkId: input.checkId,
      answer: input.answer,
      note: input.note,
      authorId: actor.id,
      authorName: actor.name,
      createdAt: now,
    });
    await recordAudit(tx, actor, "answer.create", "customer", customerId, { checkId: input.checkId, answer: input.answer });
    return rescore(tx, customerId, "answer", now);
  });
}

export async function recordOverride(db: Db, actor: Actor, customerId: number, raw: unknown, now = new Date()) {
  const input = parseInput(OverrideInputSchema, raw);
  await assertNotArchived(db, customerId);
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime()) {
    throw new InputError({ expiresAt: "The expiry must be in the future" });
  }
  if ((await checkFor(db, customerId, input.checkId)).kind !== "automated") {
    throw new InputError({ checkId: "Only automated checks take an override; answer manual checks instead" });
  }
  return db.transaction(async (tx) => {
    await tx.insert(overrides).values({
      customerId,
      checkId: input.checkId,
      status: input.status,
      reason: input.reason,
      expiresAt: input.expiresAt,
      authorId: actor.id,
      authorName: actor.name,
      createdAt: now,
    });
    await recordAudit(tx, actor, "override.create", "customer", customerId, {
      checkId: input.checkId,
      status: input.status,
      expiresAt: input.expiresAt?.toISOString() ?? null,
    });
    return rescore(tx, customerId, "override", now);
  });
}

/** Ends an override by appending a "cleared" row: the earlier rows stay as history. */
export async function clearOverride(db: Db, actor: Actor, customerId: number, checkId: string, now = new Date()) {
  const { checkId: id } = parseInput(z.object({ checkId: checkIdField }), { checkId });
  await assertNotArchived(db, customerId);
  await checkFor(db, customerId, id);
  return db.transaction(async (tx) => {
    await tx.insert(overrides).values({
      customerId,
      checkId: id,
      status: "cleared",
      reason: "cleared",
      expiresAt: null,
      authorId: actor.id,
      authorName: actor.name,
      createdAt: now,
    });
    await recordAudit(tx, actor, "override.clear", "customer", customerId, { checkId: id });
    return rescore(tx, customerId, "override", now);
  });
}

import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { reassessOne } from "../../checks/assessment/store";
import { answersFor } from "../../checks/evaluate";
import { catalogFor, loadRules } from "../../checks/rules";
import type { CheckDefinition } from "../../checks/types";
import type { Db } from "../../db/client";
import { customers, manualAnswers, overrides } from "../../db/schema";
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
  const [customer] = await db.select({ planId: customers.planId }).from(customers).where(eq(customers.id, customerId));
  const check = customer ? catalogFor(await loadRules(db), customer.planId).find((c) => c.id === checkId) : undefined;
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

const OVERRIDE_HINT = "To change its result, set an override with a reason on the customer page.";

/**
 * Refuses an answer the check would not use, so nothing is accepted and then ignored: automated
 * checks are decided from PostHog or delight's records (an override is how to disagree), and the
 * "if applicable" ones take only `na`.
 */
function refuseUnused(check: CheckDefinition, answer: string) {
  const allowed = answersFor(check);
  if (allowed.length === 0) {
    const from = check.source === "delight" ? "delight's own records" : "PostHog";
    throw new InputError({ checkId: `${check.id} is decided from ${from} and takes no answer. ${OVERRIDE_HINT}` });
  }
  if (!allowed.includes(answer as (typeof allowed)[number])) {
    throw new InputError({
      answer: `${check.id} takes only ${allowed.map((a) => `"${a}"`).join(", ")}: PostHog decides yes or no. ${OVERRIDE_HINT}`,
    });
  }
}

/** Appends an answer (history is kept) and stores the new assessment in the same transaction. */
export async function recordAnswer(db: Db, actor: Actor, customerId: number, raw: unknown, now = new Date()) {
  const input = parseInput(AnswerInputSchema, raw);
  await assertNotArchived(db, customerId);
  refuseUnused(await checkFor(db, customerId, input.checkId), input.answer);
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
    return reassessOne(tx, customerId, "answer", now);
  });
}

/** Takes back the answer in force on a check (a `withdrawn` row; the earlier ones stay as history). */
export async function withdrawAnswer(db: Db, actor: Actor, customerId: number, checkId: string, now = new Date()) {
  const { checkId: id } = parseInput(z.object({ checkId: checkIdField }), { checkId });
  await checkFor(db, customerId, id);
  return db.transaction(async (tx) => {
    const [latest] = await tx
      .select({ answer: manualAnswers.answer })
      .from(manualAnswers)
      .where(and(eq(manualAnswers.customerId, customerId), eq(manualAnswers.checkId, id)))
      .orderBy(desc(manualAnswers.createdAt), desc(manualAnswers.id))
      .limit(1);
    if (!latest || latest.answer === "withdrawn") throw new InputError({ checkId: "There is no answer on this check to withdraw" });
    await tx.insert(manualAnswers).values({
      customerId,
      checkId: id,
      answer: "withdrawn",
      note: "",
      authorId: actor.id,
      authorName: actor.name,
      createdAt: now,
    });
    await recordAudit(tx, actor, "answer.withdraw", "customer", customerId, { checkId: id, withdrawn: latest.answer });
    return reassessOne(tx, customerId, "answer", now);
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
    return reassessOne(tx, customerId, "override", now);
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
    return reassessOne(tx, customerId, "override", now);
  });
}

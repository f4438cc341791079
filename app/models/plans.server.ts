import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { expireAll, reassess } from "../../checks/assessment/store";
import type { Db } from "../../db/client";
import { customers, plans } from "../../db/schema";
import { InputError, parseCount, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

/** Customers on an edited plan re-assessed within the edit; more than this are expired instead. */
const INLINE_REASSESS = 200;

export const PlanInputSchema = z.object({
  name: z
    .string({ required_error: "Name is required" })
    .trim()
    .min(1, "Name is required")
    .max(60, "Name is too long (60 characters at most)"),
  monthlyEvents: z.preprocess(
    parseCount,
    z
      .number({ invalid_type_error: "Monthly events must be a whole number", required_error: "Monthly events is required" })
      .int("Monthly events must be a whole number")
      .positive("Monthly events must be above 0")
      .max(1_000_000_000_000, "Monthly events is too large"),
  ),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

export async function listPlans(db: Db) {
  return db.select().from(plans).orderBy(asc(plans.monthlyEvents), asc(plans.name));
}

export async function findPlanByName(db: Db, name: string) {
  const [plan] = await db
    .select()
    .from(plans)
    .where(eq(sql`lower(${plans.name})`, name.trim().toLowerCase()));
  return plan ?? null;
}

async function assertNameFree(db: Db, name: string, exceptId?: number) {
  const existing = await findPlanByName(db, name);
  if (existing && existing.id !== exceptId) throw new InputError({ name: "A plan with this name already exists" });
}

export async function createPlan(db: Db, actor: Actor, raw: unknown) {
  const input = parseInput(PlanInputSchema, raw);
  return db.transaction(async (tx) => {
    await assertNameFree(tx, input.name);
    const [plan] = await tx.insert(plans).values(input).returning();
    await recordAudit(tx, actor, "plan.create", "plan", plan!.id, input);
    return plan!;
  });
}

export async function updatePlan(db: Db, actor: Actor, id: number, raw: unknown) {
  const input = parseInput(PlanInputSchema, raw);
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(plans).where(eq(plans.id, id));
    if (!before) throw new InputError({ form: "Plan not found" });
    await assertNameFree(tx, input.name, id);
    const [plan] = await tx
      .update(plans)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(plans.id, id))
      .returning();
    if (input.monthlyEvents !== before.monthlyEvents) {
      // Every customer on the plan is measured against a new quota: none may be read as before.
      // A few are re-assessed here; a big book is expired here and re-assessed in the background.
      const onPlan = (await tx.select({ id: customers.id }).from(customers).where(eq(customers.planId, id))).map((c) => c.id);
      if (onPlan.length <= INLINE_REASSESS) await reassess(tx, onPlan, "plan", new Date());
      else await expireAll(tx, new Date(), onPlan);
    }
    await recordAudit(tx, actor, "plan.update", "plan", id, {
      from: { name: before.name, monthlyEvents: before.monthlyEvents },
      to: input,
    });
    return plan!;
  });
}

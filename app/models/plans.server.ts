import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { plans } from "../../db/schema";
import { InputError, parseCount, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

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
    await recordAudit(tx, actor, "plan.update", "plan", id, {
      from: { name: before.name, monthlyEvents: before.monthlyEvents },
      to: input,
    });
    return plan!;
  });
}

import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { reassessOne } from "../../checks/assessment/store";
import { isCalendarDay, localDay } from "../../checks/days";
import type { Db } from "../../db/client";
import { catchups, customers } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

export type CatchupRow = typeof catchups.$inferSelect;

export const CatchupInputSchema = z.object({
  date: z
    .string({ required_error: "Enter the date of the catch-up" })
    .trim()
    .min(1, "Enter the date of the catch-up")
    .refine(isCalendarDay, "Enter the date as YYYY-MM-DD (a real day)")
    .refine((d) => d >= "2000-01-01" && d <= "2099-12-31", "Enter a date between 2000 and 2099"),
  status: z.enum(["scheduled", "held"], { errorMap: () => ({ message: "A catch-up is scheduled or held" }) }).default("scheduled"),
  attendees: z.string().trim().max(500, "Keep the attendees under 500 characters").default(""),
  notes: z.string().trim().max(5000, "Keep the notes under 5,000 characters").default(""),
  /** Set when recording the outcome of a catch-up that was scheduled earlier. */
  id: z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? undefined : typeof v === "string" ? Number(v) : v),
    z.number({ invalid_type_error: "Unknown catch-up" }).int("Unknown catch-up").positive("Unknown catch-up").optional(),
  ),
});
export type CatchupInput = z.output<typeof CatchupInputSchema>;

/** Whether a catch-up's date agrees with its status, measured in the customer's own calendar. */
export function dateProblem(input: Pick<CatchupInput, "date" | "status">, today: string): string | null {
  if (input.status === "held" && input.date > today) return "A held catch-up cannot be in the future; schedule it instead";
  if (input.status === "scheduled" && input.date < today) return "That date has passed; record it as held instead";
  return null;
}

/** Today in the customer's PostHog project time zone (learnt at refresh; UTC before). */
export async function customerToday(db: Db, customerId: number, now: Date): Promise<string> {
  const [row] = await db.select({ timezone: customers.timezone }).from(customers).where(eq(customers.id, customerId));
  if (!row) throw new InputError({ form: "Customer not found" });
  return localDay(now, row.timezone);
}

/**
 * Adds a catch-up (or, with `id`, records the outcome of a scheduled one) and stores the new score
 * in the same transaction: value.quarterly_catchup reads these rows.
 */
export async function recordCatchup(db: Db, actor: Actor, customerId: number, raw: unknown, now = new Date()) {
  const input = parseInput(CatchupInputSchema, raw);
  const problem = dateProblem(input, await customerToday(db, customerId, now));
  if (problem) throw new InputError({ date: problem });
  return db.transaction(async (tx) => {
    let row: CatchupRow | undefined;
    if (input.id) {
      // Scoped by customer in the query itself: an id from another customer matches nothing.
      [row] = await tx
        .update(catchups)
        .set({ date: input.date, status: input.status, attendees: input.attendees, notes: input.notes })
        .where(and(eq(catchups.id, input.id), eq(catchups.customerId, customerId)))
        .returning();
      if (!row) throw new InputError({ form: "That catch-up does not exist for this customer" });
      await recordAudit(tx, actor, "catchup.update", "customer", customerId, { catchupId: row.id, date: row.date, status: row.status });
    } else {
      [row] = await tx
        .insert(catchups)
        .values({
          customerId,
          date: input.date,
          status: input.status,
          attendees: input.attendees,
          notes: input.notes,
          createdBy: actor.name,
          createdAt: now,
        })
        .returning();
      await recordAudit(tx, actor, "catchup.create", "customer", customerId, { catchupId: row!.id, date: row!.date, status: row!.status });
    }
    await reassessOne(tx, customerId, "catchup", now);
    return row!;
  });
}

/** A catch-up in the future: the form's "Schedule" button. */
export function scheduleCatchup(db: Db, actor: Actor, customerId: number, raw: Record<string, unknown>, now = new Date()) {
  return recordCatchup(db, actor, customerId, { ...raw, status: "scheduled" }, now);
}

export async function cancelCatchup(db: Db, actor: Actor, customerId: number, rawId: unknown, now = new Date()) {
  const { id } = parseInput(z.object({ id: CatchupInputSchema.shape.id.refine((v) => v !== undefined, "Unknown catch-up") }), {
    id: rawId,
  });
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(catchups)
      .set({ status: "cancelled" })
      .where(and(eq(catchups.id, id!), eq(catchups.customerId, customerId), eq(catchups.status, "scheduled")))
      .returning();
    if (!row) throw new InputError({ form: "Only a scheduled catch-up of this customer can be cancelled" });
    await recordAudit(tx, actor, "catchup.cancel", "customer", customerId, { catchupId: row.id, date: row.date });
    await reassessOne(tx, customerId, "catchup", now);
    return row;
  });
}

/** Every catch-up of a customer, newest date first. */
export async function listCatchups(db: Db, customerId: number): Promise<CatchupRow[]> {
  return db.select().from(catchups).where(eq(catchups.customerId, customerId)).orderBy(desc(catchups.date), desc(catchups.id));
}

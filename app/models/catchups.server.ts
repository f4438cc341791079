import { and, asc, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import { reassessOne } from "../../checks/assessment/store";
import { isCalendarDay, localDay } from "../../checks/days";
import type { Db } from "../../db/client";
import { preparedPerDb } from "../../db/prepared";
import { catchups, catchupVersions, customers } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";
import { assertNotArchived } from "./customers.server";

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

export type CatchupVersion = typeof catchupVersions.$inferSelect;

/** Appends the state a catch-up now has, with who saved it and when. */
async function appendVersion(db: Db, row: CatchupRow, by: string, at: Date) {
  await db.insert(catchupVersions).values({
    catchupId: row.id,
    customerId: row.customerId,
    date: row.date,
    status: row.status,
    attendees: row.attendees,
    notes: row.notes,
    recordedBy: by,
    recordedAt: at,
  });
}

/**
 * Changes a catch-up without losing what it said before: the state before the change is kept as
 * a version first (catch-ups saved before versions existed get theirs from the row itself), then
 * the change is applied and kept as the next version. Locked, so two saves at once keep both.
 */
async function reviseCatchup(
  db: Db,
  actor: Actor,
  customerId: number,
  id: number,
  change: Partial<Pick<CatchupRow, "date" | "status" | "attendees" | "notes">>,
  onlyScheduled: boolean,
  now: Date,
) {
  // Scoped by customer in the query itself: an id from another customer matches nothing.
  const [before] = await db
    .select()
    .from(catchups)
    .where(and(eq(catchups.id, id), eq(catchups.customerId, customerId), onlyScheduled ? eq(catchups.status, "scheduled") : undefined))
    .for("update");
  if (!before) return null;
  const [known] = await db.select({ id: catchupVersions.id }).from(catchupVersions).where(eq(catchupVersions.catchupId, id)).limit(1);
  if (!known) await appendVersion(db, before, before.createdBy, before.createdAt);
  const [row] = await db.update(catchups).set(change).where(eq(catchups.id, id)).returning();
  await appendVersion(db, row!, actor.name, now);
  return row!;
}

/**
 * Adds a catch-up (or, with `id`, records the outcome of a scheduled one, or records one again:
 * every earlier version is kept) and stores the new score in the same transaction:
 * value.quarterly_catchup reads these rows.
 */
export async function recordCatchup(db: Db, actor: Actor, customerId: number, raw: unknown, now = new Date()) {
  const input = parseInput(CatchupInputSchema, raw);
  await assertNotArchived(db, customerId);
  const problem = dateProblem(input, await customerToday(db, customerId, now));
  if (problem) throw new InputError({ date: problem });
  return db.transaction(async (tx) => {
    let row: CatchupRow | undefined | null;
    if (input.id) {
      const { date, status, attendees, notes } = input;
      row = await reviseCatchup(tx, actor, customerId, input.id, { date, status, attendees, notes }, false, now);
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
      await appendVersion(tx, row!, actor.name, now);
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
  await assertNotArchived(db, customerId);
  return db.transaction(async (tx) => {
    const row = await reviseCatchup(tx, actor, customerId, id!, { status: "cancelled" }, true, now);
    if (!row) throw new InputError({ form: "Only a scheduled catch-up of this customer can be cancelled" });
    await recordAudit(tx, actor, "catchup.cancel", "customer", customerId, { catchupId: row.id, date: row.date });
    await reassessOne(tx, customerId, "catchup", now);
    return row;
  });
}

const catchupsOf = preparedPerDb((db) =>
  db
    .select()
    .from(catchups)
    .where(eq(catchups.customerId, sql.placeholder("customerId")))
    .orderBy(desc(catchups.date), desc(catchups.id))
    .prepare("catchups_of_customer"),
);

/** Every catch-up of a customer, newest date first. */
export async function listCatchups(db: Db, customerId: number): Promise<CatchupRow[]> {
  return catchupsOf(db).execute({ customerId });
}

/**
 * Every earlier state of a customer's catch-ups that were changed after they were first saved,
 * oldest first, by catch-up id. A catch-up saved once has no history beyond itself.
 */
export async function catchupHistory(db: Db, customerId: number): Promise<Record<number, CatchupVersion[]>> {
  const rows = await db
    .select()
    .from(catchupVersions)
    .where(eq(catchupVersions.customerId, customerId))
    .orderBy(asc(catchupVersions.recordedAt), asc(catchupVersions.id));
  const byCatchup = new Map<number, CatchupVersion[]>();
  for (const row of rows) byCatchup.set(row.catchupId, [...(byCatchup.get(row.catchupId) ?? []), row]);
  return Object.fromEntries([...byCatchup].filter(([, versions]) => versions.length > 1));
}

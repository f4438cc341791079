import { and, eq, inArray, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { currentHealth, customers, users } from "../../db/schema";
import { InputError } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

/** More than a page can show: a hand-made request cannot make one statement touch the whole book. */
export const BULK_MAX = 200;

const IdsSchema = z
  .array(
    z
      .string()
      .regex(/^\d{1,9}$/, "Select customers from the list")
      .transform(Number),
  )
  .min(1, "Select at least one customer")
  .max(BULK_MAX, `Select at most ${BULK_MAX} customers at once`)
  .transform((ids) => [...new Set(ids)]);

export const BulkSchema = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("reassign"),
    ids: IdsSchema,
    // "none" leaves the customers without an owner.
    owner: z.union(
      [
        z.literal("none"),
        z
          .string()
          .regex(/^\d{1,9}$/)
          .transform(Number),
      ],
      {
        errorMap: () => ({ message: "Choose an owner" }),
      },
    ),
  }),
  z.object({ intent: z.literal("refresh"), ids: IdsSchema }),
]);
export type BulkInput = z.output<typeof BulkSchema>;

/** The form's fields as the schema reads them (ids repeat). */
export function bulkFields(form: FormData) {
  return { intent: form.get("intent"), ids: form.getAll("ids"), owner: form.get("owner") ?? undefined };
}

/** Customers that exist and are not archived (archived ones are read-only), among `ids`. */
export async function activeAmong(db: Db, ids: number[]) {
  return db
    .select({ id: customers.id, name: customers.name, ownerId: customers.ownerId })
    .from(customers)
    .where(and(inArray(customers.id, ids), isNull(customers.archivedAt)));
}

/**
 * Gives every selected customer the same owner (or none), in one transaction, one audit entry per
 * customer whose owner changed. Only an active admin or csm can own customers.
 */
export async function reassignOwner(db: Db, actor: Actor, ids: number[], owner: number | "none") {
  return db.transaction(async (tx) => {
    const ownerId = owner === "none" ? null : owner;
    if (ownerId !== null) {
      const [user] = await tx.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, ownerId));
      if (!user || user.disabledAt) throw new InputError({ owner: "That user does not exist or is disabled" });
      if (user.role === "viewer") throw new InputError({ owner: "Viewers cannot own customers: choose an admin or a csm" });
    }
    const found = await activeAmong(tx, ids);
    if (found.length === 0) throw new InputError({ ids: "None of the selected customers can be changed (archived or gone)" });
    const moving = found.filter((c) => c.ownerId !== ownerId);
    if (moving.length > 0) {
      // Customers, then their ready rows, in id order: the order a customer edit takes them in
      // (its trigger updates the ready row) and the one row an assessment writer locks, so none
      // waits on us while holding what we need. Only then do the owner copies and counts change.
      const movingIds = moving.map((c) => c.id);
      await tx.select({ id: customers.id }).from(customers).where(inArray(customers.id, movingIds)).orderBy(customers.id).for("update");
      await tx
        .select({ id: currentHealth.customerId })
        .from(currentHealth)
        .where(inArray(currentHealth.customerId, movingIds))
        .orderBy(currentHealth.customerId)
        .for("update");
      await tx
        .update(customers)
        .set({ ownerId, updatedAt: new Date() })
        .where(
          inArray(
            customers.id,
            moving.map((c) => c.id),
          ),
        );
      for (const c of moving) await recordAudit(tx, actor, "customer.update", "customer", c.id, { ownerId, bulk: true });
    }
    return { changed: moving.length, unchanged: found.length - moving.length, skipped: ids.length - found.length };
  });
}

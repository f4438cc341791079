import { and, asc, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { checkRuns, currentHealth, customers } from "../db/schema";
import { type RefreshOptions, refreshMany } from "./refresh";

/** Active customers never refreshed, or whose last run (of any status) finished before `now - interval`. */
export async function dueCustomers(db: Db, intervalMs: number, now = new Date()) {
  const cutoff = new Date(now.getTime() - intervalMs);
  const rows = await db
    .select({ customer: customers })
    .from(customers)
    .leftJoin(currentHealth, eq(currentHealth.customerId, customers.id))
    .leftJoin(checkRuns, eq(checkRuns.id, currentHealth.runId))
    .where(and(isNull(customers.archivedAt), or(isNull(checkRuns.id), lt(checkRuns.finishedAt, cutoff))))
    .orderBy(asc(checkRuns.finishedAt), asc(customers.id));
  return rows.map((r) => r.customer);
}

/** One scheduler tick: refresh whoever is due. Returns what it did, for the server log. */
export async function refreshDue(db: Db, secretKey: Buffer, intervalMs: number, options: RefreshOptions & { concurrency?: number } = {}) {
  const due = await dueCustomers(db, intervalMs);
  if (due.length === 0) return [];
  return refreshMany(db, secretKey, due, { concurrency: 4, trigger: "schedule", ...options });
}

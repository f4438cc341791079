import { and, asc, count, eq, isNull, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { checkRuns, currentHealth, customers } from "../db/schema";
import { type RefreshOptions, refreshMany } from "./refresh";

/** Active customers never refreshed, or whose last run (of any status) finished before `now - interval`. */
const isDue = (intervalMs: number, now: Date) =>
  and(isNull(customers.archivedAt), or(isNull(checkRuns.id), lt(checkRuns.finishedAt, new Date(now.getTime() - intervalMs))));

/** The customers `isDue` picks, longest unrefreshed first. */
export async function dueCustomers(db: Db, intervalMs: number, now = new Date()) {
  const rows = await db
    .select({ customer: customers })
    .from(customers)
    .leftJoin(currentHealth, eq(currentHealth.customerId, customers.id))
    .leftJoin(checkRuns, eq(checkRuns.id, currentHealth.runId))
    .where(isDue(intervalMs, now))
    .orderBy(asc(checkRuns.finishedAt), asc(customers.id));
  return rows.map((r) => r.customer);
}

/** How many customers `dueCustomers` would return, without reading them. */
export async function countDueCustomers(db: Db, intervalMs: number, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(customers)
    .leftJoin(currentHealth, eq(currentHealth.customerId, customers.id))
    .leftJoin(checkRuns, eq(checkRuns.id, currentHealth.runId))
    .where(isDue(intervalMs, now));
  return row?.n ?? 0;
}

/** One scheduler tick: refresh whoever is due. Returns what it did, for the server log. */
export async function refreshDue(db: Db, secretKey: Buffer, intervalMs: number, options: RefreshOptions & { concurrency?: number } = {}) {
  const due = await dueCustomers(db, intervalMs);
  if (due.length === 0) return [];
  return refreshMany(db, secretKey, due, { concurrency: 4, trigger: "schedule", ...options });
}

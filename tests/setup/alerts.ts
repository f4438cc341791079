import { and, asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { alerts } from "../../db/schema";

/** How many alerts of each kind the customer has had, e.g. { usage_80: 1 }. */
export async function alertCounts(db: Db, customerId: number): Promise<Record<string, number>> {
  const rows = await db
    .select({ kind: alerts.kind, n: sql<number>`count(*)::int` })
    .from(alerts)
    .where(eq(alerts.customerId, customerId))
    .groupBy(alerts.kind);
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** The customer's alerts of one kind, oldest first. */
export function alertsOfKind(db: Db, customerId: number, kind: string) {
  return db
    .select()
    .from(alerts)
    .where(and(eq(alerts.customerId, customerId), eq(alerts.kind, kind)))
    .orderBy(asc(alerts.id));
}

import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { anyOf } from "../../db/id-list";
import { alertSettings, alerts, currentHealth, customers } from "../../db/schema";
import type { Assessment } from "../assessment/assess";
import { type AlertThresholds, DEFAULT_THRESHOLDS } from "./kinds";
import { alertMessage } from "./messages";
import { type AlertSignals, subjectOf, transition } from "./transitions";

/*
 * The assessment writer's alert step: in the writer's transaction, compares each new assessment
 * with the signals stored beside the previous one, inserts the alerts that turned on and notes
 * those that cleared. A handful of statements per batch, none per customer.
 */

export type Raisable = { assessment: Assessment; sparkline: [string, number][]; scoreId: number };

export async function alertThresholds(db: Db): Promise<AlertThresholds> {
  const [row] = await db
    .select({ scoreDropPoints: alertSettings.scoreDropPoints, staleDays: alertSettings.staleDays })
    .from(alertSettings)
    .where(eq(alertSettings.id, 1));
  return row ?? DEFAULT_THRESHOLDS;
}

/** Raises what changed; returns the signals to store with each new assessment. */
export async function raiseAlerts(tx: Db, items: Raisable[]): Promise<Map<number, AlertSignals>> {
  const ids = items.map((i) => i.assessment.customerId);
  const [previousRows, thresholds] = await Promise.all([
    tx
      .select({
        customerId: currentHealth.customerId,
        signals: currentHealth.signals,
        // Assessments stored before alerts existed have no signals: read them from the assessment once.
        state: sql<unknown>`case when ${currentHealth.signals} is null then ${currentHealth.state} end`,
      })
      .from(currentHealth)
      .where(anyOf(currentHealth.customerId, ids)),
    alertThresholds(tx),
  ]);
  const previousOf = new Map(
    previousRows.map((r) => {
      const stored = r.signals as AlertSignals | null;
      const legacy = !stored && r.state ? transition(null, r.state as Assessment, { sparkline: [], thresholds }).signals : null;
      return [r.customerId, stored ?? legacy];
    }),
  );

  const signals = new Map<number, AlertSignals>();
  const raised: (Omit<typeof alerts.$inferInsert, "message"> & { facts: Parameters<typeof alertMessage>[1] })[] = [];
  const cleared: { customerId: number; kind: string; subject: string; at: Date }[] = [];
  for (const { assessment: a, sparkline, scoreId } of items) {
    const t = transition(previousOf.get(a.customerId) ?? null, a, { sparkline, thresholds });
    signals.set(a.customerId, t.signals);
    const at = new Date(a.assessedAt);
    for (const facts of t.raised)
      raised.push({ customerId: a.customerId, kind: facts.kind, subject: subjectOf(facts), raisedAt: at, facts, scoreId });
    for (const c of t.cleared) cleared.push({ customerId: a.customerId, ...c, at });
  }

  if (raised.length > 0) {
    const names = await tx
      .select({ id: customers.id, name: customers.name })
      .from(customers)
      .where(inArray(customers.id, [...new Set(raised.map((r) => r.customerId))]));
    const nameOf = new Map(names.map((n) => [n.id, n.name]));
    await tx.insert(alerts).values(raised.map((r) => ({ ...r, message: alertMessage(nameOf.get(r.customerId) ?? "A customer", r.facts) })));
  }
  // One statement per assessment time (a batch normally shares one).
  for (const at of new Set(cleared.map((c) => c.at.getTime()))) {
    const now = cleared.filter((c) => c.at.getTime() === at);
    await tx
      .update(alerts)
      .set({ clearedAt: new Date(at) })
      .where(
        and(
          isNull(alerts.clearedAt),
          or(...now.map((c) => and(eq(alerts.customerId, c.customerId), eq(alerts.kind, c.kind), eq(alerts.subject, c.subject)))),
        ),
      );
  }
  return signals;
}

import { loadCustomerHealth } from "../../checks/health";
import { explainChange } from "../../checks/score";
import type { Db } from "../../db/client";
import { overdueCatchups } from "./catchup-overdue";
import { customerToday, listCatchups, storedScoreAt } from "./catchups.server";
import { changesView, headerOf, planOf, scoreView } from "./customer-page.server";
import { openItems, scoreDelta, sectionProgress } from "./customer-view";
import { getCustomer } from "./customers.server";
import { usageView } from "./usage-view";

export { cancelCatchup, recordCatchup, scheduleCatchup } from "./catchups.server";

/** Everything `/customers/:slug/catchup` shows, or null for an unknown slug. */
export async function catchupPackData(db: Db, slug: string, now = new Date()) {
  const customer = await getCustomer(db, slug);
  if (!customer) return null;
  const [health, rows, today] = await Promise.all([
    loadCustomerHealth(db, customer.id, now),
    listCatchups(db, customer.id),
    customerToday(db, customer.id, now),
  ]);
  const { resolved, score } = health.current;
  const last = health.lastCatchup;
  // "What changed" in a pack means since we last met; without a meeting, since the previous score.
  const then = last ? await storedScoreAt(db, customer.id, last.date) : null;
  const changes = then ? explainChange(then, score) : health.changes;
  const lastHeld = rows.find((r) => r.status === "held") ?? null;
  const view = (r: (typeof rows)[number]) => ({
    id: r.id,
    date: r.date,
    status: r.status,
    attendees: r.attendees,
    notes: r.notes,
    createdBy: r.createdBy,
  });
  return {
    ...headerOf(customer),
    today,
    now: scoreView(health),
    atLastCatchup: last
      ? {
          date: last.date,
          score: then?.score ?? null,
          band: then?.band ?? null,
          coverage: then ? Math.round(then.coverage * 100) : null,
          delta: scoreDelta(then?.score, score.score),
        }
      : null,
    changesBasis: then ? `since the catch-up on ${last!.date}` : "since the previous score",
    changes: changesView(changes, resolved),
    progress: sectionProgress(resolved),
    openItems: openItems(resolved, now),
    usage: usageView(health.current.usage, planOf(customer)),
    lastNotes: lastHeld ? view(lastHeld) : null,
    upcoming: rows
      .filter((r) => r.status === "scheduled" && r.date >= today)
      .reverse()
      .map(view),
    overdue: overdueCatchups(rows, today).map(view),
    past: rows.filter((r) => r.status !== "scheduled").map(view),
  };
}
export type CatchupPackData = NonNullable<Awaited<ReturnType<typeof catchupPackData>>>;

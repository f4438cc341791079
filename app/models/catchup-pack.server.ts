import { explainChange } from "../../checks/score";
import type { Db } from "../../db/client";
import { overdueCatchups } from "./catchup-overdue";
import { customerToday, listCatchups } from "./catchups.server";
import { changesView, headerOf, loadCustomerHealth, scoreView } from "./customer-page.server";
import { openItems, scoreDelta, sectionProgress } from "./customer-view";
import { assessedScore, storedScoreAt } from "./health-history.server";
import { usageView } from "./usage-view";

/** Everything `/customers/:slug/catchup` shows, or null for an unknown slug. */
export async function catchupPackData(db: Db, slug: string, now = new Date()) {
  const loaded = await loadCustomerHealth(db, slug, now);
  if (!loaded) return null;
  const { customer, assessment, health } = loaded;
  const [rows, today] = await Promise.all([listCatchups(db, customer.id), customerToday(db, customer.id, now)]);
  const last = loaded.lastCatchup;
  // "What changed" in a pack means since we last met; without a meeting, since the previous score.
  const then = last ? await storedScoreAt(db, customer.id, last.date) : null;
  const changes = then ? explainChange(then, assessedScore(assessment)) : loaded.changes;
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
    health,
    today,
    now: scoreView(health),
    atLastCatchup: last
      ? {
          date: last.date,
          score: then?.score ?? null,
          band: then?.band ?? null,
          coverage: then ? Math.round(then.coverage * 100) : null,
          delta: scoreDelta(then?.score, health.score),
        }
      : null,
    changesBasis: then ? `since the catch-up on ${last!.date}` : "since the previous score",
    changes: changesView(changes, assessment.checks),
    progress: sectionProgress(assessment.checks),
    openItems: openItems(assessment.checks, now),
    usage: usageView(assessment.usage, assessment.usage.plan),
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

import { VERSION_ONE } from "../../checks/rules";
import { bandFor } from "../../checks/scoring";
import type { Db } from "../../db/client";
import { overdueCatchups } from "./catchup-overdue";
import { customerToday, listCatchups } from "./catchups.server";
import { headerOf, loadCustomerHealth, moveView, scoreView } from "./customer-page.server";
import { openItems, scoreDelta, sectionProgress } from "./customer-view";
import { usageView } from "./usage-view";

const signedPoints = (n: number) => `${n > 0 ? "+" : "−"}${Math.abs(n)} points`;

/** Everything `/customers/:slug/catchup` shows, or null for an unknown slug. */
export async function catchupPackData(db: Db, slug: string, now = new Date()) {
  const loaded = await loadCustomerHealth(db, slug, now);
  if (!loaded) return null;
  const { customer, assessment, health } = loaded;
  const [rows, today] = await Promise.all([listCatchups(db, customer.id), customerToday(db, customer.id, now)]);
  const last = loaded.lastCatchup;
  // "What changed" in a pack means since we last met; without a meeting, over the last 30 days.
  const move = moveView(loaded.moves.catchup ?? loaded.moves["30d"], assessment.checks);
  const then = loaded.moves.catchup?.explanation.from ?? null;
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
          band: then ? bandFor(then.score, { ...VERSION_ONE, bands: loaded.bands.get(then.version) ?? VERSION_ONE.bands }) : null,
          coverage: then?.coverage != null ? Math.round(then.coverage * 100) : null,
          version: then?.version ?? null,
          delta: scoreDelta(then?.score, health.score),
        }
      : null,
    changesBasis: move?.basis ?? "since the previous score",
    /** Across scoring versions, in plain words ("Scoring changed from v1 to v4: −3.2 points of this move"). */
    changesScoring: move?.scoring ?? null,
    changes: (move?.items ?? []).map((i) => ({ ...i, checkId: i.key, text: i.points ? `${i.text}, ${signedPoints(i.points)}` : i.text })),
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

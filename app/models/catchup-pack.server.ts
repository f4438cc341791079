import type { AssessedCheck } from "../../checks/assessment/assess";
import { localDay } from "../../checks/days";
import { VERSION_ONE } from "../../checks/rules";
import { bandFor } from "../../checks/scoring";
import type { Db } from "../../db/client";
import { overdueCatchups } from "./catchup-overdue";
import { headerOf, loadCustomerHealth, moveView, scoreView } from "./customer-page.server";
import { openItems, scoreDelta, sectionProgress } from "./customer-view";
import { historyChart } from "./history-chart";
import { usageView } from "./usage-view";

const signedPoints = (n: number) => `${n > 0 ? "+" : "−"}${Math.abs(n)} points`;

/** Overrides in force: what a person decided instead of the automated result, why, and until when. */
function activeOverrides(checks: AssessedCheck[]) {
  return checks.flatMap((c) =>
    c.override?.active
      ? [
          {
            checkId: c.checkId,
            question: c.question,
            status: c.override.status,
            automated: c.automated?.status ?? null,
            reason: c.override.reason,
            by: c.override.by,
            on: c.override.at.slice(0, 10),
            expiresOn: c.override.expiresAt ? c.override.expiresAt.slice(0, 10) : null,
          },
        ]
      : [],
  );
}

/** Everything the internal `/customers/:slug/catchup` shows, or null for an unknown slug. */
export async function catchupPackData(db: Db, slug: string, now = new Date()) {
  return (await buildPack(db, slug, now))?.pack ?? null;
}

/** The customer-facing pack (`?audience=customer`), or null for an unknown slug. */
export async function customerCatchupPack(db: Db, slug: string, now = new Date()) {
  const built = await buildPack(db, slug, now);
  return built ? customerPack(built.pack, built.checks) : null;
}

async function buildPack(db: Db, slug: string, now: Date) {
  const loaded = await loadCustomerHealth(db, slug, now);
  if (!loaded) return null;
  const { customer, assessment, health, catchupRows: rows } = loaded;
  const today = localDay(now, customer.timezone);
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
  const pack = {
    audience: "internal" as const,
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
    historyChart: historyChart(loaded.history, loaded.bands),
    overrides: activeOverrides(assessment.checks),
    progress: sectionProgress(assessment.checks),
    openItems: openItems(assessment.checks, now),
    usage: usageView(assessment.usage, assessment.usage.plan, health),
    lastNotes: lastHeld ? view(lastHeld) : null,
    upcoming: rows
      .filter((r) => r.status === "scheduled" && r.date >= today)
      .reverse()
      .map(view),
    overdue: overdueCatchups(rows, today).map(view),
    past: rows.filter((r) => r.status !== "scheduled").map(view),
  };
  return { pack, checks: assessment.checks };
}
export type CatchupPackData = NonNullable<Awaited<ReturnType<typeof catchupPackData>>>;

export const AUDIENCES = ["internal", "customer"] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * The pack the customer may read: a whitelist of the internal pack, so nothing typed for the team
 * (talking points, answer notes, override reasons and authors, catch-up notes and attendees, the
 * PostHog connection, the refresh problem) reaches the page or its serialised data.
 */
function customerPack(pack: CatchupPackData, checks: { checkId: string; source: string }[]) {
  // A manual answer's or an override's summary quotes its note or reason: said neutrally instead.
  const sourceOf = new Map(checks.map((c) => [c.checkId, c.source]));
  const neutral: Record<string, string> = {
    manual: "Answered by your customer-success team.",
    override: "Agreed with your customer-success team.",
  };
  return {
    audience: "customer" as const,
    customer: { name: pack.customer.name, slug: pack.customer.slug, planName: pack.customer.planName },
    today: pack.today,
    now: pack.now,
    atLastCatchup: pack.atLastCatchup,
    changesBasis: pack.changesBasis,
    changesScoring: pack.changesScoring,
    changes: pack.changes.map((c) => {
      const said = neutral[sourceOf.get(c.checkId) ?? ""];
      return said === undefined ? c : { ...c, why: said };
    }),
    historyChart: pack.historyChart,
    progress: pack.progress,
    overrides: pack.overrides.map(({ checkId, question, status, expiresOn }) => ({ checkId, question, status, expiresOn })),
    usage: pack.usage,
  };
}
export type CustomerPackData = ReturnType<typeof customerPack>;

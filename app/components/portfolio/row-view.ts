import type { PortfolioRow } from "~/models/portfolio.server";
import type { HealthSummary } from "../../../checks/assessment/summary";
import { type SparklineGeometry, sparklineGeometry } from "../charts/sparkline";

/**
 * One portfolio row as the page shows it, built by the loader: only the fields the table reads and
 * the sparkline already drawn, so 25 rows travel as a few kilobytes instead of 90 points each twice.
 */
export type PortfolioRowView = Pick<PortfolioRow, "id" | "slug" | "name" | "movers"> & {
  owner: { id: number; name: string } | null;
  hasPlan: boolean;
  health: Pick<
    HealthSummary,
    | "score"
    | "band"
    | "coverage"
    | "failing"
    | "planPercent"
    | "projectedPercent"
    | "flagged80"
    | "flagged80AsOf"
    | "dataThrough"
    | "stale"
    | "lastRefresh"
    | "scoringVersion"
  > | null;
  spark: SparklineGeometry;
};

const dayOf = (iso: string) => iso.slice(0, 10);

export function portfolioRowView(row: PortfolioRow, now: string): PortfolioRowView {
  const h = row.health;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    movers: row.movers,
    owner: row.owner ? { id: row.owner.id, name: row.owner.name } : null,
    hasPlan: row.plan !== null,
    health: h
      ? {
          score: h.score,
          band: h.band,
          coverage: h.coverage,
          failing: h.failing,
          planPercent: h.planPercent,
          projectedPercent: h.projectedPercent,
          flagged80: h.flagged80,
          flagged80AsOf: h.flagged80AsOf,
          dataThrough: h.dataThrough,
          stale: h.stale,
          lastRefresh: h.lastRefresh,
          scoringVersion: h.scoringVersion,
        }
      : null,
    spark: sparklineGeometry({
      points: row.sparkline,
      from: dayOf(new Date(Date.parse(now) - 89 * 86_400_000).toISOString()),
      to: dayOf(now),
    }),
  };
}

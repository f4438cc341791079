import type { PortfolioRow } from "~/models/portfolio.server";
import { sparklineWindow } from "../../../checks/assessment/sparkline";
import type { HealthSummary } from "../../../checks/assessment/summary";
import { type SparklineGeometry, sparklineGeometry } from "../charts/sparkline";

/**
 * The stored health summary's fields a row shows, exactly as stored (checks/assessment/summary.ts).
 * When and until when it was assessed, and the counts no column shows, stay on the server: they
 * are sent twice per row (HTML and hydration data) for nothing.
 */
export type RowHealth = Omit<HealthSummary, "unknown" | "over100" | "lastSuccessAt" | "assessedAt" | "validUntil">;

/**
 * One portfolio row as the page shows it, built by the loader: the fields the table reads, the
 * stored health summary's shown fields as they are, and the sparkline already drawn (a string,
 * not 90 points per row).
 */
export type PortfolioRowView = Pick<PortfolioRow, "id" | "slug" | "name" | "movers" | "arr" | "currency" | "renewalDate"> & {
  owner: { id: number; name: string } | null;
  hasPlan: boolean;
  health: RowHealth | null;
  spark: SparklineGeometry;
};

export function portfolioRowView(row: PortfolioRow, now: string): PortfolioRowView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    movers: row.movers,
    arr: row.arr,
    currency: row.currency,
    renewalDate: row.renewalDate,
    owner: row.owner ? { id: row.owner.id, name: row.owner.name } : null,
    hasPlan: row.plan !== null,
    health: row.health && rowHealth(row.health),
    spark: sparklineGeometry({ scores: row.sparkline, ...sparklineWindow(new Date(now)) }),
  };
}

function rowHealth({ unknown, over100, lastSuccessAt, assessedAt, validUntil, ...shown }: HealthSummary): RowHealth {
  return shown;
}

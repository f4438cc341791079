import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";

/*
 * Movers: how far each customer's score moved over 7 and 30 days, stored with the assessment so the
 * portfolio sorts and filters them by index. The older score is the last one stored at or before
 * that moment; a change between two scoring versions keeps the older version so readers can say so.
 */

export type Movers = {
  change7d: number | null;
  change30d: number | null;
  change7dFrom: string | null;
  change30dFrom: string | null;
};

type Baseline = { score: number | null; version: string | null } | null;

const DAY = 86_400_000;

/** The change from a baseline to `score`, to a tenth of a point, with the baseline's version when it differs. */
export function changeFrom(score: number | null, version: string, baseline: Baseline): { change: number | null; from: string | null } {
  if (score === null || !baseline || baseline.score === null) return { change: null, from: null };
  return {
    change: Math.round((score - baseline.score) * 10) / 10,
    from: baseline.version !== null && baseline.version !== version ? baseline.version : null,
  };
}

/** The scores 7 and 30 days before each assessment, one statement for the whole batch. */
export async function loadMovers(
  tx: Db,
  items: { customerId: number; assessedAt: string; score: number | null; scoringVersion: string }[],
): Promise<Map<number, Movers>> {
  const out = new Map<number, Movers>();
  const wanted = items.filter((i) => i.score !== null);
  if (wanted.length > 0) {
    const keys = JSON.stringify(
      wanted.map((i) => ({
        id: i.customerId,
        w: new Date(Date.parse(i.assessedAt) - 7 * DAY).toISOString(),
        m: new Date(Date.parse(i.assessedAt) - 30 * DAY).toISOString(),
      })),
    );
    const rows = rowsOf<{ id: number; ws: number | null; wv: string | null; ms: number | null; mv: string | null }>(
      await tx.execute(sql`
        select x.id, w.score as ws, w.scoring_version as wv, m.score as ms, m.scoring_version as mv
        from json_to_recordset(${keys}::json) as x(id int, w timestamptz, m timestamptz)
        left join lateral (select h.score, h.scoring_version from health_scores h where h.customer_id = x.id and h.computed_at <= x.w
          order by h.computed_at desc, h.id desc limit 1) w on true
        left join lateral (select h.score, h.scoring_version from health_scores h where h.customer_id = x.id and h.computed_at <= x.m
          order by h.computed_at desc, h.id desc limit 1) m on true
      `),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const i of wanted) {
      const r = byId.get(i.customerId);
      const week = changeFrom(i.score, i.scoringVersion, r && r.wv !== null ? { score: r.ws, version: r.wv } : null);
      const month = changeFrom(i.score, i.scoringVersion, r && r.mv !== null ? { score: r.ms, version: r.mv } : null);
      out.set(i.customerId, { change7d: week.change, change30d: month.change, change7dFrom: week.from, change30dFrom: month.from });
    }
  }
  for (const i of items)
    if (!out.has(i.customerId)) out.set(i.customerId, { change7d: null, change30d: null, change7dFrom: null, change30dFrom: null });
  return out;
}

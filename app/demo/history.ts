import { rebuildSparklines } from "../../checks/assessment/store";
import { bandFor } from "../../checks/scoring";
import type { Db } from "../../db/client";
import { healthScores } from "../../db/schema";

/**
 * Demo only: a plausible 90-day score trail ending at each customer's real current score, so a
 * newcomer sees sparklines and history charts on first start. Rows are marked reason "demo".
 */
export async function seedDemoHistory(
  db: Db,
  customerId: number,
  current: { score: number | null; coverage: number; version: string },
  now: Date,
  seed: number,
  days = 90,
) {
  if (current.score === null) return;
  let x = seed;
  const random = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  // Walk backwards from today's score; drift gives slipping customers a visible decline.
  const drift = current.score < 60 ? 0.45 : current.score > 85 ? -0.1 : 0.15;
  const rows = [];
  let score = current.score;
  for (let d = 1; d <= days; d++) {
    score = Math.max(5, Math.min(100, score + drift + (random() - 0.5) * 3));
    const rounded = Math.round(score * 10) / 10;
    rows.push({
      customerId,
      computedAt: new Date(now.getTime() - d * 86_400_000),
      score: rounded,
      band: bandFor(rounded),
      coverage: current.coverage,
      sections: {},
      scoringVersion: current.version,
      reason: "demo",
    });
  }
  await db.insert(healthScores).values(rows);
  await rebuildSparklines(db, [customerId], now);
}

import { and, count, eq, gt, max } from "drizzle-orm";
import type { Db } from "../../db/client";
import { loginFailures } from "../../db/schema";

const WINDOW_MS = 15 * 60_000;
const FREE_ATTEMPTS = 5;
const MAX_DELAY_MS = 15 * 60_000;

/**
 * After five failures for one email within 15 minutes, each further attempt must wait a delay
 * that doubles per failure (1 s, 2 s, 4 s … up to 15 min). Kept in the database so it holds
 * across restarts and processes.
 */
export async function loginDelay(db: Db, email: string, now = new Date()): Promise<number> {
  const [row] = await db
    .select({ n: count(), last: max(loginFailures.at) })
    .from(loginFailures)
    .where(and(eq(loginFailures.email, email), gt(loginFailures.at, new Date(now.getTime() - WINDOW_MS))));
  const failures = row?.n ?? 0;
  if (failures < FREE_ATTEMPTS || !row?.last) return 0;
  const delay = Math.min(1000 * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY_MS);
  return Math.max(0, new Date(row.last).getTime() + delay - now.getTime());
}

export async function recordLoginFailure(db: Db, email: string) {
  await db.insert(loginFailures).values({ email });
}

export async function clearLoginFailures(db: Db, email: string) {
  await db.delete(loginFailures).where(eq(loginFailures.email, email));
}

import { randomBytes } from "node:crypto";
import os from "node:os";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { recordset } from "../db/recordset";
import { rowsOf } from "../db/rows";
import { refreshLocks } from "../db/schema";

/** A refresh holding a lock longer than this is presumed dead (its process crashed elsewhere). */
const STALE_MS = 10 * 60_000;
const HOST = os.hostname();
// Many locks taken or released in one statement of fixed text (db/recordset.ts).
const LOCKS = recordset(refreshLocks, ["customerId", "holder", "lockedAt"]);
const LOCKS_HELD = recordset(refreshLocks, ["customerId", "holder"]);

export function holderId() {
  return `${HOST}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

export function isDeadLocalHolder(holder: string): boolean {
  const [host, pid] = holder.split(":");
  if (host !== HOST || !pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * A row per customer being refreshed, in the database so it also holds across processes on a
 * PostgreSQL server. A lock left by a killed process on this machine is taken over at once;
 * one from elsewhere after STALE_MS.
 */
export async function acquireRefreshLock(db: Db, customerId: number, now = new Date()): Promise<string | null> {
  return (await acquireRefreshLocks(db, [customerId], now)).get(customerId) ?? null;
}

/** Takes the lock from a holder on this machine whose process is gone; null when it is alive or elsewhere. */
async function takeOverDeadLocal(db: Db, customerId: number, holder: string, now: Date): Promise<string | null> {
  const [existing] = await db.select().from(refreshLocks).where(eq(refreshLocks.customerId, customerId));
  if (existing && isDeadLocalHolder(existing.holder)) {
    const [stolen] = await db
      .update(refreshLocks)
      .set({ holder, lockedAt: now })
      .where(and(eq(refreshLocks.customerId, customerId), eq(refreshLocks.holder, existing.holder)))
      .returning({ holder: refreshLocks.holder });
    if (stolen) return holder;
  }
  return null;
}

/**
 * `acquireRefreshLock` for many customers in one statement (a bulk refresh takes the next
 * customers' locks while the current ones are still asking PostHog): the customers whose lock was
 * taken, with their holder. Rows are locked in id order, so two processes taking overlapping
 * batches wait for each other instead of deadlocking.
 */
export async function acquireRefreshLocks(db: Db, customerIds: number[], now = new Date()): Promise<Map<number, string>> {
  const ids = [...new Set(customerIds)].sort((a, b) => a - b);
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const mine = new Map(ids.map((id) => [id, holderId()]));
  const rows = ids.map((customerId) => ({ customerId, holder: mine.get(customerId)!, lockedAt: now }));
  const taken = rowsOf<{ customerId: number; holder: string }>(
    await db.execute(sql`
      ${LOCKS.insert(rows)}
      on conflict (customer_id) do update set holder = excluded.holder, locked_at = excluded.locked_at
        where ${refreshLocks.lockedAt} < ${new Date(now.getTime() - STALE_MS).toISOString()}::timestamptz
      returning customer_id as "customerId", holder`),
  );
  for (const t of taken) if (mine.get(t.customerId) === t.holder) out.set(t.customerId, t.holder);
  // Held elsewhere: only a lock left by a dead process on this machine is taken over (rare).
  for (const id of ids) {
    if (out.has(id)) continue;
    const holder = await takeOverDeadLocal(db, id, mine.get(id)!, now);
    if (holder) out.set(id, holder);
  }
  return out;
}

export async function releaseRefreshLock(db: Db, customerId: number, holder: string) {
  await db.delete(refreshLocks).where(and(eq(refreshLocks.customerId, customerId), eq(refreshLocks.holder, holder)));
}

/** Releases several locks in one statement (a batch of refreshes written together). */
export async function releaseRefreshLocks(db: Db, held: { customerId: number; holder: string }[]) {
  if (held.length === 0) return;
  await db.execute(sql`
    delete from ${refreshLocks} l using ${LOCKS_HELD.from(held)} h
    where l.customer_id = h.customer_id and l.holder = h.holder`);
}

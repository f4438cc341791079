import { randomBytes } from "node:crypto";
import os from "node:os";
import { and, eq, lt, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { refreshLocks } from "../db/schema";

/** A refresh holding a lock longer than this is presumed dead (its process crashed elsewhere). */
const STALE_MS = 10 * 60_000;
const HOST = os.hostname();

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
  const holder = holderId();
  const [taken] = await db
    .insert(refreshLocks)
    .values({ customerId, holder, lockedAt: now })
    .onConflictDoUpdate({
      target: refreshLocks.customerId,
      set: { holder, lockedAt: now },
      setWhere: lt(refreshLocks.lockedAt, new Date(now.getTime() - STALE_MS)),
    })
    .returning({ holder: refreshLocks.holder });
  if (taken?.holder === holder) return holder;
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

export async function releaseRefreshLock(db: Db, customerId: number, holder: string) {
  await db.delete(refreshLocks).where(and(eq(refreshLocks.customerId, customerId), eq(refreshLocks.holder, holder)));
}

/** Releases several locks in one statement (a batch of refreshes written together). */
export async function releaseRefreshLocks(db: Db, held: { customerId: number; holder: string }[]) {
  if (held.length === 0) return;
  await db
    .delete(refreshLocks)
    .where(or(...held.map((h) => and(eq(refreshLocks.customerId, h.customerId), eq(refreshLocks.holder, h.holder)))));
}

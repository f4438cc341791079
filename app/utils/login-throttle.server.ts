import { and, eq, gt, lt, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { loginFailures } from "../../db/schema";

export const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_MS = 15 * 60_000;
/** Wrong passwords for one account from one address before each further try must wait. */
export const FREE_PER_ACCOUNT_AND_ADDRESS = 5;
/** Wrong passwords from one address, whatever the account, before it must wait. */
export const FREE_PER_ADDRESS = 20;
/** Wrong passwords for one account from all addresses before every try on it is slowed. */
export const FREE_PER_ACCOUNT = 20;
const ACCOUNT_PAUSE_STEP_MS = 200;
const MAX_ACCOUNT_PAUSE_MS = 2000;

export type Attempt = { id: number; email: string; address: string };

export type ThrottleDecision =
  /** The password may be checked, after `pauseMs` (the account is under attack from elsewhere). */
  | { allowed: true; attempt: Attempt; pauseMs: number }
  /** This address must wait: too many wrong passwords from it (for this account, or any). */
  | { allowed: false; attempt: Attempt; waitMs: number; scope: "account" | "address" };

/** 1 s, 2 s, 4 s … after the free failures, up to 15 minutes. */
function backoff(failures: number, free: number): number {
  return failures < free ? 0 : Math.min(1000 * 2 ** (failures - free), MAX_DELAY_MS);
}

/**
 * How long after the latest earlier failure this attempt must wait. Within the free failures
 * none, even when a parallel attempt that took the lock first carries a later clock reading.
 */
function waitAfter(failures: number, last: Date | null | undefined, free: number, now: Date): number {
  const delay = backoff(failures, free);
  return delay === 0 || !last ? 0 : Math.max(0, last.getTime() + delay - now.getTime());
}

/**
 * Records a sign-in attempt before its password is checked, then decides whether it may be
 * checked. Counting only the attempts recorded before this one (by id, under a per-address
 * lock) makes twenty parallel guesses count exactly like twenty in a row.
 *
 * Failures count per account-and-address and per address, and those make the address wait: a
 * stranger guessing someone's password slows only their own address, and the right password
 * from any other address still signs in. Failures for the account from all addresses together
 * only slow each try down a little (at most two seconds), they never refuse it.
 */
export async function beginAttempt(db: Db, email: string, address: string, now = new Date()): Promise<ThrottleDecision> {
  const since = new Date(now.getTime() - WINDOW_MS);
  // Failure rows expire: nothing older than the window counts, so nothing older is kept.
  await db.delete(loginFailures).where(lt(loginFailures.at, since));
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`delight-login:${address}`}))`);
    const [row] = await tx.insert(loginFailures).values({ email, address, at: now }).returning({ id: loginFailures.id });
    const attempt = { id: row!.id, email, address };
    const pair = and(eq(loginFailures.email, email), eq(loginFailures.address, address));
    const fromAddress = eq(loginFailures.address, address);
    const [counts] = await tx
      .select({
        pair: sql<number>`count(*) filter (where ${pair})`.mapWith(Number),
        pair_last: sql<Date | null>`max(${loginFailures.at}) filter (where ${pair})`.mapWith(loginFailures.at),
        addr: sql<number>`count(*) filter (where ${fromAddress})`.mapWith(Number),
        addr_last: sql<Date | null>`max(${loginFailures.at}) filter (where ${fromAddress})`.mapWith(loginFailures.at),
        account: sql<number>`count(*) filter (where ${eq(loginFailures.email, email)})`.mapWith(Number),
      })
      .from(loginFailures)
      .where(and(lt(loginFailures.id, attempt.id), gt(loginFailures.at, since), or(eq(loginFailures.email, email), fromAddress)));
    const pairWait = waitAfter(counts?.pair ?? 0, counts?.pair_last, FREE_PER_ACCOUNT_AND_ADDRESS, now);
    if (pairWait > 0) return { allowed: false, attempt, waitMs: pairWait, scope: "account" };
    const addrWait = waitAfter(counts?.addr ?? 0, counts?.addr_last, FREE_PER_ADDRESS, now);
    if (addrWait > 0) return { allowed: false, attempt, waitMs: addrWait, scope: "address" };
    const over = (counts?.account ?? 0) - FREE_PER_ACCOUNT;
    return { allowed: true, attempt, pauseMs: over > 0 ? Math.min(over * ACCOUNT_PAUSE_STEP_MS, MAX_ACCOUNT_PAUSE_MS) : 0 };
  });
}

/** A right password: its attempt and the earlier failures for this account from this address are forgotten. */
export async function attemptSucceeded(db: Db, attempt: Attempt) {
  await db.delete(loginFailures).where(and(eq(loginFailures.email, attempt.email), eq(loginFailures.address, attempt.address)));
}

import { and, eq, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";
import { loginFailures } from "../../db/schema";

export const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_MS = 15 * 60_000;
/** Wrong passwords for one account from one address before each further try must wait. */
export const FREE_PER_ACCOUNT_AND_ADDRESS = 5;
/** Wrong passwords from one address, whatever the account, before it must wait. */
export const FREE_PER_ADDRESS = 20;
/** Wrong passwords for one account from all addresses before every try on it is slowed. */
export const FREE_PER_ACCOUNT = 10;
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

const asTime = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).getTime());

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
    const [counts] = rowsOf<Record<string, unknown>>(
      await tx.execute(sql`
        select
          count(*) filter (where email = ${email} and address = ${address})::int as pair,
          max(at) filter (where email = ${email} and address = ${address}) as pair_last,
          count(*) filter (where address = ${address})::int as addr,
          max(at) filter (where address = ${address}) as addr_last,
          count(*) filter (where email = ${email})::int as account
        from login_failures
        where id < ${attempt.id} and at > ${since} and (email = ${email} or address = ${address})`),
    );
    const t = now.getTime();
    const pairWait = Math.max(0, (asTime(counts?.pair_last) ?? t) + backoff(Number(counts?.pair ?? 0), FREE_PER_ACCOUNT_AND_ADDRESS) - t);
    if (pairWait > 0) return { allowed: false, attempt, waitMs: pairWait, scope: "account" };
    const addrWait = Math.max(0, (asTime(counts?.addr_last) ?? t) + backoff(Number(counts?.addr ?? 0), FREE_PER_ADDRESS) - t);
    if (addrWait > 0) return { allowed: false, attempt, waitMs: addrWait, scope: "address" };
    const over = Number(counts?.account ?? 0) - FREE_PER_ACCOUNT;
    return { allowed: true, attempt, pauseMs: over > 0 ? Math.min(over * ACCOUNT_PAUSE_STEP_MS, MAX_ACCOUNT_PAUSE_MS) : 0 };
  });
}

/** A right password: its attempt and the earlier failures for this account from this address are forgotten. */
export async function attemptSucceeded(db: Db, attempt: Attempt) {
  await db.delete(loginFailures).where(and(eq(loginFailures.email, attempt.email), eq(loginFailures.address, attempt.address)));
}

import { and, desc, inArray, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { checkRuns, customers } from "../db/schema";
import { openSecret } from "../db/secrets";
import { type Budget, REFRESH_COST, takeBudget, takeBudgets } from "./posthog/budgets";
import { normaliseBaseUrl } from "./posthog/client";
import { rateLimitKeyId } from "./posthog/rate-limit";
import { type RefreshOptions, type RefreshOutcome, refreshMany } from "./refresh";
import { dueCustomers } from "./schedule";

/*
 * What a refresh job does, whatever runs it (pg-boss workers on a PostgreSQL server, or the
 * in-process queue of the embedded database): skip customers refreshed since the job was asked
 * for, take each customer's calls from its key's shared budget, defer those that do not fit, and
 * refresh the rest together (one group commit).
 */

export type RefreshJob = { customerId: number; trigger: string; enqueuedAt: string };

export type JobResult =
  | { kind: "done"; outcome: RefreshOutcome }
  /** Nothing to do: archived, deleted, or refreshed since the job was asked for. */
  | { kind: "skipped" }
  /** Try again at `until`: the key's budget is spent, or another process is refreshing the customer. */
  | { kind: "deferred"; until: Date; reason: string };

/** How long a job waits when another process holds the customer's refresh lock. */
const LOCKED_RETRY_MS = 30_000;

/** The budget key of a customer's PostHog key (a hash: the key itself is never stored). */
function keyHashOf(customer: typeof customers.$inferSelect, secretKey: Buffer): string | null {
  try {
    return rateLimitKeyId(new URL(normaliseBaseUrl(customer.posthogHost)).origin, openSecret(customer.apiKeyEncrypted, secretKey));
  } catch {
    // A key that cannot be opened or a host that does not parse: the refresh records why; no call is made.
    return null;
  }
}

export async function runRefreshJobs(
  db: Db,
  secretKey: Buffer,
  jobs: RefreshJob[],
  options: RefreshOptions & { concurrency?: number; budgets?: Budget[] } = {},
): Promise<JobResult[]> {
  const ids = [...new Set(jobs.map((j) => j.customerId))];
  const rows = ids.length
    ? await db
        .select()
        .from(customers)
        .where(and(inArray(customers.id, ids), isNull(customers.archivedAt)))
    : [];
  const rowOf = new Map(rows.map((r) => [r.id, r]));
  const lastRuns = ids.length
    ? await db
        .selectDistinctOn([checkRuns.customerId], { customerId: checkRuns.customerId, startedAt: checkRuns.startedAt })
        .from(checkRuns)
        .where(inArray(checkRuns.customerId, ids))
        .orderBy(checkRuns.customerId, desc(checkRuns.startedAt))
    : [];
  const lastOf = new Map(lastRuns.map((r) => [r.customerId, r.startedAt]));

  const results: JobResult[] = new Array(jobs.length);
  const candidates: { index: number; customer: typeof customers.$inferSelect; keyHash: string | null }[] = [];
  const duplicates: { index: number; of: number }[] = [];
  const firstOf = new Map<number, number>();
  for (const [index, job] of jobs.entries()) {
    const customer = rowOf.get(job.customerId);
    const last = lastOf.get(job.customerId);
    // A run started after the job was asked for already answers it (a second round's job, a duplicate).
    if (!customer || (last && last > new Date(job.enqueuedAt))) {
      results[index] = { kind: "skipped" };
      continue;
    }
    const first = firstOf.get(job.customerId);
    if (first !== undefined) {
      duplicates.push({ index, of: first });
      continue;
    }
    firstOf.set(job.customerId, index);
    candidates.push({ index, customer, keyHash: keyHashOf(customer, secretKey) });
  }
  // Each key's budgets are taken once for all of its customers in the batch (one transaction per
  // key, not per customer), in job order: the first that does not fit and those after it wait.
  const byKey = new Map<string, typeof candidates>();
  for (const c of candidates) if (c.keyHash) byKey.set(c.keyHash, [...(byKey.get(c.keyHash) ?? []), c]);
  const deferredIndexes = new Set<number>();
  for (const [keyHash, list] of byKey) {
    const taken = await takeBudgets(db, keyHash, REFRESH_COST, list.length, { budgets: options.budgets });
    for (const c of list.slice(taken.granted)) {
      deferredIndexes.add(c.index);
      results[c.index] = {
        kind: "deferred",
        until: new Date(Date.now() + taken.refused!.waitMs),
        reason: `PostHog budget ${taken.refused!.budget} of this key is spent`,
      };
    }
  }
  const ready = candidates.filter((c) => !deferredIndexes.has(c.index));
  // The same customer twice in a batch: refreshed once; the other job waits as long as the first.
  for (const d of duplicates) results[d.index] = deferredIndexes.has(d.of) ? results[d.of]! : { kind: "skipped" };

  // One group commit for the batch; each run keeps the trigger its job was asked with.
  const triggerOf = new Map(ready.map((r) => [r.customer.id, jobs[r.index]!.trigger]));
  const outcomes = await refreshMany(
    db,
    secretKey,
    ready.map((r) => r.customer),
    { ...options, trigger: options.trigger, triggerOf, concurrency: options.concurrency ?? ready.length },
  );
  for (const [i, r] of ready.entries()) {
    const outcome = outcomes[i]!;
    if (outcome.status === "skipped") {
      results[r.index] = { kind: "deferred", until: new Date(Date.now() + LOCKED_RETRY_MS), reason: outcome.message };
      continue;
    }
    // Extra pages and retries are charged after the fact, so the next jobs of this key wait for them.
    const extra = outcome.apiCalls - REFRESH_COST.all;
    if (r.keyHash && extra > 0) await takeBudget(db, r.keyHash, { all: extra }, { budgets: options.budgets, force: true });
    results[r.index] = { kind: "done", outcome };
  }
  return results;
}

/** Active customers never refreshed or last refreshed before `now - interval`: one round's jobs. */
export async function dueCustomerIds(db: Db, intervalMs: number, now = new Date()): Promise<number[]> {
  return (await dueCustomers(db, intervalMs, now)).map((c) => c.id);
}

import { asc, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { recordset } from "../db/recordset";
import { rowsOf } from "../db/rows";
import { checkRuns, customers } from "../db/schema";
import { openSecret, SecretError } from "../db/secrets";
import { runsTransactionsTogether } from "../db/transactions";
import { assess, delightFacts } from "./assessment/assess";
import { commitPreparedMany, type Loaded, loadInputs } from "./assessment/store";
import { type HealthSummary, healthSummary } from "./assessment/summary";
import { type CollectOptions, collectSnapshot } from "./collect";
import { evaluateAutomated } from "./evaluate";
import { HostRefusedError, type Resolver, resolvePinned } from "./posthog/host";
import { acquireRefreshLock, acquireRefreshLocks, releaseRefreshLock, releaseRefreshLocks } from "./refresh-lock";
import { catalogFor, eventColumnsFor, loadRules, type Rules } from "./rules";
import { CALLS, type CallFailure, type DailyCounts, type UsageSnapshot } from "./snapshot";

export type RefreshStatus = "ok" | "partial" | "failed" | "skipped";

export type RefreshOutcome = {
  slug: string;
  name: string;
  status: RefreshStatus;
  runId: number | null;
  score: number | null;
  band: string | null;
  coverage: number | null;
  errors: CallFailure[];
  apiCalls: number;
  durationMs: number;
  message: string;
};

export type RefreshOptions = Omit<CollectOptions, "now"> & {
  now?: () => Date;
  trigger?: string;
  /**
   * false: refuse hosts whose name resolves to anything but public unicast addresses, checked before
   * the run and again on every request, which connects to exactly the address it checked (the
   * server, CLI and schedule pass DELIGHT_ALLOW_PRIVATE_HOSTS here). Left out, no lookup is made
   * by delight itself (tests, sandbox).
   */
  allowPrivateHosts?: boolean;
  /** How host names are looked up (tests make a name change its answer). */
  resolve?: Resolver;
  /** Per customer id, the trigger recorded with its run (background jobs asked for different reasons). */
  triggerOf?: Map<number, string>;
  /** The rules in force, when the caller has just read them (a batch reads them once). */
  rules?: Rules;
  /** Called after a run and its assessment are committed (e.g. to send them to the team's PostHog). */
  onAssessed?: (customer: { id: number; slug: string; name: string }, health: HealthSummary) => Promise<void> | void;
};

type CustomerRow = typeof customers.$inferSelect;

function failuresOf(snapshot: UsageSnapshot): CallFailure[] {
  const fields = [
    snapshot.project,
    snapshot.members,
    snapshot.actions,
    snapshot.insights,
    snapshot.dashboards,
    snapshot.featureFlags,
    snapshot.personProperties,
    snapshot.daily,
  ];
  return fields.flatMap((f) => (f.ok ? [] : [f.error]));
}

function runStatus(errors: CallFailure[]): Exclude<RefreshStatus, "skipped"> {
  if (errors.length === 0) return "ok";
  return errors.length >= CALLS.length ? "failed" : "partial";
}

function describe(status: RefreshStatus, errors: CallFailure[], score: number | null): string {
  if (status === "ok") return score === null ? "refreshed" : `refreshed, score ${score}`;
  const reasons = [...new Set(errors.map((e) => e.message))].join("; ");
  if (status === "failed") return `failed: ${reasons}`;
  return `partial (${errors.length} of ${CALLS.length} calls failed): ${reasons}`;
}

/** One customer measured (or refused) and still holding its refresh lock, waiting to be written. */
type Collected = {
  customer: CustomerRow;
  holder: string;
  rules: Rules;
  now: Date;
  wallStart: number;
  finishedAt: Date;
  snapshot: UsageSnapshot | null;
  errors: CallFailure[];
  status: Exclude<RefreshStatus, "skipped">;
};

const skippedOutcome = (customer: CustomerRow): RefreshOutcome => ({
  ...baseOutcome(customer),
  status: "skipped",
  message: "skipped: a refresh of this customer is already running",
});

function baseOutcome(customer: CustomerRow): RefreshOutcome {
  return {
    slug: customer.slug,
    name: customer.name,
    status: "failed",
    runId: null,
    score: null,
    band: null,
    coverage: null,
    errors: [],
    apiCalls: 0,
    durationMs: 0,
    message: "",
  };
}

/**
 * Takes the customer's refresh lock (unless the caller already holds it: `held`) and asks PostHog;
 * null when another refresh holds the lock. The lock is released if this throws.
 */
async function collectCustomer(
  db: Db,
  secretKey: Buffer,
  customer: CustomerRow,
  rules: Rules,
  options: RefreshOptions,
  held?: string,
): Promise<Collected | null> {
  const now = options.now?.() ?? new Date();
  const wallStart = Date.now();
  const holder = held ?? (await acquireRefreshLock(db, customer.id, now));
  if (!holder) return null;
  try {
    let snapshot: UsageSnapshot | null = null;
    let errors: CallFailure[];
    const hostPolicy =
      options.allowPrivateHosts === undefined ? undefined : { allowPrivate: options.allowPrivateHosts, resolve: options.resolve };
    const hostname = URL.canParse(customer.posthogHost) ? new URL(customer.posthogHost).hostname : null;
    try {
      // A refused host fails the run before the key is even decrypted; each request checks again.
      if (hostPolicy && !hostPolicy.allowPrivate && hostname) await resolvePinned(hostname, hostPolicy);
      const apiKey = openSecret(customer.apiKeyEncrypted, secretKey);
      // The customer's event checks become extra columns of the same single HogQL query.
      const { columns, lookbackDays } = eventColumnsFor(rules, customer.planId);
      snapshot = await collectSnapshot(
        {
          host: customer.posthogHost,
          projectId: customer.projectId,
          apiKey,
          billingDay: customer.billingDay,
          eventColumns: columns,
          lookbackDays,
          organizationId: customer.posthogOrgId,
        },
        { ...options, hostPolicy, now },
      );
      errors = failuresOf(snapshot);
    } catch (error) {
      if (error instanceof HostRefusedError) {
        errors = [
          {
            call: "project",
            kind: error.reason === "private" ? "forbidden" : "network",
            message: error.message,
            ...(hostname ? { host: hostname } : {}),
          },
        ];
      } else if (error instanceof SecretError) errors = [{ call: "project", kind: "auth", message: error.message }];
      else throw error;
    }
    const status = snapshot ? runStatus(errors) : "failed";
    return {
      customer,
      holder,
      rules,
      now,
      wallStart,
      finishedAt: new Date(now.getTime() + Date.now() - wallStart),
      snapshot,
      errors,
      status,
    };
  } catch (error) {
    await releaseRefreshLock(db, customer.id, holder).catch(() => {});
    throw error;
  }
}

/**
 * Evaluates and assesses collected customers before any transaction opens, then writes them all
 * in one: runs, day counts, results and assessments each as one multi-row statement, so the write
 * cost of a refresh is shared by every customer that finished meanwhile. Each customer is whole or
 * absent: a crash never leaves half a run. Locks are released whatever happens.
 */
async function commitCollected(
  db: Db,
  items: Collected[],
  options: RefreshOptions,
  { release = true }: { release?: boolean } = {},
): Promise<RefreshOutcome[]> {
  let ok = false;
  try {
    const runIds = await nextRunIds(db, items.length);
    const failedIds = items.filter((i) => i.status === "failed").map((i) => i.customer.id);
    const earliest = new Date(Math.min(...items.map((i) => i.now.getTime())));
    const loadedAll = await loadInputs(
      db,
      items.map((i) => i.customer.id),
      earliest,
      items[0]!.rules,
      { resultsFor: failedIds },
    );
    const prepareOne = (item: Collected, index: number) => {
      const { customer, snapshot, status, errors, now, finishedAt } = item;
      const runId = runIds[index]!;
      const stored = loadedAll.get(customer.id);
      if (!stored) throw new Error(`customer ${customer.id} not found`);
      const loaded: Loaded = { ...stored, input: { ...stored.input, now, rules: item.rules } };
      const input = loaded.input;
      const measured = snapshot && status !== "failed" ? snapshot : null;
      const daily = measured?.daily.ok ? measured.daily.value : [];
      const project = measured?.project.ok ? measured.project.value : null;
      const timezone = project?.timezone ?? input.customer.timezone;
      const automated = measured
        ? evaluateAutomated({ snapshot: measured, facts: delightFacts(input), now }, catalogFor(item.rules, input.customer.planId))
        : null;
      const assessment = assess({
        ...input,
        customer: { ...input.customer, timezone },
        lastRun: { id: runId, status, finishedAt, errors, apiCalls: snapshot?.apiCalls ?? 0 },
        results: automated && measured ? { runId, finishedAt, automated, snapshot: measured } : input.results,
        usage: daily.length ? { daily: mergeDaily(input.usage.daily, daily), measuredAt: now } : input.usage,
      });
      return { item, runId, loaded, daily, automated, assessment, project };
    };
    const prepared: ReturnType<typeof prepareOne>[] = [];
    for (const [index, item] of items.entries()) {
      // Between customers, let waiting PostHog answers and requests through: assessing a whole
      // batch in one go held the event loop for tens of milliseconds, and every customer still
      // collecting waited that long on top of PostHog's latency.
      if (index > 0) await breathe();
      prepared.push(prepareOne(item, index));
    }

    const written = await db.transaction(async (tx) => {
      const runs = prepared.map(({ item, runId }) => ({
        id: runId,
        customerId: item.customer.id,
        startedAt: item.now,
        finishedAt: item.finishedAt,
        status: item.status,
        errors: item.errors,
        apiCalls: item.snapshot?.apiCalls ?? 0,
        snapshot: item.snapshot,
        trigger: options.triggerOf?.get(item.customer.id) ?? options.trigger ?? "manual",
      }));
      await tx.execute(RUNS.insert(runs));
      const moved = prepared.flatMap(({ item, project }) =>
        project && (project.timezone !== item.customer.timezone || project.organizationId !== item.customer.posthogOrgId)
          ? [{ id: item.customer.id, timezone: project.timezone, org: project.organizationId }]
          : [],
      );
      if (moved.length > 0) {
        await tx.execute(sql`
          update customers c set timezone = m.timezone, posthog_org_id = m.org
          from json_to_recordset(${JSON.stringify(moved)}::json) as m(id int, timezone text, org text)
          where c.id = m.id`);
      }
      const days = prepared.flatMap(({ item, daily }) => daily.map((d) => ({ customerId: item.customer.id, day: d, now: item.now })));
      if (days.length > 0) await storeDaily(tx, days);
      const results = prepared.flatMap(({ item, runId, automated }) =>
        (automated ?? []).map((r) => ({
          runId,
          customerId: item.customer.id,
          checkId: r.checkId,
          status: r.status,
          evidence: r.evidence,
          summary: r.summary,
          createdAt: item.now,
        })),
      );
      if (results.length > 0) await storeResults(tx, results);
      return commitPreparedMany(
        tx,
        prepared.map(({ loaded, assessment, runId, automated }) => ({
          loaded,
          assessment,
          cause: "refresh" as const,
          runId,
          pointers: { runId, resultsRunId: automated ? runId : null },
        })),
      );
    });

    const outcomes: RefreshOutcome[] = [];
    for (const [index, { item, runId }] of prepared.entries()) {
      const summary = healthSummary(written[index]!);
      if (options.onAssessed) {
        await Promise.resolve(options.onAssessed(item.customer, summary)).catch(() => {});
      }
      outcomes.push({
        ...baseOutcome(item.customer),
        status: item.status,
        runId,
        score: summary.score,
        band: summary.band,
        coverage: Math.round(summary.coverage * 1000) / 10,
        errors: item.errors,
        apiCalls: item.snapshot?.apiCalls ?? 0,
        durationMs: Date.now() - item.wallStart,
        message: describe(item.status, item.errors, summary.score),
      });
    }
    ok = true;
    return outcomes;
  } finally {
    // A failed batch keeps its locks: its customers are written again one by one (refreshMany).
    if (ok || release) await releaseLocks(db, items);
  }
}

// The batch's runs as one JSON parameter (db/recordset.ts).
const RUNS = recordset(checkRuns, ["id", "customerId", "startedAt", "finishedAt", "status", "errors", "apiCalls", "snapshot", "trigger"]);

const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

const releaseLocks = (db: Db, items: Collected[]) =>
  releaseRefreshLocks(
    db,
    items.map((i) => ({ customerId: i.customer.id, holder: i.holder })),
  ).catch(() => {});

/**
 * collect → evaluate → assess → persist for one customer. PostHog is asked, and the results and
 * the new assessment computed, before any transaction opens; the run, its results, the day counts
 * and the assessment are then written in one transaction, so a crash or an outage never leaves
 * half a run. A run where every call failed is recorded and assessed (the data turns stale) but
 * keeps the previous results.
 */
export async function refreshCustomer(
  db: Db,
  secretKey: Buffer,
  customer: CustomerRow,
  options: RefreshOptions = {},
): Promise<RefreshOutcome> {
  const rules = options.rules ?? (await loadRules(db));
  const collected = await collectCustomer(db, secretKey, customer, rules, options);
  if (!collected) return skippedOutcome(customer);
  const [outcome] = await commitCollected(db, [collected], options);
  return outcome!;
}

/** Run ids taken before the write transaction, so the assessments computed before it can name their runs. */
async function nextRunIds(db: Db, count: number): Promise<number[]> {
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`select nextval(pg_get_serial_sequence('check_runs', 'id'))::int as id from generate_series(1, ${count})`),
  );
  return rows.map((r) => r.id);
}

/** The stored measured days with this refresh's measurements replacing the days it measured again. */
function mergeDaily(stored: { day: string; events: number }[], fresh: DailyCounts[]) {
  const byDay = new Map(stored.map((d) => [d.day, d.events]));
  for (const d of fresh) byDay.set(d.day, d.events);
  return [...byDay].map(([day, events]) => ({ day, events }));
}

/*
 * Day counts and results are the most rows a refresh writes (about 35 and 20 per customer). They
 * go to the server as one JSON parameter each, unpacked by json_to_recordset: building hundreds
 * of bound parameters per customer cost more CPU in the ORM than the database spent storing them.
 */

/**
 * A refresh measures recent days again (late events still arrive), and a day keeps its latest
 * counts. A past day measured to the same counts is left as it is: rewriting every stored day of
 * every customer on every refresh (35-90 rows each) was among the largest writes of a repeat
 * refresh, for rows that almost never change. Each customer's newest day is always written: its
 * measured_at tells the usage projection how much of that day was seen (checks/usage.ts).
 */
async function storeDaily(tx: Db, days: { customerId: number; day: DailyCounts; now: Date }[]) {
  const newest = new Map<number, string>();
  for (const { customerId, day } of days) if ((newest.get(customerId) ?? "") < day.day) newest.set(customerId, day.day);
  const rowOf = ({ customerId, day: d, now }: (typeof days)[number]) => [
    customerId,
    d.day,
    d.events,
    d.identifies,
    d.localEvents,
    d.nonLocalEvents,
    d.flagCalls,
    now.toISOString(),
  ];
  const latest = days.filter((d) => newest.get(d.customerId) === d.day.day).map(rowOf);
  const earlier = days.filter((d) => newest.get(d.customerId) !== d.day.day).map(rowOf);
  const upsert = (rows: unknown[][], onlyChanged: boolean) => sql`
    insert into usage_daily (customer_id, day, events, identifies, local_events, non_local_events, flag_calls, measured_at)
    select (r->>0)::int, (r->>1)::date, (r->>2)::bigint, (r->>3)::bigint, (r->>4)::bigint, (r->>5)::bigint, (r->>6)::bigint, (r->>7)::timestamptz
    from json_array_elements(${JSON.stringify(rows)}::json) as r
    on conflict (customer_id, day) do update set events = excluded.events, identifies = excluded.identifies,
      local_events = excluded.local_events, non_local_events = excluded.non_local_events,
      flag_calls = excluded.flag_calls, measured_at = excluded.measured_at
    ${
      onlyChanged
        ? sql`where (usage_daily.events, usage_daily.identifies, usage_daily.local_events, usage_daily.non_local_events, usage_daily.flag_calls)
            is distinct from (excluded.events, excluded.identifies, excluded.local_events, excluded.non_local_events, excluded.flag_calls)`
        : sql``
    }`;
  if (earlier.length > 0) await tx.execute(upsert(earlier, true));
  if (latest.length > 0) await tx.execute(upsert(latest, false));
}

type ResultRow = {
  runId: number;
  customerId: number;
  checkId: string;
  status: string;
  evidence: unknown;
  summary: string;
  createdAt: Date;
};

async function storeResults(tx: Db, results: ResultRow[]) {
  const rows = results.map((r) => [r.runId, r.customerId, r.checkId, r.status, r.evidence, r.summary, r.createdAt.toISOString()]);
  await tx.execute(sql`
    insert into check_results (run_id, customer_id, check_id, status, evidence, summary, created_at)
    select (r->>0)::int, (r->>1)::int, r->>2, r->>3, (r->4)::jsonb, r->>5, (r->>6)::timestamptz
    from json_array_elements(${JSON.stringify(rows)}::json) as r`);
}

export async function activeCustomers(db: Db) {
  return db.select().from(customers).where(isNull(customers.archivedAt)).orderBy(asc(customers.id));
}

/** How long a long refresh keeps the rules it read before reading them again. */
const RULES_MAX_AGE_MS = 30_000;
/** Customers written per transaction at most. */
const COMMIT_BATCH = 50;
/**
 * Transactions in flight at most on a PostgreSQL server. With one, a repeat refresh waited on its
 * writes: a batch of 50 took ~250 ms to write while the collectors, back-pressured, stood still.
 * Two batches are always disjoint customers (each holds its customers' refresh locks), so they do
 * not wait on each other except for the band counts, which every writer updates in one sorted
 * pass. The embedded database runs one transaction at a time: a second committer there would only
 * queue (measured: no gain), so it keeps one.
 */
const SERVER_COMMITTERS = 2;
/** How long a committer waits for a batch to fill (small next to PostHog's latency). */
const LINGER_MS = 100;

/**
 * Refreshes customers with at most `concurrency` asking PostHog at once; one customer's failure
 * never stops the rest. Collected customers are written by one committer (two on a server), each
 * transaction taking everyone that finished while the previous one was written (group commit), so
 * the database work per customer shrinks as concurrency grows instead of queueing behind it.
 */
export async function refreshMany(
  db: Db,
  secretKey: Buffer,
  list: CustomerRow[],
  options: RefreshOptions & { concurrency?: number; onDone?: (outcome: RefreshOutcome, done: number, total: number) => void } = {},
): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = new Array(list.length);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, list.length));
  let next = 0;
  let done = 0;
  const finish = (index: number, outcome: RefreshOutcome) => {
    outcomes[index] = outcome;
    options.onDone?.(outcome, ++done, list.length);
  };
  let rules = options.rules ?? null;
  let rulesAt = 0;
  const currentRules = async () => {
    if (options.rules) return options.rules;
    if (!rules || Date.now() - rulesAt > RULES_MAX_AGE_MS) {
      rules = await loadRules(db);
      rulesAt = Date.now();
    }
    return rules;
  };

  const queue: { index: number; collected: Collected }[] = [];
  const committers: Promise<void>[] = [];
  // Committers running (lingering for a batch or writing one), and of those, writing.
  let active = 0;
  let writing = 0;
  const drained: (() => void)[] = [];
  // A transaction costs about the same for one customer as for many: the committer lingers a
  // little for half the collectors to finish, as long as some are still collecting.
  const target = Math.min(COMMIT_BATCH, concurrency);
  const most = runsTransactionsTogether(db) ? SERVER_COMMITTERS : 1;
  let collecting = concurrency;
  const commitLoop = async () => {
    try {
      while (queue.length > 0) {
        for (let waited = 0; queue.length < target && collecting > 0 && waited < LINGER_MS; waited += 5) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const batch = queue.splice(0, COMMIT_BATCH);
        writing += 1;
        try {
          await commitBatch(batch);
        } finally {
          writing -= 1;
        }
        for (const wake of drained.splice(0)) wake();
      }
    } finally {
      // Counted down in the same step as the loop sees the queue empty: a customer enqueued
      // right after must find no committer here and start one.
      active -= 1;
    }
  };
  const commitBatch = async (batch: typeof queue) => {
    let written: RefreshOutcome[] | null = null;
    let failure: unknown;
    try {
      written = await commitCollected(
        db,
        batch.map((b) => b.collected),
        options,
        { release: batch.length === 1 },
      );
    } catch (error) {
      // One customer's bad write (deleted meanwhile, a constraint) must not take the batch with it.
      failure = error;
    }
    if (written) for (const [i, b] of batch.entries()) finish(b.index, written[i]!);
    else if (batch.length === 1) {
      finish(batch[0]!.index, { ...baseOutcome(batch[0]!.collected.customer), message: `failed: ${(failure as Error)?.message}` });
    } else {
      for (const b of batch) {
        try {
          finish(b.index, (await commitCollected(db, [b.collected], options))[0]!);
        } catch (error) {
          finish(b.index, { ...baseOutcome(b.collected.customer), message: `failed: ${(error as Error).message}` });
        }
      }
    }
  };
  const enqueue = (index: number, collected: Collected) => {
    queue.push({ index, collected });
    // Another committer starts only when every running one is writing and a batch is ready, so
    // that its evaluation and encoding overlap the others' time in the database (one lingering
    // for a batch would otherwise find the queue emptied under it).
    if (active === 0 || (active < most && writing === active && queue.length >= target)) {
      active += 1;
      committers.push(commitLoop());
    }
  };

  // Locks are taken a chunk of `concurrency` customers at a time, one chunk ahead of the
  // collectors, in one statement: a lock per customer was a database round trip in front of every
  // customer's PostHog calls, and it queued behind the committer's transaction.
  const lockChunks = new Map<number, Promise<Map<number, string>>>();
  const chunked = new Set<number>();
  const chunkLocks = (k: number) => {
    let locks = lockChunks.get(k);
    if (!locks) {
      // Chunks are built in order; a customer listed again later takes its own lock in its turn.
      const ids = list
        .slice(k * concurrency, (k + 1) * concurrency)
        .map((c) => c.id)
        .filter((id) => !chunked.has(id));
      for (const id of ids) chunked.add(id);
      locks = acquireRefreshLocks(db, ids, options.now?.() ?? new Date());
      // Awaited by the chunk's collectors, which fall back to one lock each if it failed.
      locks.catch(() => {});
      lockChunks.set(k, locks);
    }
    return locks;
  };
  const claimed = new Set<number>();
  /** The lock taken ahead for list[index]: its holder, null if another refresh holds it, undefined to take it now. */
  const lockAhead = async (index: number): Promise<string | null | undefined> => {
    const k = Math.floor(index / concurrency);
    const current = chunkLocks(k);
    if ((k + 1) * concurrency < list.length) chunkLocks(k + 1);
    let locks: Map<number, string>;
    try {
      locks = await current;
    } catch {
      // A customer deleted meanwhile fails the chunk's statement: each takes its own, as before.
      return undefined;
    }
    const id = list[index]!.id;
    // The same customer twice in a chunk: the second asks for the lock itself, when its turn comes.
    if (claimed.has(id)) return undefined;
    claimed.add(id);
    return locks.get(id) ?? null;
  };

  const worker = async () => {
    while (next < list.length) {
      const index = next++;
      const customer = list[index]!;
      // Back-pressure: collectors wait while the committer is a full batch behind.
      while (queue.length >= COMMIT_BATCH) await new Promise<void>((resolve) => drained.push(resolve));
      let held: string | null | undefined;
      try {
        held = await lockAhead(index);
        if (held === null) {
          finish(index, skippedOutcome(customer));
          continue;
        }
        const rules = await currentRules().catch(async (error) => {
          if (held) await releaseRefreshLock(db, customer.id, held).catch(() => {});
          throw error;
        });
        const collected = await collectCustomer(db, secretKey, customer, rules, options, held);
        if (collected) enqueue(index, collected);
        else finish(index, skippedOutcome(customer));
      } catch (error) {
        finish(index, { ...baseOutcome(customer), message: `failed: ${(error as Error).message}` });
      }
    }
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      await worker();
      collecting -= 1;
    }),
  );
  // Every collector is done, so no committer starts any more; each one ends with the queue empty.
  for (const loop of committers) await loop;
  return outcomes;
}

import { asc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowsOf } from "../db/rows";
import { checkResults, checkRuns, customers, usageDaily } from "../db/schema";
import { openSecret, SecretError } from "../db/secrets";
import { assess, delightFacts } from "./assessment/assess";
import { commitPrepared, loadInputs } from "./assessment/store";
import { type HealthSummary, healthSummary } from "./assessment/summary";
import { type CollectOptions, collectSnapshot } from "./collect";
import { evaluateAutomated } from "./evaluate";
import { HostRefusedError, type Resolver, resolvePinned } from "./posthog/host";
import { acquireRefreshLock, releaseRefreshLock } from "./refresh-lock";
import { catalogFor, eventColumnsFor, loadRules } from "./rules";
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
  const now = options.now?.() ?? new Date();
  const wallStart = Date.now();
  const base = { slug: customer.slug, name: customer.name, runId: null, score: null, band: null, coverage: null, errors: [], apiCalls: 0 };
  const holder = await acquireRefreshLock(db, customer.id, now);
  if (!holder) return { ...base, status: "skipped", durationMs: 0, message: "skipped: a refresh of this customer is already running" };
  try {
    const rules = await loadRules(db);
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
    const finishedAt = new Date(now.getTime() + Date.now() - wallStart);
    const runId = await nextRunId(db);
    const loaded = (await loadInputs(db, [customer.id], now, rules)).get(customer.id);
    if (!loaded) throw new Error(`customer ${customer.id} not found`);
    const input = loaded.input;
    const daily = snapshot?.daily.ok && status !== "failed" ? snapshot.daily.value : [];
    const timezone = snapshot?.project.ok && status !== "failed" ? snapshot.project.value.timezone : input.customer.timezone;
    const automated =
      snapshot && status !== "failed"
        ? evaluateAutomated(
            {
              snapshot,
              facts: delightFacts(input),
              now,
            },
            catalogFor(rules, input.customer.planId),
          )
        : null;
    const assessment = assess({
      ...input,
      customer: { ...input.customer, timezone },
      lastRun: { id: runId, status, finishedAt, errors, apiCalls: snapshot?.apiCalls ?? 0 },
      results: automated && snapshot ? { runId, finishedAt, automated, snapshot } : input.results,
      usage: daily.length ? { daily: mergeDaily(input.usage.daily, daily), measuredAt: now } : input.usage,
    });

    const written = await db.transaction(async (tx) => {
      await tx.insert(checkRuns).values({
        id: runId,
        customerId: customer.id,
        startedAt: now,
        finishedAt,
        status,
        errors,
        apiCalls: snapshot?.apiCalls ?? 0,
        snapshot,
        trigger: options.trigger ?? "manual",
      });
      if (automated) {
        if (timezone !== customer.timezone) await tx.update(customers).set({ timezone }).where(eq(customers.id, customer.id));
        if (daily.length > 0) await storeDaily(tx, customer.id, daily, now);
        await tx.insert(checkResults).values(
          automated.map((r) => ({
            runId,
            customerId: customer.id,
            checkId: r.checkId,
            status: r.status,
            evidence: r.evidence,
            summary: r.summary,
            createdAt: now,
          })),
        );
      }
      return commitPrepared(tx, {
        loaded,
        assessment,
        cause: "refresh",
        runId,
        pointers: { runId, resultsRunId: automated ? runId : null },
      });
    });
    const summary = healthSummary(written);
    if (options.onAssessed) {
      await Promise.resolve(options.onAssessed(customer, summary)).catch(() => {});
    }
    return {
      ...base,
      status,
      runId,
      score: summary.score,
      band: summary.band,
      coverage: Math.round(summary.coverage * 1000) / 10,
      errors,
      apiCalls: snapshot?.apiCalls ?? 0,
      durationMs: Date.now() - wallStart,
      message: describe(status, errors, summary.score),
    };
  } finally {
    await releaseRefreshLock(db, customer.id, holder).catch(() => {});
  }
}

/** A run id taken before the write transaction, so the assessment computed before it can name its run. */
async function nextRunId(db: Db): Promise<number> {
  const [row] = rowsOf<{ id: number }>(await db.execute(sql`select nextval(pg_get_serial_sequence('check_runs', 'id'))::int as id`));
  return row!.id;
}

/** The stored measured days with this refresh's measurements replacing the days it measured again. */
function mergeDaily(stored: { day: string; events: number }[], fresh: DailyCounts[]) {
  const byDay = new Map(stored.map((d) => [d.day, d.events]));
  for (const d of fresh) byDay.set(d.day, d.events);
  return [...byDay].map(([day, events]) => ({ day, events }));
}

/** A refresh measures recent days again (late events still arrive): a day keeps its latest measurement. */
async function storeDaily(tx: Db, customerId: number, daily: DailyCounts[], now: Date) {
  await tx
    .insert(usageDaily)
    .values(
      daily.map((d) => ({
        customerId,
        day: d.day,
        events: d.events,
        identifies: d.identifies,
        localEvents: d.localEvents,
        nonLocalEvents: d.nonLocalEvents,
        flagCalls: d.flagCalls,
        measuredAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [usageDaily.customerId, usageDaily.day],
      set: {
        events: sql`excluded.events`,
        identifies: sql`excluded.identifies`,
        localEvents: sql`excluded.local_events`,
        nonLocalEvents: sql`excluded.non_local_events`,
        flagCalls: sql`excluded.flag_calls`,
        measuredAt: sql`excluded.measured_at`,
      },
    });
}

export async function activeCustomers(db: Db) {
  return db.select().from(customers).where(isNull(customers.archivedAt)).orderBy(asc(customers.id));
}

/** Refreshes customers with at most `concurrency` at once; one customer's failure never stops the rest. */
export async function refreshMany(
  db: Db,
  secretKey: Buffer,
  list: CustomerRow[],
  options: RefreshOptions & { concurrency?: number; onDone?: (outcome: RefreshOutcome, done: number, total: number) => void } = {},
): Promise<RefreshOutcome[]> {
  const outcomes: RefreshOutcome[] = new Array(list.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < list.length) {
      const index = next++;
      const customer = list[index]!;
      try {
        outcomes[index] = await refreshCustomer(db, secretKey, customer, options);
      } catch (error) {
        outcomes[index] = {
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
          message: `failed: ${(error as Error).message}`,
        };
      }
      options.onDone?.(outcomes[index]!, ++done, list.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, list.length)) }, worker));
  return outcomes;
}

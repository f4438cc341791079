import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "../app/models/users.server";
import { UNKNOWN_ACTIVITY } from "../checks/activity";
import { type Assessment, STALE_AFTER_MS } from "../checks/assessment/assess";
import { EMPTY_SPARKLINE, nextSparkline, type Sparkline } from "../checks/assessment/sparkline";
import { ensureCurrent, rebuildSparklines, writeAssessments } from "../checks/assessment/store";
import { CATALOG } from "../checks/catalog";
import { bandFor } from "../checks/scoring";
import type { CallFailure } from "../checks/snapshot";
import { usageVsPlan } from "../checks/usage";
import type { Db } from "../db/client";
import { checkResults, checkRuns, currentHealth, customers, healthScores, plans, type Role, sessions, users } from "../db/schema";
import { last4, sealSecret } from "../db/secrets";

/*
 * Rows inserted directly with drizzle, shaped like what a refresh writes, for integration tests,
 * the e2e seed and the benchmark. Nothing here calls PostHog.
 */

const DAY_MS = 86_400_000;
const BATCH = 1000;

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Without a password the user cannot sign in with one (the hash matches nothing); use seedSession. */
export async function seedUser(db: Db, input: { email: string; name?: string; role?: Role; password?: string }) {
  const passwordHash = input.password ? await hashPassword(input.password) : "disabled$seeded";
  const [user] = await db
    .insert(users)
    .values({ email: input.email.toLowerCase(), name: input.name ?? input.email.split("@")[0]!, role: input.role ?? "csm", passwordHash })
    .returning();
  return user!;
}

/** A server-side session row; the cookie carrying its id must be signed with the app's session secret. */
export async function seedSession(db: Db, userId: number, days = 14) {
  const id = randomBytes(32).toString("base64url");
  await db.insert(sessions).values({ id, userId, expiresAt: new Date(Date.now() + days * DAY_MS) });
  return id;
}

export async function seedPlan(db: Db, name: string, monthlyEvents: number) {
  const [plan] = await db.insert(plans).values({ name, monthlyEvents }).returning();
  return plan!;
}

export type CustomerSeed = {
  name: string;
  slug?: string;
  ownerId?: number | null;
  planId?: number | null;
  billingDay?: number;
  apiKey?: string;
  archived?: boolean;
};

export const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "") || "customer";

/** Multi-row inserts of 1,000; keys are sealed like createCustomer does. Returns rows in input order. */
export async function seedCustomers(db: Db, secretKey: Buffer, seeds: CustomerSeed[]) {
  const created: { id: number; slug: string; name: string }[] = [];
  for (const batch of chunks(seeds)) {
    const values = batch.map((s, i) => {
      const apiKey = s.apiKey ?? `phx_seed${randomBytes(12).toString("hex")}${i}`;
      return {
        name: s.name,
        slug: s.slug ?? slugOf(s.name),
        posthogHost: "https://us.posthog.com",
        projectId: 1000 + created.length + i,
        apiKeyEncrypted: sealSecret(apiKey, secretKey),
        apiKeyLast4: last4(apiKey),
        planId: s.planId ?? null,
        billingDay: s.billingDay ?? 1,
        ownerId: s.ownerId ?? null,
        archivedAt: s.archived ? new Date() : null,
      };
    });
    const rows = await db.insert(customers).values(values).returning({ id: customers.id, slug: customers.slug, name: customers.name });
    // Like createCustomer: every customer has a current row from the start (expired: assessed when first read).
    await db.insert(currentHealth).values(rows.map((r) => ({ customerId: r.id })));
    created.push(...rows);
  }
  return created;
}

export type ScoreSeed = {
  at: Date;
  score: number | null;
  coverage?: number;
  failing?: number;
  unknown?: number;
  planPercent?: number | null;
  projectedPercent?: number | null;
  flagged80?: boolean;
  sections?: Record<string, { score: number | null; coverage: number }>;
};

export type HealthSeed = {
  /** Oldest first or not: the newest by `at` becomes the current score. */
  history: ScoreSeed[];
  run?: { status?: "ok" | "partial" | "failed"; finishedAt?: Date; errors?: { call: string; kind: string; message: string }[] };
  results?: { checkId: string; status: "pass" | "fail" | "na" | "unknown"; summary?: string; evidence?: Record<string, unknown> }[];
};

/** Far enough ahead that a seeded assessment is what readers see for the whole test. */
const SEEDED_VALID_UNTIL = new Date(Date.now() + 365 * DAY_MS);

/**
 * A stored assessment shaped from a seed (the scores a test wants to see), written by the real
 * writer so every copied column and the summary agree with it, and valid for the whole test.
 */
function seededAssessment(
  customerId: number,
  s: ScoreSeed,
  run: { id: number; status: "ok" | "partial" | "failed"; finishedAt: Date; errors: CallFailure[] },
  results: NonNullable<HealthSeed["results"]>,
): Assessment {
  const coverage = s.coverage ?? 0.8;
  const usage = usageVsPlan({ daily: [], measuredAt: null, monthlyEvents: null, anchorDay: 1, timeZone: "UTC", now: s.at });
  const succeeded = run.status !== "failed";
  return {
    customerId,
    assessedAt: s.at.toISOString(),
    validUntil: SEEDED_VALID_UNTIL.toISOString(),
    scoringVersion: "1",
    bands: { healthy: 70, concerning: 40 },
    score: s.score,
    band: bandFor(s.score),
    coverage,
    sections: (s.sections ?? {
      setup: { score: s.score, coverage },
      training: { score: null, coverage: 0 },
      value: { score: null, coverage: 0 },
    }) as Assessment["sections"],
    failing: s.failing ?? 0,
    unknown: s.unknown ?? 0,
    checks: results.map((r) => ({
      checkId: r.checkId,
      origin: "handbook",
      section: r.checkId.split(".")[0] as Assessment["checks"][number]["section"],
      question: r.checkId,
      kind: "automated",
      rule: "",
      status: r.status,
      source: "posthog",
      summary: r.summary ?? "",
      evidence: (r.evidence ?? {}) as Assessment["checks"][number]["evidence"],
      weight: 1,
      points: r.status === "pass" ? 1 : 0,
      maxPoints: r.status === "pass" || r.status === "fail" ? 1 : 0,
      automated: { status: r.status, summary: r.summary ?? "" },
      answers: [],
      answer: null,
      override: null,
    })),
    usage: {
      ...usage,
      percentOfQuota: s.planPercent ?? null,
      projectedPercent: s.projectedPercent ?? null,
      // The period's own flag follows its figures; a flag without them came from the 30-day check.
      flagged80: (s.flagged80 ?? false) && ((s.planPercent ?? 0) >= 80 || (s.projectedPercent ?? 0) >= 80),
      plan: null,
    },
    flagged80: s.flagged80 ?? false,
    flagged80AsOf: null,
    freshness: {
      lastRefresh: { runId: run.id, at: run.finishedAt.toISOString(), status: run.status, errors: run.errors, apiCalls: 8 },
      lastSuccessAt: succeeded ? run.finishedAt.toISOString() : null,
      dataThrough: null,
      stale: !succeeded || Date.now() - run.finishedAt.getTime() > STALE_AFTER_MS,
    },
    activity: UNKNOWN_ACTIVITY,
    catchups: { lastHeld: null, nextScheduled: null, overdue: false },
    addedAt: null,
    resultsRunId: succeeded ? run.id : null,
  };
}

/**
 * A refresh's worth of rows for one customer: run, results, score history, and the newest score
 * as its current assessment (written by the assessment writer, with the sparkline it keeps).
 */
export async function seedHealth(db: Db, customerId: number, seed: HealthSeed) {
  const sorted = [...seed.history].sort((a, b) => a.at.getTime() - b.at.getTime());
  const newest = sorted.at(-1);
  const finishedAt = seed.run?.finishedAt ?? newest?.at ?? new Date();
  const status = seed.run?.status ?? "ok";
  const errors = (seed.run?.errors ?? []) as CallFailure[];
  const [run] = await db
    .insert(checkRuns)
    .values({ customerId, startedAt: new Date(finishedAt.getTime() - 2000), finishedAt, status, errors, apiCalls: 8, trigger: "seed" })
    .returning({ id: checkRuns.id });
  if (seed.results?.length) {
    await db.insert(checkResults).values(
      seed.results.map((r) => ({
        runId: run!.id,
        customerId,
        checkId: r.checkId,
        status: r.status,
        summary: r.summary ?? "",
        evidence: r.evidence ?? {},
      })),
    );
  }
  const older = sorted.slice(0, -1);
  for (const batch of chunks(older)) {
    await db.insert(healthScores).values(
      batch.map((h) => ({
        customerId,
        computedAt: h.at,
        score: h.score,
        band: bandFor(h.score),
        coverage: h.coverage ?? 0.8,
        sections: h.sections ?? { setup: { score: h.score, coverage: h.coverage ?? 0.8 } },
        failing: h.failing ?? 0,
        unknown: h.unknown ?? 0,
        planPercent: h.planPercent ?? null,
        projectedPercent: h.projectedPercent ?? null,
        flagged80: h.flagged80 ?? false,
        scoringVersion: "1",
        runId: null,
        reason: "seed",
      })),
    );
  }
  if (!newest) return { runId: run!.id, scoreId: null };
  const sparkline = older.reduce<Sparkline>((line, h) => nextSparkline(line, h.at, h.score), EMPTY_SPARKLINE);
  const assessment = seededAssessment(customerId, newest, { id: run!.id, status, finishedAt, errors }, seed.results ?? []);
  const [written] = await writeAssessments(db, [{ assessment, sparkline, cause: "refresh", runId: run!.id }]);
  return { runId: run!.id, scoreId: written!.scoreId };
}

/**
 * A seeded customer's use of its plan, in percent (0–119), from its id: one expression for the
 * scores' plan percentage, the daily events and the value.plan_usage_80 result, so they agree.
 */
const seededShare = (id: "c.id" | "r.customer_id") => sql.raw(`((${id} * 53) % 120)`);

/**
 * Bulk history for many customers: `days` daily scores each, ending today, generated inside the
 * database (insert … select). Rows are written day by day for every customer, the order daily
 * refreshes write them in, so each day's scores share pages as they would in production. Then
 * runs, results and daily usage per customer, and a real assessment of each. Values are deterministic functions of the customer id
 * and day, so reruns produce the same portfolio.
 */
export async function seedBulkHistory(db: Db, customerIds: number[], options: { days: number; now?: Date }) {
  const now = (options.now ?? new Date()).toISOString();
  const ids = JSON.stringify(customerIds);
  const selected = sql`(select value::int from json_array_elements_text(${ids}::json))`;
  for (let day = options.days - 1; day >= 0; day--) {
    await db.execute(sql`
      insert into health_scores (customer_id, computed_at, score, band, coverage, sections, failing, unknown,
        period_events, plan_percent, projected_percent, flagged_80, scoring_version, reason)
      select c.id, ${now}::timestamptz - make_interval(days => ${day}::int, hours => (c.id % 12)), v.score,
        case when v.score >= 70 then 'healthy' when v.score >= 40 then 'concerning' else 'poor' end,
        v.coverage, jsonb_build_object('setup', jsonb_build_object('score', v.score, 'coverage', v.coverage)),
        (100 - v.score)::int / 12, (c.id % 4), (v.plan * 10000)::bigint,
        case when c.plan_id is null then null else v.plan end,
        case when c.plan_id is null then null else v.plan * 1.1 end,
        c.plan_id is not null and v.plan * 1.1 >= 80, '1', 'seed'
      from customers c
      cross join lateral (select
        greatest(0, least(100, ((c.id * 37) % 101) + 12 * sin((${day}::int + c.id) / 15.0)))::real as score,
        (0.5 + ((c.id * 13) % 51) / 100.0)::real as coverage,
        greatest(0, ${seededShare("c.id")} - ${day}::int * 0.05)::real as plan) v
      where c.id in ${selected}
      order by c.id
    `);
  }
  // A results run per customer (every 11th partial); every 17th also failed its latest refresh.
  await db.execute(sql`
    insert into check_runs (customer_id, started_at, finished_at, status, errors, api_calls, trigger)
    select c.id, t.at - interval '5 seconds', t.at, case when c.id % 11 = 0 then 'partial' else 'ok' end, '[]'::jsonb, 8, 'seed'
    from customers c
    cross join lateral (select ${now}::timestamptz - make_interval(hours => (c.id % 12), days => (case when c.id % 17 = 0 then 1 else 0 end)) as at) t
    where c.id in ${selected}
  `);
  await db.execute(sql`
    insert into check_runs (customer_id, started_at, finished_at, status, errors, api_calls, trigger)
    select c.id, ${now}::timestamptz - make_interval(hours => (c.id % 12), secs => 5), ${now}::timestamptz - make_interval(hours => (c.id % 12)),
      'failed', '[{"call":"project","kind":"auth","message":"PostHog rejected the API key"}]'::jsonb, 1, 'seed'
    from customers c where c.id in ${selected} and c.id % 17 = 0
  `);
  // Automated results whose pass rate follows the customer id, so scores spread over every band;
  // the plan check agrees with the usage below (its share of the plan), as a refresh would.
  const automated = JSON.stringify(CATALOG.filter((c) => c.kind === "automated").map((c) => c.id));
  await db.execute(sql`
    insert into check_results (run_id, customer_id, check_id, status, evidence, summary, created_at)
    select r.id, r.customer_id, k.check_id,
      case when k.check_id = 'value.plan_usage_80' then
             case when c.plan_id is null then 'unknown' when ${seededShare("r.customer_id")} >= 80 then 'pass' else 'fail' end
           when (r.customer_id * 7 + k.n * 13) % 100 < (r.customer_id * 37) % 101 then 'pass'
           when (r.customer_id + k.n) % 9 = 0 then 'unknown' else 'fail' end,
      case when k.check_id = 'value.plan_usage_80' and c.plan_id is not null
           then jsonb_build_object('percentOfPlan', ${seededShare("r.customer_id")}) else '{}'::jsonb end,
      'seeded result', r.finished_at
    from check_runs r
    join customers c on c.id = r.customer_id
    cross join lateral (select value as check_id, ordinality::int as n from json_array_elements_text(${automated}::json) with ordinality) k
    where r.customer_id in ${selected} and r.status <> 'failed' and r.trigger = 'seed'
  `);
  // Daily usage for the last 40 days, measured by the results run, at a steady share of the plan.
  await db.execute(sql`
    insert into usage_daily (customer_id, day, events, measured_at)
    select c.id, (r.finished_at - make_interval(days => d))::date,
      (coalesce(p.monthly_events, 1000000) * ${seededShare("c.id")} / 100 / 30)::bigint, r.finished_at
    from customers c
    join check_runs r on r.customer_id = c.id and r.status <> 'failed' and r.trigger = 'seed'
    left join plans p on p.id = c.plan_id
    cross join generate_series(0, 39) d
    where c.id in ${selected}
    on conflict do nothing
  `);
  await db.execute(sql`
    insert into current_health (customer_id, run_id, results_run_id, valid_until)
    select c.id,
      (select r.id from check_runs r where r.customer_id = c.id order by r.finished_at desc limit 1),
      (select r.id from check_runs r where r.customer_id = c.id and r.status <> 'failed' order by r.finished_at desc limit 1),
      '1970-01-01T00:00:00Z'
    from customers c where c.id in ${selected}
    on conflict (customer_id) do update set run_id = excluded.run_id, results_run_id = excluded.results_run_id, valid_until = excluded.valid_until
  `);
  await rebuildSparklines(db, customerIds, options.now ?? new Date());
  // Assessed for real from those results and that usage, by the same writer production uses.
  await ensureCurrent(db, options.now ?? new Date(), { only: customerIds });
}

const WORDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Tyrell",
  "Soylent",
  "Cyberdyne",
  "Wonka",
  "Aperture",
  "Gringotts",
  "Monarch",
  "Oscorp",
];

/** A portfolio the size of a large team: owners, plans and `count` customers named "<Word> <n>". */
export async function seedPortfolio(db: Db, secretKey: Buffer, options: { customers: number; days: number; owners?: number; now?: Date }) {
  const owners: Awaited<ReturnType<typeof seedUser>>[] = [];
  for (let i = 1; i <= (options.owners ?? 20); i++)
    owners.push(await seedUser(db, { email: `owner${i}@example.com`, name: `Owner ${String(i).padStart(2, "0")}` }));
  const planRows = [
    await seedPlan(db, "Startup", 1_000_000),
    await seedPlan(db, "Growth", 10_000_000),
    await seedPlan(db, "Scale", 100_000_000),
  ];
  const seeds: CustomerSeed[] = Array.from({ length: options.customers }, (_, i) => ({
    name: `${WORDS[i % WORDS.length]} ${i + 1}`,
    slug: `${WORDS[i % WORDS.length]!.toLowerCase()}-${i + 1}`,
    ownerId: i % 9 === 0 ? null : owners[i % owners.length]!.id,
    planId: i % 12 === 0 ? null : planRows[i % planRows.length]!.id,
    billingDay: (i % 28) + 1,
  }));
  const rows = await seedCustomers(db, secretKey, seeds);
  // Commercial context as a team that uses it has: five in six with revenue (monthly or yearly,
  // mostly USD), three in four with a renewal date over the two years around today.
  const ids = rows.map((r) => r.id);
  await db.execute(sql`
    update customers set
      revenue = case when id % 6 = 5 then null else 500 + (id * 37) % 9500 end,
      revenue_period = case when id % 6 = 5 then null when id % 2 = 0 then 'month' else 'year' end,
      currency = case when id % 6 = 5 then null when id % 7 = 0 then 'EUR' when id % 11 = 0 then 'GBP' else 'USD' end,
      renewal_date = case when id % 4 = 3 then null else ${(options.now ?? new Date()).toISOString().slice(0, 10)}::date - 365 + (id * 13) % 730 end
    where id between ${Math.min(...ids)} and ${Math.max(...ids)}`);
  // Every 50th customer was never refreshed: no score, no run.
  await seedBulkHistory(
    db,
    rows.filter((_, i) => i % 50 !== 49).map((r) => r.id),
    { days: options.days, now: options.now },
  );
  return { owners, plans: planRows, customers: rows };
}

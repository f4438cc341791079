import { randomBytes } from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import { hashPassword } from "../app/models/users.server";
import { bandFor } from "../checks/scoring";
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

/** A refresh's worth of rows for one customer: run, results, score history and the current pointer. */
export async function seedHealth(db: Db, customerId: number, seed: HealthSeed) {
  const newest = [...seed.history].sort((a, b) => b.at.getTime() - a.at.getTime())[0];
  const finishedAt = seed.run?.finishedAt ?? newest?.at ?? new Date();
  const status = seed.run?.status ?? "ok";
  const [run] = await db
    .insert(checkRuns)
    .values({
      customerId,
      startedAt: new Date(finishedAt.getTime() - 2000),
      finishedAt,
      status,
      errors: seed.run?.errors ?? [],
      apiCalls: 8,
      trigger: "seed",
    })
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
  for (const batch of chunks(seed.history)) {
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
        runId: h === newest ? run!.id : null,
        reason: "seed",
      })),
    );
  }
  const [score] = await db
    .select({ id: healthScores.id })
    .from(healthScores)
    .where(eq(healthScores.customerId, customerId))
    .orderBy(desc(healthScores.computedAt), desc(healthScores.id))
    .limit(1);
  await db
    .insert(currentHealth)
    .values({ customerId, scoreId: score?.id ?? null, runId: run!.id, resultsRunId: status === "failed" ? null : run!.id })
    .onConflictDoUpdate({ target: currentHealth.customerId, set: { scoreId: score?.id ?? null, runId: run!.id, updatedAt: new Date() } });
  return { runId: run!.id, scoreId: score?.id ?? null };
}

/**
 * Bulk history for many customers: `days` daily scores each, ending today, generated inside the
 * database (insert … select). Rows are written day by day for every customer, the order daily
 * refreshes write them in, so each day's scores share pages as they would in production. Then one
 * run and the current pointer per customer. Values are deterministic functions of the customer id
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
        greatest(0, ((c.id * 53) % 120) - ${day}::int * 0.05)::real as plan) v
      where c.id in ${selected}
      order by c.id
    `);
  }
  await db.execute(sql`
    insert into check_runs (customer_id, started_at, finished_at, status, errors, api_calls, trigger)
    select c.id, ${now}::timestamptz - make_interval(hours => (c.id % 12), secs => 5),
      ${now}::timestamptz - make_interval(hours => (c.id % 12)),
      case when c.id % 17 = 0 then 'failed' when c.id % 11 = 0 then 'partial' else 'ok' end,
      '[]'::jsonb, 8, 'seed'
    from customers c where c.id in ${selected}
  `);
  await db.execute(sql`
    insert into current_health (customer_id, score_id, run_id, results_run_id)
    select c.id,
      (select h.id from health_scores h where h.customer_id = c.id order by h.computed_at desc limit 1),
      (select r.id from check_runs r where r.customer_id = c.id order by r.finished_at desc limit 1),
      (select r.id from check_runs r where r.customer_id = c.id and r.status <> 'failed' order by r.finished_at desc limit 1)
    from customers c where c.id in ${selected}
    on conflict (customer_id) do update set score_id = excluded.score_id, run_id = excluded.run_id, results_run_id = excluded.results_run_id
  `);
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
  // Every 50th customer was never refreshed: no score, no run.
  await seedBulkHistory(
    db,
    rows.filter((_, i) => i % 50 !== 49).map((r) => r.id),
    { days: options.days, now: options.now },
  );
  return { owners, plans: planRows, customers: rows };
}

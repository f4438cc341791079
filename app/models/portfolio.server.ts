import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { ensureCurrent } from "../../checks/assessment/store";
import type { HealthSummary } from "../../checks/assessment/summary";
import type { Db } from "../../db/client";
import { rowsOf } from "../../db/rows";
import {
  BAND_FILTERS,
  type BandFilter,
  DEFAULT_DIR,
  DEFAULT_FILTERS,
  PAGE_SIZE,
  PORTFOLIO_SORTS,
  type PortfolioFilters,
  type PortfolioSort,
} from "../utils/portfolio-params";
import type { Contact } from "./commercial";

export { PAGE_SIZE, type PortfolioFilters } from "../utils/portfolio-params";

const blankToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/** Every field falls back to its default on a bad value: a hand-edited URL never makes a 500. */
const PortfolioParamsSchema = z.object({
  q: z.preprocess(
    // Control characters cannot match a name (and NUL cannot even be sent to PostgreSQL).
    (v) =>
      typeof v === "string"
        ? v
            .replace(/[\u0000-\u001f]/g, "")
            .trim()
            .slice(0, 100)
        : "",
    z.string(),
  ),
  owner: z.preprocess(
    blankToUndefined,
    z
      .union([
        z.enum(["me", "none"]),
        z
          .string()
          .regex(/^\d{1,9}$/)
          .transform(Number),
      ])
      .nullable()
      .default(null)
      .catch(null),
  ),
  band: z.preprocess(blankToUndefined, z.enum(BAND_FILTERS).nullable().default(null).catch(null)),
  flagged: z.preprocess((v) => v === "1" || v === "on" || v === "true", z.boolean()),
  stale: z.preprocess((v) => v === "1" || v === "on" || v === "true", z.boolean()),
  sort: z.preprocess(blankToUndefined, z.enum(PORTFOLIO_SORTS).default("name").catch("name")),
  dir: z.preprocess(blankToUndefined, z.enum(["asc", "desc"]).optional().catch(undefined)),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(1_000_000).default(1).catch(1)),
  arrMin: z.preprocess(
    (v) => (typeof v === "string" ? v.replace(/[,_\s]/g, "") || undefined : v),
    z.coerce.number().min(0).max(1e15).nullable().default(null).catch(null),
  ),
  renews: z.preprocess(blankToUndefined, z.coerce.number().int().min(0).max(3660).nullable().default(null).catch(null)),
});

export function parsePortfolioParams(search: URLSearchParams): PortfolioFilters {
  const raw = Object.fromEntries(
    ["q", "owner", "band", "flagged", "stale", "sort", "dir", "page", "arrMin", "renews"].map((k) => [k, search.get(k) ?? undefined]),
  );
  const parsed = PortfolioParamsSchema.safeParse(raw);
  if (!parsed.success) return DEFAULT_FILTERS;
  const { renews, ...p } = parsed.data;
  return { ...p, renewsWithin: renews, dir: p.dir ?? DEFAULT_DIR[p.sort] };
}

export type SparkPoint = { day: string; score: number };

export type PortfolioRow = {
  id: number;
  slug: string;
  name: string;
  posthogHost: string;
  projectId: number;
  apiKeyLast4: string;
  billingDay: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
  owner: { id: number; name: string; email: string } | null;
  plan: { id: number; name: string; monthlyEvents: number } | null;
  revenue: number | null;
  revenuePeriod: "month" | "year" | null;
  currency: string | null;
  /** Annual revenue (MRR × 12 when entered monthly). */
  arr: number | null;
  renewalDate: string | null;
  contacts: Contact[];
  /** The customer's stored health, exactly as every other reader shows it. */
  health: HealthSummary | null;
  /** Last score of each UTC day over the past 90 days, oldest first; empty when not asked for. */
  sparkline: SparkPoint[];
};

export type BandCounts = Record<BandFilter, number>;

export type PortfolioPage = {
  rows: PortfolioRow[];
  /** Rows matching every filter. */
  total: number;
  /** The page actually shown: a page past the end shows the last one. */
  page: number;
  pageCount: number;
  pageSize: number;
  /** Customers per band matching every filter except the band itself. */
  bandCounts: BandCounts;
  /** Whether any active customer exists at all (tells "nothing yet" from "nothing matches"). */
  anyCustomers: boolean;
};

type QueryOptions = {
  /** The signed-in user, for owner=me. */
  userId: number;
  /** Rows per page; null returns every matching row (CSV export). */
  pageSize?: number | null;
  sparkline?: boolean;
  now?: Date;
  /** Archived customers too, with the health they had when archived (the CLI's `customer list --all`). */
  includeArchived?: boolean;
};

/*
 * The per-row sort key. Only the join a sort needs is made over the whole filtered set; owner,
 * plan and run details for display are joined for the page's rows alone.
 */
const SORT_KEYS: Record<PortfolioSort, { key: SQL; join?: SQL }> = {
  name: { key: sql`lower(c.name)` },
  owner: { key: sql`lower(u.name)`, join: sql`left join users u on u.id = c.owner_id` },
  score: { key: sql`ch.score` },
  coverage: { key: sql`ch.coverage` },
  plan: { key: sql`ch.plan_percent` },
  refreshed: { key: sql`ch.refreshed_at` },
  failing: { key: sql`ch.failing` },
  arr: { key: sql`c.arr` },
  renewal: { key: sql`c.renewal_date` },
};

export function whereClause(f: PortfolioFilters, userId: number, includeArchived = false, now = new Date()): SQL {
  const today = now.toISOString().slice(0, 10);
  const parts: SQL[] = includeArchived ? [sql`true`] : [sql`c.archived_at is null`];
  if (f.q) {
    // strpos, not LIKE: a % or _ typed into the search box is just a character.
    parts.push(sql`(strpos(lower(c.name), lower(${f.q})) > 0 or strpos(c.slug, lower(${f.q})) > 0)`);
  }
  if (f.owner === "none") parts.push(sql`c.owner_id is null`);
  else if (f.owner !== null) parts.push(sql`c.owner_id = ${f.owner === "me" ? userId : f.owner}`);
  if (f.flagged) parts.push(sql`ch.flagged_80 is true`);
  if (f.stale) parts.push(sql`ch.stale is true`);
  if (f.arrMin !== null) parts.push(sql`c.arr >= ${f.arrMin}`);
  if (f.renewsWithin !== null) {
    // Renewal dates are calendar days: "within N days" counts from today (UTC) and includes it.
    parts.push(sql`c.renewal_date between ${today} and ${today}::date + ${f.renewsWithin}::int`);
  }
  return sql.join(parts, sql` and `);
}

/**
 * One statement for the whole page: the filtered set is counted per band (before the band
 * filter), and the page's rows come from a top-N sort with an offset computed from that total. A
 * one-row summary is the driving table, so an empty page still reports totals and counts. Every
 * health value comes from the stored assessment (current_health), made valid for `now` first.
 */
export async function queryPortfolio(db: Db, filters: PortfolioFilters, options: QueryOptions): Promise<PortfolioPage> {
  const size = options.pageSize === undefined ? PAGE_SIZE : options.pageSize;
  const now = options.now ?? new Date();
  await ensureCurrent(db, now);
  const sort = SORT_KEYS[filters.sort];
  const dir = filters.dir === "asc" ? sql`asc` : sql`desc`;
  const bandFilter = filters.band ? sql`where band_key = ${filters.band}` : sql``;
  const order = sql`order by sort_key ${dir} nulls last, name_key, id`;
  // The offset of the page actually shown: a page past the end shows the last one.
  const offset =
    size === null
      ? sql`0`
      : sql`(select greatest(0, (least(${filters.page}::int, greatest(1, ceil(total / ${size}::numeric)))::int - 1) * ${size}::int) from summary)`;
  // A top-N sort of just the page's rows, not a numbering of every customer.
  const pageFilter =
    size === null
      ? sql`select id, row_number() over (${order}) as pos from base ${bandFilter}`
      : sql`select id, ${offset} + row_number() over (${order}) as pos
            from (select id, sort_key, name_key from base ${bandFilter} ${order} limit ${size}::int offset ${offset}) t`;

  const result = await db.execute(sql`
    with base as materialized (
      select c.id, coalesce(ch.band, 'none') as band_key, ${sort.key} as sort_key, lower(c.name) as name_key
      from customers c
      left join current_health ch on ch.customer_id = c.id
      ${sort.join ?? sql``}
      where ${whereClause(filters, options.userId, options.includeArchived, now)}
    ),
    counts as (select band_key, count(*)::int as n from base group by band_key),
    summary as (
      select
        (select coalesce(json_object_agg(band_key, n), '{}'::json) from counts) as bands,
        (select coalesce(sum(n), 0)::int from counts ${bandFilter}) as total,
        exists (select 1 from customers where archived_at is null) as any_customers
    ),
    page as (${pageFilter})
    select s.bands, s.total, s.any_customers, pg.pos,
      c.id, c.slug, c.name, c.posthog_host, c.project_id, c.api_key_last4, c.billing_day,
      (extract(epoch from c.created_at) * 1000)::float8 as created_at,
      (extract(epoch from c.updated_at) * 1000)::float8 as updated_at,
      (extract(epoch from c.archived_at) * 1000)::float8 as archived_at,
      c.owner_id, u.name as owner_name, u.email as owner_email,
      c.plan_id, p.name as plan_name, p.monthly_events::float8 as monthly_events,
      c.revenue::float8 as revenue, c.revenue_period, c.currency, c.arr::float8 as arr, c.renewal_date::text as renewal_date,
      (select coalesce(json_agg(json_build_object('name', cc.name, 'email', cc.email, 'role', cc.role) order by cc.position), '[]'::json)
        from customer_contacts cc where cc.customer_id = c.id) as contacts,
      ch.summary, ${options.sparkline ? sql`ch.sparkline` : sql`null::jsonb`} as points
    from summary s
    left join page pg on true
    left join customers c on c.id = pg.id
    left join current_health ch on ch.customer_id = c.id
    left join users u on u.id = c.owner_id
    left join plans p on p.id = c.plan_id
    order by pg.pos
  `);
  const raw = rowsOf<RawRow>(result);
  const first = raw[0]!;
  const total = first.total;
  const pageSize = size ?? Math.max(total, 1);
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const bands = parseJson<Partial<BandCounts>>(first.bands) ?? {};
  return {
    rows: raw.filter((r) => r.id !== null).map(toRow),
    total,
    page: size === null ? 1 : Math.min(filters.page, pageCount),
    pageCount,
    pageSize,
    bandCounts: { healthy: bands.healthy ?? 0, concerning: bands.concerning ?? 0, poor: bands.poor ?? 0, none: bands.none ?? 0 },
    anyCustomers: first.any_customers,
  };
}

type RawRow = {
  bands: unknown;
  total: number;
  any_customers: boolean;
  id: number | null;
  slug: string;
  name: string;
  posthog_host: string;
  project_id: number;
  api_key_last4: string;
  billing_day: number;
  created_at: number;
  updated_at: number;
  archived_at: number | null;
  owner_id: number | null;
  owner_name: string | null;
  owner_email: string | null;
  plan_id: number | null;
  plan_name: string | null;
  monthly_events: number | null;
  revenue: number | null;
  revenue_period: "month" | "year" | null;
  currency: string | null;
  arr: number | null;
  renewal_date: string | null;
  contacts: unknown;
  summary: unknown;
  points: unknown;
};

/** postgres.js hands json back parsed, PGlite too; a string is parsed in case a driver does not. */
function parseJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

// A summary stored before `problem` existed reads as "no problem" until it is next re-assessed.
const withProblem = (h: HealthSummary | null) => (h ? { ...h, problem: h.problem ?? null } : null);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toRow(r: RawRow): PortfolioRow {
  return {
    id: r.id!,
    slug: r.slug,
    name: r.name,
    posthogHost: r.posthog_host,
    projectId: r.project_id,
    apiKeyLast4: r.api_key_last4,
    billingDay: r.billing_day,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    archivedAt: iso(r.archived_at),
    owner: r.owner_id !== null && r.owner_name !== null ? { id: r.owner_id, name: r.owner_name, email: r.owner_email! } : null,
    plan: r.plan_id !== null && r.plan_name !== null ? { id: r.plan_id, name: r.plan_name, monthlyEvents: r.monthly_events! } : null,
    revenue: r.revenue,
    revenuePeriod: r.revenue_period,
    currency: r.currency,
    arr: r.arr,
    renewalDate: r.renewal_date,
    contacts: parseJson<Contact[]>(r.contacts) ?? [],
    health: withProblem(parseJson<HealthSummary>(r.summary)),
    sparkline: (parseJson<[string, number][]>(r.points) ?? []).map(([day, score]) => ({ day, score })),
  };
}

export type ArrAtRisk = { currency: string; arr: number; customers: number }[];

/**
 * The ARR of customers whose stored band is concerning or poor, per currency (amounts in
 * different currencies are never added up), over the same filters as the page except the band.
 */
export async function arrAtRisk(db: Db, filters: PortfolioFilters, options: { userId: number; now?: Date }): Promise<ArrAtRisk> {
  const result = await db.execute(sql`
    select c.currency, sum(c.arr)::float8 as arr, count(*)::int as customers
    from customers c
    left join current_health ch on ch.customer_id = c.id
    where ${whereClause(filters, options.userId, false, options.now)}
      and ch.band in ('concerning', 'poor') and c.arr is not null
    group by c.currency
    order by sum(c.arr) desc, c.currency
  `);
  return rowsOf<{ currency: string; arr: number; customers: number }>(result);
}

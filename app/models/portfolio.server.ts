import { type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import type { Movers } from "../../checks/assessment/movers";
import { EMPTY_SPARKLINE, type Sparkline } from "../../checks/assessment/sparkline";
import { ensureCurrent } from "../../checks/assessment/store";
import type { HealthSummary } from "../../checks/assessment/summary";
import type { Db } from "../../db/client";
import { idRows, inIds } from "../../db/id-list";
import { rowsOf } from "../../db/rows";
import {
  BAND_FILTERS,
  type BandFilter,
  DEFAULT_DIR,
  DEFAULT_FILTERS,
  MOVED_THRESHOLD,
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
  moved: z.preprocess((v) => v === "1" || v === "on" || v === "true", z.boolean()),
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
    ["q", "owner", "band", "flagged", "stale", "moved", "sort", "dir", "page", "arrMin", "renews"].map((k) => [
      k,
      search.get(k) ?? undefined,
    ]),
  );
  const parsed = PortfolioParamsSchema.safeParse(raw);
  if (!parsed.success) return DEFAULT_FILTERS;
  const { renews, ...p } = parsed.data;
  return { ...p, renewsWithin: renews, dir: p.dir ?? DEFAULT_DIR[p.sort] };
}

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
  sparkline: Sparkline;
  /** Score change over 7 and 30 days, with the older score's scoring version when it differs (checks/assessment/movers.ts). */
  movers: Movers;
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
  /** The ARR of the concerning and poor among those, per currency, largest first. */
  arrAtRisk: ArrAtRisk;
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
  /** Up to how many matches a search looks up by id (SEARCH_BY_ID_MAX); more are searched in the ready rows. */
  searchByIdMax?: number;
};

/*
 * A search first finds its matches in the customers table, which is narrow (~0.5 KB a row), where
 * the ready rows carry each customer's summary, sparkline and alert signals (~3 KB): when the
 * matches are few, the band counts and the page look them up by id. Measured at 100,000
 * customers on PostgreSQL, a search read every ready row for its counts (~230 ms) whatever it
 * matched; a search matching many customers still does, since then that is the cheaper way.
 */
const SEARCH_BY_ID_MAX = 2000;

async function searchMatches(db: Db, q: string, includeArchived: boolean, max: number): Promise<number[] | null> {
  const rows = rowsOf<{ id: number }>(
    await db.execute(sql`
      select id from customers
      where ${includeArchived ? sql`true` : sql`archived_at is null`}
        and (strpos(lower(name), lower(${q})) > 0 or strpos(slug, lower(${q})) > 0)
      limit ${max + 1}`),
  );
  return rows.length > max ? null : rows.map((r) => r.id);
}

/** ICU's root collation: Ç and Ø sort with C and O, the same on PGlite and PostgreSQL (see the portfolio indexes). */
const ICU = sql.raw(`collate "und-x-icu"`);

/**
 * Each sort's key in the ready row (current_health), each served by its own partial index. Ties
 * and the customers without a value (no score, no owner) are ordered by name.
 */

const SORT_KEYS: Record<PortfolioSort, SQL> = {
  name: sql`ch.customer_name ${ICU}`,
  owner: sql`ch.owner_name ${ICU}`,
  score: sql`ch.score`,
  change7d: sql`ch.change_7d`,
  change30d: sql`ch.change_30d`,
  coverage: sql`ch.coverage`,
  plan: sql`ch.plan_percent`,
  refreshed: sql`ch.refreshed_at`,
  failing: sql`ch.failing`,
  arr: sql`ch.arr`,
  renewal: sql`ch.renewal_date`,
};

/** The filters' condition on the ready rows, once a search's matches are found (queryPortfolio, portfolioBatches). */
async function readyWhere(db: Db, filters: PortfolioFilters, options: QueryOptions, now: Date): Promise<SQL> {
  const includeArchived = options.includeArchived ?? false;
  const matches = filters.q ? await searchMatches(db, filters.q, includeArchived, options.searchByIdMax ?? SEARCH_BY_ID_MAX) : null;
  return whereClause(filters, options.userId, includeArchived, now, matches);
}

/**
 * Every filter except the band, on the ready row (the search also reads the customer's slug), or
 * with the search's matches when they were found first (searchMatches).
 */
function whereClause(f: PortfolioFilters, userId: number, includeArchived: boolean, now: Date, matches: number[] | null): SQL {
  const today = now.toISOString().slice(0, 10);
  // Written as the portfolio indexes' predicate, so the planner can use them.
  const parts: SQL[] = includeArchived ? [sql`true`] : [sql`not ch.archived`];
  if (f.q && matches) parts.push(inIds(sql`ch.customer_id`, matches));
  else if (f.q) {
    // strpos, not LIKE: a % or _ typed into the search box is just a character.
    parts.push(
      sql`(strpos(lower(ch.customer_name), lower(${f.q})) > 0 or exists (select 1 from customers s where s.id = ch.customer_id and strpos(s.slug, lower(${f.q})) > 0))`,
    );
  }
  if (f.owner === "none") parts.push(sql`ch.owner_id is null`);
  else if (f.owner !== null) parts.push(sql`ch.owner_id = ${f.owner === "me" ? userId : f.owner}`);
  if (f.flagged) parts.push(sql`ch.flagged_80 is true`);
  if (f.stale) parts.push(sql`ch.stale`);
  if (f.moved) parts.push(sql`abs(ch.change_7d) >= ${MOVED_THRESHOLD}`);
  if (f.arrMin !== null) parts.push(sql`ch.arr >= ${f.arrMin}`);
  if (f.renewsWithin !== null) {
    // Renewal dates are calendar days: "within N days" counts from today (UTC) and includes it.
    parts.push(sql`ch.renewal_date between ${today} and ${today}::date + ${f.renewsWithin}::int`);
  }
  return sql.join(parts, sql` and `);
}

/**
 * The page from the ready row each customer's assessment keeps (current_health), every health
 * value valid for `now`, in two statements side by side: band counts of the filtered set
 * (before the band filter) and the page's rows (a top-N on the sort's index, then those rows'
 * details, in one statement). Customers without a value for the sort come after the others in
 * both directions: they are a second top-N, appended. A page past the end shows the last one,
 * read again once the count tells which that is.
 */
export async function queryPortfolio(db: Db, filters: PortfolioFilters, options: QueryOptions): Promise<PortfolioPage> {
  const size = options.pageSize === undefined ? PAGE_SIZE : options.pageSize;
  const now = options.now ?? new Date();
  // Beside the check for expired assessments: a customer's name and slug do not depend on it.
  const whereReady = readyWhere(db, filters, options, now);
  const sparkline = options.sparkline ?? false;
  const windowOf = (page: number) => (size === null ? null : { offset: (page - 1) * size, limit: size });
  const read = async () => {
    const where = await whereReady;
    return Promise.all([
      db.execute(tallyQuery(filters, where, options)).then((r) => rowsOf<Tally>(r)),
      pageRows(db, filters, where, windowOf(filters.page), sparkline),
    ]);
  };
  // Read beside the check for expired assessments (there almost never are any); when there were,
  // what was read may predate their re-assessment and is read again.
  let expired = false;
  const [, first] = await Promise.all([ensureCurrent(db, now, { onExpired: () => (expired = true) }), read()]);
  const [tallies, asked] = expired ? await read() : first;
  const bandCounts: BandCounts = { healthy: 0, concerning: 0, poor: 0, none: 0 };
  const arrAtRisk: ArrAtRisk = [];
  for (const t of tallies) {
    if (!t.byCurrency) bandCounts[t.band!] = t.n;
    // Customers without revenue have no currency ("" in the maintained counts) and no ARR.
    else if (t.currency && t.riskN > 0) arrAtRisk.push({ currency: t.currency, arr: t.riskArr!, customers: t.riskN });
  }
  arrAtRisk.sort((a, b) => b.arr - a.arr || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
  const total = filters.band ? bandCounts[filters.band] : Object.values(bandCounts).reduce((sum, n) => sum + n, 0);
  const pageSize = size ?? Math.max(total, 1);
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = size === null ? 1 : Math.min(filters.page, pageCount);
  const rows = total === 0 ? [] : page === filters.page ? asked : await pageRows(db, filters, await whereReady, windowOf(page), sparkline);
  const anyCustomers = total > 0 || rowsOf(await db.execute(sql`select 1 from current_health where not archived limit 1`)).length > 0;
  return { rows, total, page, pageCount, pageSize, bandCounts, arrAtRisk, anyCustomers };
}

/**
 * A band's count (byCurrency false: band set), or a currency's customers at risk and their ARR
 * (byCurrency true: currency set).
 */
type Tally = { byCurrency: boolean; band: BandFilter | null; currency: string | null; n: number; riskN: number; riskArr: number | null };

/**
 * In one statement and one scan of the filtered set (before the band filter): the active customers
 * per band, and per currency the concerning and poor customers with their ARR added up (amounts in
 * different currencies are never added up; the sums stay exact numerics until the end). From the
 * maintained counts (portfolio_counts, a few rows) unless a search, a minimum ARR, a renewal
 * window or archived customers are asked for, which add up the ready rows.
 */
function tallyQuery(f: PortfolioFilters, where: SQL, options: QueryOptions): SQL {
  const counted = countedFilters(f, options);
  const [band, n, arr, from] = counted
    ? [sql`band`, sql`n`, sql`arr`, sql`portfolio_counts where ${counted}`]
    : [sql`coalesce(ch.band, 'none')`, sql`1`, sql`ch.arr`, sql`current_health ch where ${where}`];
  // Parameters, so the statement is prepared once and not planned again on every page view.
  const risky = sql`${band} in (${"concerning"}, ${"poor"})`;
  return sql`
    select ${band} as band, currency, grouping(${band}) = 1 as "byCurrency", sum(${n})::int as n,
      coalesce(sum(${n}) filter (where ${risky} and ${arr} is not null), 0)::int as "riskN",
      (sum(${arr}) filter (where ${risky}))::float8 as "riskArr"
    from ${from}
    group by grouping sets ((${band}), (currency))`;
}

/**
 * The filters as a condition on portfolio_counts, or null for those it does not keep (a search,
 * archived customers, a minimum ARR, a renewal window): those are answered from the ready rows.
 */
function countedFilters(f: PortfolioFilters, options: { userId: number; includeArchived?: boolean }): SQL | null {
  if (f.q || options.includeArchived || f.arrMin !== null || f.renewsWithin !== null) return null;
  const parts: SQL[] = [sql`true`];
  if (f.owner === "none") parts.push(sql`owner_id = 0`);
  else if (f.owner !== null) parts.push(sql`owner_id = ${f.owner === "me" ? options.userId : f.owner}`);
  if (f.flagged) parts.push(sql`flagged`);
  if (f.stale) parts.push(sql`stale`);
  if (f.moved) parts.push(sql`moved`);
  return sql.join(parts, sql` and `);
}

/** The ids of one page (or of every matching customer), in order: a statement to nest in pageRows'. */
function pageIdsQuery(filters: PortfolioFilters, where: SQL, window: { offset: number; limit: number } | null): SQL {
  const key = SORT_KEYS[filters.sort];
  const dir = filters.dir === "asc" ? sql`asc` : sql`desc`;
  // Written so the (band, score) index applies.
  const band = !filters.band ? sql`true` : filters.band === "none" ? sql`ch.band is null` : sql`ch.band = ${filters.band}`;
  // Each part needs no more rows than the page's end.
  const partLimit = window ? sql`limit ${window.offset + window.limit}` : sql``;
  const pageLimit = window ? sql`limit ${window.limit} offset ${window.offset}` : sql``;
  if (filters.sort === "name") {
    return sql`
      select ch.customer_id as id from current_health ch where ${where} and ${band}
      order by ${key} ${dir}, ch.customer_id ${dir} ${pageLimit}`;
  }
  const byName = sql`ch.customer_name ${ICU}, ch.customer_id`;
  const text = filters.sort === "owner" ? ICU : sql``;
  return sql`
    select id from (
      (select ch.customer_id as id, 0 as part, ${key} as k, ch.customer_name as nk from current_health ch
        where ${where} and ${band} and ${key} is not null order by ${key} ${dir}, ${byName} ${partLimit})
      union all
      (select ch.customer_id, 1, null, ch.customer_name from current_health ch
        where ${where} and ${band} and ${key} is null order by ${byName} ${partLimit})
    ) u order by part, k ${text} ${dir}, nk ${ICU}, id ${pageLimit}`;
}

/**
 * The display rows of one page, in its order, in one statement: the ids' top-N collected into an
 * array in their order (ARRAY(subquery) keeps the subquery's ORDER BY), numbered by unnest, joined.
 */
function pageRows(
  db: Db,
  filters: PortfolioFilters,
  where: SQL,
  window: { offset: number; limit: number } | null,
  sparkline: boolean,
): Promise<PortfolioRow[]> {
  return displayRows(db, sql`unnest(array(${pageIdsQuery(filters, where, window)}))`, sparkline);
}

/**
 * Rows of an export read at a time. At 20,000 customers, batches of 100 kept a customer page
 * opened during the export under ~130 ms (500: ~180 ms) for an export of ~1.7 s instead of ~1.1 s.
 */
const EXPORT_BATCH = 100;

/**
 * Every matching customer in the portfolio's order, a batch of rows at a time (the CSV export):
 * the ids first, in one narrow statement, then their display rows batch by batch. Read as one
 * statement and written as one string, 20,000 customers held the web process for ~0.9 s (a
 * customer page asked for meanwhile waited up to that long), with every summary in memory at
 * once; between batches other requests are served. A customer deleted while the export runs is
 * left out; one changed shows as it is when its batch is read.
 */
export async function* portfolioBatches(
  db: Db,
  filters: PortfolioFilters,
  options: Omit<QueryOptions, "pageSize"> & { batchSize?: number },
): AsyncGenerator<PortfolioRow[]> {
  const now = options.now ?? new Date();
  const [where] = await Promise.all([readyWhere(db, filters, options, now), ensureCurrent(db, now)]);
  const ids = rowsOf<{ id: number }>(await db.execute(pageIdsQuery(filters, where, null))).map((r) => r.id);
  const size = options.batchSize ?? EXPORT_BATCH;
  for (let at = 0; at < ids.length; at += size) {
    yield await displayRows(db, idRows(ids.slice(at, at + size)), options.sparkline ?? false);
  }
}

/** The display rows of the customers `ids` (a set-returning expression of ids) gives, in its order. */
async function displayRows(db: Db, ids: SQL, sparkline: boolean): Promise<PortfolioRow[]> {
  const raw = rowsOf<RawRow>(
    await db.execute(sql`
      select c.id, c.slug, c.name, c.posthog_host, c.project_id, c.api_key_last4, c.billing_day,
        (extract(epoch from c.created_at) * 1000)::float8 as created_at,
        (extract(epoch from c.updated_at) * 1000)::float8 as updated_at,
        (extract(epoch from c.archived_at) * 1000)::float8 as archived_at,
        c.owner_id, u.name as owner_name, u.email as owner_email,
        c.plan_id, p.name as plan_name, p.monthly_events::float8 as monthly_events,
        c.revenue::float8 as revenue, c.revenue_period, c.currency, c.arr::float8 as arr, c.renewal_date::text as renewal_date,
        (select coalesce(json_agg(json_build_object('name', cc.name, 'email', cc.email, 'role', cc.role) order by cc.position), '[]'::json)
          from customer_contacts cc where cc.customer_id = c.id) as contacts,
        ch.summary, ${sparkline ? sql`ch.sparkline` : sql`null::jsonb`} as points,
        ch.change_7d, ch.change_30d, ch.change_7d_from, ch.change_30d_from
      from ${ids} with ordinality as page(id, pos)
      join customers c on c.id = page.id
      join current_health ch on ch.customer_id = c.id
      left join users u on u.id = c.owner_id
      left join plans p on p.id = c.plan_id
      order by page.pos
    `),
  );
  return raw.map(toRow);
}

type RawRow = {
  id: number;
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
  change_7d: number | null;
  change_30d: number | null;
  change_7d_from: string | null;
  change_30d_from: string | null;
};

/** postgres.js hands json back parsed, PGlite too; a string is parsed in case a driver does not. */
function parseJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

// A summary stored before `problem` or `flagged80Why` existed reads as "no problem" and "no reason
// recorded" until it is next re-assessed.
const upToDate = (h: HealthSummary | null) => (h ? { ...h, problem: h.problem ?? null, flagged80Why: h.flagged80Why ?? null } : null);

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toRow(r: RawRow): PortfolioRow {
  return {
    id: r.id,
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
    health: upToDate(parseJson<HealthSummary>(r.summary)),
    sparkline: parseJson<Sparkline>(r.points) ?? EMPTY_SPARKLINE,
    movers: {
      change7d: r.change_7d,
      change30d: r.change_30d,
      change7dFrom: r.change_7d_from,
      change30dFrom: r.change_30d_from,
    },
  };
}

export type ArrAtRisk = { currency: string; arr: number; customers: number }[];

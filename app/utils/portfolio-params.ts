/**
 * The portfolio's URL contract, shared by the loader, the page, the CSV and the JSON API. Pure and
 * browser-safe: parsing with zod happens in app/models/portfolio.server.ts.
 */
export const PORTFOLIO_SORTS = [
  "name",
  "owner",
  "score",
  "change7d",
  "change30d",
  "coverage",
  "plan",
  "refreshed",
  "failing",
  "arr",
  "renewal",
] as const;
export type PortfolioSort = (typeof PORTFOLIO_SORTS)[number];
export const BAND_FILTERS = ["healthy", "concerning", "poor", "none"] as const;
export type BandFilter = (typeof BAND_FILTERS)[number];
export type SortDir = "asc" | "desc";

export const PAGE_SIZE = 25;

/**
 * "Moved this week": the score changed by at least this many points over 7 days, up or down. Five
 * points is about one heavy check (or two light ones) changing status: less is everyday noise from
 * answers turning stale or a day's usage; more would hide a customer losing a whole section.
 */
export const MOVED_THRESHOLD = 5;

/**
 * The first click on a column shows what needs attention first: worst score and coverage, most
 * failing checks, highest plan use, newest refresh. A second click reverses it.
 */
export const DEFAULT_DIR: Record<PortfolioSort, SortDir> = {
  name: "asc",
  owner: "asc",
  score: "asc",
  // Biggest falls first: a movers column is read for who is slipping.
  change7d: "asc",
  change30d: "asc",
  coverage: "asc",
  plan: "desc",
  refreshed: "desc",
  failing: "desc",
  arr: "desc",
  renewal: "asc",
};

export type PortfolioFilters = {
  q: string;
  /** A user id, the signed-in user ("me"), customers without an owner ("none"), or everyone (null). */
  owner: number | "me" | "none" | null;
  band: BandFilter | null;
  flagged: boolean;
  /** Only customers whose data is stale (no successful refresh in 2 days). */
  stale: boolean;
  /** Only customers with at least this ARR (any currency). */
  arrMin: number | null;
  /** Only customers renewing today or within this many days. */
  renewsWithin: number | null;
  /** Only customers whose score moved by MOVED_THRESHOLD points or more over the last 7 days. */
  moved: boolean;
  sort: PortfolioSort;
  dir: SortDir;
  page: number;
};

export const DEFAULT_FILTERS: PortfolioFilters = {
  q: "",
  owner: null,
  band: null,
  flagged: false,
  stale: false,
  arrMin: null,
  renewsWithin: null,
  moved: false,
  sort: "name",
  dir: "asc",
  page: 1,
};

/** Search string for the filters with some changed; defaults are left out so URLs stay short. */
export function portfolioSearch(filters: PortfolioFilters, changes: Partial<PortfolioFilters> = {}): string {
  const f = { ...filters, ...changes };
  const params = new URLSearchParams();
  if (f.q) params.set("q", f.q);
  if (f.owner !== null) params.set("owner", String(f.owner));
  if (f.band) params.set("band", f.band);
  if (f.flagged) params.set("flagged", "1");
  if (f.stale) params.set("stale", "1");
  if (f.arrMin !== null) params.set("arrMin", String(f.arrMin));
  if (f.renewsWithin !== null) params.set("renews", String(f.renewsWithin));
  if (f.moved) params.set("moved", "1");
  if (f.sort !== DEFAULT_FILTERS.sort) params.set("sort", f.sort);
  if (f.dir !== DEFAULT_DIR[f.sort]) params.set("dir", f.dir);
  if (f.page > 1) params.set("page", String(f.page));
  const search = params.toString();
  return search ? `?${search}` : "";
}

/** The filters with every narrowing filter cleared (sort and direction kept). */
export function clearedFilters(f: PortfolioFilters): PortfolioFilters {
  return { ...f, q: "", owner: null, band: null, flagged: false, stale: false, moved: false, arrMin: null, renewsWithin: null, page: 1 };
}

/** Link target for a column header: a new column starts at its default direction, the current one flips. */
export function sortSearch(filters: PortfolioFilters, sort: PortfolioSort): string {
  const dir = filters.sort === sort ? (filters.dir === "asc" ? "desc" : "asc") : DEFAULT_DIR[sort];
  return portfolioSearch(filters, { sort, dir, page: 1 });
}

export function hasFilters(f: PortfolioFilters): boolean {
  return (
    f.q !== "" || f.owner !== null || f.band !== null || f.flagged || f.stale || f.moved || f.arrMin !== null || f.renewsWithin !== null
  );
}

/** A number typed into the filters that could not be read: shown beside its field, and not applied. */
export type FilterProblem = { text: string; message: string };
export type TypedFilter = "arrMin" | "renews";
export type FilterProblems = Partial<Record<TypedFilter, FilterProblem>>;

// What each typed filter must be, and what it parsed to (null: unreadable or absent).
const TYPED: { param: TypedFilter; reason: string; parsed: (f: PortfolioFilters) => number | null }[] = [
  { param: "arrMin", reason: "Min ARR is an amount of 0 or more, like 50000", parsed: (f) => f.arrMin },
  { param: "renews", reason: "Renews within is a whole number of days from 0 to 3660", parsed: (f) => f.renewsWithin },
];

/**
 * The typed filters (minimum ARR, renewal window) that parsePortfolioParams had to leave out:
 * "5k" or "-3" would otherwise vanish without a word and the list would look filtered.
 */
export function portfolioParamProblems(search: URLSearchParams, filters: PortfolioFilters): FilterProblems {
  const problems: FilterProblems = {};
  for (const { param, reason, parsed } of TYPED) {
    const text = (search.get(param) ?? "").trim();
    if (text !== "" && parsed(filters) === null) problems[param] = { text: text.slice(0, 40), message: `${reason}; not applied` };
  }
  return problems;
}

/**
 * Why a request for a file or the API is refused (one line per unreadable filter), or none: they
 * cannot show a filter as "not applied" beside a list, so they answer 400 rather than everything.
 */
export function filterRefusal(search: URLSearchParams, filters: PortfolioFilters): string[] {
  const problems = portfolioParamProblems(search, filters);
  return TYPED.flatMap(({ param, reason }) => {
    const problem = problems[param];
    return problem ? [`${reason} (got "${problem.text}")`] : [];
  });
}

import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { ArrAtRiskTile } from "~/components/arr-at-risk";
import { PortfolioTable } from "~/components/portfolio-table";
import { listPlans } from "~/models/plans.server";
import { arrAtRisk, parsePortfolioParams, queryPortfolio } from "~/models/portfolio.server";
import { listUsers } from "~/models/users.server";
import portfolioStyles from "~/styles/portfolio.css";
import { requireUser } from "~/utils/auth.server";
import { getDb } from "~/utils/db.server";
import {
  BAND_FILTERS,
  type BandFilter,
  clearedFilters,
  DEFAULT_DIR,
  hasFilters,
  type PortfolioFilters,
  portfolioSearch,
} from "~/utils/portfolio-params";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: portfolioStyles }];

export const meta: MetaFunction = () => [{ title: "Customers · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  const filters = parsePortfolioParams(new URL(request.url).searchParams);
  const now = new Date();
  const [portfolio, users, atRisk] = await Promise.all([
    queryPortfolio(db, filters, { userId: user.id, sparkline: true, now }),
    listUsers(db),
    arrAtRisk(db, filters, { userId: user.id, now }),
  ]);
  // Plans only matter to the "no customers yet" checklist.
  const hasPlans = portfolio.anyCustomers || (await listPlans(db)).length > 0;
  return {
    canEdit: user.role !== "viewer",
    hasPlans,
    anyCustomers: portfolio.anyCustomers,
    filters: { ...filters, page: portfolio.page },
    customers: portfolio.rows.map(({ apiKeyLast4: _key, ...row }) => row),
    total: portfolio.total,
    pageCount: portfolio.pageCount,
    bandCounts: portfolio.bandCounts,
    arrAtRisk: atRisk,
    owners: users.filter((u) => !u.disabledAt || u.id === filters.owner).map((u) => ({ id: u.id, name: u.name })),
    now: now.toISOString(),
  };
}

const BAND_LABELS: Record<BandFilter, string> = { healthy: "Healthy", concerning: "Concerning", poor: "Poor", none: "No score" };

export default function Portfolio() {
  const data = useLoaderData<typeof loader>();
  const { filters, canEdit } = data;
  return (
    <>
      <div className="page-head">
        <h1>Customers</h1>
        <div className="row">
          {data.anyCustomers ? (
            <a className="button secondary" href={`/customers.csv${portfolioSearch(filters, { page: 1 })}`} download>
              Export CSV
            </a>
          ) : null}
          {canEdit ? (
            <>
              <Link className="button secondary" to="/customers/import">
                Import CSV
              </Link>
              <Link className="button" to="/customers/new">
                Add customer
              </Link>
            </>
          ) : null}
        </div>
      </div>
      {data.anyCustomers ? <PortfolioContent /> : <NoCustomersYet canEdit={canEdit} hasPlans={data.hasPlans} />}
    </>
  );
}

function PortfolioContent() {
  const data = useLoaderData<typeof loader>();
  const { filters } = data;
  const navigation = useNavigation();
  return (
    <div className={navigation.state === "loading" ? "portfolio loading" : "portfolio"}>
      <BandSummary filters={filters} counts={data.bandCounts} />
      <ArrAtRiskTile atRisk={data.arrAtRisk} />
      <Filters filters={filters} owners={data.owners} />
      {data.customers.length === 0 ? (
        <div className="panel empty" data-testid="no-match">
          <h2>No customers match these filters</h2>
          <p>
            <Link to={`/${portfolioSearch(clearedFilters(filters))}`}>Clear filters</Link>
          </p>
        </div>
      ) : (
        <>
          <PortfolioTable rows={data.customers} filters={filters} now={data.now} />
          <Pagination filters={filters} pageCount={data.pageCount} total={data.total} />
        </>
      )}
    </div>
  );
}

function BandSummary({ filters, counts }: { filters: PortfolioFilters; counts: Record<BandFilter, number> }) {
  return (
    <nav className="band-summary" aria-label="Customers by band">
      {BAND_FILTERS.map((band) => {
        const active = filters.band === band;
        return (
          <Link
            key={band}
            className={`band-tile band-tile-${band}${active ? " active" : ""}`}
            to={`/${portfolioSearch(filters, { band: active ? null : band, page: 1 })}`}
            aria-current={active ? "true" : undefined}
            data-testid={`band-${band}`}
          >
            <span className="band-count">{counts[band]}</span>
            <span className="band-name">{BAND_LABELS[band]}</span>
          </Link>
        );
      })}
    </nav>
  );
}

function Filters({ filters, owners }: { filters: PortfolioFilters; owners: { id: number; name: string }[] }) {
  const submit = useSubmit();
  // Empty fields are dropped so the URL only carries the filters in use.
  const apply = (form: HTMLFormElement) => {
    const data = new FormData(form);
    for (const [key, value] of [...data.entries()]) if (value === "") data.delete(key);
    submit(data, { method: "get", action: "/" });
  };
  return (
    <Form
      method="get"
      action="/"
      className="filters"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        apply(e.currentTarget);
      }}
    >
      <label className="filter-q">
        <span className="sr-only">Search customers</span>
        <input type="search" name="q" defaultValue={filters.q} placeholder="Search by name or slug" key={filters.q} />
      </label>
      <label>
        <span className="sr-only">Owner</span>
        <select
          name="owner"
          defaultValue={filters.owner === null ? "" : String(filters.owner)}
          key={String(filters.owner)}
          onChange={(e) => apply(e.currentTarget.form!)}
        >
          <option value="">All owners</option>
          <option value="me">My customers</option>
          <option value="none">No owner</option>
          {owners.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Band</span>
        <select name="band" defaultValue={filters.band ?? ""} key={filters.band ?? ""} onChange={(e) => apply(e.currentTarget.form!)}>
          <option value="">All bands</option>
          {BAND_FILTERS.map((b) => (
            <option key={b} value={b}>
              {BAND_LABELS[b]}
            </option>
          ))}
        </select>
      </label>
      <label className="filter-check">
        <input
          type="checkbox"
          name="flagged"
          value="1"
          defaultChecked={filters.flagged}
          key={String(filters.flagged)}
          onChange={(e) => apply(e.currentTarget.form!)}
        />
        ≥ 80% of plan
      </label>
      <label className="filter-check">
        <input
          type="checkbox"
          name="stale"
          value="1"
          defaultChecked={filters.stale}
          key={String(filters.stale)}
          onChange={(e) => apply(e.currentTarget.form!)}
        />
        Stale data
      </label>
      <label className="filter-num">
        <span>Min ARR</span>
        <input type="text" inputMode="decimal" name="arrMin" size={8} defaultValue={filters.arrMin ?? ""} key={`arr${filters.arrMin}`} />
      </label>
      <label className="filter-num">
        <span>Renews within</span>
        <input
          type="text"
          inputMode="numeric"
          name="renews"
          size={4}
          defaultValue={filters.renewsWithin ?? ""}
          key={`ren${filters.renewsWithin}`}
        />
        <span>days</span>
      </label>
      {filters.sort !== "name" ? <input type="hidden" name="sort" value={filters.sort} /> : null}
      {filters.dir !== DEFAULT_DIR[filters.sort] ? <input type="hidden" name="dir" value={filters.dir} /> : null}
      <button type="submit">Apply</button>
      {hasFilters(filters) ? (
        <Link className="clear" to={`/${portfolioSearch(clearedFilters(filters))}`}>
          Clear filters
        </Link>
      ) : null}
    </Form>
  );
}

function Pagination({ filters, pageCount, total }: { filters: PortfolioFilters; pageCount: number; total: number }) {
  const { page } = filters;
  return (
    <nav className="pagination" aria-label="Pagination">
      {page > 1 ? (
        <Link to={`/${portfolioSearch(filters, { page: page - 1 })}`} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span className="muted">← Previous</span>
      )}
      <span data-testid="page-status">
        Page {page} of {pageCount} · {total} {total === 1 ? "customer" : "customers"}
      </span>
      {page < pageCount ? (
        <Link to={`/${portfolioSearch(filters, { page: page + 1 })}`} rel="next">
          Next →
        </Link>
      ) : (
        <span className="muted">Next →</span>
      )}
    </nav>
  );
}

function NoCustomersYet({ canEdit, hasPlans }: { canEdit: boolean; hasPlans: boolean }) {
  return (
    <div className="panel empty">
      <h2>No customers yet</h2>
      <p>delight checks each customer&apos;s PostHog project against the customer-success checklist and scores their health.</p>
      <ol style={{ textAlign: "left", display: "inline-block" }}>
        <li>
          {hasPlans ? (
            "Plans are set up."
          ) : (
            <>
              <Link to="/plans">Add a plan</Link> with its monthly event quota.
            </>
          )}
        </li>
        <li>
          {canEdit ? <Link to="/customers/new">Add a customer</Link> : "Add a customer"} with their PostHog project id and a personal API
          key (read scopes).
        </li>
        <li>Refresh it to run the checks.</li>
      </ol>
    </div>
  );
}

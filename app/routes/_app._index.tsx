import { type ActionFunctionArgs, data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useMemo, useState } from "react";
import { ArrAtRiskTile } from "~/components/arr-at-risk";
import { BULK_FORM_ID, BulkBar, type BulkResult } from "~/components/portfolio/bulk-bar";
import { ColumnPicker } from "~/components/portfolio/column-picker";
import { COLUMNS_STORAGE_KEY, type ColumnChoices, columnChoiceClasses, parseChoices } from "~/components/portfolio/columns";
import { BAND_LABELS, Filters } from "~/components/portfolio/filters";
import { portfolioRowView } from "~/components/portfolio/row-view";
import { PortfolioTable } from "~/components/portfolio-table";
import { recordAudit } from "~/models/audit.server";
import { listPlans } from "~/models/plans.server";
import { parsePortfolioParams, queryPortfolio } from "~/models/portfolio.server";
import { activeAmong, BulkSchema, bulkFields, reassignOwner } from "~/models/portfolio-bulk.server";
import { listUsers } from "~/models/users.server";
import portfolioStyles from "~/styles/portfolio.css";
import { actorOf, requireEditor, requireUser } from "~/utils/auth.server";
import { getContext, getDb } from "~/utils/db.server";
import {
  BAND_FILTERS,
  type BandFilter,
  clearedFilters,
  type PortfolioFilters,
  portfolioParamProblems,
  portfolioSearch,
} from "~/utils/portfolio-params";
import { refreshInBackground } from "~/utils/refresh.server";
import { fieldErrors, InputError } from "~/utils/validation.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: portfolioStyles }];

export const meta: MetaFunction = () => [{ title: "Customers · delight" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = await getDb();
  const search = new URL(request.url).searchParams;
  const filters = parsePortfolioParams(search);
  const now = new Date();
  const [portfolio, users] = await Promise.all([queryPortfolio(db, filters, { userId: user.id, sparkline: true, now }), listUsers(db)]);
  // Plans only matter to the "no customers yet" checklist.
  const hasPlans = portfolio.anyCustomers || (await listPlans(db)).length > 0;
  return {
    canEdit: user.role !== "viewer",
    hasPlans,
    anyCustomers: portfolio.anyCustomers,
    filters: { ...filters, page: portfolio.page },
    filterProblems: portfolioParamProblems(search, filters),
    customers: portfolio.rows.map((row) => portfolioRowView(row, now.toISOString())),
    total: portfolio.total,
    pageCount: portfolio.pageCount,
    bandCounts: portfolio.bandCounts,
    arrAtRisk: portfolio.arrAtRisk,
    owners: users.filter((u) => !u.disabledAt || u.id === filters.owner).map((u) => ({ id: u.id, name: u.name })),
    // Only admins and csms can own customers.
    assignable: users.filter((u) => !u.disabledAt && u.role !== "viewer").map((u) => ({ id: u.id, name: u.name })),
    now: now.toISOString(),
  };
}

/** Bulk work on selected rows: reassign their owner, or refresh them in the background. Viewers are refused (403). */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireEditor(request);
  const parsed = BulkSchema.safeParse(bulkFields(await request.formData()));
  if (!parsed.success) return data<BulkResult>({ ok: false, errors: fieldErrors(parsed.error) }, { status: 400 });
  const input = parsed.data;
  const ctx = await getContext();
  const actor = actorOf(user);
  try {
    if (input.intent === "reassign") {
      const outcome = await reassignOwner(ctx.db, actor, input.ids, input.owner);
      const ownerName = input.owner === "none" ? null : ((await listUsers(ctx.db)).find((u) => u.id === input.owner)?.name ?? null);
      return data<BulkResult>({ ok: true, intent: "reassign", ...outcome, ownerName });
    }
    const found = await activeAmong(ctx.db, input.ids);
    if (found.length === 0) throw new InputError({ ids: "None of the selected customers can be refreshed (archived or gone)" });
    await ctx.db.transaction(async (tx) => {
      for (const c of found) await recordAudit(tx, actor, "customer.refresh", "customer", c.id, { bulk: true });
    });
    await refreshInBackground(
      ctx,
      found.map((c) => c.id),
      "bulk",
    );
    return data<BulkResult>({ ok: true, intent: "refresh", queued: found.length, skipped: input.ids.length - found.length });
  } catch (error) {
    if (error instanceof InputError) return data<BulkResult>({ ok: false, errors: error.errors }, { status: 400 });
    throw error;
  }
}

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
  const result = useActionData<typeof action>() as BulkResult | undefined;
  const { filters, canEdit } = data;
  const navigation = useNavigation();
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [choices, setChoices] = useState<ColumnChoices>({});
  useEffect(() => setChoices(parseChoices(window.localStorage.getItem(COLUMNS_STORAGE_KEY))), []);
  const changeColumns = (next: ColumnChoices) => {
    setChoices(next);
    window.localStorage.setItem(COLUMNS_STORAGE_KEY, JSON.stringify(next));
  };
  // Only rows on screen can be selected: a new page or filter starts from what is shown.
  const visibleIds = useMemo(() => new Set(data.customers.map((c) => c.id)), [data.customers]);
  const shown = useMemo(() => new Set([...selected].filter((id) => visibleIds.has(id))), [selected, visibleIds]);
  useEffect(() => {
    if (result?.ok) setSelected(new Set());
  }, [result]);
  const selection = canEdit
    ? {
        selected: shown,
        form: BULK_FORM_ID,
        toggle: (id: number, on: boolean) =>
          setSelected((prev) => {
            const next = new Set(prev);
            if (on) next.add(id);
            else next.delete(id);
            return next;
          }),
        toggleAll: (on: boolean) => setSelected(on ? new Set(visibleIds) : new Set()),
      }
    : undefined;
  return (
    <div className={navigation.state === "loading" ? "portfolio loading" : "portfolio"}>
      <BandSummary filters={filters} counts={data.bandCounts} />
      <ArrAtRiskTile atRisk={data.arrAtRisk} />
      <Filters filters={filters} owners={data.owners} problems={data.filterProblems} />
      {data.customers.length === 0 ? (
        <div className="panel empty" data-testid="no-match">
          <h2>No customers match these filters</h2>
          <p>
            <Link to={`/${portfolioSearch(clearedFilters(filters))}`}>Clear filters</Link>
          </p>
        </div>
      ) : (
        <>
          <div className="table-tools">
            {canEdit ? (
              <BulkBar count={shown.size} owners={data.assignable} result={result} onClear={() => setSelected(new Set())} />
            ) : null}
            <ColumnPicker choices={choices} onChange={changeColumns} />
          </div>
          <PortfolioTable
            rows={data.customers}
            filters={filters}
            now={data.now}
            selection={selection}
            columnClasses={columnChoiceClasses(choices)}
          />
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

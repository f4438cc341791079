import type { ReactNode } from "react";
import { SparklineSvg } from "~/components/charts/sparkline";
import { useInAppClick } from "~/components/ui/in-app-click";
import { RelativeTime } from "~/components/ui/relative-time";
import { formatMoney } from "~/models/commercial";
import { type PortfolioFilters, type PortfolioSort, sortSearch } from "~/utils/portfolio-params";
import { flag80Reason } from "../../checks/assessment/flag80";
import { ChangeCell } from "./portfolio/change-cell";
import { type ColumnKey, columnClass } from "./portfolio/columns";
import type { PortfolioRowView } from "./portfolio/row-view";

type Row = PortfolioRowView;

type Column = {
  key: ColumnKey;
  sort: PortfolioSort;
  label: string;
  num?: boolean;
  cell: (r: Row, now: string, follow: InAppClick) => ReactNode;
};
type InAppClick = ReturnType<typeof useInAppClick>;

const BAND_NAMES = { healthy: "Healthy", concerning: "Concerning", poor: "Poor" } as const;
const pct = (n: number) => `${Math.round(n)}%`;
/** UTC on purpose: the server and the browser render the same text, so hydration matches. */
const dash = <span className="muted">—</span>;

const COLUMNS: Column[] = [
  {
    key: "name",
    sort: "name",
    label: "Customer",
    cell: (r, _now, follow) => (
      <a href={`/customers/${r.slug}`} className="customer-name" onClick={follow}>
        {r.name}
      </a>
    ),
  },
  { key: "owner", sort: "owner", label: "Owner", cell: (r) => (r.owner ? r.owner.name : dash) },
  { key: "score", sort: "score", label: "Score", cell: (r) => <ScoreCell row={r} /> },
  {
    key: "change7d",
    sort: "change7d",
    label: "7 days",
    num: true,
    cell: (r) => <ChangeCell change={r.movers.change7d} from={r.movers.change7dFrom} to={r.health?.scoringVersion ?? null} days={7} />,
  },
  {
    key: "change30d",
    sort: "change30d",
    label: "30 days",
    num: true,
    cell: (r) => <ChangeCell change={r.movers.change30d} from={r.movers.change30dFrom} to={r.health?.scoringVersion ?? null} days={30} />,
  },
  { key: "coverage", sort: "coverage", label: "Coverage", num: true, cell: (r) => (r.health ? pct(r.health.coverage * 100) : dash) },
  { key: "plan", sort: "plan", label: "% of plan", num: true, cell: (r) => <PlanCell row={r} /> },
  { key: "refreshed", sort: "refreshed", label: "Last refresh", cell: (r, now) => <RefreshCell row={r} now={now} /> },
  { key: "failing", sort: "failing", label: "Failing", num: true, cell: (r) => (r.health ? r.health.failing : dash) },
  {
    key: "arr",
    sort: "arr",
    label: "ARR",
    num: true,
    cell: (r) => <span data-testid="arr-cell">{r.arr !== null && r.currency ? formatMoney(r.arr, r.currency) : dash}</span>,
  },
  {
    key: "renewal",
    sort: "renewal",
    label: "Renewal",
    cell: (r) => (r.renewalDate ? <time dateTime={r.renewalDate}>{r.renewalDate}</time> : dash),
  },
];

type Selection = {
  selected: ReadonlySet<number>;
  toggle: (id: number, on: boolean) => void;
  toggleAll: (on: boolean) => void;
  /** The bulk form the checkboxes submit with. */
  form: string;
};

export function PortfolioTable({
  rows,
  filters,
  now,
  selection,
  columnClasses,
}: {
  rows: Row[];
  filters: PortfolioFilters;
  now: string;
  /** Row checkboxes for bulk work; absent for viewers. */
  selection?: Selection;
  /** The reader's column choices (see ColumnPicker). */
  columnClasses?: string;
}) {
  const allOn = selection ? rows.length > 0 && rows.every((r) => selection.selected.has(r.id)) : false;
  const someOn = selection ? rows.some((r) => selection.selected.has(r.id)) : false;
  const follow = useInAppClick();
  // A new order keeps the reader where they are on the page.
  const followSort = useInAppClick({ preventScrollReset: true });
  return (
    <table className={`portfolio-table ${columnClasses ?? ""}`} data-testid="portfolio-table">
      <thead>
        <tr>
          {selection ? (
            <th className="col-select">
              <input
                type="checkbox"
                aria-label="Select every customer on this page"
                checked={allOn}
                ref={(el) => {
                  if (el) el.indeterminate = someOn && !allOn;
                }}
                onChange={(e) => selection.toggleAll(e.currentTarget.checked)}
                data-testid="select-all"
              />
            </th>
          ) : null}
          {COLUMNS.map((c) => {
            const active = filters.sort === c.sort;
            return (
              <th
                key={c.key}
                className={[columnClass(c.key), c.num ? "num" : ""].join(" ").trim()}
                aria-sort={active ? (filters.dir === "asc" ? "ascending" : "descending") : undefined}
              >
                <a href={`/${sortSearch(filters, c.sort)}`} data-testid={`sort-${c.sort}`} onClick={followSort}>
                  {c.label}
                  {active ? <span aria-hidden="true">{filters.dir === "asc" ? " ▲" : " ▼"}</span> : null}
                </a>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="customer-row">
            {selection ? (
              <td className="col-select">
                <input
                  type="checkbox"
                  name="ids"
                  value={r.id}
                  form={selection.form}
                  aria-label={`Select ${r.name}`}
                  checked={selection.selected.has(r.id)}
                  onChange={(e) => selection.toggle(r.id, e.currentTarget.checked)}
                />
              </td>
            ) : null}
            {COLUMNS.map((c) => (
              <td key={c.key} className={[columnClass(c.key), c.num ? "num" : ""].join(" ").trim()} data-label={c.label}>
                {c.cell(r, now, follow)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ScoreCell({ row }: { row: Row }) {
  const h = row.health;
  return (
    <div className="score-cell">
      <span className={`badge score-badge band-${h?.band ?? "none"}`} title={h?.band ? BAND_NAMES[h.band] : "No score yet"}>
        {h?.score == null ? "—" : Math.round(h.score)}
      </span>
      <SparklineSvg geometry={row.spark} />
    </div>
  );
}

function RefreshCell({ row, now }: { row: Row; now: string }) {
  const h = row.health;
  return (
    <>
      {h?.lastRefresh ? (
        <>
          <RelativeTime at={h.lastRefresh.at} now={now} />
          {/* The last refresh's problem in a few words, the full sentence for the pointer and screen readers. */}
          {h.problem ? (
            <span className={`badge row-problem run-${h.problem.status}`} title={h.problem.sentence} data-testid="row-problem">
              <span aria-hidden="true">⚠ </span>
              {h.problem.short}
              <span className="visually-hidden">: {h.problem.sentence}</span>
            </span>
          ) : null}
        </>
      ) : (
        <span className="muted">Never</span>
      )}
      {h?.stale ? (
        <span className="badge stale" title={h.dataThrough ? `Data through ${h.dataThrough}` : "No data yet"} data-testid="stale">
          stale
        </span>
      ) : null}
    </>
  );
}

function PlanCell({ row }: { row: Row }) {
  const h = row.health;
  const why = h?.flagged80Why ?? null;
  const because = flag80Reason(why);
  // The flag may also come from the value.plan_usage_80 check, so it shows even without a percentage.
  const flag = h?.flagged80 ? (
    <span
      className="badge flag80"
      title={[because, h.flagged80AsOf ? `as of ${h.flagged80AsOf}: no data since` : null].filter(Boolean).join("; ") || undefined}
    >
      ≥ 80%{h.flagged80AsOf ? ` as of ${h.flagged80AsOf}` : ""}
    </span>
  ) : null;
  // This period's figures beside the badge explain it, except when the flag rests on other figures.
  const otherWhy =
    why && why.basis !== "this-period" && why.basis !== "projected" ? (
      <div className="muted small flag80-why" data-testid="flag80-because">
        {because}
      </div>
    ) : null;
  if (!h || h.planPercent === null)
    return (
      <>
        {flag} <span className="muted">{row.hasPlan ? "—" : "No plan"}</span>
        {otherWhy}
      </>
    );
  return (
    <>
      {flag} {pct(h.planPercent)}
      {h.projectedPercent !== null ? <div className="projected muted">{pct(h.projectedPercent)} projected</div> : null}
      {otherWhy}
    </>
  );
}

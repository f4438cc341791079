import { Link } from "@remix-run/react";
import { formatDistanceStrict } from "date-fns";
import { Sparkline } from "~/components/charts/sparkline";
import { formatMoney } from "~/models/commercial";
import type { PortfolioRow } from "~/models/portfolio.server";
import { type PortfolioFilters, type PortfolioSort, sortSearch } from "~/utils/portfolio-params";

type Row = Omit<PortfolioRow, "apiKeyLast4">;

const COLUMNS: { sort: PortfolioSort; label: string; num?: boolean }[] = [
  { sort: "name", label: "Customer" },
  { sort: "owner", label: "Owner" },
  { sort: "score", label: "Score" },
  { sort: "coverage", label: "Coverage", num: true },
  { sort: "plan", label: "% of plan", num: true },
  { sort: "refreshed", label: "Last refresh" },
  { sort: "failing", label: "Failing", num: true },
  { sort: "arr", label: "ARR", num: true },
  { sort: "renewal", label: "Renewal" },
];

const BAND_NAMES = { healthy: "Healthy", concerning: "Concerning", poor: "Poor" } as const;
const pct = (n: number) => `${Math.round(n)}%`;
/** UTC on purpose: the server and the browser render the same text, so hydration matches. */
const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const dayOf = (iso: string) => iso.slice(0, 10);

export function PortfolioTable({ rows, filters, now }: { rows: Row[]; filters: PortfolioFilters; now: string }) {
  const to = dayOf(now);
  const from = dayOf(new Date(Date.parse(now) - 89 * 86_400_000).toISOString());
  return (
    <table className="portfolio-table">
      <thead>
        <tr>
          {COLUMNS.map((c) => {
            const active = filters.sort === c.sort;
            return (
              <th
                key={c.sort}
                className={c.num ? "num" : undefined}
                aria-sort={active ? (filters.dir === "asc" ? "ascending" : "descending") : undefined}
              >
                <Link to={`/${sortSearch(filters, c.sort)}`} data-testid={`sort-${c.sort}`}>
                  {c.label}
                  {active ? <span aria-hidden="true">{filters.dir === "asc" ? " ▲" : " ▼"}</span> : null}
                </Link>
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const h = r.health;
          return (
            <tr key={r.id} data-testid="customer-row">
              <td>
                <Link to={`/customers/${r.slug}`} className="customer-name">
                  {r.name}
                </Link>
              </td>
              <td>{r.owner ? r.owner.name : <span className="muted">—</span>}</td>
              <td>
                <div className="score-cell">
                  <span className={`badge score-badge band-${h?.band ?? "none"}`} title={h?.band ? BAND_NAMES[h.band] : "No score yet"}>
                    {h?.score == null ? "—" : Math.round(h.score)}
                  </span>
                  <Sparkline points={r.sparkline} from={from} to={to} />
                </div>
              </td>
              <td className="num">{h ? pct(h.coverage * 100) : <span className="muted">—</span>}</td>
              <td className="num">
                <PlanCell row={r} />
              </td>
              <td>
                {h?.lastRefresh ? (
                  <>
                    <time dateTime={h.lastRefresh.at} title={utc(h.lastRefresh.at)}>
                      {formatDistanceStrict(new Date(h.lastRefresh.at), new Date(now), { addSuffix: true })}
                    </time>
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
              </td>
              <td className="num">{h ? h.failing : <span className="muted">—</span>}</td>
              <td className="num" data-testid="arr-cell">
                {r.arr !== null && r.currency ? formatMoney(r.arr, r.currency) : <span className="muted">—</span>}
              </td>
              <td>{r.renewalDate ? <time dateTime={r.renewalDate}>{r.renewalDate}</time> : <span className="muted">—</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PlanCell({ row }: { row: Row }) {
  const h = row.health;
  // The flag may also come from the value.plan_usage_80 check, so it shows even without a percentage.
  const flag = h?.flagged80 ? (
    <span className="badge flag80" title={h.flagged80AsOf ? `As of ${h.flagged80AsOf}: no data since` : undefined}>
      ≥ 80%{h.flagged80AsOf ? ` as of ${h.flagged80AsOf}` : ""}
    </span>
  ) : null;
  if (!h || h.planPercent === null)
    return (
      <>
        {flag} <span className="muted">{row.plan ? "—" : "No plan"}</span>
      </>
    );
  return (
    <>
      {flag} {pct(h.planPercent)}
      {h.projectedPercent !== null ? <div className="projected muted">{pct(h.projectedPercent)} projected</div> : null}
    </>
  );
}

import { formatMoney } from "~/models/commercial";

/** The ARR of concerning and poor customers, one figure per currency (never summed across them). */
export function ArrAtRiskTile({ atRisk }: { atRisk: { currency: string; arr: number; customers: number }[] }) {
  return (
    <section className="arr-at-risk" aria-labelledby="arr-at-risk-title" data-testid="arr-at-risk">
      <h2 id="arr-at-risk-title">ARR at risk</h2>
      {atRisk.length === 0 ? (
        <p className="muted">No concerning or poor customer has revenue recorded.</p>
      ) : (
        <ul>
          {atRisk.map((r) => (
            <li key={r.currency}>
              <strong>{formatMoney(r.arr, r.currency)}</strong>{" "}
              <span className="muted">
                across {r.customers} concerning or poor {r.customers === 1 ? "customer" : "customers"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

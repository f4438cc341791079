import { Link } from "@remix-run/react";
import { ScoreHistoryChart } from "~/components/charts/score-history-chart";
import type { CatchupPackData } from "~/models/catchup-pack.server";
import { StatusBadge } from "./badges";

/** Which pack: everything for the team's preparation, or what the customer may read. */
export function AudienceToggle({ audience }: { audience: CatchupPackData["audience"] | "customer" }) {
  return (
    <nav className="audience-toggle no-print" aria-label="Version of the pack">
      <Link to="?audience=internal" aria-current={audience === "internal" ? "page" : undefined} data-testid="audience-internal">
        Internal prep
      </Link>
      <Link to="?audience=customer" aria-current={audience === "customer" ? "page" : undefined} data-testid="audience-customer">
        For the customer
      </Link>
    </nav>
  );
}

export function ScoreTrend({ chart }: { chart: CatchupPackData["historyChart"] }) {
  return (
    <section className="panel" aria-labelledby="trend-heading">
      <h2 id="trend-heading">Health score over time</h2>
      {chart.t.length > 0 ? <ScoreHistoryChart series={chart} /> : <p className="muted">No score yet.</p>}
    </section>
  );
}

type OverrideView = Pick<CatchupPackData["overrides"][number], "checkId" | "question" | "status" | "expiresOn"> &
  Partial<Pick<CatchupPackData["overrides"][number], "reason" | "by" | "on">>;

/** Overrides in force; the internal pack adds who set each and why. */
export function ActiveOverrides({ overrides, heading }: { overrides: OverrideView[]; heading: string }) {
  return (
    <section className="panel" aria-labelledby="overrides-heading">
      <h2 id="overrides-heading">{heading}</h2>
      {overrides.length === 0 ? (
        <p className="muted">None in force.</p>
      ) : (
        <ul className="pack-overrides" data-testid="pack-overrides">
          {overrides.map((o) => (
            <li key={o.checkId} data-check={o.checkId}>
              <StatusBadge status={o.status} /> <strong>{o.question}</strong>
              <div className="small">
                {o.expiresOn ? `Until ${o.expiresOn}` : "No end date"}
                {o.by ? ` · set by ${o.by} on ${o.on}` : ""}
              </div>
              {o.reason ? <div className="muted small">Reason: {o.reason}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { ScoreHistoryChart } from "~/components/charts/score-history-chart";
import type { CustomerPageData } from "~/models/customer-page.server";
import { scoredPoints } from "~/models/history-chart";
import { BandBadge } from "./badges";
import { Delta } from "./delta";
import { ScoreMoves } from "./score-moves";

type Props = Pick<
  CustomerPageData,
  "score" | "sinceWeek" | "sinceCatchup" | "moves" | "historyChart" | "flagged80" | "flagged80AsOf" | "flagged80Because"
>;

/** The score with its band and coverage, how it moved, what changed, and its history. */
export function ScoreSummary({ score, sinceWeek, sinceCatchup, moves, historyChart, flagged80, flagged80AsOf, flagged80Because }: Props) {
  return (
    <section className="panel score-panel" aria-labelledby="score-heading">
      <h2 id="score-heading" className="visually-hidden">
        Health score
      </h2>
      <div className="score-grid">
        <div className="score-block">
          <div className="score-line">
            <span className="score-number" data-testid="score">
              {score.value ?? "–"}
            </span>
            <span className="score-badges">
              <BandBadge band={score.band} />
              {flagged80 ? (
                <span className="badge flag80" data-testid="flag80">
                  ≥ 80% of plan{flagged80AsOf ? ` as of ${flagged80AsOf}` : ""}
                </span>
              ) : null}
            </span>
          </div>
          <div className="muted" data-testid="coverage">
            Coverage {score.coverage}%{score.coverage < 50 ? " (little decided yet: treat the score with care)" : ""}
          </div>
          {flagged80 && flagged80Because ? (
            <div className="muted" data-testid="flag80-because">
              Why ≥ 80%: {flagged80Because}
            </div>
          ) : null}
          <div className="deltas">
            <Delta
              value={sinceWeek?.delta ?? null}
              label={`since last week${sinceWeek?.versions ? ` (${sinceWeek.versions})` : ""}`}
              testId="since-week"
            />
            {sinceCatchup ? (
              <Delta
                value={sinceCatchup.delta}
                label={`since the catch-up on ${sinceCatchup.on}${sinceCatchup.versions ? ` (${sinceCatchup.versions})` : ""}`}
                testId="since-catchup"
              />
            ) : (
              <span className="delta delta-none" data-testid="since-catchup">
                No catch-up held yet
              </span>
            )}
          </div>
          <div className="muted small">
            {score.failing} failing · {score.unknown} unknown · scoring v{score.version}
          </div>
        </div>
        <div className="what-changed">
          <h3>What changed</h3>
          {scoredPoints(historyChart) < 2 ? <p className="muted">This is the first score.</p> : <ScoreMoves moves={moves} />}
        </div>
      </div>
      <h3>Score history</h3>
      {historyChart.t.length === 0 ? (
        <p className="muted">No scores yet: refresh the customer or answer a check.</p>
      ) : (
        <ScoreHistoryChart series={historyChart} />
      )}
    </section>
  );
}

import type { CatchupPackData } from "~/models/catchup-pack.server";
import { BandBadge } from "./badges";
import { ChangeList } from "./change-list";
import { Delta } from "./delta";

const KIND_WORDS = {
  failing: "failing",
  unknown: "unknown",
  "stale-answer": "stale answer",
  "expired-override": "override expired",
} as const;

export function HealthComparison({ now, atLastCatchup }: Pick<CatchupPackData, "now" | "atLastCatchup">) {
  return (
    <section className="panel" aria-labelledby="health-heading">
      <h2 id="health-heading">Health now and at the last catch-up</h2>
      <div className="pack-grid">
        <div data-testid="health-now">
          <div className="muted">Now</div>
          <div className="big">{now.value ?? "–"}</div>
          <BandBadge band={now.band} /> <span className="muted small">coverage {now.coverage}%</span>
        </div>
        <div data-testid="health-then">
          <div className="muted">{atLastCatchup ? `At the catch-up on ${atLastCatchup.date}` : "At the last catch-up"}</div>
          {atLastCatchup?.score != null ? (
            <>
              <div className="big">{atLastCatchup.score}</div>
              <BandBadge band={atLastCatchup.band} /> <span className="muted small">coverage {atLastCatchup.coverage}%</span>
            </>
          ) : (
            <p className="muted">{atLastCatchup ? "No score was stored by then." : "No catch-up held yet."}</p>
          )}
        </div>
        <div>
          <div className="muted">Change</div>
          {atLastCatchup?.delta ? (
            <div className="big">
              <Delta value={atLastCatchup.delta} label="points" testId="pack-delta" />
            </div>
          ) : (
            <p className="muted" data-testid="pack-delta">
              Nothing to compare with yet.
            </p>
          )}
        </div>
      </div>
    </section>
  );
}

export function ChangesAndProgress({
  changes,
  changesBasis,
  changesScoring,
  progress,
}: Pick<CatchupPackData, "changes" | "changesBasis" | "changesScoring" | "progress">) {
  return (
    <div className="pack-grid two">
      <section className="panel" aria-labelledby="changes-heading">
        <h2 id="changes-heading">What changed {changesBasis}, and why</h2>
        {changesScoring ? <p data-testid="pack-scoring">{changesScoring}</p> : null}
        <ChangeList changes={changes} empty="No check changed status." testId="pack-changes" />
      </section>
      <section className="panel" aria-labelledby="progress-heading">
        <h2 id="progress-heading">Checklist progress</h2>
        {progress.map((p) => (
          <div key={p.section} className="progress-row" data-testid={`pack-progress-${p.section}`}>
            <div>
              <strong>{p.label}</strong>: {p.passing} of {p.total} passing
            </div>
            <div className="progress-bar" aria-hidden="true">
              <span style={{ width: `${p.total ? Math.round((100 * p.passing) / p.total) : 0}%` }} />
            </div>
          </div>
        ))}
      </section>
    </div>
  );
}

export function TalkingPoints({ items }: { items: CatchupPackData["openItems"] }) {
  return (
    <section className="panel" aria-labelledby="talking-heading">
      <h2 id="talking-heading">Talking points ({items.length})</h2>
      {items.length === 0 ? (
        <p className="muted">Nothing open: every check passes or was marked not applicable.</p>
      ) : (
        <ol className="open-items" data-testid="open-items">
          {items.map((item) => (
            <li key={`${item.checkId}-${item.kind}`} data-check={item.checkId} data-kind={item.kind}>
              <span className={`badge kind status-${item.kind === "failing" ? "fail" : "unknown"}`}>{KIND_WORDS[item.kind]}</span>
              <strong>{item.question}</strong>
              <div className="muted small">{item.text}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function LastNotes({ notes }: { notes: CatchupPackData["lastNotes"] }) {
  return (
    <section className="panel" aria-labelledby="notes-heading">
      <h2 id="notes-heading">Notes from the last catch-up</h2>
      {notes ? (
        <>
          <p className="muted">
            {notes.date}
            {notes.attendees ? ` · ${notes.attendees}` : ""} · recorded by {notes.createdBy}
          </p>
          <div className="notes" data-testid="last-notes">
            {notes.notes || "No notes were recorded."}
          </div>
        </>
      ) : (
        <p className="muted">No catch-up held yet.</p>
      )}
    </section>
  );
}

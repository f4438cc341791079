import { type KeyboardEvent, useRef, useState } from "react";
import type { CustomerPageData } from "~/models/customer-page.server";
import { Delta } from "./delta";

type Props = { moves: CustomerPageData["moves"]; initial?: string };

const signed = (n: number) => `${n > 0 ? "+" : n < 0 ? "−" : "±"}${Math.abs(n)}`;

/**
 * Why the score moved, per window (last refresh, 7 days, 30 days, since the catch-up): WAI-ARIA
 * tabs, arrow keys move between windows. Every line carries its points; they add up to the move.
 */
export function ScoreMoves({ moves, initial = "7d" }: Props) {
  const [selected, setSelected] = useState(initial);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent, i: number) => {
    const last = moves.length - 1;
    const next =
      e.key === "ArrowRight"
        ? i === last
          ? 0
          : i + 1
        : e.key === "ArrowLeft"
          ? i === 0
            ? last
            : i - 1
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? last
              : null;
    if (next === null) return;
    e.preventDefault();
    setSelected(moves[next]!.id);
    tabs.current[next]?.focus();
  };
  return (
    <div className="moves" data-testid="moves">
      <div role="tablist" aria-label="What changed over" className="moves-tabs">
        {moves.map((m, i) => (
          <button
            key={m.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`moves-tab-${m.id}`}
            aria-selected={selected === m.id}
            aria-controls={`moves-panel-${m.id}`}
            tabIndex={selected === m.id ? 0 : -1}
            onClick={() => setSelected(m.id)}
            onKeyDown={(e) => onKey(e, i)}
          >
            {m.label}
          </button>
        ))}
      </div>
      {moves.map((m) => (
        <div
          key={m.id}
          role="tabpanel"
          id={`moves-panel-${m.id}`}
          aria-labelledby={`moves-tab-${m.id}`}
          hidden={selected !== m.id}
          data-testid={`moves-${m.id}`}
        >
          {m.view ? <MovePanel view={m.view} /> : <p className="muted">{m.empty}</p>}
        </div>
      ))}
    </div>
  );
}

function MovePanel({ view }: { view: NonNullable<CustomerPageData["moves"][number]["view"]> }) {
  return (
    <>
      <p className="small">
        {view.basis}: {view.from.score ?? "no score"} → now. <Delta value={view.delta} label="points" />
      </p>
      {view.scoring ? (
        <p className="moves-scoring" data-testid="moves-scoring">
          {view.scoring}
        </p>
      ) : null}
      {view.items.length === 0 ? (
        view.scoring ? null : (
          <p className="muted">No check changed status in this window.</p>
        )
      ) : (
        <ul className="changes moves-list">
          {view.items.map((c) => (
            <li key={c.key}>
              <span className="moves-points">{c.points === null ? "" : signed(c.points)}</span>
              <span>
                <strong>{c.question}</strong> {c.text}
                {c.why ? <span className="muted small moves-why">{c.why}</span> : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

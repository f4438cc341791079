/**
 * A score change over 7 or 30 days. When the older score was computed under another scoring
 * version the number mixes weights, so it carries a marker saying which versions it compares.
 */
export function ChangeCell({ change, from, to, days }: { change: number | null; from: string | null; to: string | null; days: number }) {
  if (change === null)
    return (
      <span className="muted" title={`No score ${days} days ago`}>
        —
      </span>
    );
  const rounded = Math.round(change * 10) / 10;
  const text = rounded === 0 ? "0" : `${rounded > 0 ? "▲" : "▼"} ${Math.abs(rounded).toFixed(1)}`;
  const direction = rounded > 0 ? "up" : rounded < 0 ? "down" : "flat";
  const spoken = rounded === 0 ? "no change" : `${rounded > 0 ? "up" : "down"} ${Math.abs(rounded).toFixed(1)} points`;
  return (
    <span className={`change change-${direction}`} data-testid={`change-${days}d`}>
      <span aria-hidden="true">{text}</span>
      {/* One string: three interpolations would be five text nodes per cell, 250 on a page. */}
      <span className="sr-only">{`${spoken} in ${days} days`}</span>
      {from !== null ? (
        <abbr
          className="version-mark"
          title={`Compares a score under scoring v${from} with one under v${to ?? "?"}: part of the change may come from the new weights`}
          data-testid="version-mark"
        >
          v{from}→v{to ?? "?"}
        </abbr>
      ) : null}
    </span>
  );
}

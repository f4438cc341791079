type DeltaValue = { delta: number; direction: "up" | "down" | "same" } | null;

const ARROWS = { up: "▲", down: "▼", same: "▶" } as const;

/** "▲ 4.5 since last week": an arrow with the number, coloured by direction. */
export function Delta({ value, label, testId }: { value: DeltaValue; label: string; testId?: string }) {
  if (!value) {
    return (
      <span className="delta delta-none" data-testid={testId}>
        – {label}: no earlier score
      </span>
    );
  }
  const word = value.direction === "up" ? "up" : value.direction === "down" ? "down" : "no change";
  return (
    <span className={`delta delta-${value.direction}`} data-testid={testId} title={`${word} ${Math.abs(value.delta)} points ${label}`}>
      <span aria-hidden="true">{ARROWS[value.direction]}</span> {value.direction === "same" ? "0" : Math.abs(value.delta)} {label}
    </span>
  );
}

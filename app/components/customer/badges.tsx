const STATUS_WORDS = { pass: "passing", fail: "failing", na: "not applicable", unknown: "unknown" } as const;

export function BandBadge({ band }: { band: string | null }) {
  return (
    <span className={`badge band-${band ?? "none"}`} data-testid="band">
      {band ?? "no score"}
    </span>
  );
}

export function StatusBadge({ status }: { status: keyof typeof STATUS_WORDS }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {STATUS_WORDS[status]}
    </span>
  );
}

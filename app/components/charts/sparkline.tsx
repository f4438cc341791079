export type SparklinePoint = { day: string; score: number };

type SparklineProps = {
  points: SparklinePoint[];
  /** First and last day of the window, so a short history sits at the right-hand end. */
  from: string;
  to: string;
  width?: number;
  height?: number;
  label?: string;
};

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/**
 * A score trend as an inline SVG polyline on a fixed 0–100 scale (so two rows compare at a glance).
 * Pure props in, SVG out: renders the same on the server and in the browser.
 */
export function Sparkline({ points, from, to, width = 96, height = 24, label }: SparklineProps) {
  const start = dayNumber(from);
  const span = Math.max(1, dayNumber(to) - start);
  const pad = 2;
  const x = (day: string) => pad + ((dayNumber(day) - start) / span) * (width - 2 * pad);
  const y = (score: number) => pad + (1 - Math.min(100, Math.max(0, score)) / 100) * (height - 2 * pad);
  const coords = points.map((p) => `${x(p.day).toFixed(1)},${y(p.score).toFixed(1)}`);
  const last = points[points.length - 1];
  const description =
    label ??
    (points.length === 0
      ? "No scores in the last 90 days"
      : `Score over 90 days: ${Math.round(points[0]!.score)} to ${Math.round(last!.score)}`);
  return (
    <svg
      className="sparkline"
      data-testid="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={description}
    >
      <title>{description}</title>
      <line className="sparkline-mid" x1={pad} x2={width - pad} y1={y(50)} y2={y(50)} />
      {points.length > 1 ? <polyline points={coords.join(" ")} fill="none" strokeWidth={1.5} strokeLinejoin="round" /> : null}
      {last ? <circle cx={x(last.day)} cy={y(last.score)} r={2} /> : null}
    </svg>
  );
}

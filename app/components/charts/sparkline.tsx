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

/** What the SVG draws, computed once on the server: a few hundred bytes instead of 90 points per row. */
export type SparklineGeometry = {
  width: number;
  height: number;
  /** The polyline's points ("x,y x,y …"), empty for fewer than two scores. */
  line: string;
  mid: number;
  last: { x: number; y: number } | null;
  label: string;
};

// A portfolio page draws 25 × 90 points over the same 90 days: each day's number is worked out
// once (Date.UTC on the digits) and remembered, a bounded few hundred entries at most.
const dayNumbers = new Map<string, number>();
function dayNumber(day: string): number {
  let n = dayNumbers.get(day);
  if (n === undefined) {
    n = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
    if (dayNumbers.size >= 1000) dayNumbers.clear();
    dayNumbers.set(day, n);
  }
  return n;
}
const PAD = 2;

// Coordinates are written to a tenth ("15.3", "2"). Turning a fraction into text is the costly
// part of drawing 2,250 points, and there are only a few hundred distinct ones: each is written once.
const tenthsTexts: string[] = [];
function tenths(value: number): number {
  return Math.round(value * 10);
}
function tenthsText(t: number): string {
  if (t < 0 || t >= 10_000) return String(t / 10);
  let text = tenthsTexts[t];
  if (text === undefined) tenthsTexts[t] = text = String(t / 10);
  return text;
}

/** A score trend on a fixed 0–100 scale (so two rows compare at a glance). Pure. */
export function sparklineGeometry({ points, from, to, width = 96, height = 24, label }: SparklineProps): SparklineGeometry {
  const start = dayNumber(from);
  const span = Math.max(1, dayNumber(to) - start);
  const xt = (day: string) => tenths(PAD + ((dayNumber(day) - start) / span) * (width - 2 * PAD));
  const yt = (score: number) => tenths(PAD + (1 - Math.min(100, Math.max(0, score)) / 100) * (height - 2 * PAD));
  const x = (day: string) => xt(day) / 10;
  const y = (score: number) => yt(score) / 10;
  const last = points[points.length - 1];
  let line = "";
  if (points.length > 1) {
    for (const p of points) line += `${line ? " " : ""}${tenthsText(xt(p.day))},${tenthsText(yt(p.score))}`;
  }
  return {
    width,
    height,
    line,
    mid: y(50),
    last: last ? { x: x(last.day), y: y(last.score) } : null,
    label:
      label ??
      (points.length === 0
        ? "No scores in the last 90 days"
        : `Score over 90 days: ${Math.round(points[0]!.score)} to ${Math.round(last!.score)}`),
  };
}

/** Props in, SVG out: renders the same on the server and in the browser. */
export function SparklineSvg({ geometry: g }: { geometry: SparklineGeometry }) {
  return (
    <svg
      className="sparkline"
      data-testid="sparkline"
      width={g.width}
      height={g.height}
      viewBox={`0 0 ${g.width} ${g.height}`}
      role="img"
      aria-label={g.label}
    >
      <title>{g.label}</title>
      <line className="sparkline-mid" x1={PAD} x2={g.width - PAD} y1={g.mid} y2={g.mid} />
      {g.line ? <polyline points={g.line} fill="none" strokeWidth={1.5} strokeLinejoin="round" /> : null}
      {g.last ? <circle cx={g.last.x} cy={g.last.y} r={2} /> : null}
    </svg>
  );
}

export function Sparkline(props: SparklineProps) {
  return <SparklineSvg geometry={sparklineGeometry(props)} />;
}

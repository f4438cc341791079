import type { Sparkline } from "../../../checks/assessment/sparkline";

type SparklineProps = {
  /** Daily scores as the assessment writer keeps them. */
  scores: Sparkline;
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

const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
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
export function sparklineGeometry({ scores, from, to, width = 96, height = 24, label }: SparklineProps): SparklineGeometry {
  const start = dayNumber(from);
  const span = Math.max(1, dayNumber(to) - start);
  // The x of scores[i], whose day is i days after the sparkline's first.
  const offset = scores.from === null ? 0 : dayNumber(scores.from) - start;
  const xt = (i: number) => tenths(PAD + ((offset + i) / span) * (width - 2 * PAD));
  const yt = (score: number) => tenths(PAD + (1 - Math.min(100, Math.max(0, score)) / 100) * (height - 2 * PAD));
  const values = scores.scores;
  // The first and last entries are the first and last scores (checks/assessment/sparkline.ts).
  const first = values[0] ?? null;
  const last = values.length - 1;
  let line = "";
  if (last > 0) {
    for (let i = 0; i <= last; i++) {
      const score = values[i];
      if (score !== null && score !== undefined) line += `${line ? " " : ""}${tenthsText(xt(i))},${tenthsText(yt(score))}`;
    }
  }
  return {
    width,
    height,
    line,
    mid: yt(50) / 10,
    last: first === null ? null : { x: xt(last) / 10, y: yt(values[last]!) / 10 },
    label:
      label ??
      (first === null ? "No scores in the last 90 days" : `Score over 90 days: ${Math.round(first)} to ${Math.round(values[last]!)}`),
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

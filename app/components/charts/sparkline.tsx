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
  /**
   * The line as SVG path data in tenths of a unit (drawn at scale 0.1), each point as its step
   * from the one before ("M20 153l10 1 11-2 …"); empty for fewer than two scores.
   */
  path: string;
  mid: number;
  last: { x: number; y: number } | null;
  label: string;
};

const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;
const PAD = 2;
/** The path's coordinates are tenths of the SVG's units, so that each is a whole number. */
const SCALE = 10;
const tenths = (value: number) => Math.round(value * SCALE);

/*
 * Why steps in whole tenths: the line is sent twice (in the HTML and in the data React hydrates
 * from), for 25 rows a page. Absolute points to a tenth ("12.3,16.5 ") cost ~10 characters each,
 * steps ("10-2 ") ~5: the portfolio page is ~17 KB smaller, and its rendering, encoding and
 * compression cost that much less. Steps are taken between the rounded points, so the drawn
 * points are exactly the rounded ones: nothing drifts along the line.
 */

/** A score trend on a fixed 0–100 scale (so two rows compare at a glance). Pure. */
export function sparklineGeometry({ scores, from, to, width = 96, height = 24, label }: SparklineProps): SparklineGeometry {
  const start = dayNumber(from);
  const span = Math.max(1, dayNumber(to) - start);
  // The x of scores[i], whose day is i days after the sparkline's first.
  const offset = scores.from === null ? 0 : dayNumber(scores.from) - start;
  const xt = (i: number) => tenths(PAD + ((offset + i) / span) * (width - 2 * PAD));
  const yt = (score: number) => tenths(PAD + (1 - Math.min(100, Math.max(0, score)) / 100) * (height - 2 * PAD));
  const values = scores.scores;
  // Only the window's days are drawn. A line stored when the customer was last assessed reaches
  // further back than today's window by the days since, and a point left of the window would be
  // drawn over the row's edge and read as its start.
  const lo = Math.max(0, -offset);
  const hi = Math.min(values.length - 1, span - offset);
  let first: number | null = null;
  let latest = 0;
  // "M x y l" at the first score, then each later score as its step from the one before.
  let head = "";
  let steps = "";
  let px = 0;
  let py = 0;
  for (let i = lo; i <= hi; i++) {
    const score = values[i];
    if (score === null || score === undefined) continue;
    const x = xt(i);
    const y = yt(score);
    if (first === null) {
      head = `M${x} ${y}l`;
      first = score;
    } else {
      const dy = y - py;
      // x never goes back, so a step needs a space before it; a minus sign separates on its own.
      steps += `${steps === "" ? "" : " "}${x - px}${dy < 0 ? "" : " "}${dy}`;
    }
    px = x;
    py = y;
    latest = score;
  }
  // A single score draws a point (the circle), no line.
  const path = steps === "" ? "" : head + steps;
  return {
    width,
    height,
    path,
    mid: yt(50) / SCALE,
    last: first === null ? null : { x: px / SCALE, y: py / SCALE },
    label:
      label ?? (first === null ? "No scores in the last 90 days" : `Score over 90 days: ${Math.round(first)} to ${Math.round(latest)}`),
  };
}

/** The points a path of sparklineGeometry draws, in the SVG's units: for tests and tools. Pure. */
export function sparklinePoints(path: string): Array<[number, number]> {
  const match = /^M(\d+) (\d+)l(.*)$/.exec(path);
  if (!match) return [];
  const numbers = match[3]!.match(/-?\d+/g)?.map(Number) ?? [];
  let x = Number(match[1]);
  let y = Number(match[2]);
  const points: Array<[number, number]> = [[x / SCALE, y / SCALE]];
  for (let i = 0; i + 1 < numbers.length; i += 2) {
    x += numbers[i]!;
    y += numbers[i + 1]!;
    points.push([x / SCALE, y / SCALE]);
  }
  return points;
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
      {g.path ? (
        <path className="sparkline-line" d={g.path} transform="scale(0.1)" fill="none" strokeWidth={15} strokeLinejoin="round" />
      ) : null}
      {g.last ? <circle cx={g.last.x} cy={g.last.y} r={2} /> : null}
    </svg>
  );
}

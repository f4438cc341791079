import { type Day, daysBetween, shiftDay } from "../days";

/*
 * The 90-day sparkline the assessment writer keeps on each customer's current_health row, as one
 * array of daily scores. Stored as [day, score] pairs it was ~1.9 KB of JSON a customer, and the
 * portfolio parsed 25 of them (2,250 small arrays and date strings) on every view, ~0.4 ms of a
 * page's CPU; as one number array it is ~0.45 KB and a fifth of that to parse. Pure.
 */

/**
 * `scores[i]` is the last score of UTC day `from` + i (null for a day without one), oldest first;
 * the first and last entries are never null. No scores: `{ from: null, scores: [] }`.
 */
export type Sparkline = { from: string | null; scores: (number | null)[] };

/** Days a sparkline covers, today included. */
export const SPARKLINE_DAYS = 90;
export const EMPTY_SPARKLINE: Sparkline = { from: null, scores: [] };

/** The UTC days a sparkline covers at `at`: the writer keeps them, the portfolio draws them. */
export function sparklineWindow(at: Date): { from: Day; to: Day } {
  const to = at.toISOString().slice(0, 10);
  return { from: shiftDay(to, -(SPARKLINE_DAYS - 1)), to };
}

/** Each day that has a score, as [UTC day, score], oldest first. */
export function sparklinePoints(line: Sparkline): [string, number][] {
  if (line.from === null) return [];
  const from = line.from;
  const points: [string, number][] = [];
  line.scores.forEach((score, i) => {
    if (score !== null) points.push([shiftDay(from, i), score]);
  });
  return points;
}

/** The sparkline of [UTC day, score] points (one per day, in any order). */
export function sparklineOf(points: [string, number][]): Sparkline {
  if (points.length === 0) return EMPTY_SPARKLINE;
  const anchor = points[0]![0];
  return fromOffsets(
    anchor,
    points.map(([day, score]) => [daysBetween(anchor, day), score]),
  );
}

/** The sparkline of [days after `anchor`, score] points. */
function fromOffsets(anchor: Day, points: [number, number][]): Sparkline {
  if (points.length === 0) return EMPTY_SPARKLINE;
  points.sort((a, b) => a[0] - b[0]);
  const start = points[0]![0];
  const scores: (number | null)[] = new Array(points[points.length - 1]![0] - start + 1).fill(null);
  for (const [offset, score] of points) scores[offset - start] = score;
  return { from: shiftDay(anchor, start), scores };
}

/** The sparkline with `score` as the last score of its UTC day, days before the last 90 (today included) dropped. */
export function nextSparkline(previous: Sparkline, at: Date, score: number | null): Sparkline {
  const { from, to: today } = sparklineWindow(at);
  const kept: [number, number][] = [];
  if (previous.from !== null) {
    const first = daysBetween(today, previous.from);
    const oldest = daysBetween(today, from);
    previous.scores.forEach((s, i) => {
      if (s !== null && first + i >= oldest && first + i !== 0) kept.push([first + i, s]);
    });
  }
  // Like the score history, a day whose last assessment had no score has no point.
  if (score !== null) kept.push([0, Math.round(score * 10) / 10]);
  return fromOffsets(today, kept);
}

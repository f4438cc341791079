import { DEFAULT_SCORING } from "../../checks/scoring";
import type { StoredScore } from "./health-history.server";

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Band thresholds in force from point `from` on (until the next segment). */
export type BandSegment = { from: number; healthy: number; concerning: number };
export type VersionMark = { t: number; label: string };
/**
 * A year of scores as parallel arrays, not 365 objects: the page ships it to the browser, and the
 * payload (serialised, sent, parsed, hydrated) costs more than the query that reads it.
 */
export type HistorySeries = { t: number[]; score: (number | null)[]; bands: BandSegment[]; marks: VersionMark[] };

/** One decimal is what the page shows; more only makes the payload longer. */
const tenth = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

/** Scores with the bands in force at each point (bands change with the scoring version), and one version mark per day. */
export function historyChart(history: StoredScore[], bands: Map<string, { healthy: number; concerning: number }>): HistorySeries {
  const series: HistorySeries = { t: [], score: [], bands: [], marks: [] };
  // Several versions saved on one day would draw their labels over each other: one mark per day.
  const marks: { t: number; day: string; versions: string[] }[] = [];
  history.forEach((s, i) => {
    const t = s.computedAt.getTime();
    series.t.push(t);
    series.score.push(tenth(s.score));
    if (i > 0 && history[i - 1]!.scoringVersion === s.scoringVersion) return;
    const b = bands.get(s.scoringVersion) ?? DEFAULT_SCORING.bands;
    const last = series.bands.at(-1);
    if (!last || last.healthy !== b.healthy || last.concerning !== b.concerning) {
      series.bands.push({ from: i, healthy: b.healthy, concerning: b.concerning });
    }
    if (i === 0) return;
    const day = dayOf(s.computedAt);
    const mark = marks.at(-1);
    if (mark && mark.day === day) mark.versions.push(s.scoringVersion);
    else marks.push({ t, day, versions: [s.scoringVersion] });
  });
  // "scoring v2 → v4": the first and the last version of the day.
  const label = (versions: string[]) => `scoring v${versions[0]}${versions.length > 1 ? ` → v${versions.at(-1)}` : ""}`;
  series.marks = marks.map((m) => ({ t: m.t, label: label(m.versions) }));
  return series;
}

export type ScorePoint = { t: number; score: number | null; healthy: number; concerning: number };

/** The series as the chart draws it: one point per score, with the bands in force at it. */
export function chartPoints(series: HistorySeries): ScorePoint[] {
  const points: ScorePoint[] = [];
  let segment = 0;
  for (let i = 0; i < series.t.length; i++) {
    while (segment + 1 < series.bands.length && series.bands[segment + 1]!.from <= i) segment++;
    const b = series.bands[segment] ?? DEFAULT_SCORING.bands;
    points.push({ t: series.t[i]!, score: series.score[i] ?? null, healthy: b.healthy, concerning: b.concerning });
  }
  return points;
}

/** How many points carry a score (a "no score" point is a gap in the line). */
export const scoredPoints = (series: HistorySeries) => series.score.filter((s) => s !== null).length;

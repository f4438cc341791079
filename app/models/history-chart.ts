import { DEFAULT_SCORING } from "../../checks/scoring";
import type { StoredScore } from "./health-history.server";

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** Score points with the bands in force at each (bands change with the scoring version), and one version mark per day. */
export function historyChart(history: StoredScore[], bands: Map<string, { healthy: number; concerning: number }>) {
  const points = history.map((s) => {
    const b = bands.get(s.scoringVersion) ?? DEFAULT_SCORING.bands;
    return {
      t: s.computedAt.getTime(),
      date: dayOf(s.computedAt),
      score: s.score,
      version: s.scoringVersion,
      healthy: b.healthy,
      concerning: b.concerning,
    };
  });
  // Several versions saved on one day would draw their labels over each other: one mark per day.
  const marks: { t: number; day: string; versions: string[] }[] = [];
  points.forEach((p, i) => {
    if (i === 0 || points[i - 1]!.version === p.version) return;
    const last = marks.at(-1);
    if (last && last.day === p.date) last.versions.push(p.version);
    else marks.push({ t: p.t, day: p.date, versions: [p.version] });
  });
  // "scoring v2 → v4": the first and the last version of the day.
  const label = (versions: string[]) => `scoring v${versions[0]}${versions.length > 1 ? ` → v${versions.at(-1)}` : ""}`;
  return { points, marks: marks.map((m) => ({ t: m.t, label: label(m.versions) })) };
}

import { describe, expect, test } from "vitest";
import { chartPoints, historyChart, scoredPoints } from "./history-chart";

const score = (id: number, at: string, version: string, value: number | null = 50) => ({
  id,
  computedAt: new Date(at),
  score: value,
  scoringVersion: version,
  reason: "time",
});
const bands = new Map([
  ["1", { healthy: 70, concerning: 40 }],
  ["2", { healthy: 70, concerning: 40 }],
  ["3", { healthy: 80, concerning: 50 }],
]);

describe("historyChart", () => {
  test("each point carries the bands of its own scoring version", () => {
    const chart = historyChart(
      [score(1, "2026-01-01T10:00:00Z", "1"), score(2, "2026-01-02T10:00:00Z", "2"), score(3, "2026-02-01T10:00:00Z", "3")],
      bands,
    );
    expect(chartPoints(chart).map((p) => [p.healthy, p.concerning])).toEqual([
      [70, 40],
      [70, 40],
      [80, 50],
    ]);
    // Same thresholds under a new version: no new segment.
    expect(chart.bands).toEqual([
      { from: 0, healthy: 70, concerning: 40 },
      { from: 2, healthy: 80, concerning: 50 },
    ]);
  });

  test("scores travel as one-decimal numbers in parallel arrays; gaps stay gaps", () => {
    const chart = historyChart([score(1, "2026-01-01T10:00:00Z", "1", 66.66666), score(2, "2026-01-02T10:00:00Z", "1", null)], bands);
    expect(chart.t).toEqual([Date.parse("2026-01-01T10:00:00Z"), Date.parse("2026-01-02T10:00:00Z")]);
    expect(chart.score).toEqual([66.7, null]);
    expect(scoredPoints(chart)).toBe(1);
    expect(chartPoints(chart)[1]).toMatchObject({ score: null, healthy: 70 });
  });

  test("versions saved on one day make one mark; another day makes another", () => {
    const chart = historyChart(
      [
        score(1, "2026-01-01T10:00:00Z", "1"),
        score(2, "2026-01-05T09:00:00Z", "2"),
        score(3, "2026-01-05T09:05:00Z", "3"),
        score(4, "2026-01-09T09:00:00Z", "4"),
      ],
      bands,
    );
    expect(chart.marks).toEqual([
      { t: Date.parse("2026-01-05T09:00:00Z"), label: "scoring v2 → v3" },
      { t: Date.parse("2026-01-09T09:00:00Z"), label: "scoring v4" },
    ]);
    // A version without a known row (deleted) falls back to the built-in bands rather than none.
    expect(chartPoints(chart).at(-1)).toMatchObject({ healthy: 70, concerning: 40 });
  });

  test("no history, no points", () => {
    const chart = historyChart([], bands);
    expect(chartPoints(chart)).toEqual([]);
    expect(chart.marks).toEqual([]);
  });
});

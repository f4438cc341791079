import { describe, expect, test } from "vitest";
import { EMPTY_SPARKLINE, nextSparkline, type Sparkline, sparklineOf, sparklinePoints } from "./sparkline";

const at = (iso: string) => new Date(iso);

describe("sparkline", () => {
  test("one score a day from the first day, null for a day without one", () => {
    const line = sparklineOf([
      ["2026-03-02", 71.2],
      ["2026-02-27", 70],
      ["2026-03-01", 69.5],
    ]);
    // 2024 was the leap year; 2026 has 28 days in February: 27 Feb, 28 Feb (none), 1 Mar, 2 Mar.
    expect(line).toEqual({ from: "2026-02-27", scores: [70, null, 69.5, 71.2] });
    expect(sparklinePoints(line)).toEqual([
      ["2026-02-27", 70],
      ["2026-03-01", 69.5],
      ["2026-03-02", 71.2],
    ]);
    expect(sparklineOf([])).toEqual(EMPTY_SPARKLINE);
    expect(sparklinePoints(EMPTY_SPARKLINE)).toEqual([]);
  });

  test("a new score is its UTC day's last, rounded to a tenth; a later one the same day replaces it", () => {
    let line: Sparkline = EMPTY_SPARKLINE;
    line = nextSparkline(line, at("2026-05-01T23:30:00+02:00"), 40.04); // 21:30 UTC on 1 May
    line = nextSparkline(line, at("2026-05-02T00:30:00+02:00"), 50.06); // 22:30 UTC, still 1 May
    line = nextSparkline(line, at("2026-05-03T08:00:00Z"), 60);
    expect(line).toEqual({ from: "2026-05-01", scores: [50.1, null, 60] });
  });

  test("an assessment without a score takes its day's point away, and an emptied sparkline is empty", () => {
    let line = sparklineOf([
      ["2026-05-01", 40],
      ["2026-05-03", 60],
    ]);
    line = nextSparkline(line, at("2026-05-03T12:00:00Z"), null);
    expect(line).toEqual({ from: "2026-05-01", scores: [40] });
    expect(nextSparkline(line, at("2026-05-01T13:00:00Z"), null)).toEqual(EMPTY_SPARKLINE);
  });

  test("days before the last 90, the assessment's own included, fall off the front", () => {
    const line = sparklineOf([
      ["2026-01-02", 10],
      ["2026-01-03", 20],
      ["2026-03-31", 30],
    ]);
    // The 90 days up to 2 April start on 3 January: 2 January goes, 3 January stays.
    const next = nextSparkline(line, at("2026-04-02T09:00:00Z"), 40);
    expect(next.from).toBe("2026-01-03");
    expect(next.scores).toHaveLength(90);
    expect(sparklinePoints(next)).toEqual([
      ["2026-01-03", 20],
      ["2026-03-31", 30],
      ["2026-04-02", 40],
    ]);
  });

  test("an assessment dated before the newest day keeps the days in order", () => {
    const line = sparklineOf([["2026-05-10", 70]]);
    expect(nextSparkline(line, at("2026-05-08T10:00:00Z"), 65)).toEqual({ from: "2026-05-08", scores: [65, null, 70] });
  });
});

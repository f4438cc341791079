import { describe, expect, test } from "vitest";
import { sparklineOf } from "../../../checks/assessment/sparkline";
import { sparklineGeometry, sparklinePoints } from "./sparkline";

/** The drawn points as "x,y x,y …", as a reader would list them. */
const drawn = (path: string) =>
  sparklinePoints(path)
    .map(([x, y]) => `${x},${y}`)
    .join(" ");

describe("sparklineGeometry", () => {
  test("places each day across the window and each score on a fixed 0–100 scale", () => {
    const g = sparklineGeometry({
      scores: sparklineOf([
        ["2026-01-01", 100],
        ["2026-01-11", 50],
        ["2026-01-21", 0],
      ]),
      from: "2026-01-01",
      to: "2026-01-21",
      width: 24,
      height: 14,
    });
    // x runs from PAD (2) to width − PAD (22); y from PAD (score 100) to height − PAD (score 0).
    expect(drawn(g.path)).toBe("2,2 12,7 22,12");
    // In tenths, each point as its step from the one before.
    expect(g.path).toBe("M20 20l100 50 100 50");
    expect(g.mid).toBe(7);
    expect(g.last).toEqual({ x: 22, y: 12 });
    expect(g.label).toBe("Score over 90 days: 100 to 0");
  });

  test("a short history sits at the right-hand end, across month and leap-day boundaries", () => {
    const g = sparklineGeometry({
      scores: { from: "2024-02-28", scores: [40, 41, 42.4] },
      from: "2024-01-31",
      to: "2024-03-01",
      width: 32,
      height: 24,
    });
    // 30 days from 31 Jan to 1 Mar 2024 (a leap year): 28 Feb is day 28 of 30, 29 Feb day 29, 1 Mar day 30 (x = 2 + day ÷ 30 × 28).
    expect(drawn(g.path)).toBe("28.1,14 29.1,13.8 30,13.5");
    // A step up is negative and needs no space before it.
    expect(g.path).toBe("M281 140l10-2 9-3");
    expect(g.label).toBe("Score over 90 days: 40 to 42");
  });

  test("fewer than two scores draw no line; none at all says so", () => {
    expect(sparklineGeometry({ scores: { from: "2026-01-05", scores: [70] }, from: "2026-01-01", to: "2026-01-05" })).toMatchObject({
      path: "",
      last: { x: 94, y: 8 },
    });
    expect(sparklineGeometry({ scores: { from: null, scores: [] }, from: "2026-01-01", to: "2026-01-05" })).toMatchObject({
      path: "",
      last: null,
      label: "No scores in the last 90 days",
    });
  });

  test("only the window's days are drawn: a line stored days ago starts at the window's edge", () => {
    // Stored on 10 Jan for 2–10 Jan; today's window is 5–13 Jan, so 2–4 Jan are gone.
    const g = sparklineGeometry({
      scores: { from: "2026-01-02", scores: [10, 20, 30, 40, null, 60, 70, 80, 90] },
      from: "2026-01-05",
      to: "2026-01-13",
      width: 20,
      height: 14,
    });
    // 8 days across 16 px: 5 Jan at x = 2, 10 Jan (day 5) at x = 12.
    expect(drawn(g.path)).toBe("2,8 6,6 8,5 10,4 12,3");
    expect(g.label).toBe("Score over 90 days: 40 to 90");
    expect(g.last).toEqual({ x: 12, y: 3 });
    // Nothing left in the window: no line, no point, and the label says so.
    expect(sparklineGeometry({ scores: { from: "2025-12-01", scores: [50, 60] }, from: "2026-01-05", to: "2026-01-13" })).toMatchObject({
      path: "",
      last: null,
      label: "No scores in the last 90 days",
    });
  });

  test("days without a score are skipped, and the line joins the days either side", () => {
    const g = sparklineGeometry({
      scores: { from: "2026-01-02", scores: [60, null, null, 40] },
      from: "2026-01-01",
      to: "2026-01-05",
      width: 12,
      height: 14,
    });
    // 4 days across 8 px: 2 Jan at x = 4, 5 Jan at x = 10; nothing drawn for 3 and 4 Jan.
    expect(drawn(g.path)).toBe("4,6 10,8");
    expect(g.last).toEqual({ x: 10, y: 8 });
    expect(g.label).toBe("Score over 90 days: 60 to 40");
  });

  test("every point is drawn at its coordinates rounded to a tenth, whatever the scores and days: steps do not drift", () => {
    // The plain formula, to compare with the points the steps add up to.
    const reference = (value: number) => String(Math.round(value * 10) / 10);
    let seed = 7;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let run = 0; run < 200; run++) {
      const span = 2 + Math.floor(random() * 119);
      const width = 20 + Math.floor(random() * 200);
      const height = 10 + Math.floor(random() * 60);
      const from = "2025-12-01";
      const to = new Date(Date.UTC(2025, 11, 1 + span)).toISOString().slice(0, 10);
      // Up to 32 distinct days of the window, some of them without a score.
      const days = [...new Set(Array.from({ length: 32 }, (_, i) => Math.floor((i * span) / 32)))];
      const points = days
        .filter((_, i) => i < 2 || random() < 0.8)
        .map((d) => ({
          day: new Date(Date.UTC(2025, 11, 1 + d)).toISOString().slice(0, 10),
          score: Math.round((random() * 130 - 15) * 1000) / 1000,
        }));
      const expected = points
        .map((p) => {
          const day = (Date.parse(p.day) - Date.parse(from)) / 86_400_000;
          const x = 2 + (day / span) * (width - 4);
          const y = 2 + (1 - Math.min(100, Math.max(0, p.score)) / 100) * (height - 4);
          return `${reference(x)},${reference(y)}`;
        })
        .join(" ");
      const scores = sparklineOf(points.map((p) => [p.day, p.score]));
      expect(drawn(sparklineGeometry({ scores, from, to, width, height }).path)).toBe(expected);
    }
  });
});

import { describe, expect, test } from "vitest";
import { windowStarts } from "./explain-view";

const row = (id: number, at: string, reason: string, score: number | null = 50) => ({ id, computedAt: new Date(at), score, reason });
const now = new Date("2026-03-31T12:00:00Z");

describe("windowStarts", () => {
  const history = [
    row(1, "2026-02-01T10:00:00Z", "customer", null),
    row(2, "2026-02-01T10:01:00Z", "refresh"),
    row(3, "2026-03-20T09:00:00Z", "refresh"),
    row(4, "2026-03-28T09:00:00Z", "answer"),
    row(5, "2026-03-31T08:00:00Z", "refresh"),
    row(6, "2026-03-31T09:00:00Z", "override"),
  ];

  test("each window starts at the assessment in force at its start; the refresh window just before the newest refresh", () => {
    expect(windowStarts(history, 6, now, "2026-03-20")).toEqual({
      refresh: { id: 4, basis: "since just before the refresh of 2026-03-31 08:00 UTC" },
      "7d": { id: 3, basis: "since 2026-03-20" },
      "30d": { id: 2, basis: "since 2026-02-01" },
      catchup: { id: 3, basis: "since the catch-up on 2026-03-20" },
    });
  });

  test("a customer younger than the window starts from its first score; no catch-up, no window", () => {
    const young = history.slice(3).map((h, i) => ({ ...h, id: 10 + i }));
    expect(windowStarts([row(9, "2026-03-27T00:00:00Z", "customer", null), ...young], 12, now, null)).toMatchObject({
      "7d": { id: 10, basis: "since the first score on 2026-03-28" },
      catchup: null,
    });
  });

  test("the current assessment is never its own start", () => {
    expect(windowStarts([row(7, "2026-03-31T08:00:00Z", "refresh")], 7, now, "2026-03-31")).toEqual({
      refresh: null,
      "7d": null,
      "30d": null,
      catchup: null,
    });
  });
});

import { describe, expect, test } from "vitest";
import { changeFrom } from "./movers";

describe("changeFrom", () => {
  test.each([
    { score: 70, baseline: { score: 50, version: "2" }, want: { change: 20, from: null } },
    { score: 42.26, baseline: { score: 45, version: "2" }, want: { change: -2.7, from: null } },
    // Another scoring version: the number stays, with the older version for a marker.
    { score: 30, baseline: { score: 90, version: "1" }, want: { change: -60, from: "1" } },
    // Nothing to compare: no older score, an older assessment without a score, or no score now.
    { score: 70, baseline: null, want: { change: null, from: null } },
    { score: 70, baseline: { score: null, version: "2" }, want: { change: null, from: null } },
    { score: null, baseline: { score: 50, version: "1" }, want: { change: null, from: null } },
  ])("$score from $baseline", ({ score, baseline, want }) => {
    expect(changeFrom(score, "2", baseline)).toEqual(want);
  });
});

import { describe, expect, test } from "vitest";
import { type TableStats, upkeepDue } from "./upkeep";

const table = (over: Partial<TableStats>): TableStats => ({
  table: "t",
  live: 10_000,
  dead: 0,
  modifiedSinceAnalyze: 0,
  everAnalyzed: true,
  empty: false,
  ...over,
});

describe("upkeepDue: autovacuum's default thresholds, for the embedded database", () => {
  test("dead row versions above 50 + 20% of the live rows: vacuumed (and analyzed)", () => {
    expect(upkeepDue([table({ dead: 2_050 })])).toEqual([]);
    expect(upkeepDue([table({ dead: 2_051 })])).toEqual([{ table: "t", vacuum: true }]);
    // A small table still needs its 50.
    expect(upkeepDue([table({ live: 10, dead: 52 })])).toEqual([]);
    expect(upkeepDue([table({ live: 10, dead: 53 })])).toEqual([{ table: "t", vacuum: true }]);
  });

  test("changes above 50 + 10% since the last analyze: analyzed only", () => {
    expect(upkeepDue([table({ modifiedSinceAnalyze: 1_050 })])).toEqual([]);
    expect(upkeepDue([table({ modifiedSinceAnalyze: 1_051 })])).toEqual([{ table: "t", vacuum: false }]);
  });

  test("a table never analyzed is analyzed once it has rows, even when no change was counted (after a restart); an empty one is left alone", () => {
    expect(upkeepDue([table({ everAnalyzed: false, live: 0, modifiedSinceAnalyze: 0 })])).toEqual([{ table: "t", vacuum: false }]);
    expect(upkeepDue([table({ everAnalyzed: false, empty: true, live: 0 })])).toEqual([]);
  });

  test("rows only added (a growing history) never call for a vacuum", () => {
    expect(upkeepDue([table({ live: 3_650_000, modifiedSinceAnalyze: 200_000 })])).toEqual([]);
    expect(upkeepDue([table({ live: 3_650_000, modifiedSinceAnalyze: 400_000 })])).toEqual([{ table: "t", vacuum: false }]);
  });

  test("each table on its own, in the order given", () => {
    expect(
      upkeepDue([table({ table: "a", dead: 5_000 }), table({ table: "b" }), table({ table: "c", modifiedSinceAnalyze: 9_000 })]),
    ).toEqual([
      { table: "a", vacuum: true },
      { table: "c", vacuum: false },
    ]);
  });
});

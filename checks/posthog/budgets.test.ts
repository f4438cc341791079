import { describe, expect, test } from "vitest";
import { type Budget, decide, type SlotRow } from "./budgets";

const MINUTE = 60_000;
const perMinute: Budget[] = [{ name: "all/minute", class: "all", limit: 10, windowMs: MINUTE }];
const slot = MINUTE / 12;

/** Grants `costs` one after the other at the given times, as the database would record them. */
function replay(grants: { at: number; cost: number }[], budgets = perMinute) {
  const rows: SlotRow[] = [];
  const decisions = grants.map(({ at, cost }) => {
    const d = decide(rows, budgets, { all: cost }, at);
    if (d.granted) {
      const s = Math.floor(at / slot);
      const row = rows.find((r) => r.slot === s);
      if (row) row.used += cost;
      else rows.push({ budget: "all/minute", slot: s, used: cost });
    }
    return d;
  });
  return decisions;
}

describe("shared PostHog budgets", () => {
  test("grants up to the limit, then defers to when the oldest calls leave the window", () => {
    const t0 = 1_000 * MINUTE;
    const d = replay([
      { at: t0, cost: 8 },
      { at: t0 + 1_000, cost: 2 },
      { at: t0 + 2_000, cost: 1 },
    ]);
    expect(d[0]).toEqual({ granted: true });
    expect(d[1]).toEqual({ granted: true });
    // The slot of t0 leaves after a window and one slot of margin (14 slots after it started).
    expect(d[2]).toEqual({ granted: false, waitMs: 14 * slot - 2_000, budget: "all/minute" });
  });

  test("never more than the limit in any window, wherever it starts, when callers retry when told", () => {
    const t0 = 5_000 * MINUTE;
    const granted: number[] = [];
    const rows: SlotRow[] = [];
    let at = t0;
    for (let i = 0; i < 200; i++) {
      const d = decide(rows, perMinute, { all: 1 }, at);
      if (d.granted) {
        granted.push(at);
        const s = Math.floor(at / slot);
        const row = rows.find((r) => r.slot === s);
        if (row) row.used += 1;
        else rows.push({ budget: "all/minute", slot: s, used: 1 });
        at += 700;
      } else at += d.waitMs;
    }
    for (const start of granted) {
      expect(granted.filter((t) => t >= start && t < start + MINUTE + 100).length).toBeLessThanOrEqual(10);
    }
    // And it keeps going: most of the rate is still used (a window plus a slot per limit).
    expect(granted.length).toBeGreaterThan(((granted.at(-1)! - t0) / (MINUTE + slot)) * 10 * 0.9);
  });

  test("the longest wait of the budgets a cost touches decides; untouched budgets never block", () => {
    const budgets: Budget[] = [
      { name: "all/minute", class: "all", limit: 100, windowMs: MINUTE },
      { name: "hogql/hour", class: "hogql", limit: 1, windowMs: 60 * MINUTE },
    ];
    const now = 10_000 * MINUTE;
    const rows: SlotRow[] = [{ budget: "hogql/hour", slot: Math.floor(now / (5 * MINUTE)), used: 1 }];
    expect(decide(rows, budgets, { all: 8 }, now)).toEqual({ granted: true });
    const d = decide(rows, budgets, { all: 8, hogql: 1 }, now);
    expect(d.granted).toBe(false);
    if (!d.granted) {
      expect(d.budget).toBe("hogql/hour");
      expect(d.waitMs).toBe(14 * 5 * MINUTE);
    }
  });
});

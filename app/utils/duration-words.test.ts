import { describe, expect, test } from "vitest";
import { durationWords } from "./duration-words";

const H = 3_600_000;

describe("durationWords", () => {
  test.each([
    [90 * 24 * H, "90 days", "every 90 days"],
    [24 * H, "1 day", "every day"],
    [36 * H, "36 hours", "every 36 hours"],
    [6 * H, "6 hours", "every 6 hours"],
    [30 * 60_000, "30 minutes", "every 30 minutes"],
    [90_000, "90 seconds", "every 90 seconds"],
    [1500, "1500 ms", "every 1500 ms"],
  ])("%d ms reads %j, %j", (ms, words, every) => {
    expect(durationWords(ms)).toBe(words);
    expect(durationWords(ms, { every: true })).toBe(every);
  });
});

import { describe, expect, test } from "vitest";
import { loadConfig } from "./env.server";

describe("DELIGHT_RUN_RETENTION", () => {
  test("90 days unless said otherwise; 0 keeps every run", () => {
    expect(loadConfig({}).DELIGHT_RUN_RETENTION).toBe(90 * 86_400_000);
    expect(loadConfig({ DELIGHT_RUN_RETENTION: "400d" }).DELIGHT_RUN_RETENTION).toBe(400 * 86_400_000);
    expect(loadConfig({ DELIGHT_RUN_RETENTION: "24h" }).DELIGHT_RUN_RETENTION).toBe(86_400_000);
    expect(loadConfig({ DELIGHT_RUN_RETENTION: "0" }).DELIGHT_RUN_RETENTION).toBe(0);
  });

  test.each(["12h", "90", "ninety days", "-1d", ""])("%j is refused, saying what would do", (bad) => {
    expect(() => loadConfig({ DELIGHT_RUN_RETENTION: bad })).toThrow(
      `DELIGHT_RUN_RETENTION "${bad}" is not a duration of at least 1d (such as 90d), or 0 to keep every run`,
    );
  });
});

import { describe, expect, it } from "vitest";
import { localDay, startOfLocalDay } from "./days";

describe("startOfLocalDay", () => {
  it.each([
    ["2025-03-30", "Europe/Berlin", "2025-03-29T23:00:00.000Z"],
    ["2025-03-31", "Europe/Berlin", "2025-03-30T22:00:00.000Z"],
    ["2025-06-15", "UTC", "2025-06-15T00:00:00.000Z"],
    // Midnight does not exist there that day (DST starts at 00:00): the day begins at 01:00.
    ["2024-09-08", "America/Santiago", "2024-09-08T04:00:00.000Z"],
  ])("%s in %s begins at %s, asked once or again", (day, zone, expected) => {
    expect(startOfLocalDay(day, zone).toISOString()).toBe(expected);
    const again = startOfLocalDay(day, zone);
    expect(again.toISOString()).toBe(expected);
    expect(localDay(again, zone)).toBe(day);
  });

  it("hands out a new Date each time: changing one does not change the next answer", () => {
    const first = startOfLocalDay("2025-01-02", "Asia/Tokyo");
    first.setTime(0);
    expect(startOfLocalDay("2025-01-02", "Asia/Tokyo").toISOString()).toBe("2025-01-01T15:00:00.000Z");
  });

  it("still refuses an unknown zone and a malformed day", () => {
    expect(() => startOfLocalDay("2025-01-02", "Mars/Olympus")).toThrow(RangeError);
    expect(() => startOfLocalDay("2025-1-2", "UTC")).toThrow(RangeError);
  });
});

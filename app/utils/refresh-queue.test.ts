import { describe, expect, test } from "vitest";
import { retryDelayMs, workerName } from "./refresh-queue.server";

// PostgreSQL keeps 63 bytes of application_name, of which "delight-queue " takes 14.
const ROOM = 63 - "delight-queue ".length;

describe("workerName (a worker's name in the database's list of connections)", () => {
  test("a short host name is kept whole, with the pid", () => {
    expect(workerName("web-1", 4242)).toBe("web-1 pid 4242");
  });

  test("a long host name fits, keeps the pid, and stays apart from one that differs only at its end", () => {
    const pod = (suffix: string) => `delight-worker-deployment-7d9f8c6b5d-production-eu-west-1-${suffix}`;
    const a = workerName(pod("x7k2p"), 4194304);
    const b = workerName(pod("q9m4z"), 4194304);
    for (const name of [a, b]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(ROOM);
      expect(name).toMatch(/^delight-worker-deployment-.*~[0-9a-f]{6} pid 4194304$/);
    }
    expect(a).not.toBe(b);
  });

  test("a name exactly as long as the room is kept whole; one byte more is shortened", () => {
    const tail = " pid 7";
    const exact = "h".repeat(ROOM - tail.length);
    expect(workerName(exact, 7)).toBe(`${exact}${tail}`);
    const longer = workerName(`${exact}h`, 7);
    expect(longer).toMatch(/~[0-9a-f]{6} pid 7$/);
    expect(longer.length).toBe(ROOM);
  });

  test("characters outside printable ASCII never reach the database's name", () => {
    expect(workerName("café bar", 1)).toBe("caf??bar pid 1");
  });
});

describe("retryDelayMs (the back-off of a failed refresh job, as pg-boss's)", () => {
  test("the base delay doubles with each retry made, plus up to as much again at random", () => {
    expect([0, 1, 2, 3, 4].map((n) => retryDelayMs(n, 30, 0))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    expect(retryDelayMs(0, 30, 1)).toBe(60_000);
    expect(retryDelayMs(2, 30, 0.5)).toBe(180_000);
  });

  test("the doubling stops at 2^16, as pg-boss's does, and a zero base retries at once", () => {
    expect(retryDelayMs(40, 1, 0)).toBe(65_536_000);
    expect(retryDelayMs(3, 0, 0.9)).toBe(0);
  });
});

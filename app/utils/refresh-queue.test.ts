import { describe, expect, test } from "vitest";
import { workerName } from "./refresh-queue.server";

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

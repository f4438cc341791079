import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { AppContext } from "./context.server";
import { openRefreshQueue, type RefreshQueue } from "./refresh-queue.server";

// The embedded database's queue on its own: refresh runs that always fail, and a clock moved by hand.
const runs: number[][] = [];
vi.mock("../../checks/refresh-jobs", () => ({
  runRefreshJobs: async (_db: unknown, _key: unknown, batch: { customerId: number }[]) => {
    runs.push(batch.map((j) => j.customerId));
    throw new Error("database unavailable");
  },
  dueCustomerIds: async () => [7],
}));

const ctx = { config: {}, db: {}, secretKey: "k" } as unknown as AppContext;
let queue: RefreshQueue;
const settle = async () => {
  for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(0);
};

beforeEach(async () => {
  runs.length = 0;
  vi.useFakeTimers();
  // No jitter: the first retry comes 30 s after the failure, the second 60 s after the next.
  vi.spyOn(Math, "random").mockReturnValue(0);
  queue = await openRefreshQueue(ctx, { log: () => {} });
  await queue.work({ concurrency: 4 });
  await queue.enqueue([7], "background");
  await settle();
  expect(runs).toEqual([[7]]);
});
afterEach(async () => {
  await queue.stop();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the in-process queue keeps one job per customer while it waits to retry", () => {
  test("asking again runs it now, once: the earlier retry's timer does not run it a second time", async () => {
    await queue.enqueue([7], "web");
    await settle();
    expect(runs).toEqual([[7], [7]]);
    // The first retry would have come at 30 s; the job's next try is now 60 s after its second run.
    await vi.advanceTimersByTimeAsync(45_000);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(runs).toHaveLength(3);
    expect(await queue.status()).toMatchObject({ waiting: 0, retrying: 1 });
  });

  test("a scheduled round leaves a job that waits to retry to its back-off", async () => {
    expect(await queue.round(60 * 60_000)).toBe(1);
    await settle();
    expect(runs).toHaveLength(1);
    expect(await queue.status()).toMatchObject({ waiting: 0, retrying: 1 });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(runs).toHaveLength(2);
  });
});

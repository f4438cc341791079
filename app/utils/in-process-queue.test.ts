import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { AppContext } from "./context.server";
import { openRefreshQueue, type RefreshQueue } from "./refresh-queue.server";

// The embedded database's queue on its own: refresh runs that fail (or wait to be let go), and a
// clock moved by hand.
const runs: number[][] = [];
/** While set, a run waits for this promise and then succeeds; otherwise it fails. */
let held: Promise<void> | null = null;
vi.mock("../../checks/refresh-jobs", () => ({
  runRefreshJobs: async (_db: unknown, _key: unknown, batch: { customerId: number }[]) => {
    runs.push(batch.map((j) => j.customerId));
    if (!held) throw new Error("database unavailable");
    await held;
    return batch.map(() => ({ kind: "skipped" }));
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
  held = null;
  vi.useFakeTimers();
  // No jitter: the first retry comes 30 s after the failure, the second 60 s after the next.
  vi.spyOn(Math, "random").mockReturnValue(0);
  queue = await openRefreshQueue(ctx, { log: () => {} });
  await queue.work({ concurrency: 4 });
});
afterEach(async () => {
  await queue.stop();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the in-process queue keeps one job per customer while it waits to retry", () => {
  beforeEach(async () => {
    await queue.enqueue([7], "background");
    await settle();
    expect(runs).toEqual([[7]]);
  });

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

describe("the in-process queue and a customer being refreshed", () => {
  let letGo: () => void;
  beforeEach(async () => {
    held = new Promise((resolve) => {
      letGo = resolve;
    });
    await queue.enqueue([7], "background");
    await settle();
    expect(await queue.status()).toMatchObject({ running: 1, waiting: 0 });
  });
  afterEach(() => letGo());

  test("a scheduled round leaves it out: its run started before the round", async () => {
    expect(await queue.round(60 * 60_000)).toBe(1);
    expect(await queue.status()).toMatchObject({ running: 1, waiting: 0 });
    letGo();
    await settle();
    expect(runs).toEqual([[7]]);
    expect(await queue.status()).toMatchObject({ running: 0, waiting: 0 });
  });

  test("someone asking meanwhile gets another refresh once it ends", async () => {
    await queue.enqueue([7], "web");
    expect(await queue.status()).toMatchObject({ running: 1, waiting: 1 });
    letGo();
    await settle();
    expect(runs).toEqual([[7], [7]]);
  });
});

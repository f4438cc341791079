import { describe, expect, it } from "vitest";
import { PostHogError } from "./errors";
import { createRateLimiter, rateLimitKeyId } from "./rate-limit";

function fakeClock(start = 1_000_000) {
  const clock = { t: start, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    // Sleeping advances the clock, as real time would.
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
}

describe("createRateLimiter", () => {
  it("grants up to the limit at once, then waits for the oldest slot to leave the window", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({ plain: { limit: 2, windowMs: 1000 } }, c);
    await limiter.acquire("k", "plain");
    await limiter.acquire("k", "plain");
    expect(c.clock.sleeps).toEqual([]);
    await limiter.acquire("k", "plain");
    expect(c.clock.sleeps).toEqual([1000]);
  });

  it("keeps buckets and keys apart", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({ plain: { limit: 1, windowMs: 1000 }, insights: { limit: 1, windowMs: 1000 } }, c);
    await limiter.acquire("a", "plain");
    await limiter.acquire("a", "insights");
    await limiter.acquire("b", "plain");
    expect(c.clock.sleeps).toEqual([]);
    expect(limiter.used("a", "plain")).toBe(1);
    expect(limiter.used("a", "hogql")).toBe(0);
  });

  it("frees slots as the window slides", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({ plain: { limit: 1, windowMs: 1000 } }, c);
    await limiter.acquire("k", "plain");
    c.clock.t += 1001;
    await limiter.acquire("k", "plain");
    expect(c.clock.sleeps).toEqual([]);
  });

  it("queues concurrent waiters one slot apart instead of waking them together", async () => {
    const clock = { t: 0 };
    const sleeps: number[] = [];
    const limiter = createRateLimiter(
      { plain: { limit: 1, windowMs: 1000 } },
      { now: () => clock.t, sleep: async (ms) => void sleeps.push(ms) },
    );
    await Promise.all([limiter.acquire("k", "plain"), limiter.acquire("k", "plain"), limiter.acquire("k", "plain")]);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("fails at once when PostHog's HogQL budget (120 an hour) is used up, saying when the next slot is free", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({}, c);
    for (let i = 0; i < 120; i += 1) await limiter.acquire("k", "hogql", { maxWaitMs: 60_000 });
    c.clock.t += 5 * 60_000;
    const error = await limiter.acquire("k", "hogql", { maxWaitMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostHogError);
    expect((error as PostHogError).kind).toBe("rate_limited");
    expect((error as PostHogError).message).toMatch(/HogQL query budget \(120 per 60 min\).*free in 55 min/);
    expect((error as PostHogError).retryAfterMs).toBe(55 * 60_000);
    expect(c.clock.sleeps).toEqual([]);
    // The refused call did not take a slot.
    expect(limiter.used("k", "hogql")).toBe(120);
  });

  it("waits when the wait fits within maxWaitMs", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({ insights: { limit: 1, windowMs: 30_000 } }, c);
    await limiter.acquire("k", "insights", { maxWaitMs: 60_000 });
    await limiter.acquire("k", "insights", { maxWaitMs: 60_000 });
    expect(c.clock.sleeps).toEqual([30_000]);
  });

  it("uses PostHog's limits by default", async () => {
    const c = fakeClock();
    const limiter = createRateLimiter({}, c);
    for (let i = 0; i < 480; i += 1) await limiter.acquire("k", "plain");
    for (let i = 0; i < 240; i += 1) await limiter.acquire("k", "insights");
    expect(c.clock.sleeps).toEqual([]);
    await expect(limiter.acquire("k", "plain", { maxWaitMs: 0 })).rejects.toMatchObject({ kind: "rate_limited" });
    await expect(limiter.acquire("k", "insights", { maxWaitMs: 0 })).rejects.toMatchObject({ kind: "rate_limited" });
  });
});

describe("rateLimitKeyId", () => {
  it("is a hash that never contains the key and differs per host", () => {
    const key = "phx_secret_key_123456";
    const us = rateLimitKeyId("https://us.posthog.com", key);
    expect(us).toMatch(/^[0-9a-f]{64}$/);
    expect(us).not.toContain(key);
    expect(rateLimitKeyId("https://eu.posthog.com", key)).not.toBe(us);
    expect(rateLimitKeyId("https://us.posthog.com", key)).toBe(us);
  });
});

import { createHash } from "node:crypto";
import { PostHogError } from "./errors";

/** PostHog's throttle classes that delight's calls fall into (posthog-api.md §12). */
export type RateBucket = "plain" | "insights" | "hogql";
export type BucketLimit = { limit: number; windowMs: number };
export type RateLimits = Record<RateBucket, BucketLimit>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// Burst rates per personal API key; the sustained hourly rates are never reached by one refresh.
export const POSTHOG_LIMITS: RateLimits = {
  plain: { limit: 480, windowMs: MINUTE },
  insights: { limit: 240, windowMs: MINUTE },
  hogql: { limit: 120, windowMs: HOUR },
};

export type RateLimiter = {
  /** Waits for a slot, or throws `rate_limited` at once if the wait would exceed `maxWaitMs`. */
  acquire(keyId: string, bucket: RateBucket, options?: { maxWaitMs?: number }): Promise<void>;
  /** Slots granted in the current window (for tests and diagnostics). */
  used(keyId: string, bucket: RateBucket): number;
};

export type RateLimiterClock = { now?: () => number; sleep?: (ms: number) => Promise<void> };

/**
 * PostHog throttles per key, so the limiter is keyed the same way; the id is a hash so the
 * limiter's memory never holds a key, and includes the host because US and EU are separate.
 */
export function rateLimitKeyId(host: string, apiKey: string): string {
  return createHash("sha256").update(`${host}\n${apiKey}`).digest("hex");
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describeWait(ms: number): string {
  if (ms < 2 * MINUTE) return `${Math.ceil(ms / 1000)} s`;
  return `${Math.ceil(ms / MINUTE)} min`;
}

const BUCKET_WORDS: Record<RateBucket, string> = {
  plain: "API request",
  insights: "insight request",
  hogql: "HogQL query",
};

/**
 * Sliding-window log per (key, bucket). A waiting caller reserves its future slot at once, so
 * concurrent callers queue behind each other instead of all waking at the same instant.
 */
export function createRateLimiter(limits: Partial<RateLimits> = {}, clock: RateLimiterClock = {}): RateLimiter {
  const config: RateLimits = { ...POSTHOG_LIMITS, ...limits };
  const now = clock.now ?? Date.now;
  const sleep = clock.sleep ?? realSleep;
  // Granted (or reserved) slot times, ascending.
  const windows = new Map<string, number[]>();

  function slots(keyId: string, bucket: RateBucket, at: number): number[] {
    const id = `${bucket}:${keyId}`;
    const { windowMs } = config[bucket];
    const times = (windows.get(id) ?? []).filter((t) => t > at - windowMs);
    if (times.length === 0) windows.delete(id);
    else windows.set(id, times);
    return times;
  }

  return {
    async acquire(keyId, bucket, options = {}) {
      const { limit, windowMs } = config[bucket];
      const at = now();
      const times = slots(keyId, bucket, at);
      const slot = times.length < limit ? at : Math.max(at, times[times.length - limit] + windowMs);
      const wait = slot - at;
      if (wait > (options.maxWaitMs ?? Infinity)) {
        const freeAt = new Date(slot).toISOString().slice(11, 19);
        throw new PostHogError(
          "rate_limited",
          `delight has used this key's ${BUCKET_WORDS[bucket]} budget (${limit} per ${describeWait(windowMs)}); ` +
            `the next slot is free in ${describeWait(wait)} (${freeAt} UTC)`,
          { retryAfterMs: wait },
        );
      }
      times.push(slot);
      windows.set(`${bucket}:${keyId}`, times);
      if (wait > 0) await sleep(wait);
    },
    used(keyId, bucket) {
      return slots(keyId, bucket, now()).length;
    },
  };
}

/** Shared by every client that is not given its own, so all refreshes in a process share budgets. */
export const defaultRateLimiter: RateLimiter = createRateLimiter();

/*
 * PostHog's per-key throttles as the sandbox enforces them when asked (benchmarks and tests of
 * shared budgets): sliding windows per key like DRF's throttles, answering 429 with PostHog's
 * "Expected available in N seconds." when a request would exceed one.
 */

export type ThrottleClass = "all" | "analytics" | "hogql";
export type ThrottleLimit = { name: string; class: ThrottleClass; limit: number; windowMs: number };

/** The classes a request counts against: every call, the ClickHouse ones, the HogQL query. */
export function classesOf(path: string): ThrottleClass[] {
  if (path.endsWith("/query/")) return ["all", "analytics", "hogql"];
  if (path.includes("/insights/")) return ["all", "analytics"];
  return ["all"];
}

export function createThrottle(limits: ThrottleLimit[], now: () => number = Date.now) {
  const history = new Map<string, number[]>();
  return {
    /** Records the request and returns null, or the seconds until it would be allowed (not recorded). */
    check(keyHash: string, path: string): number | null {
      const at = now();
      const classes = classesOf(path);
      let wait = 0;
      const touched: number[][] = [];
      for (const l of limits.filter((x) => classes.includes(x.class))) {
        const id = `${keyHash}:${l.name}`;
        const times = (history.get(id) ?? []).filter((t) => t > at - l.windowMs);
        history.set(id, times);
        if (times.length >= l.limit) wait = Math.max(wait, times[times.length - l.limit]! + l.windowMs - at);
        touched.push(times);
      }
      if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
      for (const times of touched) times.push(at);
      return null;
    },
  };
}

import autocannon from "autocannon";

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** Requests sent this long after the load starts count towards the settled p95. */
export const SETTLE_SECONDS = 10;

export type LoadResult = {
  p50: number;
  p95: number;
  /** p95 of the requests sent after the first SETTLE_SECONDS: once every connection is open. */
  settledP95: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  total: number;
};

/**
 * autocannon against one URL. Its own summary has no p95, so every response time is collected
 * from the instance's "response" events and the percentiles are taken from those. Requests ask
 * for compressed answers, as every browser does: the server's compression is part of a page's cost.
 */
export async function runLoad(
  url: string,
  options: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const latencies: number[] = [];
  // A server admits one new connection per turn of its event loop, so while the load's
  // connections open (and reopen after a time-out) requests also wait for that; the settled p95
  // leaves those out, beside the whole run's.
  const settled: number[] = [];
  const settleAt = performance.now() + SETTLE_SECONDS * 1000;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.seconds,
        headers: { "accept-encoding": "gzip, deflate, br", ...options.headers },
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      if (performance.now() - responseTime >= settleAt) settled.push(responseTime);
    });
  });
  latencies.sort((a, b) => a - b);
  settled.sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    settledP95: quantile(settled, 0.95),
    rps: result.requests.average,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: latencies.length,
  };
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;

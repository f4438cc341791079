import { z } from "zod";
import { badResponse, errorFromResponse, PostHogError, redact } from "./errors";
import { type HostPolicy, HostRefusedError, resolvePinned } from "./host";
import { httpFetch, type LiteInit, LiteTimeoutError } from "./http";
import { isPlainObject } from "./quick-shapes";
import { defaultRateLimiter, type RateBucket, type RateLimiter, rateLimitKeyId } from "./rate-limit";

export type PostHogClientOptions = {
  host: string;
  apiKey: string;
  projectId: number;
  fetch?: typeof fetch;
  /**
   * Resolve the host once per request, check the answer and connect to exactly that address.
   * Left out (tests with a fake fetch), the fetch resolves the name itself.
   */
  hostPolicy?: HostPolicy;
  /** Extra certificate authority to trust (tests that serve TLS with their own CA). */
  ca?: string;
  timeoutMs?: number;
  limiter?: RateLimiter;
  retries?: number;
  /** Total time the client may spend waiting between retries (429 and back-off) for one call. */
  maxRetryWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, injectable so back-off is deterministic in tests. */
  random?: () => number;
};

export type HogQLResult = { columns: string[]; results: unknown[][] };

export type PostHogClient = {
  readonly baseUrl: string;
  readonly projectId: number;
  /** Every HTTP request made, retries and pages included. */
  readonly requestCount: number;
  getJson(path: string, bucket?: RateBucket): Promise<unknown>;
  getAllPages(path: string, bucket?: RateBucket): Promise<unknown[]>;
  hogql(query: string, values: Record<string, unknown>, name?: string): Promise<HogQLResult>;
};

/*
 * The envelopes only: the items are parsed by their own schemas later. An array is checked to be
 * one, not element by element (z.array(z.unknown()) walked every row and cell of a large answer,
 * a noticeable share of a refresh's CPU).
 */
const anyArray = z.custom<unknown[]>(Array.isArray, "an array");
const PageSchema = z.object({ results: anyArray, next: z.string().nullish() });
const HogQLSchema = z.object({
  columns: z.array(z.string()),
  results: z.array(anyArray),
  query_status: z.object({ complete: z.boolean().nullish() }).passthrough().nullish(),
});

// The same envelopes checked without zod in the usual case (see quick-shapes.ts); zod decides the rest.
type Page = { results: unknown[]; next?: string | null };
const quickPage = (body: unknown) =>
  isPlainObject(body) && Array.isArray(body.results) && (body.next == null || typeof body.next === "string") ? (body as Page) : undefined;
const quickHogQL = (body: unknown) =>
  isPlainObject(body) &&
  Array.isArray(body.columns) &&
  body.columns.every((c) => typeof c === "string") &&
  Array.isArray(body.results) &&
  body.results.every(Array.isArray) &&
  (body.query_status == null ||
    (isPlainObject(body.query_status) && (body.query_status.complete == null || typeof body.query_status.complete === "boolean")))
    ? (body as HogQLResult)
    : undefined;

const liteFetch = httpFetch as unknown as typeof fetch;
const BACKOFF_BASE_MS = 500;
const MAX_PAGES = 1000;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function normaliseBaseUrl(host: string): string {
  let url: URL;
  try {
    url = new URL(host.trim());
  } catch {
    throw new PostHogError("bad_request", "The PostHog address is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new PostHogError("bad_request", "The PostHog address must start with https://");
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

export function createPostHogClient(options: PostHogClientOptions): PostHogClient {
  const baseUrl = normaliseBaseUrl(options.host);
  const { origin, hostname } = new URL(baseUrl);
  const { apiKey, projectId } = options;
  const doFetch = options.fetch ?? liteFetch;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const limiter = options.limiter ?? defaultRateLimiter;
  const retries = options.retries ?? 3;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const keyId = rateLimitKeyId(origin, apiKey);
  const secrets = [apiKey];
  let requestCount = 0;

  /** One HTTP exchange: status and parsed JSON, or a typed error. The timer covers the body too. */
  async function exchange(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const started = Date.now();
    // node:http (the default) keeps its own timer; any other fetch is aborted through a signal.
    const controller = doFetch === liteFetch ? null : new AbortController();
    const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : undefined;
    try {
      // Every request (retries and pages too) resolves the name again and checks the answer
      // before a byte is sent, so a name that changes its answer cannot redirect the key.
      const pinned = options.hostPolicy ? await resolvePinned(hostname, options.hostPolicy) : undefined;
      requestCount += 1;
      const lite: LiteInit = controller
        ? { pinned, ca: options.ca, signal: controller.signal }
        : { pinned, ca: options.ca, timeoutMs: timeoutMs - (Date.now() - started) };
      const response = await doFetch(url, { ...init, ...lite } as RequestInit);
      const text = await response.text();
      let body: unknown = null;
      try {
        body = text === "" ? null : JSON.parse(text);
      } catch {
        if (response.ok) throw badResponse();
      }
      return { status: response.status, body };
    } catch (error) {
      if (error instanceof PostHogError) throw error;
      if (error instanceof HostRefusedError) {
        throw new PostHogError(error.reason === "private" ? "forbidden" : "network", redact(error.message, secrets), { host: hostname });
      }
      if (controller?.signal.aborted || error instanceof LiteTimeoutError) {
        throw new PostHogError("timeout", `PostHog did not answer within ${Math.round(timeoutMs / 1000)} s`, { host: hostname });
      }
      const code = (error as { cause?: { code?: unknown } })?.cause?.code;
      const why = typeof code === "string" ? ` (${code})` : "";
      throw new PostHogError("network", redact(`Could not reach PostHog at ${origin}${why}`, secrets), { host: hostname });
    } finally {
      clearTimeout(timer);
    }
  }

  function backoff(attempt: number): number {
    const ceiling = BACKOFF_BASE_MS * 2 ** attempt;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  /**
   * Retries 5xx and network errors with jittered back-off and 429 with PostHog's own estimate,
   * all within `retries` attempts and `maxRetryWaitMs` of waiting. Time-outs are not retried:
   * each costs `timeoutMs`, and four of them would stall a whole refresh.
   */
  async function request(url: string, bucket: RateBucket, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const headers = { Accept: "application/json", ...init.headers, Authorization: `Bearer ${apiKey}` };
    let waited = 0;
    for (let attempt = 0; ; attempt += 1) {
      await limiter.acquire(keyId, bucket, { maxWaitMs: maxRetryWaitMs });
      let failure: PostHogError;
      try {
        const answer = await exchange(url, { ...init, headers });
        if (answer.status >= 200 && answer.status < 300) return answer;
        failure = errorFromResponse(answer.status, answer.body, secrets);
      } catch (error) {
        if (!(error instanceof PostHogError) || error.kind !== "network") throw error;
        failure = error;
      }
      const retryable = failure.kind === "server" || failure.kind === "network" || failure.kind === "rate_limited";
      if (!retryable) throw failure;
      const wait = failure.kind === "rate_limited" ? (failure.retryAfterMs ?? backoff(attempt)) : backoff(attempt);
      if (attempt >= retries || waited + wait > maxRetryWaitMs) {
        if (failure.kind !== "rate_limited") throw failure;
        throw new PostHogError(
          "rate_limited",
          `PostHog is rate-limiting this key; gave up after waiting ${Math.round(waited / 1000)} s` +
            (failure.retryAfterMs !== undefined
              ? ` (PostHog expects to be available in ${Math.round(failure.retryAfterMs / 1000)} s)`
              : ""),
          { status: 429, ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) },
        );
      }
      await sleep(wait);
      waited += wait;
    }
  }

  function urlFor(path: string): string {
    if (!path.startsWith("/")) throw new PostHogError("bad_request", "PostHog paths must start with /");
    return `${baseUrl}${path}`;
  }

  async function getJson(path: string, bucket: RateBucket = "plain"): Promise<unknown> {
    return (await request(urlFor(path), bucket)).body;
  }

  async function getAllPages(path: string, bucket: RateBucket = "plain"): Promise<unknown[]> {
    const items: unknown[] = [];
    const seen = new Set<string>();
    let url: string | null = urlFor(path);
    while (url) {
      if (seen.has(url) || seen.size >= MAX_PAGES) throw badResponse("PostHog's page links went round in a loop");
      seen.add(url);
      const body: unknown = (await request(url, bucket)).body;
      const page: Page | undefined = quickPage(body) ?? PageSchema.safeParse(body).data;
      if (!page) throw badResponse();
      for (const item of page.results) items.push(item);
      url = page.next ?? null;
      // The key travels with every page request: never follow a link to another host.
      if (url && safeOrigin(url) !== origin) {
        throw badResponse("PostHog's next-page link points to another host; delight did not follow it");
      }
    }
    return items;
  }

  async function hogql(query: string, values: Record<string, unknown>, name?: string): Promise<HogQLResult> {
    const body = JSON.stringify({ query: { kind: "HogQLQuery", query, values }, ...(name ? { name } : {}) });
    const answer = await request(urlFor(`/api/projects/${projectId}/query/`), "hogql", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    const unfinished =
      answer.status === 202 || (answer.body as { query_status?: { complete?: unknown } })?.query_status?.complete === false;
    if (unfinished) throw badResponse("PostHog's query did not finish");
    const parsed = quickHogQL(answer.body) ?? HogQLSchema.safeParse(answer.body).data;
    if (!parsed) throw badResponse();
    return { columns: parsed.columns, results: parsed.results };
  }

  return {
    baseUrl,
    projectId,
    get requestCount() {
      return requestCount;
    },
    getJson,
    getAllPages,
    hogql,
  };
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

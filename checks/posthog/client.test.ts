import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { createPostHogClient, type PostHogClientOptions } from "./client";
import { PostHogError } from "./errors";
import { createRateLimiter } from "./rate-limit";

const NOW = new Date("2025-06-15T12:00:00Z");
let sandbox: Sandbox;
const messages: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ now: NOW });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => sandbox.setFaults({}));

const customer = (name: string) => sandbox.customers.find((c) => c.name === name)!;

function clientFor(name: string, extra: Partial<PostHogClientOptions> = {}) {
  const c = customer(name);
  return createPostHogClient({
    host: sandbox.url,
    apiKey: c.apiKey,
    projectId: c.projectId,
    limiter: createRateLimiter(),
    sleep: async () => {},
    random: () => 0.5,
    ...extra,
  });
}

async function failure(promise: Promise<unknown>): Promise<PostHogError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostHogError);
  messages.push((error as PostHogError).message);
  return error as PostHogError;
}

describe("getAllPages", () => {
  it("follows absolute next links to the last page", async () => {
    const client = clientFor("healthy");
    const project = (await client.getJson("/api/projects/1001/")) as { organization: string };
    const members = await client.getAllPages(`/api/organizations/${project.organization}/members/`);
    expect(members).toHaveLength(130);
    expect(client.requestCount).toBe(3);
    expect(sandbox.requests.some((r) => r.path.endsWith("/members/") && r.query.includes("offset=100"))).toBe(true);
  });

  it("refuses a next link to another origin, so the key is never sent there", async () => {
    sandbox.setFaults({ perCustomer: { healthy: { nextOrigin: "http://evil.example" } } });
    const urls: string[] = [];
    const spy: typeof fetch = (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const client = clientFor("healthy", { fetch: spy });
    const error = await failure(client.getAllPages("/api/projects/1001/property_definitions/?type=person"));
    expect(error.kind).toBe("bad_response");
    expect(error.message).toMatch(/another host/);
    expect(urls).toHaveLength(1);
    expect(urls.every((u) => u.startsWith(sandbox.url))).toBe(true);
  });

  it("turns a page that is not an envelope into bad_response", async () => {
    const client = clientFor("healthy");
    const error = await failure(client.getAllPages("/api/projects/1001/"));
    expect(error.kind).toBe("bad_response");
  });
});

describe("retries", () => {
  it("waits the seconds PostHog names on 429, then succeeds", async () => {
    sandbox.setFaults({ throttle: { count: 2, seconds: 7, path: "/actions/" } });
    const sleep = vi.fn(async (_ms: number) => {});
    const client = clientFor("healthy", { sleep });
    const body = (await client.getJson("/api/projects/1001/actions/")) as { results: unknown[] };
    expect(body.results).toHaveLength(2);
    expect(sleep.mock.calls).toEqual([[7000], [7000]]);
    expect(client.requestCount).toBe(3);
  });

  it("gives up at once with rate_limited when PostHog's wait exceeds the budget", async () => {
    sandbox.setFaults({ throttle: { seconds: 90 } });
    const sleep = vi.fn(async (_ms: number) => {});
    const client = clientFor("healthy", { sleep, maxRetryWaitMs: 60_000 });
    const error = await failure(client.getJson("/api/projects/1001/"));
    expect(error.kind).toBe("rate_limited");
    expect(error.message).toMatch(/rate-limiting this key; gave up after waiting 0 s.*90 s/);
    expect(sleep).not.toHaveBeenCalled();
    expect(client.requestCount).toBe(1);
  });

  it("stops retrying a throttled key once the total wait budget is spent", async () => {
    sandbox.setFaults({ throttle: { seconds: 25 } });
    const sleep = vi.fn(async (_ms: number) => {});
    const client = clientFor("healthy", { sleep, maxRetryWaitMs: 60_000, retries: 10 });
    const error = await failure(client.getJson("/api/projects/1001/"));
    expect(error.kind).toBe("rate_limited");
    expect(error.message).toMatch(/gave up after waiting 50 s/);
    expect(sleep.mock.calls).toEqual([[25_000], [25_000]]);
  });

  it("retries 5xx with growing jittered back-off, then gives up with a server error", async () => {
    sandbox.setFaults({ serverError: { status: 502 } });
    const sleep = vi.fn(async (_ms: number) => {});
    const client = clientFor("healthy", { sleep, retries: 3 });
    const error = await failure(client.getJson("/api/projects/1001/"));
    expect(error).toMatchObject({ kind: "server", status: 502 });
    expect(client.requestCount).toBe(4);
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([375, 750, 1500]);
  });

  it("recovers when a 5xx clears before the retries run out", async () => {
    sandbox.setFaults({ serverError: { count: 2 } });
    const client = clientFor("healthy");
    expect(await client.getJson("/api/projects/1001/")).toMatchObject({ id: 1001 });
    expect(client.requestCount).toBe(3);
  });

  it("never retries other 4xx answers", async () => {
    const client = clientFor("healthy");
    const error = await failure(client.getJson("/api/projects/424242/"));
    expect(error).toMatchObject({ kind: "not_found", status: 404 });
    expect(client.requestCount).toBe(1);
  });

  it("retries network errors and reports them as network", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const client = createPostHogClient({
      host: `http://127.0.0.1:${port}/`,
      apiKey: "phx_x_secret",
      projectId: 1,
      sleep: async () => {},
      retries: 1,
      limiter: createRateLimiter(),
    });
    const error = await failure(client.getJson("/api/projects/1/"));
    expect(error.kind).toBe("network");
    expect(client.requestCount).toBe(2);
  });
});

describe("failures", () => {
  it("times out a request PostHog never answers, without retrying it", async () => {
    sandbox.setFaults({ hang: { count: 1 } });
    const client = clientFor("healthy", { timeoutMs: 150 });
    const error = await failure(client.getJson("/api/projects/1001/"));
    expect(error.kind).toBe("timeout");
    expect(error.message).toMatch(/did not answer within/);
    expect(client.requestCount).toBe(1);
  });

  it("reports malformed JSON as bad_response", async () => {
    sandbox.setFaults({ malformedJson: { count: 1 } });
    const error = await failure(clientFor("healthy").getJson("/api/projects/1001/dashboards/"));
    expect(error.kind).toBe("bad_response");
    expect(error.message).toBe("PostHog returned a response delight could not read");
  });

  it("names the missing scope", async () => {
    const client = clientFor("missing-scope");
    const error = await failure(client.hogql("SELECT 1", {}));
    expect(error).toMatchObject({
      kind: "scope",
      status: 403,
      message: "The API key lacks the query:read scope (HTTP 403, permission_denied)",
    });
  });

  it("reports a revoked key as auth", async () => {
    const error = await failure(clientFor("revoked-key").getJson("/api/projects/1009/"));
    expect(error).toMatchObject({ kind: "auth", status: 401 });
    expect(error.message).toMatch(/rejected the API key/);
  });

  it("reports a key revoked mid-way as auth on the later calls", async () => {
    sandbox.setFaults({ perCustomer: { healthy: { revokeAfter: 1 } } });
    const client = clientFor("healthy");
    await client.getJson("/api/projects/1001/");
    expect((await failure(client.getJson("/api/projects/1001/actions/"))).kind).toBe("auth");
  });

  it("passes PostHog's detail on 400, e.g. an unknown query", async () => {
    const error = await failure(clientFor("healthy").hogql("SELECT 1", {}));
    expect(error.kind).toBe("bad_request");
    expect(error.message).toMatch(/daily usage query/);
  });
});

describe("requests", () => {
  it("sends the key as a Bearer header to the configured base URL and the HogQL body PostHog expects", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const stub: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), init: init ?? {} });
      return new Response(JSON.stringify({ columns: ["x"], results: [[1]] }), { status: 200 });
    };
    const client = createPostHogClient({
      host: "https://eu.posthog.com/",
      apiKey: "phx_abc_secret",
      projectId: 7,
      fetch: stub,
      limiter: createRateLimiter(),
    });
    const result = await client.hogql("SELECT {x}", { x: 1 }, "named");
    expect(result).toEqual({ columns: ["x"], results: [[1]] });
    expect(calls[0].url).toBe("https://eu.posthog.com/api/projects/7/query/");
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe("Bearer phx_abc_secret");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({
      query: { kind: "HogQLQuery", query: "SELECT {x}", values: { x: 1 } },
      name: "named",
    });
  });

  it("treats an unfinished (async) query as bad_response", async () => {
    const stub: typeof fetch = async () => new Response(JSON.stringify({ query_status: { complete: false, id: "q1" } }), { status: 202 });
    const client = createPostHogClient({
      host: "https://us.posthog.com",
      apiKey: "phx_k",
      projectId: 1,
      fetch: stub,
      limiter: createRateLimiter(),
    });
    const error = await failure(client.hogql("SELECT 1", {}));
    expect(error).toMatchObject({ kind: "bad_response", message: "PostHog's query did not finish" });
  });

  it("redacts the key if a server echoes it in an error detail", async () => {
    const key = "phx_echoed_secret_key";
    const stub: typeof fetch = async () =>
      new Response(JSON.stringify({ type: "validation_error", code: "invalid_input", detail: `bad key ${key}`, attr: null }), {
        status: 400,
      });
    const client = createPostHogClient({
      host: "https://us.posthog.com",
      apiKey: key,
      projectId: 1,
      fetch: stub,
      limiter: createRateLimiter(),
    });
    const error = await failure(client.getJson("/api/projects/1/"));
    expect(error.message).toContain("[redacted]");
    expect(error.message).not.toContain(key);
    expect(error.stack ?? "").not.toContain(key);
  });

  it("never puts a key into an error message or the sandbox log", () => {
    expect(messages.length).toBeGreaterThan(10);
    const keys = [...sandbox.customers.map((c) => c.apiKey), "phx_echoed_secret_key", "phx_abc_secret", "phx_x_secret"];
    const log = JSON.stringify(sandbox.requests);
    for (const key of keys) {
      expect(log).not.toContain(key);
      for (const message of messages) expect(message).not.toContain(key);
    }
    expect(sandbox.requests.some((r) => r.keyHash && r.customer === "healthy")).toBe(true);
  });
});

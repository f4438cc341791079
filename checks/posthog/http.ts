import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { ResolvedAddress } from "./host";

/*
 * The small part of fetch the PostHog client uses, on node:http with keep-alive agents. A
 * refresh makes eight requests per customer; profiling the benchmark showed the global fetch
 * (undici) costing over a millisecond of CPU per request, several times what node:http needs,
 * which made CPU rather than PostHog's latency the limit when many customers refresh at once.
 *
 * A request may be pinned to addresses the caller has already checked: the socket's DNS lookup is
 * replaced by one that answers those addresses, so the name is resolved exactly once per request.
 * The URL keeps the name, so TLS still sends it as SNI and checks the certificate against it.
 */

type PinnedOptions = http.ClientRequestArgs & { pinned?: ResolvedAddress[] };

// Sockets are pooled per name; a pinned request must only reuse a socket to the same addresses.
const pinnedName = (base: string, options?: PinnedOptions) =>
  options?.pinned ? `${base}@${options.pinned.map((a) => a.address).join(",")}` : base;

class PinnedHttpAgent extends http.Agent {
  override getName(options?: PinnedOptions): string {
    return pinnedName(super.getName(options), options);
  }
}

class PinnedHttpsAgent extends https.Agent {
  override getName(options?: PinnedOptions): string {
    return pinnedName(super.getName(options as https.RequestOptions), options);
  }
}

// A refresh of 16 customers at once has over a hundred requests in flight to one host (PostHog
// Cloud serves every customer): a smaller cap queues them behind each other and adds a round.
const agents = {
  "http:": new PinnedHttpAgent({ keepAlive: true, maxSockets: 256 }),
  "https:": new PinnedHttpsAgent({ keepAlive: true, maxSockets: 256 }),
};

/** A lookup that answers only the checked addresses, whatever name it is asked about. */
export function pinnedLookup(pinned: ResolvedAddress[]): LookupFunction {
  const first = pinned[0];
  if (!first) throw new Error("pinnedLookup needs at least one address");
  return ((_hostname: string, options: unknown, callback: unknown) => {
    const done = (typeof options === "function" ? options : callback) as (...args: unknown[]) => void;
    // Node 20 asks for every address at once when it races IPv4 and IPv6 (autoSelectFamily).
    if (typeof options === "object" && options !== null && (options as { all?: boolean }).all) {
      done(
        null,
        pinned.map((a) => ({ address: a.address, family: a.family })),
      );
    } else done(null, first.address, first.family);
  }) as LookupFunction;
}

export type LiteResponse = {
  status: number;
  ok: boolean;
  text: () => Promise<string>;
  /** A response header (lower or any case), or null. */
  header: (name: string) => string | null;
};
export type LiteInit = {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /**
   * Give up after this many milliseconds, the body included, rejecting with a LiteTimeoutError
   * (0 or less: at once, without sending anything). Cheaper than an AbortSignal per request,
   * which cost the PostHog client more CPU than the rest of node:http's work on a request.
   */
  timeoutMs?: number;
  /** Connect only to these addresses (already checked) instead of resolving the URL's name again. */
  pinned?: ResolvedAddress[];
  /** Extra certificate authority to trust (tests with their own CA); such requests are not pooled. */
  ca?: string;
};

/** The request ran past its `timeoutMs`. */
export class LiteTimeoutError extends Error {
  constructor() {
    super("The request timed out");
    this.name = "TimeoutError";
  }
}

export function httpFetch(url: string, init: LiteInit = {}): Promise<LiteResponse> {
  if (init.timeoutMs !== undefined && init.timeoutMs <= 0) return Promise.reject(new LiteTimeoutError());
  const target = new URL(url);
  const secure = target.protocol === "https:";
  const transport = secure ? https : http;
  const agent = init.ca && secure ? new PinnedHttpsAgent({ ca: init.ca }) : agents[target.protocol as keyof typeof agents];
  const options: PinnedOptions = {
    method: init.method ?? "GET",
    headers: init.headers,
    agent,
    signal: init.signal,
    ...(init.pinned?.length ? { pinned: init.pinned, lookup: pinnedLookup(init.pinned) } : {}),
  };
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    // node:http never follows redirects: a 3xx comes back as it is and the client refuses it.
    const request = transport.request(target, options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", fail);
      response.on("end", () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString("utf8");
        const status = response.statusCode ?? 0;
        const header = (name: string) => {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
        };
        resolve({ status, ok: status >= 200 && status < 300, text: async () => text, header });
      });
    });
    // Same shape as fetch's network errors, so the client can name the cause (ECONNREFUSED, …).
    request.on("error", (error: NodeJS.ErrnoException) =>
      fail(Object.assign(new TypeError("fetch failed"), { cause: { code: error.code } })),
    );
    if (init.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        // Settled first: whatever the destroyed request emits afterwards changes nothing.
        fail(new LiteTimeoutError());
        request.destroy();
      }, init.timeoutMs);
    }
    if (init.body !== undefined) request.write(init.body);
    request.end();
  });
}

import http from "node:http";
import https from "node:https";

/*
 * The small part of fetch the PostHog client uses, on node:http with keep-alive agents. A
 * refresh makes eight requests per customer; profiling the benchmark showed the global fetch
 * (undici) costing over a millisecond of CPU per request, several times what node:http needs,
 * which made CPU rather than PostHog's latency the limit when many customers refresh at once.
 */
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

export type LiteResponse = { status: number; ok: boolean; text: () => Promise<string> };
export type LiteInit = { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal };

export function httpFetch(url: string, init: LiteInit = {}): Promise<LiteResponse> {
  const target = new URL(url);
  const transport = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      target,
      { method: init.method ?? "GET", headers: init.headers, agent: agents[target.protocol as keyof typeof agents], signal: init.signal },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
        });
      },
    );
    // Same shape as fetch's network errors, so the client can name the cause (ECONNREFUSED, …).
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(Object.assign(new TypeError("fetch failed"), { cause: { code: error.code } })),
    );
    if (init.body !== undefined) request.write(init.body);
    request.end();
  });
}

import ipaddr from "ipaddr.js";
import { type Config, getConfig } from "./env.server";

/** Throws a Response for an expected failure so loaders and actions stay linear. */
export function invariantResponse(condition: unknown, message: string, init: ResponseInit = { status: 400 }): asserts condition {
  if (!condition) throw new Response(message, { ...init, headers: { "Content-Type": "text/plain; charset=utf-8", ...init.headers } });
}

export function notFound(message = "Not found"): never {
  throw new Response(message, { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/** What decides which origin and client address a request has (DELIGHT_PUBLIC_URL, DELIGHT_TRUST_PROXY). */
export type OriginPolicy = { publicUrl?: string; trustProxy: boolean };

export function originPolicy(config: Pick<Config, "DELIGHT_PUBLIC_URL" | "DELIGHT_TRUST_PROXY"> = getConfig()): OriginPolicy {
  return { publicUrl: config.DELIGHT_PUBLIC_URL, trustProxy: config.DELIGHT_TRUST_PROXY };
}

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** True when `claimed` (an Origin or Referer) is this server: the public URL, or else the Host asked for. */
function isOurs(claimed: string, request: Request, policy: OriginPolicy): boolean {
  const origin = originOf(claimed);
  if (!origin) return false;
  if (policy.publicUrl) return origin === policy.publicUrl;
  // A client can send X-Forwarded-Host as easily as Origin: only a trusted proxy's counts.
  const forwarded = policy.trustProxy ? request.headers.get("X-Forwarded-Host")?.split(",")[0]?.trim() : undefined;
  const host = forwarded || request.headers.get("Host") || new URL(request.url).host;
  return new URL(origin).host === host.toLowerCase();
}

/**
 * Mutations must come from delight's own pages. Browsers send Origin on every POST; when it is
 * absent (old browsers, curl) Sec-Fetch-Site or Referer decides, and a request with none of them
 * is allowed only for API clients that bring a bearer token (checked elsewhere). With
 * DELIGHT_PUBLIC_URL set, that origin is the only one accepted, so a page served under another
 * name (a rebound DNS name pointing at this server) cannot post.
 */
export function isSameOrigin(request: Request, policy: OriginPolicy = originPolicy()): boolean {
  const origin = request.headers.get("Origin");
  if (origin) return isOurs(origin, request, policy);
  const site = request.headers.get("Sec-Fetch-Site");
  if (site) return site === "same-origin" || site === "none";
  const referer = request.headers.get("Referer");
  if (referer) return isOurs(referer, request, policy);
  return true;
}

export function assertSameOrigin(request: Request) {
  if (request.method !== "GET" && request.method !== "HEAD" && !isSameOrigin(request)) {
    throw new Response("Cross-origin request refused", { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

export function isHttps(request: Request, policy: OriginPolicy = originPolicy()): boolean {
  if (new URL(request.url).protocol === "https:" || policy.publicUrl?.startsWith("https:")) return true;
  return policy.trustProxy && request.headers.get("X-Forwarded-Proto")?.split(",")[0]?.trim() === "https";
}

/**
 * The address a request came from, for sign-in throttling: the socket's peer (passed by
 * app/server.mjs as load context), or behind a trusted proxy the last X-Forwarded-For entry, the
 * one that proxy added. "unknown" when neither is known (the development server).
 */
export function clientAddress(request: Request, context: unknown, policy: OriginPolicy = originPolicy()): string {
  const normalise = (value: string | undefined | null) => {
    const bare = value?.trim().replace(/^\[|\]$/g, "");
    return bare && ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : null;
  };
  if (policy.trustProxy) {
    const last = normalise(request.headers.get("X-Forwarded-For")?.split(",").pop());
    if (last) return last;
  }
  const peer = (context as { clientAddress?: unknown } | undefined)?.clientAddress;
  return normalise(typeof peer === "string" ? peer : null) ?? "unknown";
}

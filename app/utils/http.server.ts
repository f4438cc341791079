/** Throws a Response for an expected failure so loaders and actions stay linear. */
export function invariantResponse(condition: unknown, message: string, init: ResponseInit = { status: 400 }): asserts condition {
  if (!condition) throw new Response(message, { ...init, headers: { "Content-Type": "text/plain; charset=utf-8", ...init.headers } });
}

export function notFound(message = "Not found"): never {
  throw new Response(message, { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * Mutations must come from delight's own pages. Browsers send Origin on every POST; when it is
 * absent (old browsers, curl) Sec-Fetch-Site or Referer decides, and a request with none of them
 * is allowed only for API clients that bring a bearer token (checked elsewhere).
 */
export function isSameOrigin(request: Request): boolean {
  const url = new URL(request.url);
  const host = request.headers.get("X-Forwarded-Host") ?? request.headers.get("Host") ?? url.host;
  const origin = request.headers.get("Origin");
  if (origin) {
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  const site = request.headers.get("Sec-Fetch-Site");
  if (site) return site === "same-origin" || site === "none";
  const referer = request.headers.get("Referer");
  if (referer) {
    try {
      return new URL(referer).host === host;
    } catch {
      return false;
    }
  }
  return true;
}

export function assertSameOrigin(request: Request) {
  if (request.method !== "GET" && request.method !== "HEAD" && !isSameOrigin(request)) {
    throw new Response("Cross-origin request refused", { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
}

export function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("X-Forwarded-Proto") === "https";
}

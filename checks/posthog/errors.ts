import { z } from "zod";
import type { PostHogErrorKind } from "../snapshot";

/** A failed PostHog call, worded for a customer-success person rather than a developer. */
export class PostHogError extends Error {
  readonly kind: PostHogErrorKind;
  readonly status?: number;
  /** For `rate_limited`: how long PostHog (or the local limiter) said to wait. */
  readonly retryAfterMs?: number;
  /** For `scope`: the scope PostHog named (e.g. `query:read`). */
  readonly scope?: string;
  /** For `network` and `timeout`: the host that did not answer, so pages can name it. */
  readonly host?: string;

  constructor(
    kind: PostHogErrorKind,
    message: string,
    extra: { status?: number; retryAfterMs?: number; scope?: string; host?: string } = {},
  ) {
    super(message);
    this.name = "PostHogError";
    this.kind = kind;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra.scope !== undefined) this.scope = extra.scope;
    if (extra.host !== undefined) this.host = extra.host;
  }
}

// exceptions_hog always answers {type, code, detail, attr}; anything else is read as "no body".
const ErrorBodySchema = z.object({
  type: z.string().nullish(),
  code: z.string().nullish(),
  detail: z.string().nullish(),
  attr: z.string().nullish(),
});
export type PostHogErrorBody = z.infer<typeof ErrorBodySchema>;

export function parseErrorBody(body: unknown): PostHogErrorBody {
  const parsed = ErrorBodySchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/** Removes every occurrence of the given secrets, so a server echoing a key cannot leak it. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}

/** PostHog's only hint on when to retry: "Request was throttled. Expected available in 62 seconds." */
export function throttleSeconds(detail: string | null | undefined): number | null {
  const match = /available in (\d+(?:\.\d+)?) seconds?/i.exec(detail ?? "");
  return match ? Number(match[1]) : null;
}

/** Scope named in "API key missing required scope 'query:read'" (the only way PostHog says which). */
export function missingScope(detail: string | null | undefined): string | null {
  const match = /missing required scope '([^']+)'/i.exec(detail ?? "");
  return match ? match[1] : null;
}

// PostHog's `detail` is shown, clipped, as PostHog's own words; control characters (a forged
// line in a log, a terminal escape) are dropped first.
function clip(text: string, max = 200): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

// Only a code that looks like one of PostHog's (`permission_denied`, `throttled`) is repeated.
const safeCode = (code: string | null | undefined) => (code && /^[a-z][a-z0-9_]{0,63}$/i.test(code) ? code : null);

/**
 * Maps an HTTP error answer to a PostHogError whose message names the HTTP status and PostHog's
 * error code. Branches on status and `code`; the `detail` text is read only for the scope name
 * and the throttle seconds, and is shown only redacted and clipped. Answers only ever come from
 * an address the client checked before connecting (client.ts), so a reply from delight's own
 * network never reaches this function to be shown.
 */
export function errorFromResponse(status: number, body: unknown, secrets: readonly string[] = []): PostHogError {
  const parsed = parseErrorBody(body);
  const code = safeCode(parsed.code);
  const detail = parsed.detail ? clip(redact(parsed.detail, secrets)) : "";
  const opts = { status };
  const http = `HTTP ${status}${code ? `, ${code}` : ""}`;
  const withDetail = (text: string) => `${text} (${http})${detail ? `: ${detail}` : ""}`;

  if (status === 401) return new PostHogError("auth", `PostHog rejected the API key; it may have been revoked (${http})`, opts);
  if (status === 403) {
    if (parsed.code === "authentication_failed" || parsed.code === "not_authenticated") {
      return new PostHogError("auth", `PostHog rejected the API key; it may have been revoked (${http})`, opts);
    }
    const scope = missingScope(parsed.detail);
    if (scope && /^[a-z_]+:(read|write)$/.test(scope)) {
      return new PostHogError("scope", `The API key lacks the ${scope} scope (${http})`, { ...opts, scope });
    }
    return new PostHogError("forbidden", withDetail("PostHog refused access"), opts);
  }
  if (status === 404) return new PostHogError("not_found", withDetail("PostHog could not find it; check the project id"), opts);
  if (status === 400) return new PostHogError("bad_request", withDetail("PostHog refused the request"), opts);
  if (status === 429) {
    const seconds = throttleSeconds(parsed.detail);
    return new PostHogError(
      "rate_limited",
      `PostHog is rate-limiting this key (${http})${seconds !== null ? `; available again in ${seconds} s` : ""}`,
      seconds !== null ? { status, retryAfterMs: seconds * 1000 } : opts,
    );
  }
  if (status >= 500) return new PostHogError("server", `PostHog had an internal error (${http})`, opts);
  if (status >= 300 && status < 400) {
    return new PostHogError(
      "bad_response",
      `PostHog answered with a redirect (HTTP ${status}); delight does not follow redirects, so check the PostHog address`,
      opts,
    );
  }
  return new PostHogError("bad_response", `PostHog answered with an unexpected HTTP ${status}`, opts);
}

export function badResponse(message = "PostHog returned a response delight could not read"): PostHogError {
  return new PostHogError("bad_response", message);
}

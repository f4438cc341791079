import { z } from "zod";
import type { PostHogErrorKind } from "../snapshot";

/** A failed PostHog call, worded for a customer-success person rather than a developer. */
export class PostHogError extends Error {
  readonly kind: PostHogErrorKind;
  readonly status?: number;
  /** For `rate_limited`: how long PostHog (or the local limiter) said to wait. */
  readonly retryAfterMs?: number;

  constructor(kind: PostHogErrorKind, message: string, extra: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.name = "PostHogError";
    this.kind = kind;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
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

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Maps an HTTP error answer to a PostHogError. Branches on status and `code`; the `detail`
 * text is read only for the scope name and the throttle seconds, and is redacted before use.
 */
export function errorFromResponse(status: number, body: unknown, secrets: readonly string[] = []): PostHogError {
  const parsed = parseErrorBody(body);
  const detail = parsed.detail ? clip(redact(parsed.detail, secrets)) : null;
  const opts = { status };

  if (status === 401) return new PostHogError("auth", "PostHog rejected the API key (it may have been revoked)", opts);
  if (status === 403) {
    if (parsed.code === "authentication_failed" || parsed.code === "not_authenticated") {
      return new PostHogError("auth", "PostHog rejected the API key (it may have been revoked)", opts);
    }
    const scope = missingScope(parsed.detail);
    if (scope) return new PostHogError("scope", `The API key lacks the ${redact(scope, secrets)} scope`, opts);
    return new PostHogError("forbidden", `PostHog refused access${detail ? `: ${detail}` : ""}`, opts);
  }
  if (status === 404) {
    return new PostHogError("not_found", `PostHog could not find it${detail ? ` (${detail})` : ""}: check the project id`, opts);
  }
  if (status === 400) return new PostHogError("bad_request", `PostHog refused the request${detail ? `: ${detail}` : ""}`, opts);
  if (status === 429) {
    const seconds = throttleSeconds(parsed.detail);
    return new PostHogError(
      "rate_limited",
      `PostHog is rate-limiting this key${seconds !== null ? ` (available again in ${seconds} s)` : ""}`,
      seconds !== null ? { status, retryAfterMs: seconds * 1000 } : opts,
    );
  }
  if (status >= 500) return new PostHogError("server", `PostHog had an internal error (HTTP ${status})`, opts);
  return new PostHogError("bad_response", `PostHog answered with an unexpected HTTP ${status}`, opts);
}

export function badResponse(message = "PostHog returned a response delight could not read"): PostHogError {
  return new PostHogError("bad_response", message);
}

import { describe, expect, it } from "vitest";
import { errorFromResponse } from "./errors";

const body = (type: string, code: string, detail: string) => ({ type, code, detail, attr: null });

describe("errorFromResponse", () => {
  it.each([
    [
      401,
      body("authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid."),
      "auth",
      "PostHog rejected the API key; it may have been revoked (HTTP 401, authentication_failed)",
    ],
    [
      403,
      body("authentication_error", "authentication_failed", "Invalid key"),
      "auth",
      "PostHog rejected the API key; it may have been revoked (HTTP 403, authentication_failed)",
    ],
    [
      403,
      body("authentication_error", "permission_denied", "API key missing required scope 'feature_flag:read'"),
      "scope",
      "The API key lacks the feature_flag:read scope (HTTP 403, permission_denied)",
    ],
    [
      403,
      body("authentication_error", "permission_denied", "You don't have access to the project."),
      "forbidden",
      "PostHog refused access (HTTP 403, permission_denied): You don't have access to the project.",
    ],
    [
      404,
      body("invalid_request", "not_found", "Project not found."),
      "not_found",
      "PostHog could not find it; check the project id (HTTP 404, not_found): Project not found.",
    ],
    [
      400,
      body("validation_error", "invalid_input", "Unknown table `evnts`"),
      "bad_request",
      "PostHog refused the request (HTTP 400, invalid_input): Unknown table `evnts`",
    ],
    [
      429,
      body("throttled_error", "throttled", "Request was throttled. Expected available in 62 seconds."),
      "rate_limited",
      "PostHog is rate-limiting this key (HTTP 429, throttled); available again in 62 s",
    ],
    [503, "<html>Bad gateway</html>", "server", "PostHog had an internal error (HTTP 503)"],
    [500, body("server_error", "error", "A server error occurred."), "server", "PostHog had an internal error (HTTP 500, error)"],
    [
      302,
      null,
      "bad_response",
      "PostHog answered with a redirect (HTTP 302); delight does not follow redirects, so check the PostHog address",
    ],
    [418, { code: "<script>", detail: "x" }, "bad_response", "PostHog answered with an unexpected HTTP 418"],
  ])("%i %j → %s", (status, payload, kind, message) => {
    const error = errorFromResponse(status, payload);
    expect(error).toMatchObject({ kind, status, message });
  });

  it("reads the 429 wait in milliseconds", () => {
    expect(
      errorFromResponse(429, body("throttled_error", "throttled", "Request was throttled. Expected available in 3 seconds.")).retryAfterMs,
    ).toBe(3000);
    expect(errorFromResponse(429, body("throttled_error", "throttled", "Too many concurrent queries")).retryAfterMs).toBeUndefined();
  });

  it("redacts secrets from PostHog's detail", () => {
    const error = errorFromResponse(400, body("validation_error", "invalid_input", "key phx_top_secret is odd"), ["phx_top_secret"]);
    expect(error.message).toBe("PostHog refused the request (HTTP 400, invalid_input): key [redacted] is odd");
  });

  it("shows only a clipped detail without control characters, and no code that is not a plain word", () => {
    const long = errorFromResponse(400, body("validation_error", "bad code!", `line one\nline two\u001b[31m${"x".repeat(500)}`));
    expect(long.message).toMatch(/^PostHog refused the request \(HTTP 400\): line one line two \[31mx+…$/);
    expect(long.message.length).toBeLessThan(260);
    expect(long.message).not.toMatch(/[\u0000-\u001f]/);
  });
});

import { describe, expect, it } from "vitest";
import { errorFromResponse } from "./errors";

const body = (type: string, code: string, detail: string) => ({ type, code, detail, attr: null });

describe("errorFromResponse", () => {
  it.each([
    [
      401,
      body("authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid."),
      "auth",
      "PostHog rejected the API key (it may have been revoked)",
    ],
    [
      403,
      body("authentication_error", "authentication_failed", "Invalid key"),
      "auth",
      "PostHog rejected the API key (it may have been revoked)",
    ],
    [
      403,
      body("authentication_error", "permission_denied", "API key missing required scope 'feature_flag:read'"),
      "scope",
      "The API key lacks the feature_flag:read scope",
    ],
    [
      403,
      body("authentication_error", "permission_denied", "You don't have access to the project."),
      "forbidden",
      "PostHog refused access: You don't have access to the project.",
    ],
    [
      404,
      body("invalid_request", "not_found", "Project not found."),
      "not_found",
      "PostHog could not find it (Project not found.): check the project id",
    ],
    [
      400,
      body("validation_error", "invalid_input", "Unknown table `evnts`"),
      "bad_request",
      "PostHog refused the request: Unknown table `evnts`",
    ],
    [
      429,
      body("throttled_error", "throttled", "Request was throttled. Expected available in 62 seconds."),
      "rate_limited",
      "PostHog is rate-limiting this key (available again in 62 s)",
    ],
    [503, "<html>Bad gateway</html>", "server", "PostHog had an internal error (HTTP 503)"],
    [302, null, "bad_response", "PostHog answered with an unexpected HTTP 302"],
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
    expect(error.message).toBe("PostHog refused the request: key [redacted] is odd");
  });
});

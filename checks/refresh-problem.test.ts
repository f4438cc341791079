import { describe, expect, it } from "vitest";
import { refreshProblem } from "./refresh-problem";
import { CALLS, type CallFailure, type CallName, type PostHogErrorKind } from "./snapshot";

const everyCall = (kind: PostHogErrorKind, extra: Partial<CallFailure> = {}): CallFailure[] =>
  CALLS.map((call: CallName) => ({ call, kind, message: `${kind}@${call}`, ...extra }));

describe("refreshProblem", () => {
  it("says nothing for a successful refresh or none at all", () => {
    expect(refreshProblem(null)).toBeNull();
    expect(refreshProblem({ status: "ok", errors: [] })).toBeNull();
  });

  it.each([
    ["auth", {}, "auth", "PostHog rejected the API key — ask the customer for a new personal API key."],
    [
      "scope",
      { scope: "query:read" },
      "scope",
      "The API key lacks the query:read scope — ask the customer for a personal API key with query:read.",
    ],
    [
      "forbidden",
      {},
      "forbidden",
      "PostHog refused access to the project — check that the key's owner can see this project, or ask the customer for a key that can.",
    ],
    [
      "not_found",
      {},
      "not_found",
      "PostHog could not find the project — check the project id and the PostHog host on the customer's settings.",
    ],
    [
      "network",
      { host: "ph.example.com" },
      "unreachable",
      "delight could not reach ph.example.com — check the host address or try again later.",
    ],
    ["timeout", { host: "ph.example.com" }, "timeout", "ph.example.com did not answer in time — try again later."],
    ["rate_limited", {}, "rate_limited", "PostHog is rate-limiting this API key — wait an hour and refresh again."],
    ["server", {}, "server", "PostHog had an internal error — try again later."],
    [
      "bad_response",
      {},
      "bad_response",
      "PostHog answered with something delight could not read — try again later; if it persists, check the PostHog host address.",
    ],
  ] as const)("a run failed by %s reads as one sentence with what to do", (errorKind, extra, kind, sentence) => {
    const problem = refreshProblem({ status: "failed", errors: everyCall(errorKind, extra) });
    expect(problem).toMatchObject({ kind, status: "failed", sentence });
    expect(sentence).toContain(problem!.action);
    // Eight failed calls, one sentence: the call-by-call messages are not repeated.
    expect(problem!.sentence).not.toContain("@");
  });

  it("names an unreachable host generically when an older run did not record it", () => {
    expect(refreshProblem({ status: "failed", errors: everyCall("network") })?.sentence).toBe(
      "delight could not reach the PostHog host — check the host address or try again later.",
    );
  });

  it("lets a rejected key explain a run whose other calls failed for other reasons", () => {
    const errors = [...everyCall("auth").slice(0, 6), ...everyCall("timeout").slice(6)];
    expect(refreshProblem({ status: "failed", errors })?.kind).toBe("auth");
  });

  it("a partial refresh says which data could not be read and why, each once", () => {
    const errors: CallFailure[] = [
      { call: "feature_flags", kind: "scope", message: "x", scope: "feature_flag:read" },
      { call: "events", kind: "scope", message: "y", scope: "query:read" },
    ];
    const problem = refreshProblem({ status: "partial", errors });
    expect(problem).toMatchObject({ kind: "partial", status: "partial", short: "Partial refresh" });
    expect(problem!.sentence).toBe(
      "The last refresh was partial: delight could not read feature flags and daily event counts, so the checks that use them are unknown. " +
        "The API key lacks the feature_flag:read and query:read scopes — ask the customer for a personal API key with feature_flag:read and query:read.",
    );
  });

  it.each([
    ["failed", "bad_response", "The last refresh failed and did not record why — refresh again later."],
    ["partial", "partial", "The last refresh was partial and did not record why — refresh again later."],
  ] as const)("a %s run without recorded errors still says what is known", (status, kind, sentence) => {
    expect(refreshProblem({ status, errors: [] })).toMatchObject({ status, kind, sentence });
  });
});

import { CALL_LABELS, CALLS, type CallFailure, type CallName, type PostHogErrorKind } from "./snapshot";

/**
 * What went wrong with a customer's last refresh, as one plain sentence a customer-success person
 * can act on. Pure: built from the run's stored errors, so the page, the portfolio row, the API
 * and the CSV all say the same thing.
 */
export type RefreshProblemKind =
  | "auth"
  | "scope"
  | "forbidden"
  | "not_found"
  | "unreachable"
  | "timeout"
  | "rate_limited"
  | "server"
  | "bad_response"
  | "partial";

export type RefreshProblem = {
  kind: RefreshProblemKind;
  /** "failed": nothing was measured; "partial": some calls failed, the rest was measured. */
  status: "failed" | "partial";
  /** The whole message: what happened, then what to do. */
  sentence: string;
  /** What to do about it, alone (for places with room for only a short text). */
  action: string;
  /** A few words for a table cell; `sentence` carries the rest. */
  short: string;
};

type RunLike = { status: "ok" | "partial" | "failed"; errors: readonly CallFailure[] } | null | undefined;

// The first kind present names the problem: a rejected key explains every other failure of the run.
const PRIORITY: PostHogErrorKind[] = [
  "auth",
  "scope",
  "forbidden",
  "not_found",
  "network",
  "timeout",
  "rate_limited",
  "server",
  "bad_response",
  "bad_request",
];

const KIND_OF: Record<PostHogErrorKind, RefreshProblemKind> = {
  auth: "auth",
  scope: "scope",
  forbidden: "forbidden",
  not_found: "not_found",
  network: "unreachable",
  timeout: "timeout",
  rate_limited: "rate_limited",
  server: "server",
  bad_response: "bad_response",
  bad_request: "bad_response",
};

const SHORT: Record<RefreshProblemKind, string> = {
  auth: "API key rejected",
  scope: "Key lacks a scope",
  forbidden: "Access refused",
  not_found: "Project not found",
  unreachable: "Host unreachable",
  timeout: "PostHog timed out",
  rate_limited: "Rate limited",
  server: "PostHog error",
  bad_response: "Unreadable answer",
  partial: "Partial refresh",
};

function list(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function what(kind: PostHogErrorKind, failures: CallFailure[]): { said: string; action: string } {
  const host = failures.find((f) => f.host)?.host;
  const scopes = [...new Set(failures.flatMap((f) => (f.scope ? [f.scope] : [])))];
  switch (kind) {
    case "auth":
      return { said: "PostHog rejected the API key", action: "ask the customer for a new personal API key" };
    case "scope":
      return {
        said: scopes.length
          ? `The API key lacks the ${list(scopes)} scope${scopes.length > 1 ? "s" : ""}`
          : "The API key lacks a permission PostHog requires",
        action: `ask the customer for a personal API key with ${scopes.length ? list(scopes) : "the read scopes delight needs"}`,
      };
    case "forbidden":
      return {
        said: "PostHog refused access to the project",
        action: "check that the key's owner can see this project, or ask the customer for a key that can",
      };
    case "not_found":
      return { said: "PostHog could not find the project", action: "check the project id and the PostHog host on the customer's settings" };
    case "network":
      return { said: `delight could not reach ${host ?? "the PostHog host"}`, action: "check the host address or try again later" };
    case "timeout":
      return { said: `${host ?? "PostHog"} did not answer in time`, action: "try again later" };
    case "rate_limited":
      return { said: "PostHog is rate-limiting this API key", action: "wait an hour and refresh again" };
    case "server":
      return { said: "PostHog had an internal error", action: "try again later" };
    default:
      return {
        said: "PostHog answered with something delight could not read",
        action: "try again later; if it persists, check the PostHog host address",
      };
  }
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** The problem of the last refresh, or null when it succeeded (or there was none). */
export function refreshProblem(run: RunLike): RefreshProblem | null {
  if (!run || run.status === "ok") return null;
  const errors = [...run.errors];
  const top = PRIORITY.find((k) => errors.some((e) => e.kind === k));
  if (!top) {
    // A run stored without its errors (older rows, seeded data): say what is known.
    const partial = run.status === "partial";
    return {
      kind: partial ? "partial" : "bad_response",
      status: run.status,
      sentence: `The last refresh ${partial ? "was partial" : "failed"} and did not record why — refresh again later.`,
      action: "refresh again later",
      short: SHORT[partial ? "partial" : "bad_response"],
    };
  }
  if (run.status === "failed") {
    const { said, action } = what(
      top,
      errors.filter((e) => e.kind === top),
    );
    return { kind: KIND_OF[top], status: "failed", sentence: `${said} — ${action}.`, action, short: SHORT[KIND_OF[top]] };
  }
  // Partial: say which data could not be read (so which checks stay unknown) and why, once.
  const calls = CALLS.filter((c) => errors.some((e) => e.call === c)).map((c: CallName) => CALL_LABELS[c]);
  const { said, action } = what(
    top,
    errors.filter((e) => e.kind === top),
  );
  return {
    kind: "partial",
    status: "partial",
    sentence: `The last refresh was partial: delight could not read ${list(calls)}, so the checks that use ${calls.length > 1 ? "them" : "it"} are unknown. ${capitalise(said)} — ${action}.`,
    action,
    short: SHORT.partial,
  };
}

import nodemailer, { type Transporter } from "nodemailer";
import { HostRefusedError, type ResolvedAddress, type Resolver, resolvePinned } from "../../checks/posthog/host";
import { httpFetch, type LiteResponse } from "../../checks/posthog/http";
import type { EmailPayload, SlackPayload } from "./alert-render";

/*
 * The two ways out: a Slack incoming webhook (a JSON POST) and SMTP through nodemailer. Each
 * attempt ends in one outcome the sender knows how to treat; nothing here retries.
 */

export type SendOutcome =
  | { kind: "sent" }
  /** Slack's 429: wait what it names, then try again. */
  | { kind: "wait"; ms: number; error: string }
  /** 5xx, time-outs, refused connections, SMTP 4xx: back off and try again. */
  | { kind: "transient"; error: string }
  /** The channel itself is wrong (Slack 4xx: no such webhook, revoked; SMTP login refused): stop using it. */
  | { kind: "broken"; error: string }
  /** This one message cannot go (a recipient the mail server refuses for good). */
  | { kind: "failed"; error: string };

export type Channels = {
  slack(url: string, payload: SlackPayload, key: string): Promise<SendOutcome>;
  email(payload: EmailPayload, key: string): Promise<SendOutcome>;
  /** Whether e-mail is configured at all (DELIGHT_SMTP_URL). */
  emailEnabled: boolean;
  close(): void;
};

const DEFAULT_RETRY_AFTER_S = 30;
const MAX_RETRY_AFTER_S = 15 * 60;

/** Retry-After is seconds for Slack; an HTTP date is allowed by the standard too. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header && /^\d+$/.test(header.trim())) return Math.min(Number(header.trim()), MAX_RETRY_AFTER_S) * 1000;
  const date = header ? Date.parse(header) : Number.NaN;
  if (!Number.isNaN(date)) return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_S * 1000);
  return DEFAULT_RETRY_AFTER_S * 1000;
}

export async function postSlack(
  url: string,
  payload: SlackPayload,
  key: string,
  options: { timeoutMs: number; allowPrivate: boolean; resolve?: Resolver },
): Promise<SendOutcome> {
  // Like a customer's PostHog host: the name is resolved once, every address must be public,
  // and the connection goes to exactly those addresses (no second lookup to rebind).
  let pinned: ResolvedAddress[] | undefined;
  if (!options.allowPrivate) {
    try {
      pinned = await resolvePinned(new URL(url).hostname, { allowPrivate: false, resolve: options.resolve });
    } catch (error) {
      if (error instanceof HostRefusedError) return { kind: "broken", error: `The webhook address is refused: ${error.message}` };
      throw error;
    }
  }
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: LiteResponse;
  try {
    // node:http never follows a redirect, which could lead anywhere: a webhook never needs one.
    response = await httpFetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Delight-Delivery": key },
      body: JSON.stringify(payload),
      signal,
      pinned,
    });
  } catch (error) {
    return {
      kind: "transient",
      error: signal.aborted
        ? `Slack did not answer within ${options.timeoutMs / 1000} s`
        : `Could not reach Slack: ${(error as Error).message}`,
    };
  }
  const body = (await response.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ");
  if (response.ok) return { kind: "sent" };
  if (response.status === 429) {
    const ms = retryAfterMs(response.header("Retry-After"));
    return { kind: "wait", ms, error: `Slack rate limit: retry after ${Math.round(ms / 1000)} s` };
  }
  if (response.status >= 500 || response.status === 408)
    return { kind: "transient", error: `Slack answered ${response.status}${body ? `: ${body}` : ""}` };
  return { kind: "broken", error: `Slack answered ${response.status}${body ? `: ${body}` : ""}; check the webhook URL` };
}

type MailError = Error & { code?: string; responseCode?: number; permanent?: boolean; response?: string };

/** Message-ID from the idempotency key: a re-sent duplicate is recognisably the same message. */
const messageId = (key: string) => `<${key.replace(/[^A-Za-z0-9.-]/g, ".")}@delight>`;

export function classifyMailError(error: MailError): SendOutcome {
  const what = error.response ?? error.message;
  if (error.code === "EAUTH") return { kind: "broken", error: `The mail server refused the login: ${what}` };
  if (error.permanent) return { kind: "failed", error: `The mail server refused the message: ${what}` };
  return { kind: "transient", error: `Could not send e-mail: ${what}` };
}

export function createChannels(options: { smtpUrl?: string; from: string; timeoutMs?: number; allowPrivate: boolean }): Channels {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let transport: Transporter | undefined;
  const mailer = () => {
    transport ??= nodemailer.createTransport({
      url: options.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs * 3,
    } as never);
    return transport;
  };
  return {
    emailEnabled: Boolean(options.smtpUrl),
    slack: (url, payload, key) => postSlack(url, payload, key, { timeoutMs, allowPrivate: options.allowPrivate }),
    async email(payload, key) {
      if (!options.smtpUrl) return { kind: "failed", error: "E-mail is not configured (DELIGHT_SMTP_URL)" };
      try {
        await mailer().sendMail({
          from: options.from,
          to: payload.to,
          subject: payload.subject,
          text: payload.text,
          html: payload.html,
          messageId: messageId(key),
          headers: { "X-Delight-Delivery": key },
        });
        return { kind: "sent" };
      } catch (error) {
        return classifyMailError(error as MailError);
      }
    },
    close: () => transport?.close(),
  };
}

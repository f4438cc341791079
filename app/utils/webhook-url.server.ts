import { createHash } from "node:crypto";
import { normalisePostHogHost } from "../../checks/posthog/host";

/*
 * A Slack incoming webhook is an address delight posts to on its own: it follows the same
 * address rules as a customer's PostHog host (public https only, unless
 * DELIGHT_ALLOW_PRIVATE_HOSTS), so a saved webhook cannot make delight call into its own network.
 * The rules themselves live in checks/posthog/host.ts; this only adds what a webhook has (a path).
 */

export type WebhookCheck = { ok: true; url: string } | { ok: false; message: string };

const MESSAGE = "Enter a Slack incoming-webhook URL on a public https:// host, e.g. https://hooks.slack.com/services/T000/B000/XXXX";

/** Slack's are about 80 characters; the personal field stops at 500, and so does every other way in. */
export const MAX_WEBHOOK_LENGTH = 500;

export function checkWebhookUrl(value: string, options: { allowPrivate: boolean }): WebhookCheck {
  if (value.trim().length > MAX_WEBHOOK_LENGTH) return { ok: false, message: "That is too long for a webhook URL" };
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { ok: false, message: MESSAGE };
  }
  if (url.pathname === "/" || url.hash) return { ok: false, message: MESSAGE };
  const host = normalisePostHogHost(url.origin, options);
  if (!host.ok || url.username || url.password) return { ok: false, message: MESSAGE };
  return { ok: true, url: url.toString() };
}

/** What Settings shows of a webhook: its host and the last 4 characters (the rest is a secret). */
export function webhookHint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.host}/…${url.slice(-4)}`;
}

/** Names one address without keeping it: a broken channel is broken for that address only. */
export const fingerprint = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 16);

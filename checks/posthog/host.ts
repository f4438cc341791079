import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

export const POSTHOG_REGIONS = {
  us: "https://us.posthog.com",
  eu: "https://eu.posthog.com",
} as const;

export type HostCheck = { ok: true; host: string } | { ok: false; message: string };

export function isPrivateAddress(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost") || h.endsWith(".internal") || h.endsWith(".local")) return true;
  const family = isIP(h);
  if (family === 4) {
    const [a, b] = h.split(".").map(Number) as [number, number];
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (family === 6)
    return h === "::1" || h === "::" || h.startsWith("fc") || h.startsWith("fd") || h.startsWith("fe80") || h.startsWith("::ffff:");
  return false;
}

/**
 * Normalises a PostHog host ("us", "eu" or a URL) to an origin. A customer's key is sent to this
 * origin, so by default only public https hosts are accepted: a host pointing at delight's own
 * network could otherwise be used to make delight send a key somewhere it should not go.
 */
export function normalisePostHogHost(value: string, options: { allowPrivate: boolean }): HostCheck {
  const trimmed = value.trim();
  if (trimmed in POSTHOG_REGIONS) return { ok: true, host: POSTHOG_REGIONS[trimmed as keyof typeof POSTHOG_REGIONS] };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, message: "Enter the PostHog address as a URL, e.g. https://posthog.example.com" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, message: "The PostHog address must start with https://" };
  if (url.protocol === "http:" && !options.allowPrivate) return { ok: false, message: "The PostHog address must use https://" };
  if (url.username || url.password) return { ok: false, message: "The PostHog address must not contain a user name or password" };
  if (url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    return { ok: false, message: "Enter only the PostHog address (no path), e.g. https://posthog.example.com" };
  }
  if (!options.allowPrivate && isPrivateAddress(url.hostname)) {
    return { ok: false, message: "The PostHog address must be a public host, not a local or private network address" };
  }
  // The ingestion hosts (us.i.posthog.com) do not serve the private API.
  if (/^(us|eu)\.i\.posthog\.com$/.test(url.hostname)) {
    return {
      ok: false,
      message: `Use ${POSTHOG_REGIONS[url.hostname.slice(0, 2) as "us" | "eu"]} (the app address), not the ingestion address`,
    };
  }
  return { ok: true, host: url.origin };
}

export function regionOf(host: string): "us" | "eu" | "custom" {
  if (host === POSTHOG_REGIONS.us || host === "https://app.posthog.com") return "us";
  if (host === POSTHOG_REGIONS.eu) return "eu";
  return "custom";
}

/**
 * The address a public-looking host name really points at: a name can resolve to a loopback or
 * private address (e.g. a DNS record set to 127.0.0.1). Returns the first private address found,
 * or null. Checked before each refresh; a failed lookup is left to the HTTP call to report.
 */
export async function privateAddressOf(host: string): Promise<string | null> {
  const { hostname } = new URL(host);
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return isPrivateAddress(bare) ? bare : null;
  try {
    const addresses = await lookup(bare, { all: true, verbatim: true });
    return addresses.find((a) => isPrivateAddress(a.address))?.address ?? null;
  } catch {
    return null;
  }
}

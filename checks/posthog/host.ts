import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

export const POSTHOG_REGIONS = {
  us: "https://us.posthog.com",
  eu: "https://eu.posthog.com",
} as const;

export type HostCheck = { ok: true; host: string } | { ok: false; message: string };

/** One address a host name resolved to, as node:dns gives it. */
export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Looks a host name up; injectable so tests can make a name change its answer between calls. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

// IANA's global unicast block. ipaddr.js calls anything it has no name for "unicast", which
// includes the deprecated IPv4-compatible ::a.b.c.d form (::7f00:1 is 127.0.0.1).
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

/**
 * Why an IP address may not receive a customer's key ("loopback", "private", "reserved" …, the
 * range names of ipaddr.js), or null when it is public unicast.
 */
export function addressRange(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(bare)) return "not an IP address";
  const ip = ipaddr.parse(bare);
  const range = ip.range();
  if (range !== "unicast") return range;
  if (ip.kind() === "ipv6" && !ip.match(GLOBAL_UNICAST_V6)) return "reserved";
  return null;
}

/** Names that mean "this machine or its network" whatever DNS says (a trailing dot is the same name). */
function isLocalName(name: string): boolean {
  const h = name.toLowerCase().replace(/\.+$/, "");
  return (
    h === "" ||
    h === "localhost" ||
    h === "localhost.localdomain" ||
    h.endsWith(".localhost") ||
    h.endsWith(".internal") ||
    h.endsWith(".local") ||
    h.endsWith(".home.arpa")
  );
}

/** A URL host name (IP literals in brackets too) that is not a public internet address. */
export function isPrivateAddress(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (isIP(bare)) return addressRange(bare) !== null;
  return isLocalName(bare);
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
  if (/^(us|eu)\.i\.posthog\.com\.?$/.test(url.hostname)) {
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

/** A host that must not get the key: its name did not resolve, or resolved to a non-public address. */
export class HostRefusedError extends Error {
  constructor(
    readonly reason: "lookup" | "private",
    message: string,
  ) {
    super(message);
    this.name = "HostRefusedError";
  }
}

export type HostPolicy = {
  /** DELIGHT_ALLOW_PRIVATE_HOSTS: loopback and private addresses are accepted (the sandbox). */
  allowPrivate: boolean;
  resolve?: Resolver;
};

/**
 * Resolves a host name once and returns the addresses to connect to. Unless private hosts are
 * allowed, every address the name has must be public unicast (one bad answer in a round-robin
 * set refuses the lot), and a lookup that fails refuses too: the caller then connects only to
 * these checked addresses (all of them, so IPv4/IPv6 fallback still works), and a second lookup
 * can never send the key somewhere else.
 */
export async function resolvePinned(hostname: string, policy: HostPolicy): Promise<ResolvedAddress[]> {
  const bare = hostname.replace(/^\[|\]$/g, "");
  const literal = isIP(bare);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: bare, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (policy.resolve ?? systemResolver)(bare);
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      throw new HostRefusedError(
        "lookup",
        `Could not look up ${bare}${typeof code === "string" ? ` (${code})` : ""}; nothing was sent to it`,
      );
    }
    if (addresses.length === 0) throw new HostRefusedError("lookup", `${bare} has no address; nothing was sent to it`);
  }
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const range = addressRange(address);
      if (range) {
        throw new HostRefusedError(
          "private",
          `The PostHog address resolves to ${address} (${range}), not a public address; delight does not send keys there`,
        );
      }
    }
  }
  return addresses;
}

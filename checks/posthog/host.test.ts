import { describe, expect, test } from "vitest";
import { addressRange, HostRefusedError, normalisePostHogHost, type Resolver, resolvePinned } from "./host";

const strict = { allowPrivate: false };

describe("normalisePostHogHost", () => {
  test.each([
    "https://localhost",
    "https://localhost.",
    "https://LOCALHOST../",
    "https://app.localhost",
    "https://db.internal",
    "https://printer.local",
    "https://router.home.arpa",
    "https://127.0.0.1",
    "https://2130706433", // 127.0.0.1 as one number
    "https://0x7f.1",
    "https://10.1.2.3",
    "https://172.16.0.1",
    "https://192.168.1.1",
    "https://169.254.169.254",
    "https://100.64.0.1",
    "https://0.0.0.0",
    "https://198.18.0.1",
    "https://198.19.255.255",
    "https://224.0.0.1",
    "https://239.255.255.250",
    "https://255.255.255.255",
    "https://192.0.2.1",
    "https://[::1]",
    "https://[::]",
    "https://[::7f00:1]",
    "https://[::ffff:127.0.0.1]",
    "https://[fec0::1]",
    "https://[fe80::1]",
    "https://[fd00::1]",
    "https://[ff02::1]",
    "https://[64:ff9b::7f00:1]",
    "https://[2002:7f00:1::]",
    "https://[2001:db8::1]",
  ])("%s is not a public host", (host) => {
    expect(normalisePostHogHost(host, strict)).toEqual({
      ok: false,
      message: "The PostHog address must be a public host, not a local or private network address",
    });
  });

  test.each([
    ["us", "https://us.posthog.com"],
    ["https://posthog.example.com", "https://posthog.example.com"],
    ["https://8.8.8.8", "https://8.8.8.8"],
    ["https://[2606:4700::1111]", "https://[2606:4700::1111]"],
  ])("%s is accepted as %s", (host, origin) => {
    expect(normalisePostHogHost(host, strict)).toEqual({ ok: true, host: origin });
  });

  test("private hosts and http pass when DELIGHT_ALLOW_PRIVATE_HOSTS is on (the sandbox)", () => {
    expect(normalisePostHogHost("http://localhost:8010", { allowPrivate: true })).toEqual({ ok: true, host: "http://localhost:8010" });
  });
});

describe("addressRange", () => {
  test.each([
    ["1.1.1.1", null],
    ["2606:4700::1111", null],
    ["127.0.0.1", "loopback"],
    ["::1", "loopback"],
    ["10.0.0.1", "private"],
    ["198.18.0.1", "reserved"],
    ["224.0.0.1", "multicast"],
    ["::7f00:1", "reserved"],
    ["fec0::1", "deprecatedSiteLocal"],
    ["::ffff:8.8.8.8", "ipv4Mapped"],
    ["not an ip", "not an IP address"],
  ])("%s → %s", (address, range) => {
    expect(addressRange(address)).toBe(range);
  });
});

describe("resolvePinned", () => {
  const answers =
    (...list: string[][]): Resolver =>
    async () => {
      const next = list.shift() ?? [];
      return next.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };

  test("returns every address when all of them are public", async () => {
    await expect(resolvePinned("posthog.example.com", { ...strict, resolve: answers(["1.1.1.1", "2606:4700::1111"]) })).resolves.toEqual([
      { address: "1.1.1.1", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
  });

  test("one private address among public ones refuses the host", async () => {
    const error = await resolvePinned("posthog.example.com", { ...strict, resolve: answers(["1.1.1.1", "127.0.0.1"]) }).catch((e) => e);
    expect(error).toBeInstanceOf(HostRefusedError);
    expect(error).toMatchObject({ reason: "private", message: expect.stringContaining("127.0.0.1 (loopback)") });
  });

  test("a failed lookup refuses instead of letting the connection look the name up", async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error("queryA ESERVFAIL"), { code: "ESERVFAIL" });
    };
    await expect(resolvePinned("posthog.example.com", { ...strict, resolve: failing })).rejects.toMatchObject({
      reason: "lookup",
      message: "Could not look up posthog.example.com (ESERVFAIL); nothing was sent to it",
    });
    await expect(resolvePinned("posthog.example.com", { ...strict, resolve: answers([]) })).rejects.toMatchObject({ reason: "lookup" });
  });

  test("IP literals are checked without a lookup; private ones pass only when allowed", async () => {
    const never: Resolver = async () => {
      throw new Error("no lookup expected");
    };
    await expect(resolvePinned("[::1]", { ...strict, resolve: never })).rejects.toMatchObject({ reason: "private" });
    await expect(resolvePinned("127.0.0.1", { allowPrivate: true, resolve: never })).resolves.toEqual([
      { address: "127.0.0.1", family: 4 },
    ]);
  });
});

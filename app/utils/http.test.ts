import { describe, expect, test } from "vitest";
import { clientAddress, isHttps, isSameOrigin, type OriginPolicy } from "./http.server";

const direct: OriginPolicy = { trustProxy: false };
const proxied: OriginPolicy = { trustProxy: true };
const published: OriginPolicy = { trustProxy: false, publicUrl: "https://delight.example.com" };

const post = (url: string, headers: Record<string, string>) => new Request(url, { method: "POST", headers });

describe("isSameOrigin", () => {
  test.each([
    ["Origin matching Host", direct, { Host: "delight.test", Origin: "http://delight.test" }, true],
    ["Origin of another site", direct, { Host: "delight.test", Origin: "https://evil.example" }, false],
    ["Origin null", direct, { Host: "delight.test", Origin: "null" }, false],
    [
      "a client's X-Forwarded-Host is not believed",
      direct,
      { Host: "delight.test", "X-Forwarded-Host": "evil.example", Origin: "https://evil.example" },
      false,
    ],
    [
      "a trusted proxy's X-Forwarded-Host is",
      proxied,
      { Host: "10.0.0.5:3000", "X-Forwarded-Host": "delight.example.com", Origin: "https://delight.example.com" },
      true,
    ],
    ["the public URL is the only origin", published, { Host: "delight.example.com", Origin: "https://delight.example.com" }, true],
    [
      "a rebound name with matching Host is refused when the public URL is set",
      published,
      { Host: "rebound.example", Origin: "http://rebound.example" },
      false,
    ],
    [
      "same host on another scheme than the public URL",
      published,
      { Host: "delight.example.com", Origin: "http://delight.example.com" },
      false,
    ],
    ["no Origin, same-origin fetch", direct, { Host: "delight.test", "Sec-Fetch-Site": "same-origin" }, true],
    ["no Origin, cross-site fetch", direct, { Host: "delight.test", "Sec-Fetch-Site": "cross-site" }, false],
    ["Referer of another site", published, { Host: "delight.example.com", Referer: "https://evil.example/x" }, false],
    ["Referer on the public URL", published, { Host: "x", Referer: "https://delight.example.com/plans" }, true],
    ["nothing at all (an API client with a token)", direct, { Host: "delight.test" }, true],
  ] as const)("%s → %s", (_name, policy, headers, expected) => {
    expect(isSameOrigin(post("http://delight.test/plans", headers), policy)).toBe(expected);
  });
});

describe("isHttps", () => {
  test("X-Forwarded-Proto counts only from a trusted proxy; an https public URL always does", () => {
    const forwarded = new Request("http://delight.test/", { headers: { "X-Forwarded-Proto": "https" } });
    expect(isHttps(forwarded, direct)).toBe(false);
    expect(isHttps(forwarded, proxied)).toBe(true);
    expect(isHttps(new Request("http://delight.test/"), published)).toBe(true);
    expect(isHttps(new Request("https://delight.test/"), direct)).toBe(true);
  });
});

describe("clientAddress", () => {
  const request = (xff?: string) => new Request("http://delight.test/login", { headers: xff ? { "X-Forwarded-For": xff } : {} });
  test.each([
    ["the socket's peer", direct, undefined, { clientAddress: "203.0.113.7" }, "203.0.113.7"],
    ["IPv4-mapped peers read as IPv4", direct, undefined, { clientAddress: "::ffff:203.0.113.7" }, "203.0.113.7"],
    ["a client's X-Forwarded-For is ignored", direct, "1.2.3.4", { clientAddress: "203.0.113.7" }, "203.0.113.7"],
    [
      "behind a trusted proxy, the address it added (the last)",
      proxied,
      "1.2.3.4, 198.51.100.9",
      { clientAddress: "10.0.0.2" },
      "198.51.100.9",
    ],
    ["a forwarded value that is not an address falls back to the peer", proxied, "<script>", { clientAddress: "10.0.0.2" }, "10.0.0.2"],
    ["no peer known", direct, undefined, {}, "unknown"],
  ] as const)("%s", (_name, policy, xff, context, expected) => {
    expect(clientAddress(request(xff), context, policy)).toBe(expected);
  });
});

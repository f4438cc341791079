import { describe, expect, test } from "vitest";
import { safeRedirectTo } from "./session.server";

// What an attacker puts in /login?redirectTo=… to land a freshly signed-in user elsewhere.
const HOSTILE = [
  "//evil.example",
  "//evil.example/x",
  "/\t/evil.example",
  "/%09/evil.example",
  "/\\evil.example",
  "/\\/evil.example",
  "%2F%2Fevil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%5Cevil.example",
  "/%5c%5cevil.example",
  "%252F%252Fevil.example",
  "/%252F%252Fevil.example",
  "/\n/evil.example",
  "/x\r\nSet-Cookie: a=b",
  "/%0d%0aSet-Cookie:%20a=b",
  "/\u0000x",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "/javascript:alert(1)//%0a",
  "https://evil.example",
  "http:evil.example",
  "https:/evil.example",
  "evil.example",
  "\\\\evil.example",
  " //evil.example",
  "data:text/html,<script>alert(1)</script>",
  "/%",
  "/%E0%A4%A",
  `/${"a".repeat(3000)}`,
  "",
];

describe("safeRedirectTo", () => {
  test(`covers ${HOSTILE.length} hostile values`, () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(20);
  });

  test.each(HOSTILE)("%j falls back to /", (value) => {
    expect(safeRedirectTo(value)).toBe("/");
  });

  test.each([
    ["/plans", "/plans"],
    ["/customers/acme?tab=usage#checks", "/customers/acme?tab=usage#checks"],
    ["/customers/caf%C3%A9", "/customers/caf%C3%A9"],
    ["/?q=a%20b", "/?q=a%20b"],
  ])("%s stays %s", (value, expected) => {
    expect(safeRedirectTo(value)).toBe(expected);
  });

  test("anything that is not text falls back", () => {
    expect(safeRedirectTo(null)).toBe("/");
    expect(safeRedirectTo(undefined)).toBe("/");
    expect(safeRedirectTo(new File(["x"], "x.txt"))).toBe("/");
  });
});

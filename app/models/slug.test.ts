import { describe, expect, test } from "vitest";
import { firstFreeSlug, slugify } from "./slug";

describe("slugify", () => {
  test.each([
    ["Ørsted A/S", "orsted-a-s"],
    ["Ørsted", "orsted"],
    ["Façade Çelik", "facade-celik"],
    ["Straße GmbH", "strasse-gmbh"],
    ["Ærø Œuvre", "aero-oeuvre"],
    ["Łódź Labs", "lodz-labs"],
    ["Zürich Analytics", "zurich-analytics"],
    ["Ελληνικά", "ellinika"],
    ["Άλφα", "alfa"],
    ["Русский", "russkiy"],
    ["Щука и Ёж", "shchuka-i-ezh"],
    ["  Acme -- Analytics!! ", "acme-analytics"],
    ["ＡＣＭＥ", "acme"],
  ])("%s → %s", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  test("a name with no letters it can spell gets a stable, readable fallback", () => {
    const a = slugify("日本語");
    expect(a).toMatch(/^customer-[0-9a-f]{8}$/);
    expect(slugify("日本語")).toBe(a);
    expect(slugify("中文")).not.toBe(a);
    expect(slugify("  日本語 ")).toBe(a);
  });

  test("never longer than 50 characters and never ends with a dash", () => {
    const slug = slugify(`${"a".repeat(49)} b`);
    expect(slug.length).toBeLessThanOrEqual(50);
    expect(slug.endsWith("-")).toBe(false);
  });
});

describe("firstFreeSlug", () => {
  test("takes the base when free, else the first free numbered one", () => {
    expect(firstFreeSlug("acme", new Set())).toBe("acme");
    expect(firstFreeSlug("acme", new Set(["acme"]))).toBe("acme-2");
    expect(firstFreeSlug("acme", new Set(["acme", "acme-2", "acme-3"]))).toBe("acme-4");
  });
});

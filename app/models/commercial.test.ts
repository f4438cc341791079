import { describe, expect, test } from "vitest";
import { arrOf, daysUntil, formatContactList, formatMoney, isCurrency, isIsoDate, parseAmount, parseContactList } from "./commercial";

describe("amounts and currencies", () => {
  test.each([
    ["120000", 120000],
    ["120,000.50", 120000.5],
    ["1 000", 1000],
    ["", null],
    ["  ", null],
  ])("parseAmount(%o) = %o", (text, value) => {
    expect(parseAmount(text)).toBe(value);
  });
  test.each(["-5", "1.234", "abc", "1e6", "12.3.4"])("parseAmount(%o) is not an amount", (text) => {
    expect(parseAmount(text)).toBeNaN();
  });
  test("ARR is MRR × 12, rounded to the cent", () => {
    expect(arrOf(1000.1, "month")).toBe(12001.2);
    expect(arrOf(5000, "year")).toBe(5000);
  });
  test("currencies are ISO 4217 codes the runtime knows", () => {
    expect(isCurrency("eur")).toBe(true);
    expect(isCurrency("JPY")).toBe(true);
    expect(isCurrency("XYZ")).toBe(false);
    expect(isCurrency("EURO")).toBe(false);
  });
  test("money shows whole units with the currency's sign", () => {
    expect(formatMoney(120000.5, "EUR")).toBe("€120,001");
    expect(formatMoney(5000, "USD")).toBe("$5,000");
  });
});

describe("dates", () => {
  test("days until a renewal, negative once past", () => {
    expect(daysUntil("2026-12-31", "2026-11-29")).toBe(32);
    expect(daysUntil("2026-11-28", "2026-11-29")).toBe(-1);
  });
  test.each([
    ["2027-02-28", true],
    ["2027-02-29", false],
    ["2027-2-1", false],
    ["tomorrow", false],
  ])("isIsoDate(%o) = %o", (text, ok) => {
    expect(isIsoDate(text)).toBe(ok);
  });
});

describe("the compact contact list", () => {
  test("name, optional e-mail in <>, optional role in (), separated by ;", () => {
    expect(parseContactList("Ada Lovelace <ada@example.com> (CTO); Grace Hopper (champion);  ; Alan <alan@example.com>")).toEqual([
      { name: "Ada Lovelace", email: "ada@example.com", role: "CTO" },
      { name: "Grace Hopper", email: "", role: "champion" },
      { name: "Alan", email: "alan@example.com", role: "" },
    ]);
  });
  test("formats back to the same text", () => {
    const text = "Ada Lovelace <ada@example.com> (CTO); Grace Hopper (champion)";
    const parsed = parseContactList(text).map((c) => ({ name: c.name, email: c.email || null, role: c.role || null }));
    expect(formatContactList(parsed)).toBe(text);
  });
});

import { describe, expect, test } from "vitest";
import { csvCell, toCsv } from "./csv";

describe("csvCell", () => {
  test.each([
    ["Acme", "Acme"],
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ["+1 555", "'+1 555"],
    ["-2", "'-2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tTabbed", "'\tTabbed"],
    ["\rReturn", '"\'\rReturn"'],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["=1,2", '"\'=1,2"'],
    ["mid=dle", "mid=dle"],
    ["", ""],
  ])("%j → %j", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  test.each([
    [42, "42"],
    [-3, "-3"],
    [null, ""],
    [undefined, ""],
    [true, "true"],
  ])("non-text %j is written as is", (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  test("rows end in CRLF, header first", () => {
    expect(toCsv(["a", "b"], [[1, "x,y"]])).toBe('a,b\r\n1,"x,y"\r\n');
  });
});

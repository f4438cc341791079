import { describe, expect, test } from "vitest";
import { toCsv } from "./csv";
import { CsvSyntaxError, parseCsv } from "./csv-parse";

const fieldsOf = (text: string) => parseCsv(text).map((r) => r.fields);

describe("parseCsv (RFC 4180)", () => {
  test("plain rows, CRLF or LF, with or without a final line end", () => {
    expect(fieldsOf("a,b\r\n1,2\r\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(fieldsOf("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  test("quoted fields hold commas, doubled quotes and line breaks; rows keep the line they start on", () => {
    const records = parseCsv('name,note\r\n"Acme, Inc.","said ""hi""\r\nthen left"\r\nBeta,ok\r\n');
    expect(records).toEqual([
      { line: 1, fields: ["name", "note"] },
      { line: 2, fields: ["Acme, Inc.", 'said "hi"\r\nthen left'] },
      { line: 4, fields: ["Beta", "ok"] },
    ]);
  });

  test("empty fields, blank lines and Excel's byte-order mark", () => {
    expect(fieldsOf("\uFEFFa,,c\n\n,,\n")).toEqual([
      ["a", "", "c"],
      ["", "", ""],
    ]);
    expect(fieldsOf("")).toEqual([]);
  });

  test("reads back what toCsv writes", () => {
    const rows = [
      ["Zürich GmbH", 'quote " here', "line\nbreak", ""],
      ["1", "2", "3", "4"],
    ];
    expect(fieldsOf(toCsv(["a", "b", "c", "d"], rows)).slice(1)).toEqual(rows);
  });

  test.each([
    ['a,"open\n', 1, "a quoted field is never closed"],
    ['a\n"x"y,b\n', 2, "a closing quote must end its field"],
  ])("%o is refused at line %i", (text, line, message) => {
    try {
      parseCsv(text);
      expect.unreachable("should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(CsvSyntaxError);
      expect((error as CsvSyntaxError).line).toBe(line);
      expect((error as Error).message).toContain(message);
    }
  });
});

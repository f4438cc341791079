import { protocol } from "@electric-sql/pglite";
import { describe, expect, test } from "vitest";
import { bindMessage } from "./pglite-prepared";

// The embedded database reads our Bind exactly as it reads PGlite's own: same bytes, every case.
describe("bindMessage", () => {
  const cases: [string, (string | Uint8Array | null)[]][] = [
    ["no values", []],
    ["a null", [null]],
    ["plain text", ["a"]],
    ["multi-byte text, a null and a long value", ["é😀ü", null, "x".repeat(1000)]],
    ["bytes (binary format) beside text", [new Uint8Array([0, 1, 255]), "b"]],
    ["a large JSON value", [JSON.stringify({ rows: Array.from({ length: 300 }, (_, i) => ({ id: i, note: "ü word ".repeat(10) })) })]],
    ["an empty string", [""]],
  ];
  for (const [name, values] of cases) {
    test(`${name}: the bytes of PGlite's serializer`, () => {
      for (const statement of ["delight_1", "délight_é"]) {
        const ours = Buffer.from(bindMessage(statement, values));
        const theirs = Buffer.from(protocol.serialize.bind({ statement, values }));
        expect(
          ours.equals(theirs),
          `${statement}: ${ours.subarray(0, 32).toString("hex")} vs ${theirs.subarray(0, 32).toString("hex")}`,
        ).toBe(true);
      }
    });
  }

  test("a value's length counts its UTF-8 bytes, not its characters", () => {
    const message = Buffer.from(bindMessage("s", ["é😀"]));
    // 'B', length, portal "\0", "s\0", one format code, one value: its length, then its bytes.
    const at = 1 + 4 + 1 + 2 + 2 + 2 + 2;
    expect(message.readInt32BE(at)).toBe(6);
    expect(message.subarray(at + 4, at + 10).toString("utf8")).toBe("é😀");
    expect(message.readInt32BE(1)).toBe(message.length - 1);
  });
});

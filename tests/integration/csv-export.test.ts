import { describe, expect, test } from "vitest";
import * as csv from "../../app/routes/customers[.]csv";
import { seedCustomers } from "../factories";
import { BASE, setupTestApp } from "../setup/test-app";

const app = setupTestApp();

describe(`CSV export encoding (${process.env.DELIGHT_TEST_DB})`, () => {
  test("starts with a UTF-8 byte-order mark so Excel reads names like Zürich GmbH as UTF-8", async () => {
    const me = await app.signIn("viewer");
    await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Zürich GmbH" }, { name: "Łódź Café" }]);
    const response = (await csv.loader({
      request: new Request(`${BASE}/customers.csv?sort=name`, { headers: { Cookie: me.cookie } }),
      params: {},
      context: {},
    })) as Response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // Exactly one mark, then the header row: the mark is not part of the first column's name.
    expect(String.fromCharCode(...bytes.slice(3, 8))).toBe("Name,");
    // Decoded as UTF-8 (keeping the mark, as Excel sees the bytes), the names are intact.
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith("\uFEFFName,Slug,")).toBe(true);
    const rows = text.split("\r\n").map((line) => line.split(",")[0]);
    expect(rows).toContain("Zürich GmbH");
    expect(rows).toContain("Łódź Café");
    // "ü" is the two UTF-8 bytes C3 BC, not the single Latin-1 byte FC.
    const zurich = [...new TextEncoder().encode("Zürich GmbH")];
    const at = bytes.findIndex((_, i) => zurich.every((b, j) => bytes[i + j] === b));
    expect(at).toBeGreaterThan(3);
  });
});

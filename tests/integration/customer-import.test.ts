import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { importRows, validateImport } from "../../app/models/customer-import.server";
import { createCustomer } from "../../app/models/customers.server";
import * as importPage from "../../app/routes/_app.customers.import";
import { toCsv } from "../../app/utils/csv";
import { seedPlan, seedUser } from "../factories";
import { cli } from "../setup/cli";
import { BASE, callAction, callLoader, rowsOf, setupTestApp } from "../setup/test-app";

// The web import refreshes what it added at once: toward a closed local port, never the internet.
const app = setupTestApp({ DELIGHT_ALLOW_PRIVATE_HOSTS: "true" });
const HEADER = [
  "name",
  "host",
  "project_id",
  "api_key",
  "plan",
  "billing_day",
  "owner_email",
  "mrr",
  "currency",
  "renewal_date",
  "contacts",
];
const keyOf = (i: number) => `phx_importKey${String(i).padStart(6, "0")}_abcdefghij`;

/** 500 rows; rows 101, 251 and 451 of the spreadsheet (data rows 100, 250, 450) are bad. */
function file(projectBase: number) {
  const rows = Array.from({ length: 500 }, (_, i) => [
    `Imported ${i} Ørsted`,
    "eu",
    String(projectBase + i),
    keyOf(projectBase + i),
    i % 2 ? "Growth" : "",
    String((i % 28) + 1),
    i % 3 ? "owner@example.com" : "",
    i % 5 ? String(1000 + i) : "",
    i % 5 ? "EUR" : "",
    "2027-06-30",
    i % 7 ? "" : `Ada ${i} <ada${i}@example.com> (CTO); Bob (champion)`,
  ]);
  rows[99]![2] = "not a number";
  rows[249]![2] = String(projectBase + 3); // the same project as data row 3 (spreadsheet row 5)
  rows[449]![6] = "viewer@example.com";
  return toCsv(HEADER, rows);
}

const counts = async () =>
  rowsOf<{ customers: number; contacts: number; audit: number; health: number }>(
    await app.ctx.db.execute(sql`select
      (select count(*)::int from customers) as customers,
      (select count(*)::int from customer_contacts) as contacts,
      (select count(*)::int from audit_log where action = 'customer.create') as audit,
      (select count(*)::int from current_health) as health`),
  )[0]!;

const options = () => ({ secretKey: app.ctx.secretKey, allowPrivateHosts: false });

describe(`import customers from CSV (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a 500-row file with 3 bad rows: the preview lists exactly those, all or nothing imports none, then 497 go in", async () => {
    await seedPlan(app.ctx.db, "Growth", 1_000_000);
    const owner = await seedUser(app.ctx.db, { email: "owner@example.com", role: "csm" });
    await seedUser(app.ctx.db, { email: "viewer@example.com", role: "viewer" });
    const text = file(10_000);

    const preview = await validateImport(app.ctx.db, text, options());
    expect(preview.rowCount).toBe(500);
    expect(preview.problems).toEqual([
      { row: 101, column: "project_id", message: "Project id is the number in your PostHog project URL" },
      { row: 251, column: "project_id", message: "The same PostHog project as row 5" },
      { row: 451, column: "owner_email", message: "Only admins and csms can own customers (viewer@example.com is a viewer)" },
    ]);
    expect(preview.rows).toHaveLength(497);
    // The checked rows hold the key sealed only.
    expect(JSON.stringify(preview)).not.toContain(keyOf(10_000));

    const before = await counts();
    const refused = await importRows(app.ctx.db, CLI_ACTOR, preview, { allOrNothing: true });
    expect(refused).toMatchObject({ imported: [], refused: true });
    expect(await counts()).toEqual(before);

    const result = await importRows(app.ctx.db, CLI_ACTOR, preview, { allOrNothing: false });
    expect(result.imported).toHaveLength(497);
    const after = await counts();
    expect(after.customers - before.customers).toBe(497);
    expect(after.health - before.health).toBe(497);
    expect(after.audit - before.audit).toBe(497);
    // Rows 0, 7, 14… carry two contacts each (72 such rows; none of them is a bad one).
    expect(after.contacts - before.contacts).toBe(2 * 72);

    const [sample] = rowsOf<Record<string, unknown>>(
      await app.ctx.db.execute(sql`select slug, owner_id, revenue::float8 as revenue, revenue_period, currency, arr::float8 as arr, renewal_date::text as renewal
        from customers where project_id = 10001`),
    );
    expect(sample).toEqual({
      slug: "imported-1-orsted",
      owner_id: owner.id,
      revenue: 1001,
      revenue_period: "month",
      currency: "EUR",
      arr: 12012,
      renewal: "2027-06-30",
    });
    const dump = rowsOf<{ t: string }>(await app.ctx.db.execute(sql`select string_agg(c::text, ' ') as t from customers c`))[0]!.t;
    expect(dump).not.toContain(keyOf(10_001));

    // The same file again: every row's project is now taken, so nothing more goes in.
    const again = await validateImport(app.ctx.db, text, options());
    expect(again.rows).toHaveLength(0);
    // 497 imported, plus row 251 whose project (row 5's) is now a customer too.
    expect(again.problems.filter((p) => p.message.startsWith("This PostHog project is already added as"))).toHaveLength(498);
  });

  test("a failure part-way through leaves nothing behind", async () => {
    const preview = await validateImport(app.ctx.db, file(20_000), options());
    expect(preview.rows).toHaveLength(497);
    const before = await counts();
    // A real database error on the 300th customer, from inside the transaction.
    await app.ctx.db.execute(sql`create function refuse_row_300() returns trigger language plpgsql as $$
      begin if new.name = 'Imported 300 Ørsted' then raise exception 'disk full'; end if; return new; end $$`);
    await app.ctx.db.execute(sql`create trigger refuse_row_300 before insert on customers for each row execute function refuse_row_300()`);
    try {
      await expect(importRows(app.ctx.db, CLI_ACTOR, preview, { allOrNothing: false })).rejects.toThrow(
        /Failed query: insert into "customers"/,
      );
    } finally {
      await app.ctx.db.execute(sql`drop trigger refuse_row_300 on customers`);
      await app.ctx.db.execute(sql`drop function refuse_row_300()`);
    }
    expect(await counts()).toEqual(before);
  });

  test("a project taken between the preview and the import is reported, the rest go in", async () => {
    const text = toCsv(HEADER.slice(0, 4), [
      ["Late One", "us", "30001", keyOf(30_001)],
      ["Late Two", "us", "30002", keyOf(30_002)],
    ]);
    const preview = await validateImport(app.ctx.db, text, options());
    await createCustomer(
      app.ctx.db,
      CLI_ACTOR,
      { name: "Quick", posthogHost: "us", projectId: "30002", apiKey: keyOf(1), billingDay: "" },
      options(),
    );
    const result = await importRows(app.ctx.db, CLI_ACTOR, preview, { allOrNothing: false });
    expect(result.imported.map((c) => c.slug)).toEqual(["late-one"]);
    expect(result.problems).toEqual([{ row: 3, column: "project_id", message: "This PostHog project is already added as Quick" }]);
  });

  test.each([
    ["name,host\nA,us\n", "Missing required columns: project_id, api_key"],
    ["name,host,project_id,api_key,colour\nA,us,1,k\n", "Unknown column: colour (see the import format)"],
    ["name,host,project_id,api_key,arr,mrr\n", "Give revenue as arr or as mrr, not both columns"],
    ["name,host,project_id,api_key\n", "The file has a header but no customers"],
    ['name,host,project_id,api_key\n"A,us,1,k\n', "This is not a readable CSV file. Line 2: a quoted field is never closed"],
  ])("a file that cannot be read as customers is refused as a whole: %o", async (text, message) => {
    await expect(validateImport(app.ctx.db, text, options())).rejects.toThrow(message);
  });

  test("the CLI: --dry-run writes nothing, --all-or-nothing imports none, otherwise the good rows; bad rows listed, exit 1", async () => {
    const dir = path.join(tmpdir(), `delight-import-${process.pid}`);
    const csvPath = `${dir}.csv`;
    writeFileSync(
      csvPath,
      toCsv(
        ["Name", "Host", "Project ID", "API key", "ARR", "Currency", "contact_name", "contact_email", "contact_role"],
        [
          ["Cli One", "us", "40001", keyOf(40_001), "120000", "usd", "Ada", "ada@example.com", "CTO"],
          ["Cli Two", "us", "40002", "phc_projectToken", "", "", "", "", ""],
          ["Cli Three", "us", "40003", keyOf(40_003), "5000", "", "", "", ""],
        ],
      ),
    );
    const ctx = { context: app.ctx };
    const before = await counts();
    const dry = await cli(ctx, "customer", "import", csvPath, "--dry-run");
    expect(dry.code).toBe(1);
    expect(dry.stdout.split("\n")).toEqual([
      "row 3\tapi_key\tThat is a project token (phc_…); delight needs a personal API key (phx_…)",
      "row 4\tcurrency\tChoose the currency of the revenue (e.g. EUR, USD)",
      "Dry run: 1 of 3 rows would be imported, 2 bad; nothing was written.",
    ]);
    expect(await counts()).toEqual(before);
    const none = await cli(ctx, "customer", "import", csvPath, "--all-or-nothing");
    expect(none.stdout).toContain("Nothing imported: 2 of 3 rows are bad and --all-or-nothing was given.");
    expect(await counts()).toEqual(before);
    const run = await cli(ctx, "customer", "import", csvPath, "--json");
    expect(run.code).toBe(1);
    expect(run.json()).toMatchObject({ rows: 3, imported: [{ slug: "cli-one" }], refused: false });
    const shown = await cli(ctx, "customer", "list", "--json");
    expect(shown.json().find((c: { slug: string }) => c.slug === "cli-one")).toMatchObject({
      revenue: { amount: 120000, period: "year", currency: "USD", arr: 120000 },
      contacts: [{ name: "Ada", email: "ada@example.com", role: "CTO" }],
    });
    expect((await cli(ctx, "customer", "import", "/nonexistent/file.csv")).stderr).toBe("Cannot read /nonexistent/file.csv: ENOENT");
  });

  test("the web page: upload, a preview that names the bad row and never echoes a key, then confirm", async () => {
    const { cookie } = await app.signIn("csm");
    const upload = (text: string, name = "book.csv") => {
      const body = new FormData();
      body.set("intent", "preview");
      body.set("file", new File([text], name, { type: "text/csv" }));
      const request = new Request(`${BASE}/customers/import`, { method: "POST", headers: { Cookie: cookie, Origin: BASE }, body });
      return importPage.action({ request, params: {}, context: {} });
    };
    const key = keyOf(50_001);
    const text = toCsv(HEADER.slice(0, 4), [
      ["Web One", "http://127.0.0.1:9", "50001", key],
      ["Web Two", "http://127.0.0.1:9", "50002", "short"],
    ]);
    const response = (await upload(text)) as Response;
    expect(response.status).toBe(302);
    const location = response.headers.get("Location")!;
    expect(location).toMatch(/^\/customers\/import\?id=[A-Za-z0-9_-]{24}$/);
    const page = await callLoader(importPage, location, { cookie });
    expect(page.data.staged).toMatchObject({ fileName: "book.csv", rowCount: 2, ready: 1 });
    expect(page.data.staged.problems).toEqual([{ row: 3, column: "api_key", message: "That is too short for a PostHog personal API key" }]);
    expect(JSON.stringify(page.data)).not.toContain(key);
    expect(JSON.stringify(page.data)).not.toContain("sealed");

    // Another user cannot see or confirm it.
    const other = await app.signIn("csm");
    const id = location.split("=")[1]!;
    expect((await callLoader(importPage, location, { cookie: other.cookie })).data).toEqual({ staged: null, expired: true });
    const stolen = await callAction(importPage, "/customers/import", { intent: "import", id }, { cookie: other.cookie });
    expect(stolen.status).toBe(400);

    const done = await callAction(importPage, "/customers/import", { intent: "import", id }, { cookie });
    expect(done.data).toMatchObject({ ok: true, imported: 1, refused: false, rowCount: 2 });
    // Confirmed once only.
    const twice = await callAction(importPage, "/customers/import", { intent: "import", id }, { cookie });
    expect(twice.data.errors.form).toMatch(/expired or was already imported/);

    const notCsv = await upload("\u0000\u00ff", "x.csv");
    // Control characters are not echoed back.
    expect((notCsv as unknown as { data: { errors: { file: string } } }).data.errors.file).toBe(
      "Unknown column: ?ÿ (see the import format)",
    );
    const latin1 = (await (async () => {
      const body = new FormData();
      body.set("intent", "preview");
      body.set("file", new File([new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0x5a, 0xfc])], "latin1.csv"));
      const request = new Request(`${BASE}/customers/import`, { method: "POST", headers: { Cookie: cookie, Origin: BASE }, body });
      return importPage.action({ request, params: {}, context: {} });
    })()) as unknown as { data: { errors: { file: string } } };
    expect(latin1.data.errors.file).toBe('The file is not UTF-8 text: in a spreadsheet, save it as "CSV UTF-8"');
  });
});

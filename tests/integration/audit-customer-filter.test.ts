import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR, recordAudit } from "../../app/models/audit.server";
import { customerNamesOf } from "../../app/models/audit-customers.server";
import { createCustomer, setArchived } from "../../app/models/customers.server";
import * as audit from "../../app/routes/_app.audit";
import { callLoader, rowsOf, setupTestApp } from "../setup/test-app";

/*
 * The audit page's customer filter is typed (a slug, else an exact name in any case) and looked up
 * by key; the page's subjects name only the customers on it. No list of every customer is loaded.
 */

const app = setupTestApp();
let cookie: string;
let project = 100;
type Entry = { id: number; action: string; subject: string };
type Customer = Awaited<ReturnType<typeof createCustomer>>;
const c: Record<"acme" | "beta" | "bystander" | "old" | "twin" | "twin2", Customer> = {} as never;

const add = (name: string) =>
  createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    { name, posthogHost: "us", projectId: ++project, apiKey: "phx_auditFilterKey_0123456789", planId: null, billingDay: 1, ownerId: null },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: false },
  );

async function view(customer: string, more = "") {
  const result = await callLoader(audit, `/audit?customer=${encodeURIComponent(customer)}${more}`, { cookie });
  expect(result.status).toBe(200);
  return result.data as { filters: { customer: string }; customerMessage: string | null; entries: Entry[]; older: number | null };
}

const actionsOf = (entries: Entry[]) => entries.map((e) => e.action);
const auditCount = async () => rowsOf<{ n: number }>(await app.ctx.db.execute(sql`select count(*)::int n from audit_log`))[0]!.n;

beforeAll(async () => {
  cookie = (await app.signIn("admin")).cookie;
  c.acme = await add("Acme Analytics");
  c.beta = await add("Beta Co");
  c.bystander = await add("Bystander");
  c.old = await add("Old Corp");
  // Two customers of one name (in different cases): slugs twin and twin-2.
  c.twin = await add("Twin");
  c.twin2 = await add("twin");
  await recordAudit(app.ctx.db, CLI_ACTOR, "customer.update", "customer", c.acme.id, { name: "Acme Analytics" });
  await recordAudit(app.ctx.db, CLI_ACTOR, "customer.update", "customer", c.beta.id, { name: "Beta Co" });
  await setArchived(app.ctx.db, CLI_ACTOR, c.old.slug, true);
});

describe(`the audit page's customer filter (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a slug shows only that customer's entries, each naming it", async () => {
    const page = await view(c.acme.slug);
    expect(c.acme.slug).toBe("acme-analytics");
    expect(page.customerMessage).toBeNull();
    expect(actionsOf(page.entries)).toEqual(["customer.update", "customer.create"]);
    expect(page.entries.map((e) => e.subject)).toEqual(["customer Acme Analytics", "customer Acme Analytics"]);
  });

  test("an exact name in another case finds the same entries, and the field keeps what was typed", async () => {
    const bySlug = await view(c.acme.slug);
    const typed = " aCME analytics ";
    const byName = await view(typed);
    expect(byName.customerMessage).toBeNull();
    expect(byName.entries).toEqual(bySlug.entries);
    expect(byName.filters.customer).toBe(typed);
    // Exact, not a prefix.
    const prefix = await view("Acme");
    expect(prefix.customerMessage).toBe("No customer “Acme”: type a customer's slug or exact name.");
    expect(prefix.entries).toEqual([]);
  });

  test("an archived customer's slug still finds its entries", async () => {
    const page = await view(c.old.slug);
    expect(page.customerMessage).toBeNull();
    expect(actionsOf(page.entries)).toEqual(["customer.archive", "customer.create"]);
    expect(page.entries[0]!.subject).toBe("customer Old Corp");
    // And so does its name.
    expect((await view("old corp")).entries).toEqual(page.entries);
  });

  test("an unknown customer is said on the page, with no entries, and changes nothing", async () => {
    const before = await auditCount();
    const page = await view("nobody", "&action=customer.create");
    expect(page.customerMessage).toBe("No customer “nobody”: type a customer's slug or exact name.");
    expect(page.entries).toEqual([]);
    expect(page.older).toBeNull();
    expect(page.filters.customer).toBe("nobody");
    expect(await auditCount()).toBe(before);
  });

  test("two customers of one name: the page asks for the slug; a slug tells them apart", async () => {
    const page = await view("TWIN");
    expect(page.customerMessage).toBe("Several customers are named “TWIN”: type the slug of the one you mean (twin, twin-2).");
    expect(page.entries).toEqual([]);
    const second = await view("twin-2");
    expect(second.customerMessage).toBeNull();
    expect(second.entries).toEqual([expect.objectContaining({ action: "customer.create", subject: "customer twin" })]);
    // "twin" is the first one's slug, and a slug comes before a name.
    expect((await view("twin")).entries).toEqual([expect.objectContaining({ action: "customer.create", subject: "customer Twin" })]);
  });

  test("the page's data holds no list of customers, only the names its entries need", async () => {
    const page = await view(c.acme.slug);
    expect(Object.keys(page)).not.toContain("customers");
    const text = JSON.stringify(page);
    for (const other of ["Beta Co", "Bystander", "Old Corp", "beta-co", "bystander"]) expect(text).not.toContain(other);
  });

  test("every entry about a customer names it; a deleted customer by its id", async () => {
    const all = await view("");
    expect(all.customerMessage).toBeNull();
    const names = new Map(Object.values(c).map((x) => [x.id, x.name]));
    const creates = all.entries.filter((e) => e.action === "customer.create");
    expect(creates.map((e) => e.subject).sort()).toEqual([...names.values()].map((n) => `customer ${n}`).sort());

    await app.ctx.db.execute(sql`delete from customers where id = ${c.bystander.id}`);
    const after = await view("", "&action=customer.create");
    expect(after.entries.map((e) => e.subject)).toContain(`customer ${c.bystander.id}`);
    expect(after.entries.map((e) => e.subject)).toContain("customer Beta Co");
  });

  test("names are looked up for the ids given, in one query, ignoring what is not an id", async () => {
    const names = await customerNamesOf(app.ctx.db, [String(c.acme.id), String(c.acme.id), "abc", "0", "99999999999", String(c.beta.id)]);
    expect([...names.entries()].sort()).toEqual(
      [
        [String(c.acme.id), "Acme Analytics"],
        [String(c.beta.id), "Beta Co"],
      ].sort(),
    );
    expect((await customerNamesOf(app.ctx.db, [])).size).toBe(0);
  });
});

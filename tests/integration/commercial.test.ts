import { describe, expect, test } from "vitest";
import { formatContactList } from "../../app/models/commercial";
import { createApiToken } from "../../app/models/tokens.server";
import * as portfolio from "../../app/routes/_app._index";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import * as apiList from "../../app/routes/api.customers";
import * as apiDetail from "../../app/routes/api.customers.$slug";
import * as csv from "../../app/routes/customers[.]csv";
import { seedHealth } from "../factories";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const KEY = "phx_commercialSecretKey_abcdefghij";
const DAY = 86_400_000;
const dayFromNow = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);

const form = (over: Record<string, string> = {}) => ({
  name: "Acme",
  posthogRegion: "us",
  customHost: "",
  projectId: "1",
  apiKey: KEY,
  planId: "",
  billingDay: "1",
  ownerId: "",
  revenue: "",
  revenuePeriod: "year",
  currency: "",
  renewalDate: "",
  "contacts.0.name": "",
  "contacts.0.email": "",
  "contacts.0.role": "",
  "contacts.1.name": "",
  "contacts.1.email": "",
  "contacts.1.role": "",
  ...over,
});

describe(`commercial context (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the form takes MRR, currency, renewal and contacts; shows every mistake at once; the page, CSV and API carry them", async () => {
    const { cookie, userId } = await app.signIn("admin");
    const bad = await callAction(
      newCustomer,
      "/customers/new",
      form({
        revenue: "12.345",
        currency: "EURO",
        renewalDate: "2027-02-30",
        "contacts.0.email": "ada@example.com",
        "contacts.1.name": "Grace",
        "contacts.1.email": "not an address",
      }),
      { cookie },
    );
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toEqual({
      revenue: "Revenue is an amount like 120000 or 9,999.50 (no currency sign, at most 2 decimals)",
      currency: "Currency is a three-letter ISO 4217 code such as EUR, USD or GBP",
      renewalDate: "Renewal date is a day written YYYY-MM-DD",
      "contacts.0.name": "A contact needs a name",
      "contacts.1.email": "Enter a valid e-mail address",
    });
    expect(bad.data.values["contacts.1.name"]).toBe("Grace");

    const noCurrency = await callAction(newCustomer, "/customers/new", form({ revenue: "1000" }), { cookie });
    expect(noCurrency.data.errors).toEqual({ currency: "Choose the currency of the revenue (e.g. EUR, USD)" });

    const renewal = dayFromNow(45);
    const created = await callAction(
      newCustomer,
      "/customers/new",
      form({
        revenue: "10,000",
        revenuePeriod: "month",
        currency: "eur",
        renewalDate: renewal,
        "contacts.0.name": "Ada Lovelace",
        "contacts.0.email": "Ada@Example.com",
        "contacts.0.role": "CTO",
        "contacts.1.name": "Grace Hopper",
      }),
      { cookie },
    );
    expect(created.location).toBe("/customers/acme");

    const page = await callLoader(customerPage, "/customers/acme", { cookie, params: { slug: "acme" } });
    expect(page.data.customer).toMatchObject({
      revenue: 10000,
      revenuePeriod: "month",
      currency: "EUR",
      arr: 120000,
      renewalDate: renewal,
    });
    expect(page.data.customer.contacts).toEqual([
      { name: "Ada Lovelace", email: "ada@example.com", role: "CTO" },
      { name: "Grace Hopper", email: null, role: null },
    ]);

    const text = (await callLoader(csv, "/customers.csv", { cookie })).data as string;
    const [header, row] = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(header).toMatch(/,ARR,Currency,Renewal date,Contacts$/);
    expect(row).toContain(`,120000,EUR,${renewal},Ada Lovelace <ada@example.com> (CTO); Grace Hopper`);

    const { token } = await createApiToken(app.ctx.db, { id: userId, name: "t" }, userId, { name: "api" });
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const list = await callLoader(apiList, "/api/customers", auth);
    expect(list.data.customers[0]).toMatchObject({
      revenue: { amount: 10000, period: "month", currency: "EUR", arr: 120000 },
      renewalDate: renewal,
      contacts: [{ name: "Ada Lovelace" }, { name: "Grace Hopper" }],
    });
    const detail = await callLoader(apiDetail, "/api/customers/acme", { ...auth, params: { slug: "acme" } });
    expect(detail.data.revenue.arr).toBe(120000);
    expect(detail.data.contacts).toHaveLength(2);

    // Edit: switch to ARR, drop a contact, clear the renewal.
    const edited = await callAction(
      editCustomer,
      "/customers/acme/edit",
      form({ apiKey: "", revenue: "90000", revenuePeriod: "year", currency: "EUR", "contacts.0.name": "Grace Hopper" }),
      { cookie, params: { slug: "acme" } },
    );
    expect(edited.location).toBe("/customers/acme");
    const after = await callLoader(customerPage, "/customers/acme", { cookie, params: { slug: "acme" } });
    expect(after.data.customer).toMatchObject({ arr: 90000, revenuePeriod: "year", renewalDate: null });
    expect(formatContactList(after.data.customer.contacts)).toBe("Grace Hopper");
  });

  test("the CLI sets and keeps them", async () => {
    const ctx = { context: app.ctx };
    // Later than every renewal of the portfolio test below, which sorts this customer with them.
    const cliRenewal = dayFromNow(200);
    const added = await cli(
      ctx,
      "customer",
      "add",
      "--name",
      "Cli Co",
      "--posthog-host",
      "us",
      "--project-id",
      "2",
      "--api-key",
      KEY,
      "--mrr",
      "500",
      "--currency",
      "USD",
      "--renewal-date",
      cliRenewal,
      "--contact",
      "Ada <ada@example.com> (CTO); Bob (champion)",
      "--json",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json()).toMatchObject({
      revenue: { amount: 500, period: "month", currency: "USD", arr: 6000 },
      renewalDate: cliRenewal,
      contacts: [
        { name: "Ada", email: "ada@example.com", role: "CTO" },
        { name: "Bob", email: null, role: "champion" },
      ],
    });
    const renamed = await cli(ctx, "customer", "edit", "cli-co", "--name", "Cli Company", "--json");
    expect(renamed.json()).toMatchObject({ name: "Cli Company", revenue: { arr: 6000 }, renewalDate: cliRenewal });
    expect(renamed.json().contacts).toHaveLength(2);
    const currency = await cli(ctx, "customer", "edit", "cli-co", "--currency", "GBP", "--clear-contacts", "--json");
    expect(currency.json()).toMatchObject({ revenue: { amount: 500, period: "month", currency: "GBP" }, contacts: [] });
    const bad = await cli(ctx, "customer", "edit", "cli-co", "--arr", "lots");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Revenue is an amount");
  });

  test("portfolio: sort by ARR and renewal, filter by ARR and renewing within N days, ARR at risk per currency", async () => {
    const { cookie } = await app.signIn("csm");
    const add = async (name: string, projectId: string, extra: Record<string, string>) => {
      const r = await callAction(newCustomer, "/customers/new", form({ name, projectId, ...extra }), { cookie });
      expect(r.status, JSON.stringify(r.data)).toBe(302);
      return r.location!.split("/").pop()!;
    };
    const big = await add("Big", "10", { revenue: "500000", currency: "EUR", renewalDate: dayFromNow(10) });
    const poor = await add("Poor", "11", { revenue: "2000", revenuePeriod: "month", currency: "EUR", renewalDate: dayFromNow(100) });
    const dollar = await add("Dollar", "12", { revenue: "30000", currency: "USD", renewalDate: dayFromNow(5) });
    const none = await add("None", "13", {});
    const ids = Object.fromEntries(
      (await callLoader(portfolio, "/?sort=arr", { cookie })).data.customers.map((c: { slug: string; id: number }) => [c.slug, c.id]),
    );
    const now = new Date();
    await seedHealth(app.ctx.db, ids[big], { history: [{ at: now, score: 90 }] });
    await seedHealth(app.ctx.db, ids[poor], { history: [{ at: now, score: 20 }] });
    await seedHealth(app.ctx.db, ids[dollar], { history: [{ at: now, score: 55 }] });
    await seedHealth(app.ctx.db, ids[none], { history: [{ at: now, score: 30 }] });

    const slugs = async (search: string) =>
      (await callLoader(portfolio, `/${search}`, { cookie })).data.customers.map((c: { slug: string }) => c.slug);
    // ARR across currencies sorts by amount; no revenue sorts last both ways.
    expect((await slugs("?sort=arr")).slice(0, 3)).toEqual([big, "acme", dollar]);
    expect((await slugs("?sort=arr")).at(-1)).toBe(none);
    expect((await slugs("?sort=arr&dir=asc")).at(-1)).toBe(none);
    expect((await slugs("?sort=renewal")).slice(0, 2)).toEqual([dollar, big]);
    expect(await slugs("?arrMin=100,000&sort=arr")).toEqual([big]);
    expect(await slugs("?renews=30&sort=renewal")).toEqual([dollar, big]);

    const page = await callLoader(portfolio, "/", { cookie });
    expect(page.data.arrAtRisk).toEqual([
      { currency: "USD", arr: 30000, customers: 1 },
      { currency: "EUR", arr: 24000, customers: 1 },
    ]);
    // The tile follows the page's filters (except the band).
    expect((await callLoader(portfolio, "/?renews=30", { cookie })).data.arrAtRisk).toEqual([
      { currency: "USD", arr: 30000, customers: 1 },
    ]);
  });
  test("an unreadable minimum ARR or renewal window is named, kept as typed, and not applied; the API and CSV refuse it", async () => {
    const { cookie, userId } = await app.signIn("csm");
    for (const [name, projectId, revenue] of [
      ["Typo Big", "40", "900000"],
      ["Typo Small", "41", "10"],
    ])
      expect(
        (await callAction(newCustomer, "/customers/new", form({ name, projectId, revenue, currency: "USD" }), { cookie })).status,
      ).toBe(302);
    const page = await callLoader(portfolio, "/?arrMin=5k&renews=-3&sort=arr", { cookie });
    expect(page.status).toBe(200);
    expect(page.data.filterProblems).toEqual({
      arrMin: { text: "5k", message: expect.stringMatching(/^Min ARR is an amount .*not applied$/) },
      renews: { text: "-3", message: expect.stringMatching(/^Renews within is a whole number of days .*not applied$/) },
    });
    // Neither filter narrowed the list: both customers are there, and the filters say so.
    const slugs = page.data.customers.map((c: { slug: string }) => c.slug);
    expect(slugs).toEqual(expect.arrayContaining(["typo-big", "typo-small"]));
    expect(page.data.filters).toMatchObject({ arrMin: null, renewsWithin: null });
    // What the portfolio writes itself (separators, spaces) is read, and nothing is flagged.
    const good = await callLoader(portfolio, "/?arrMin=%20500%2C000%20&renews=0", { cookie });
    expect(good.data.filterProblems).toEqual({});
    expect(good.data.filters).toMatchObject({ arrMin: 500000, renewsWithin: 0 });

    const { token } = await createApiToken(app.ctx.db, { id: userId, name: "t" }, userId, { name: "typos" });
    const auth = { headers: { Authorization: `Bearer ${token}` } };
    const api = await callLoader(apiList, "/api/customers?arrMin=5k", auth);
    expect(api.status).toBe(400);
    expect(api.data.error).toMatch(/^Min ARR is an amount of 0 or more, like 50000 \(got "5k"\)$/);
    const readable = (await callLoader(apiList, "/api/customers?arrMin=500000", auth)).data.customers.map((c: { slug: string }) => c.slug);
    expect(readable).toContain("typo-big");
    expect(readable).not.toContain("typo-small");
    const file = await callLoader(csv, "/customers.csv?renews=soon", { cookie });
    expect(file.status).toBe(400);
    expect(file.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(file.data).toMatch(/^Renews within is a whole number of days from 0 to 3660 \(got "soon"\)$/);
  });
});

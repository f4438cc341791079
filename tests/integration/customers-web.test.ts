import { describe, expect, test } from "vitest";
import * as portfolio from "../../app/routes/_app._index";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import * as plans from "../../app/routes/_app.plans";
import { auditLog } from "../../db/schema";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const KEY = "phx_webFormSecretKey_abcdefghijklmnop";

const valid = {
  name: "Globex",
  posthogRegion: "eu",
  customHost: "",
  projectId: "777",
  apiKey: KEY,
  planId: "",
  billingDay: "12",
  ownerId: "",
};

describe(`customers and plans in the web UI (${process.env.DELIGHT_TEST_DB})`, () => {
  test("empty portfolio says what to do next", async () => {
    const { cookie } = await app.signIn("csm");
    const page = await callLoader(portfolio, "/", { cookie });
    expect(page.data).toMatchObject({ customers: [], hasPlans: false, canEdit: true });
  });

  test("plans: add, reject a bad quota with field messages, edit", async () => {
    const { cookie } = await app.signIn("csm");
    const bad = await callAction(plans, "/plans", { name: "", monthlyEvents: "lots" }, { cookie });
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toEqual({ name: "Name is required", monthlyEvents: "Monthly events must be a whole number" });
    expect(bad.data.values).toMatchObject({ name: "", monthlyEvents: "lots" });
    expect((await callAction(plans, "/plans", { name: "Startup", monthlyEvents: "1,000,000" }, { cookie })).status).toBe(302);
    const list = (await callLoader(plans, "/plans", { cookie })).data.plans;
    expect(list).toMatchObject([{ name: "Startup", monthlyEvents: 1_000_000 }]);
    const edited = await callAction(plans, "/plans", { id: String(list[0].id), name: "Startup", monthlyEvents: "2000000" }, { cookie });
    expect(edited.status).toBe(302);
    expect((await callLoader(plans, "/plans", { cookie })).data.plans[0].monthlyEvents).toBe(2_000_000);
    const dup = await callAction(plans, "/plans", { name: "startup", monthlyEvents: "5" }, { cookie });
    expect(dup.data.errors.name).toBe("A plan with this name already exists");
  });

  test.each([
    [{ name: "" }, "name", "Name is required"],
    [{ projectId: "abc" }, "projectId", "Project id is the number in your PostHog project URL"],
    [{ projectId: "-3" }, "projectId", "Project id is the number in your PostHog project URL"],
    [{ billingDay: "0" }, "billingDay", "Billing day is a day of the month from 1 to 31 (a month without it bills from its last day)"],
    [{ billingDay: "32" }, "billingDay", "Billing day is a day of the month from 1 to 31 (a month without it bills from its last day)"],
    [{ apiKey: "" }, "apiKey", "The PostHog personal API key is required"],
    [{ apiKey: "phc_projectTokenNotAKey123" }, "apiKey", "That is a project token (phc_…); delight needs a personal API key (phx_…)"],
    [{ posthogRegion: "custom", customHost: "ftp://example.com" }, "posthogHost", "The PostHog address must start with https://"],
    [
      { posthogRegion: "custom", customHost: "not a url" },
      "posthogHost",
      "Enter the PostHog address as a URL, e.g. https://posthog.example.com",
    ],
    [{ planId: "99999" }, "planId", "That plan does not exist"],
  ])("a bad customer form (%o) re-renders with a message for %s and changes nothing", async (override, field, message) => {
    const { cookie } = await app.signIn("csm");
    const result = await callAction(newCustomer, "/customers/new", { ...valid, ...override }, { cookie });
    expect(result.status).toBe(400);
    expect(result.data.errors[field]).toBe(message);
    expect(result.data.values.name).toBe((override as Record<string, string>).name ?? valid.name);
    expect(result.data.values).not.toHaveProperty("apiKey");
    expect(JSON.stringify(result.data)).not.toContain(KEY);
    expect((await callLoader(portfolio, "/", { cookie })).data.customers).toEqual([]);
  });

  test("add, view with the key masked, edit, and archive a customer", async () => {
    const { cookie, userId } = await app.signIn("csm");
    const created = await callAction(newCustomer, "/customers/new", { ...valid, ownerId: String(userId) }, { cookie });
    expect(created.location).toBe("/customers/globex");

    const page = await callLoader(customerPage, "/customers/globex", { cookie, params: { slug: "globex" } });
    expect(page.data.maskedKey).toBe("phx_…mnop");
    expect(page.data.customer).toMatchObject({
      name: "Globex",
      posthogHost: "https://eu.posthog.com",
      projectId: 777,
      billingDay: 12,
      ownerId: userId,
    });
    expect(JSON.stringify(page.data)).not.toContain(KEY);
    expect(JSON.stringify(page.data)).not.toContain("apiKeyEncrypted");

    // Changing the host without re-entering the key is refused: the key only goes where it was saved for.
    const hostOnly = await callAction(
      editCustomer,
      "/customers/globex/edit",
      { ...valid, apiKey: "", posthogRegion: "us" },
      { cookie, params: { slug: "globex" } },
    );
    expect(hostOnly.status).toBe(400);
    expect(hostOnly.data.errors.apiKey).toBe("Re-enter the API key when changing the PostHog host");

    const renamed = await callAction(
      editCustomer,
      "/customers/globex/edit",
      { ...valid, apiKey: "", name: "Globex Corporation", billingDay: "3" },
      { cookie, params: { slug: "globex" } },
    );
    expect(renamed.location).toBe("/customers/globex");
    const after = await callLoader(customerPage, "/customers/globex", { cookie, params: { slug: "globex" } });
    expect(after.data.customer).toMatchObject({ name: "Globex Corporation", billingDay: 3 });
    expect(after.data.maskedKey).toBe("phx_…mnop");

    const archived = await callAction(
      editCustomer,
      "/customers/globex/edit",
      { intent: "archive" },
      { cookie, params: { slug: "globex" } },
    );
    expect(archived.location).toBe("/customers/globex");
    expect((await callLoader(portfolio, "/", { cookie })).data.customers).toEqual([]);
    expect(
      (await callLoader(customerPage, "/customers/globex", { cookie, params: { slug: "globex" } })).data.customer.archivedAt,
    ).not.toBeNull();

    const audit = await app.ctx.db.select().from(auditLog);
    expect(audit.filter((a) => a.entity === "customer").map((a) => a.action)).toEqual([
      "customer.create",
      "customer.update",
      "customer.archive",
    ]);
    expect(JSON.stringify(audit)).not.toContain(KEY);
  });

  test("an unknown customer is a 404", async () => {
    const { cookie } = await app.signIn("viewer");
    expect((await callLoader(customerPage, "/customers/nope", { cookie, params: { slug: "nope" } })).status).toBe(404);
  });
});

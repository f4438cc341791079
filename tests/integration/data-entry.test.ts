import { describe, expect, test } from "vitest";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import * as settings from "../../app/routes/_app.settings";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const KEY = "phx_dataEntrySecretKey_abcdefghijkl";
const form = (over: Record<string, string> = {}) => ({
  name: "Ørsted A/S",
  posthogRegion: "eu",
  customHost: "",
  projectId: "4242",
  apiKey: KEY,
  planId: "",
  billingDay: "1",
  ownerId: "",
  ...over,
});

describe(`data entry a team trusts (${process.env.DELIGHT_TEST_DB})`, () => {
  test("every field error comes back at once, including the ones checked against the database", async () => {
    const { cookie } = await app.signIn("csm");
    const viewer = await app.signIn("viewer");
    const bad = await callAction(
      newCustomer,
      "/customers/new",
      form({ name: "", projectId: "abc", apiKey: "", billingDay: "40", planId: "99999", ownerId: String(viewer.userId) }),
      { cookie },
    );
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.data.errors).sort()).toEqual(["apiKey", "billingDay", "name", "ownerId", "planId", "projectId"]);
    expect(bad.data.errors.ownerId).toBe("Only admins and csms can own customers (this user is a viewer)");
  });

  test("slugs transliterate; the same PostHog project cannot be added twice, and the refusal links to the customer", async () => {
    const { cookie } = await app.signIn("admin");
    const created = await callAction(newCustomer, "/customers/new", form(), { cookie });
    expect(created.location).toBe("/customers/orsted-a-s");

    const twice = await callAction(newCustomer, "/customers/new", form({ name: "Orsted again", apiKey: `${KEY}x` }), { cookie });
    expect(twice.status).toBe(400);
    expect(twice.data.errors.projectId).toBe("This PostHog project is already added as Ørsted A/S");
    expect(twice.data.details.duplicate).toEqual({ slug: "orsted-a-s", name: "Ørsted A/S", archived: false });
    expect(JSON.stringify(twice.data)).not.toContain(KEY);

    // Archived, it still holds the project, and the message says so.
    await callAction(editCustomer, "/customers/orsted-a-s/edit", { intent: "archive" }, { cookie, params: { slug: "orsted-a-s" } });
    const archived = await callAction(newCustomer, "/customers/new", form({ name: "Orsted again" }), { cookie });
    expect(archived.data.errors.projectId).toMatch(/already added as Ørsted A\/S \(archived\): restore that customer instead/);
    expect(archived.data.details.duplicate.archived).toBe(true);

    // The same project on another host is another project.
    const us = await callAction(newCustomer, "/customers/new", form({ name: "日本語", posthogRegion: "us" }), { cookie });
    expect(us.location).toMatch(/^\/customers\/customer-[0-9a-f]{8}$/);
    const greek = await callAction(newCustomer, "/customers/new", form({ name: "Ελληνικά", projectId: "4243" }), { cookie });
    expect(greek.location).toBe("/customers/ellinika");

    // Editing another customer onto a taken project is refused too; editing itself is not.
    const edit = await callAction(editCustomer, "/customers/ellinika/edit", form({ name: "Ελληνικά", apiKey: "" }), {
      cookie,
      params: { slug: "ellinika" },
    });
    expect(edit.status).toBe(400);
    expect(edit.data.details.duplicate.slug).toBe("orsted-a-s");
    const self = await callAction(editCustomer, "/customers/ellinika/edit", form({ name: "Ελληνικά AE", projectId: "4243", apiKey: "" }), {
      cookie,
      params: { slug: "ellinika" },
    });
    expect(self.location).toBe("/customers/ellinika");
  });

  test("owners: the form offers admins and csms only; the server and the CLI refuse a viewer", async () => {
    const admin = await app.signIn("admin", "owner-admin@example.com");
    const viewer = await app.signIn("viewer", "owner-viewer@example.com");
    const page = await callLoader(newCustomer, "/customers/new", { cookie: admin.cookie });
    const offered = page.data.users.map((u: { id: number }) => u.id);
    expect(offered).toContain(admin.userId);
    expect(offered).not.toContain(viewer.userId);

    const refused = await callAction(
      newCustomer,
      "/customers/new",
      form({ name: "Viewer owned", projectId: "5000", ownerId: String(viewer.userId) }),
      {
        cookie: admin.cookie,
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.data.errors).toEqual({ ownerId: "Only admins and csms can own customers (this user is a viewer)" });

    const run = await cli(
      { context: app.ctx },
      "customer",
      "add",
      "--name",
      "Cli owned",
      "--posthog-host",
      "eu",
      "--project-id",
      "5001",
      "--api-key",
      KEY,
      "--owner",
      "owner-viewer@example.com",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Only admins and csms can own customers");
  });

  test("Settings shows where the data lives to admins only", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    const asAdmin = await callLoader(settings, "/settings", { cookie: admin.cookie });
    expect(asAdmin.data.server.database).toMatch(/Embedded|PostgreSQL/);
    const asCsm = await callLoader(settings, "/settings", { cookie: csm.cookie });
    expect(asCsm.data.server).toBeNull();
    expect(JSON.stringify(asCsm.data)).not.toContain(app.ctx.config.dataDir);
  });

  test("a user who owns customers cannot be made a viewer until they are reassigned", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm", "owning-csm@example.com");
    const created = await callAction(
      newCustomer,
      "/customers/new",
      form({ name: "Owned", projectId: "6000", ownerId: String(csm.userId) }),
      {
        cookie: admin.cookie,
      },
    );
    expect(created.status).toBe(302);
    const refused = await cli({ context: app.ctx }, "user", "role", "owning-csm@example.com", "viewer");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "role: owning-csm@example.com owns 1 customer: give them another owner before making owning-csm@example.com a viewer",
    );
    await callAction(editCustomer, "/customers/owned/edit", form({ name: "Owned", projectId: "6000", apiKey: "", ownerId: "" }), {
      cookie: admin.cookie,
      params: { slug: "owned" },
    });
    expect((await cli({ context: app.ctx }, "user", "role", "owning-csm@example.com", "viewer")).code).toBe(0);
  });
});

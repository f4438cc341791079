import { sql } from "drizzle-orm";
import { afterAll, describe, expect, test } from "vitest";
import * as account from "../../app/routes/_app.account";
import * as audit from "../../app/routes/_app.audit";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import * as plans from "../../app/routes/_app.plans";
import * as tokens from "../../app/routes/_app.tokens";
import * as users from "../../app/routes/_app.users";
import * as apiCustomers from "../../app/routes/api.customers";
import * as apiCustomer from "../../app/routes/api.customers.$slug";
import * as login from "../../app/routes/login";
import * as setup from "../../app/routes/setup";
import { setupCodeFor } from "../../app/utils/first-run.server";
import { rowsOf } from "../../db/rows";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

// As in production: customer hosts must be public https addresses.
const app = setupTestApp({ DELIGHT_ALLOW_PRIVATE_HOSTS: "false" });
const tally = { cases: 0, rejected: 0, accepted: 0, serverErrors: 0 };
afterAll(() => {
  // The closing note quotes these figures.
  console.log(
    `bad input (${process.env.DELIGHT_TEST_DB}): ${tally.cases} cases, ${tally.rejected} rejected with 4xx, ${tally.accepted} stored verbatim, ${tally.serverErrors} server errors`,
  );
});

const HOSTILE: [string, string][] = [
  ["empty", ""],
  ["spaces", "   "],
  ["too long", "x".repeat(5000)],
  ["unicode", "Ünïcødé 名前 😀"],
  ["sql", "'; drop table customers; --"],
  ["html", "<script>alert(1)</script>"],
  ["csv formula", "=cmd|' /C calc'!A0"],
  ["nul byte", "a\u0000b"],
  ["negative", "-1"],
  ["zero", "0"],
  ["huge number", "99999999999999999999"],
  ["float", "1.5"],
  ["not http", "javascript:alert(1)"],
  ["internal host", "http://169.254.169.254"],
];

/** Everything a person entered lives in these tables; a rejected input must change none of them. */
async function fingerprint() {
  const rows = rowsOf<{ t: string; n: number }>(
    await app.ctx.db.execute(
      sql`select 'customers' t, count(*)::int n from customers union all select 'plans', count(*)::int from plans union all select 'users', count(*)::int from users union all select 'audit', count(*)::int from audit_log`,
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

type Form = {
  name: string;
  route: { action?: (args: never) => unknown };
  path: string;
  params?: Record<string, string>;
  valid: Record<string, string>;
  freeText: string[];
};

const FORMS: Form[] = [
  { name: "plan", route: plans, path: "/plans", valid: { name: "Plan", monthlyEvents: "1000" }, freeText: ["name"] },
  { name: "user", route: users, path: "/users", valid: { name: "Nia", email: "nia@example.com", role: "csm" }, freeText: ["name"] },
  {
    name: "new customer",
    route: newCustomer,
    path: "/customers/new",
    valid: {
      name: "Cust",
      posthogRegion: "custom",
      customHost: "https://ph.example.com",
      projectId: "5",
      apiKey: "phx_badInputTestKey_0123456789",
      planId: "",
      billingDay: "10",
      ownerId: "",
    },
    freeText: ["name"],
  },
  {
    name: "edit customer",
    route: editCustomer,
    path: "/customers/target/edit",
    params: { slug: "target" },
    valid: { name: "Target", posthogRegion: "us", customHost: "", projectId: "5", apiKey: "", planId: "", billingDay: "10", ownerId: "" },
    freeText: ["name"],
  },
];

describe(`hostile input to every form, CLI command and API route (${process.env.DELIGHT_TEST_DB})`, () => {
  test("first-run form", async () => {
    const setupCode = setupCodeFor(() => {});
    for (const [, value] of HOSTILE) {
      for (const field of ["name", "email", "password", "setupCode"]) {
        const valid = { name: "A", email: "a@example.com", password: "long enough pw", setupCode };
        const result = await callAction(setup, "/setup", { ...valid, [field]: value });
        tally.cases++;
        if (result.status === 302) {
          // Only valid values get through; delete the admin so the form stays open.
          expect(field === "email" || field === "setupCode").toBe(false);
          for (const table of ["audit_log", "sessions", "users"]) await app.ctx.db.execute(sql`delete from ${sql.identifier(table)}`);
          tally.accepted++;
          continue;
        }
        expect(result.status, `${field}=${JSON.stringify(value).slice(0, 40)}`).toBe(400);
        expect(result.data.errors[field]).toBeTruthy();
        tally.rejected++;
      }
    }
  });

  test("login form", async () => {
    for (const [, value] of HOSTILE) {
      for (const field of ["email", "password", "redirectTo"]) {
        const result = await callAction(login, "/login", { email: "nobody@example.com", password: "whatever at all", [field]: value });
        tally.cases++;
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(500);
        tally.rejected++;
      }
    }
  });

  test.each(FORMS)("$name form", async (form) => {
    const { cookie } = await app.signIn("admin");
    if (form.name === "edit customer") {
      const created = await callAction(newCustomer, "/customers/new", { ...FORMS[2]!.valid, name: "Target" }, { cookie });
      expect(created.location).toBe("/customers/target");
    }
    for (const field of Object.keys(form.valid)) {
      for (const [label, value] of HOSTILE) {
        const before = await fingerprint();
        const result = await callAction(form.route as never, form.path, { ...form.valid, [field]: value }, { cookie, params: form.params });
        tally.cases++;
        const what = `${form.name}.${field} = ${label}`;
        expect(result.status, what).not.toBeGreaterThanOrEqual(500);
        if (result.status === 400) {
          expect(Object.keys(result.data.errors).length, what).toBeGreaterThan(0);
          expect(await fingerprint(), what).toEqual(before);
          tally.rejected++;
        } else {
          // Success is a redirect, or (adding a user) a page showing the one-time password.
          expect(result.status === 302 || (result.status === 200 && result.data.ok === true), what).toBe(true);
          // Accepted only where any text is a legitimate value, and stored exactly as typed.
          expect(
            form.freeText.includes(field) ||
              value === "" ||
              field === "planId" ||
              field === "ownerId" ||
              field === "apiKey" ||
              field === "customHost" ||
              (field === "billingDay" && value === ""),
            what,
          ).toBe(true);
          tally.accepted++;
          if (form.freeText.includes(field) && value.trim()) {
            const table = form.name === "plan" ? "plans" : form.name === "user" ? "users" : "customers";
            const found = rowsOf<{ n: number }>(
              await app.ctx.db.execute(sql`select count(*)::int n from ${sql.identifier(table)} where name = ${value.trim()}`),
            );
            expect(found[0]!.n, what).toBeGreaterThan(0);
            await app.ctx.db.execute(sql`delete from ${sql.identifier(table)} where name = ${value.trim()} and name <> 'Target'`);
          }
          // A PostHog project is added once: clear accepted customers so the next case may add it again.
          if (form.name === "new customer") await app.ctx.db.execute(sql`delete from customers where name <> 'Target'`);
        }
      }
    }
  });

  test("access forms: users, API tokens, your account", async () => {
    const admin = await app.signIn("admin");
    const target = await app.signIn("csm");
    const token = await callAction(
      tokens,
      "/tokens",
      { intent: "create", name: "kept", userId: String(target.userId) },
      { cookie: admin.cookie },
    );
    const tokenId = String((token.data.message as string).match(/token (\d+)/)![1]);
    /** Users' access and every token: a refused form changes none of it. */
    const access = async () =>
      JSON.stringify(
        rowsOf(
          await app.ctx.db.execute(
            sql`select (select json_agg(json_build_object('id', id, 'role', role, 'off', disabled_at, 'pw', password_hash, 'must', must_change_password) order by id) from users) u, (select json_agg(json_build_object('id', id, 'revoked', revoked_at) order by id) from api_tokens) t, (select count(*)::int from audit_log) a`,
          ),
        ),
      );
    const forms: {
      name: string;
      route: { action?: (args: never) => unknown };
      path: string;
      valid: Record<string, string>;
      freeText: string[];
    }[] = [
      { name: "role", route: users, path: "/users", valid: { intent: "role", userId: String(target.userId), role: "csm" }, freeText: [] },
      { name: "disable", route: users, path: "/users", valid: { intent: "disable", userId: String(target.userId) }, freeText: [] },
      { name: "reset", route: users, path: "/users", valid: { intent: "reset", userId: "999999" }, freeText: [] },
      {
        name: "token create",
        route: tokens,
        path: "/tokens",
        valid: { intent: "create", name: "nightly", expiresInDays: "30", userId: String(target.userId) },
        freeText: ["name"],
      },
      { name: "token revoke", route: tokens, path: "/tokens", valid: { intent: "revoke", id: "999999" }, freeText: [] },
      {
        name: "password",
        route: account,
        path: "/account",
        valid: { intent: "password", currentPassword: "correct horse battery", password: "a new password", confirm: "a new password" },
        freeText: [],
      },
    ];
    for (const form of forms) {
      for (const field of Object.keys(form.valid)) {
        for (const [label, value] of HOSTILE) {
          const before = await access();
          const result = await callAction(form.route as never, form.path, { ...form.valid, [field]: value }, { cookie: admin.cookie });
          tally.cases++;
          const what = `${form.name}.${field} = ${label}`;
          expect(result.status, what).toBeLessThan(500);
          if (result.status >= 400) {
            expect(await access(), what).toEqual(before);
            tally.rejected++;
            continue;
          }
          // Accepted only where any text is legitimate: a token's name, or a blank meaning "the default".
          expect(form.freeText.includes(field) || value.trim() === "", what).toBe(true);
          tally.accepted++;
          if (result.data.token) {
            const [row] = rowsOf<{ name: string }>(await app.ctx.db.execute(sql`select name from api_tokens order by id desc limit 1`));
            if (field === "name") expect(row!.name, what).toBe(value.trim());
          }
        }
      }
    }
    // The token made before is still there and still works.
    expect((await callLoader(apiCustomers, "/api/customers", { headers: { Authorization: `Bearer ${token.data.token}` } })).status).toBe(
      200,
    );
    expect(tokenId).toMatch(/^\d+$/);
  });

  test("audit log filters", async () => {
    const { cookie } = await app.signIn("admin");
    for (const [label, value] of HOSTILE) {
      const q = encodeURIComponent(value);
      const result = await callLoader(audit, `/audit?user=${q}&customer=${q}&action=${q}&before=${q}`, { cookie });
      tally.cases++;
      expect(result.status, label).toBe(200);
      tally.rejected++;
    }
  });

  test("CLI commands", async () => {
    const env = { context: app.ctx };
    const commands: string[][] = [
      ["plan", "add", "--name", "V", "--monthly-events", "V"],
      ["user", "add", "--email", "V", "--name", "V", "--role", "V"],
      ["customer", "add", "--name", "V", "--posthog-host", "V", "--project-id", "V", "--api-key", "V", "--billing-day", "V"],
      ["answer", "V", "V", "V"],
      ["report", "V"],
      ["refresh", "--customer", "V"],
      ["user", "role", "V", "V"],
      ["user", "role", "cli-target@example.com", "V"],
      ["user", "disable", "V"],
      ["user", "enable", "V"],
      ["user", "reset-password", "V"],
      ["token", "create", "--user", "V", "--name", "n"],
      ["token", "create", "--user", "cli-target@example.com", "--expires-in-days", "V"],
      ["token", "revoke", "V"],
      ["token", "list", "--user", "V"],
    ];
    await callAction(
      users,
      "/users",
      { name: "Target", email: "cli-target@example.com", role: "csm" },
      { cookie: (await app.signIn("admin")).cookie },
    );
    for (const command of commands) {
      for (const [label, value] of HOSTILE) {
        const argv = command.map((a) => (a === "V" ? value : a));
        const before = await fingerprint();
        const result = await cli(env, ...argv);
        tally.cases++;
        const what = `${command.slice(0, 2).join(" ")} ${label}`;
        expect(result.code, what).toBeGreaterThan(0);
        expect(await fingerprint(), what).toEqual(before);
        expect(result.stderr.split("\n"), what).toHaveLength(1);
        expect(result.stderr, what).not.toMatch(/Unexpected error|at .*\.ts:\d+/);
        tally.rejected++;
      }
    }
  });

  test("JSON API", async () => {
    const { cookie } = await app.signIn("viewer");
    for (const [label, value] of HOSTILE) {
      const q = encodeURIComponent(value);
      for (const path of [`/api/customers?page=${q}&sort=${q}&dir=${q}&band=${q}&owner=${q}&q=${q}`]) {
        const result = await callLoader(apiCustomers, path, { cookie });
        tally.cases++;
        expect(result.status, label).toBeLessThan(500);
        tally.rejected++;
      }
      const one = await callLoader(apiCustomer, `/api/customers/${q}`, { cookie, params: { slug: value } });
      tally.cases++;
      expect(one.status, label).toBe(404);
      tally.rejected++;
      const token = await callLoader(apiCustomers, "/api/customers", {
        headers: { Authorization: `Bearer ${value.replace(/[^\x20-\x7e]/g, "")}` },
      });
      tally.cases++;
      expect(token.status, label).toBe(401);
      tally.rejected++;
    }
  });
});

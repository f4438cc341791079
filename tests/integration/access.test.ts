import { eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer } from "../../app/models/customers.server";
import { createApiToken } from "../../app/models/tokens.server";
import * as portfolio from "../../app/routes/_app._index";
import * as account from "../../app/routes/_app.account";
import * as audit from "../../app/routes/_app.audit";
import * as plans from "../../app/routes/_app.plans";
import * as tokens from "../../app/routes/_app.tokens";
import * as users from "../../app/routes/_app.users";
import * as apiCustomers from "../../app/routes/api.customers";
import * as login from "../../app/routes/login";
import { apiTokens, sessions } from "../../db/schema";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const api = (token: string) => callLoader(apiCustomers, "/api/customers", bearer(token));
const cookieOf = (result: { headers: Headers }) => result.headers.get("Set-Cookie")!.split(";")[0]!;

async function signInWith(email: string, password: string) {
  return callAction(login, "/login", { email, password }, { context: { clientAddress: "192.0.2.10" } });
}

describe(`access that can be taken away (${process.env.DELIGHT_TEST_DB})`, () => {
  test("disabling a user signs their open session out at the next request and refuses their API token; enabling lets them back", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    const { token } = await createApiToken(app.ctx.db, CLI_ACTOR, csm.userId, { name: "script" });
    expect((await callLoader(portfolio, "/", { cookie: csm.cookie })).status).toBe(200);
    expect((await api(token)).status).toBe(200);

    const disabled = await callAction(users, "/users", { intent: "disable", userId: String(csm.userId) }, { cookie: admin.cookie });
    expect(disabled.data.message).toMatch(/^Disabled csm\d+@example\.com: signed out everywhere, API tokens refused\.$/);

    const next = await callLoader(portfolio, "/", { cookie: csm.cookie });
    expect(next.status).toBe(302);
    expect(next.location).toMatch(/^\/login/);
    expect(await app.ctx.db.select().from(sessions).where(eq(sessions.userId, csm.userId))).toEqual([]);
    expect((await api(token)).status).toBe(401);
    // The right password now says why, and still no session.
    const refused = await signInWith(csm.email, "correct horse battery");
    expect(refused.status).toBe(403);
    expect(refused.data.errors.form).toMatch(/disabled/);

    await callAction(users, "/users", { intent: "enable", userId: String(csm.userId) }, { cookie: admin.cookie });
    expect((await signInWith(csm.email, "correct horse battery")).status).toBe(302);
    expect((await api(token)).status).toBe(200);
  });

  test("a revoked token gets 401 at once; an expired one too; the list shows name, owner, created, last used and state", async () => {
    const admin = await app.signIn("admin");
    const created = await callAction(
      tokens,
      "/tokens",
      { intent: "create", name: "nightly export", expiresInDays: "30" },
      { cookie: admin.cookie },
    );
    expect(created.data.token).toMatch(/^dlt_/);
    const token = created.data.token as string;
    expect((await api(token)).status).toBe(200);

    const listed = (await callLoader(tokens, "/tokens", { cookie: admin.cookie })).data.tokens;
    const row = listed.find((t: { name: string }) => t.name === "nightly export");
    expect(row).toMatchObject({ ownerEmail: admin.email, state: "active", lastUsedAt: expect.any(String) });
    expect(new Date(row.expiresAt).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const revoked = await callAction(tokens, "/tokens", { intent: "revoke", id: String(row.id) }, { cookie: admin.cookie });
    expect(revoked.data.message).toContain(`Revoked token ${row.id}`);
    expect((await api(token)).status).toBe(401);
    const again = await callAction(tokens, "/tokens", { intent: "revoke", id: String(row.id) }, { cookie: admin.cookie });
    expect(again.status).toBe(400);

    const expiring = await createApiToken(app.ctx.db, CLI_ACTOR, admin.userId, { name: "short", expiresInDays: "1" });
    expect((await api(expiring.token)).status).toBe(200);
    await app.ctx.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expiring.id));
    expect((await api(expiring.token)).status).toBe(401);
    const states = (await callLoader(tokens, "/tokens", { cookie: admin.cookie })).data.tokens.map((t: { state: string }) => t.state);
    expect(states).toEqual(expect.arrayContaining(["revoked", "expired"]));
  });

  test("a csm sees and revokes only their own tokens; a viewer changes none", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    const viewer = await app.signIn("viewer");
    const adminToken = await createApiToken(app.ctx.db, CLI_ACTOR, admin.userId, { name: "admin's" });
    const own = await callAction(
      tokens,
      "/tokens",
      { intent: "create", name: "mine", userId: String(admin.userId) },
      { cookie: csm.cookie },
    );
    expect(own.data.message).toContain(`for ${csm.email}`); // a csm cannot make tokens for others
    const seen = (await callLoader(tokens, "/tokens", { cookie: csm.cookie })).data.tokens;
    expect(seen.map((t: { ownerEmail: string }) => t.ownerEmail)).toEqual([csm.email]);
    const foreign = await callAction(tokens, "/tokens", { intent: "revoke", id: String(adminToken.id) }, { cookie: csm.cookie });
    expect(foreign.status).toBe(400);
    expect((await api(adminToken.token)).status).toBe(200);
    expect((await callAction(tokens, "/tokens", { intent: "create", name: "x" }, { cookie: viewer.cookie })).status).toBe(403);
  });

  test("a role change takes effect at the user's next request", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    expect((await callAction(plans, "/plans", { name: "Before", monthlyEvents: "10" }, { cookie: csm.cookie })).status).toBe(302);
    const changed = await callAction(
      users,
      "/users",
      { intent: "role", userId: String(csm.userId), role: "viewer" },
      { cookie: admin.cookie },
    );
    expect(changed.data.message).toContain("is now viewer");
    expect((await callAction(plans, "/plans", { name: "After", monthlyEvents: "10" }, { cookie: csm.cookie })).status).toBe(403);
    await callAction(users, "/users", { intent: "role", userId: String(csm.userId), role: "admin" }, { cookie: admin.cookie });
    expect((await callLoader(audit, "/audit", { cookie: csm.cookie })).status).toBe(200);
    const bad = await callAction(users, "/users", { intent: "role", userId: String(csm.userId), role: "owner" }, { cookie: admin.cookie });
    expect(bad.status).toBe(400);
    expect(bad.data.errors.role).toBe("Role must be admin, csm or viewer");
  });

  test("delight keeps an active admin: the last one cannot be demoted or disabled, and nobody disables themselves", async () => {
    const admin = await app.signIn("admin");
    const self = await callAction(users, "/users", { intent: "disable", userId: String(admin.userId) }, { cookie: admin.cookie });
    expect(self.data.errors.form).toBe("You cannot disable your own account");
    // Demote every other admin first, then the last one refuses.
    const everyone = (await callLoader(users, "/users", { cookie: admin.cookie })).data.users as { id: number; role: string }[];
    for (const u of everyone.filter((x) => x.role === "admin" && x.id !== admin.userId)) {
      await callAction(users, "/users", { intent: "role", userId: String(u.id), role: "csm" }, { cookie: admin.cookie });
    }
    const last = await callAction(users, "/users", { intent: "role", userId: String(admin.userId), role: "csm" }, { cookie: admin.cookie });
    expect(last.status).toBe(400);
    expect(last.data.errors.form).toMatch(/at least one active admin/);
  });

  test("a reset password is shown once, must be changed at the next sign-in, and ends the old sessions", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    const reset = await callAction(users, "/users", { intent: "reset", userId: String(csm.userId) }, { cookie: admin.cookie });
    const oneTime = reset.data.password as string;
    expect(oneTime).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await callLoader(portfolio, "/", { cookie: csm.cookie })).location).toMatch(/^\/login/);
    expect((await signInWith(csm.email, "correct horse battery")).status).toBe(401);

    const signedIn = await signInWith(csm.email, oneTime);
    expect(signedIn.status).toBe(302);
    const cookie = cookieOf(signedIn);
    // Every page but the account page sends them to choose a password.
    expect((await callLoader(portfolio, "/", { cookie })).location).toBe("/account");
    expect((await callLoader(plans, "/plans", { cookie })).location).toBe("/account");
    expect((await callLoader(account, "/account", { cookie })).data.mustChange).toBe(true);

    const same = await callAction(
      account,
      "/account",
      { intent: "password", currentPassword: oneTime, password: oneTime, confirm: oneTime },
      { cookie },
    );
    expect(same.data.errors.password).toBe("Choose a password you have not been using");
    const mismatch = await callAction(
      account,
      "/account",
      { intent: "password", currentPassword: oneTime, password: "a brand new one", confirm: "a brand new two" },
      { cookie },
    );
    expect(mismatch.data.errors.confirm).toBe("The two new passwords are not the same");
    expect(mismatch.data.values).toEqual({ intent: "password" }); // no password is ever sent back
    const changed = await callAction(
      account,
      "/account",
      { intent: "password", currentPassword: oneTime, password: "a brand new one", confirm: "a brand new one" },
      { cookie },
    );
    expect(changed.data.ok).toBe(true);
    expect((await callLoader(portfolio, "/", { cookie })).status).toBe(200);
    expect((await signInWith(csm.email, "a brand new one")).status).toBe(302);
  });

  test("every user, viewers too, can change their own password and sign out everywhere", async () => {
    const viewer = await app.signIn("viewer");
    const laptop = cookieOf(await signInWith(viewer.email, "correct horse battery"));
    const wrong = await callAction(
      account,
      "/account",
      { intent: "password", currentPassword: "not my password", password: "another password", confirm: "another password" },
      { cookie: viewer.cookie },
    );
    expect(wrong.data.errors.currentPassword).toBe("That is not your current password");
    const ok = await callAction(
      account,
      "/account",
      { intent: "password", currentPassword: "correct horse battery", password: "another password", confirm: "another password" },
      { cookie: viewer.cookie },
    );
    expect(ok.data.ok).toBe(true);
    // The browser that changed it stays signed in; the other one is signed out.
    expect((await callLoader(portfolio, "/", { cookie: viewer.cookie })).status).toBe(200);
    expect((await callLoader(portfolio, "/", { cookie: laptop })).location).toMatch(/^\/login/);

    const phone = cookieOf(await signInWith(viewer.email, "another password"));
    const out = await callAction(account, "/account", { intent: "sign-out-everywhere" }, { cookie: viewer.cookie });
    expect(out.location).toBe("/login");
    for (const cookie of [viewer.cookie, phone]) expect((await callLoader(portfolio, "/", { cookie })).location).toMatch(/^\/login/);
  });

  test("the audit page lists all of it, newest first, filtered by user, customer and action; only admins read it", async () => {
    const admin = await app.signIn("admin");
    const csm = await app.signIn("csm");
    const customer = await createCustomer(
      app.ctx.db,
      { id: admin.userId, name: admin.email },
      {
        name: "Audited",
        posthogHost: "us",
        projectId: 7,
        apiKey: "phx_auditTestKey_0123456789",
        planId: null,
        billingDay: 1,
        ownerId: null,
      },
      { secretKey: app.ctx.secretKey, allowPrivateHosts: false },
    );
    await callAction(users, "/users", { intent: "role", userId: String(csm.userId), role: "viewer" }, { cookie: admin.cookie });
    await callAction(users, "/users", { intent: "disable", userId: String(csm.userId) }, { cookie: admin.cookie });
    await callAction(users, "/users", { intent: "enable", userId: String(csm.userId) }, { cookie: admin.cookie });
    await callAction(users, "/users", { intent: "reset", userId: String(csm.userId) }, { cookie: admin.cookie });
    const created = await callAction(tokens, "/tokens", { intent: "create", name: "audited" }, { cookie: admin.cookie });
    const tokenId = String((created.data.message as string).match(/token (\d+)/)![1]);
    await callAction(tokens, "/tokens", { intent: "revoke", id: tokenId }, { cookie: admin.cookie });

    const all = (await callLoader(audit, "/audit", { cookie: admin.cookie })).data;
    const ids = all.entries.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(all.entries.slice(0, 6).map((e: { action: string }) => e.action)).toEqual([
      "token.revoke",
      "token.create",
      "user.reset_password",
      "user.enable",
      "user.disable",
      "user.role",
    ]);
    expect(all.entries[5]).toMatchObject({ actor: admin.email, subject: `user ${csm.userId}` });

    const aboutCsm = (await callLoader(audit, `/audit?user=${csm.userId}`, { cookie: admin.cookie })).data.entries;
    expect(aboutCsm.map((e: { action: string }) => e.action)).toEqual([
      "user.reset_password",
      "user.enable",
      "user.disable",
      "user.role",
      "user.create",
    ]);
    const forCustomer = (await callLoader(audit, `/audit?customer=${customer.slug}`, { cookie: admin.cookie })).data.entries;
    expect(forCustomer).toEqual([expect.objectContaining({ action: "customer.create", subject: "customer Audited" })]);
    const disables = (await callLoader(audit, "/audit?action=user.disable", { cookie: admin.cookie })).data.entries;
    expect(disables.every((e: { action: string }) => e.action === "user.disable")).toBe(true);
    // A filter that does not parse is ignored, never a 500.
    const odd = await callLoader(audit, "/audit?user=abc&action=%3Cscript%3E&before=-1&customer=nope", { cookie: admin.cookie });
    expect(odd.status).toBe(200);
    expect(odd.data.entries).toEqual([]);
    // "nope" parses but names no customer: the page says so rather than showing everything.
    expect(odd.data.customerMessage).toMatch(/^No customer “nope”/);

    expect((await callLoader(audit, "/audit", { cookie: (await app.signIn("csm")).cookie })).status).toBe(403);
  });

  test("the CLI does the same: list with state and last sign-in, role, disable, enable, reset-password, token list and revoke", async () => {
    const env = { context: app.ctx };
    const { email } = await app.signIn("csm");
    expect((await cli(env, "user", "role", email, "viewer")).stdout).toBe(`${email} is now viewer`);
    expect((await cli(env, "user", "disable", email)).stdout).toContain(`Disabled ${email}`);
    const listed = (await cli(env, "user", "list", "--json")).json().find((u: { email: string }) => u.email === email);
    expect(listed).toMatchObject({ role: "viewer", state: "disabled", lastSignInAt: expect.any(String) });
    expect((await cli(env, "user", "enable", email)).stdout).toBe(`Enabled ${email}`);
    const reset = (await cli(env, "user", "reset-password", email, "--json")).json();
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await signInWith(email, reset.password)).status).toBe(302);

    const made = (await cli(env, "token", "create", "--user", email, "--name", "cron", "--expires-in-days", "7", "--json")).json();
    expect(made.expiresAt).toBeTruthy();
    expect((await api(made.token)).status).toBe(200);
    const list = await cli(env, "token", "list", "--user", email);
    expect(list.stdout).toMatch(new RegExp(`^${made.id}\\tcron\\t${email.replace(".", "\\.")}\\tactive`, "m"));
    expect((await cli(env, "token", "revoke", String(made.id))).stdout).toBe(`Revoked token ${made.id} (cron)`);
    expect((await api(made.token)).status).toBe(401);

    for (const argv of [
      ["token", "revoke", String(made.id)],
      ["token", "revoke", "abc"],
      ["token", "revoke"],
      ["user", "role", email, "owner"],
      ["user", "disable", "nobody@example.com"],
      ["token", "create", "--user", email, "--expires-in-days", "0"],
    ]) {
      const result = await cli(env, ...argv);
      expect(result.code, argv.join(" ")).toBeGreaterThan(0);
      expect(result.stderr.split("\n"), argv.join(" ")).toHaveLength(1);
    }
  });
});

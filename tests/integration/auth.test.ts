import { eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import * as appLayout from "../../app/routes/_app";
import * as customersNew from "../../app/routes/_app.customers.new";
import * as plans from "../../app/routes/_app.plans";
import * as users from "../../app/routes/_app.users";
import * as healthz from "../../app/routes/healthz";
import * as login from "../../app/routes/login";
import * as logout from "../../app/routes/logout";
import * as setup from "../../app/routes/setup";
import { setupCodeFor } from "../../app/utils/first-run.server";
import { startSession } from "../../app/utils/session.server";
import { sessions, users as usersTable } from "../../db/schema";
import { BASE, callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();

describe(`sign-in and roles (${process.env.DELIGHT_TEST_DB})`, () => {
  test("first run: /login sends to /setup, which creates the first admin and then closes", async () => {
    expect((await callLoader(login, "/login")).location).toBe("/setup");
    const printed: string[] = [];
    const setupCode = setupCodeFor((line) => printed.push(line));
    expect(printed.join("")).toContain(`setup code ${setupCode}`);
    expect((await callLoader(setup, "/setup")).status).toBe(200);

    const bad = await callAction(setup, "/setup", { name: "", email: "nope", password: "short", setupCode: "" });
    expect(bad.status).toBe(400);
    expect(bad.data.errors).toMatchObject({
      name: "Name is required",
      email: "Enter a valid email address",
      password: "Use at least 10 characters",
      setupCode: "That is not the setup code printed on the server's console",
    });
    expect(bad.data.values).toEqual({ name: "", email: "nope" }); // the password and code are never echoed

    // Anyone who can reach a fresh server could otherwise make themselves admin.
    for (const guess of ["", "AAAA-AAAA-AAAA", setupCode.slice(0, -1), `${setupCode}X`]) {
      const wrong = await callAction(setup, "/setup", {
        name: "Eve",
        email: "eve@example.com",
        password: "a long password",
        setupCode: guess,
      });
      expect(wrong.status).toBe(400);
      expect(wrong.data.errors.setupCode).toBeTruthy();
    }
    const withoutCode = await callAction(setup, "/setup", { name: "Eve", email: "eve@example.com", password: "a long password" });
    expect(withoutCode.data.errors.setupCode).toBe("Enter the setup code printed on the server's console");

    // Typed in lower case with spaces instead of dashes is the same code.
    const typed = setupCode.toLowerCase().replace(/-/g, " ");
    const ok = await callAction(setup, "/setup", { name: "Ada", email: "Ada@Example.com", password: "a long password", setupCode: typed });
    expect(ok.status).toBe(302);
    expect(ok.location).toBe("/");
    const cookie = ok.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);

    expect((await callLoader(setup, "/setup")).status).toBe(404);
    expect(
      (await callAction(setup, "/setup", { name: "Eve", email: "eve@example.com", password: "a long password", setupCode })).status,
    ).toBe(404);
  });

  test("signing in with the right password starts a session; a wrong one does not", async () => {
    const wrong = await callAction(login, "/login", { email: "ada@example.com", password: "not it at all" });
    expect(wrong.status).toBe(401);
    expect(wrong.data.errors.form).toBe("Email or password is not right");

    const ok = await callAction(login, "/login", { email: "ADA@example.com", password: "a long password", redirectTo: "/plans" });
    expect(ok.location).toBe("/plans");
    const cookie = ok.headers.get("Set-Cookie")!.split(";")[0]!;
    const layout = await callLoader(appLayout, "/", { cookie });
    expect(layout.data.user).toMatchObject({ email: "ada@example.com", role: "admin" });

    // Logging out ends the session on the server, not just in the browser.
    const out = await callAction(logout, "/logout", {}, { cookie });
    expect(out.location).toBe("/login");
    expect((await callLoader(appLayout, "/", { cookie })).location).toBe("/login");
  });

  test("redirectTo cannot send a user to another site", async () => {
    const ok = await callAction(login, "/login", { email: "ada@example.com", password: "a long password", redirectTo: "//evil.example/x" });
    expect(ok.location).toBe("/");
  });

  test("repeated failed sign-ins for one email from one address are slowed down; other addresses are not", async () => {
    const email = "ada@example.com";
    const from = (clientAddress: string) => ({ context: { clientAddress } });
    for (let i = 0; i < 5; i++) {
      expect((await callAction(login, "/login", { email, password: `guess-${i}-xxxx` }, from("203.0.113.7"))).status).toBe(401);
    }
    const throttled = await callAction(login, "/login", { email, password: "a long password" }, from("203.0.113.7"));
    expect(throttled.status).toBe(429);
    expect(throttled.data.errors.form).toMatch(/Try again in \d+ s/);
    // Another email from that address, and the same email from another address, are not affected.
    expect(
      (await callAction(login, "/login", { email: "someone@example.com", password: "whatever12345" }, from("203.0.113.7"))).status,
    ).toBe(401);
    expect((await callAction(login, "/login", { email, password: "a long password" }, from("198.51.100.4"))).status).toBe(302);
  });

  test("the session cookie is Secure when served over https; a client's X-Forwarded-Proto is not believed", async () => {
    const { userId } = await app.signIn("viewer");
    expect(await startSession(new Request("https://delight.test/login"), userId)).toMatch(/; Secure/);
    // Without DELIGHT_TRUST_PROXY (see the unit tests of isHttps for the proxy case).
    expect(await startSession(new Request(BASE, { headers: { "X-Forwarded-Proto": "https" } }), userId)).not.toMatch(/Secure/);
    expect(await startSession(new Request(BASE), userId)).not.toMatch(/Secure/);
  });

  test.each([
    ["portfolio layout", appLayout, "/"],
    ["plans", plans, "/plans"],
    ["users", users, "/users"],
    ["new customer", customersNew, "/customers/new"],
  ])("%s needs a signed-in user", async (_name, route, path) => {
    const result = await callLoader(route, path);
    expect(result.status).toBe(302);
    expect(result.location).toMatch(/^\/login/);
  });

  test("/healthz answers without signing in", async () => {
    const result = await callLoader(healthz, "/healthz");
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ ok: true });
    expect(result.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  test("a session past its expiry, or of a user disabled since, signs nobody in; the role is read afresh", async () => {
    const live = await app.signIn("csm");
    const layout = await callLoader(appLayout, "/", { cookie: live.cookie });
    expect(layout.data.user).toEqual({ name: expect.stringMatching(/^csm \d+$/), email: live.email, role: "csm" });
    await app.ctx.db.update(usersTable).set({ role: "viewer" }).where(eq(usersTable.id, live.userId));
    expect((await callLoader(appLayout, "/", { cookie: live.cookie })).data.user.role).toBe("viewer");

    const expired = await app.signIn("csm");
    await app.ctx.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(sessions.userId, expired.userId));
    expect((await callLoader(appLayout, "/", { cookie: expired.cookie })).location).toMatch(/^\/login/);

    // Disabled directly in the database, its sessions left in place: still refused.
    const disabled = await app.signIn("csm");
    await app.ctx.db.update(usersTable).set({ disabledAt: new Date() }).where(eq(usersTable.id, disabled.userId));
    expect((await callLoader(appLayout, "/", { cookie: disabled.cookie })).location).toMatch(/^\/login/);
  });

  test("viewers can read but not change anything", async () => {
    const { cookie } = await app.signIn("viewer");
    expect((await callLoader(plans, "/plans", { cookie })).data.canEdit).toBe(false);
    const add = await callAction(plans, "/plans", { name: "Sneaky", monthlyEvents: "10" }, { cookie });
    expect(add.status).toBe(403);
    expect((await callLoader(customersNew, "/customers/new", { cookie })).status).toBe(403);
    expect((await callAction(users, "/users", { name: "X", email: "x@example.com", role: "admin" }, { cookie })).status).toBe(403);
    expect((await callLoader(plans, "/plans", { cookie })).data.plans).toEqual([]);
  });

  test("mutations from another origin are refused", async () => {
    const { cookie } = await app.signIn("admin");
    const cross = await callAction(plans, "/plans", { name: "Cross", monthlyEvents: "10" }, { cookie, origin: "https://evil.example" });
    expect(cross.status).toBe(403);
    const same = await callAction(plans, "/plans", { name: "Same", monthlyEvents: "10" }, { cookie, origin: BASE });
    expect(same.status).toBe(302);
    expect((await callLoader(plans, "/plans", { cookie })).data.plans.map((p: { name: string }) => p.name)).toEqual(["Same"]);
  });

  test("admins add users and see the one-time password once; csms cannot add users", async () => {
    const admin = await app.signIn("admin");
    const created = await callAction(users, "/users", { name: "Cara", email: "cara@example.com", role: "csm" }, { cookie: admin.cookie });
    expect(created.data.email).toBe("cara@example.com");
    expect(created.data.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const signIn = await callAction(login, "/login", { email: "cara@example.com", password: created.data.password });
    expect(signIn.status).toBe(302);

    const dup = await callAction(users, "/users", { name: "Cara", email: "CARA@example.com", role: "csm" }, { cookie: admin.cookie });
    expect(dup.status).toBe(400);
    expect(dup.data.errors.email).toBe("A user with this email already exists");

    const csm = await app.signIn("csm");
    expect(
      (await callAction(users, "/users", { name: "Dan", email: "dan@example.com", role: "admin" }, { cookie: csm.cookie })).status,
    ).toBe(403);
  });
});

import { count, eq } from "drizzle-orm";
import { describe, expect, test } from "vitest";
import * as portfolio from "../../app/routes/_app._index";
import * as login from "../../app/routes/login";
import { beginAttempt, WINDOW_MS } from "../../app/utils/login-throttle.server";
import { loginFailures, sessions } from "../../db/schema";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const PASSWORD = "correct horse battery";
const from = (clientAddress: string, headers: Record<string, string> = {}) => ({ context: { clientAddress }, headers });
function statuses(results: { status: number }[]) {
  const counts: Record<number, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

describe(`sign-in throttling (${process.env.DELIGHT_TEST_DB})`, () => {
  test("20 wrong passwords sent in parallel are throttled exactly like 20 sent one after another", async () => {
    const a = await app.signIn("csm");
    const b = await app.signIn("csm");
    const guess = (email: string, i: number, address: string) =>
      callAction(login, "/login", { email, password: `wrong guess ${i}` }, from(address));

    const sequential = [];
    for (let i = 0; i < 20; i++) sequential.push(await guess(a.email, i, "203.0.113.1"));
    const parallel = await Promise.all(Array.from({ length: 20 }, (_, i) => guess(b.email, i, "203.0.113.2")));

    // Five passwords checked (401), fifteen refused before any check (429), both ways.
    expect(statuses(sequential)).toEqual({ 401: 5, 429: 15 });
    expect(statuses(parallel)).toEqual(statuses(sequential));
    // Every attempt was recorded before its password was checked.
    const [rows] = await app.ctx.db.select({ n: count() }).from(loginFailures).where(eq(loginFailures.email, b.email));
    expect(rows!.n).toBe(20);
  });

  test("after 10 wrong guesses from one address, the right password from another address signs in", async () => {
    const victim = await app.signIn("admin");
    for (let i = 0; i < 10; i++)
      await callAction(login, "/login", { email: victim.email, password: `guess ${i}xx` }, from("198.51.100.66"));
    const attacker = await callAction(login, "/login", { email: victim.email, password: PASSWORD }, from("198.51.100.66"));
    expect(attacker.status).toBe(429);
    expect(attacker.data.errors.form).toMatch(/^Too many failed sign-ins for this email from your address\. Try again in \d+ s\.$/);
    const owner = await callAction(login, "/login", { email: victim.email, password: PASSWORD }, from("192.0.2.44"));
    expect(owner.status).toBe(302);
  });

  test("one address guessing many accounts is slowed down as an address", async () => {
    const results = [];
    for (let i = 0; i < 22; i++) {
      results.push(await callAction(login, "/login", { email: `nobody${i}@example.com`, password: "wrong guess" }, from("203.0.113.99")));
    }
    expect(statuses(results)).toEqual({ 401: 20, 429: 2 });
    expect(results.at(-1)!.data.errors.form).toMatch(/from your address\. Try again/);
  });

  test("X-Forwarded-For sent by a client is not believed without DELIGHT_TRUST_PROXY", async () => {
    const user = await app.signIn("viewer");
    const results = [];
    for (let i = 0; i < 8; i++) {
      // A new forged address every time, from the same socket: still one address.
      const spoofed = from("203.0.113.150", { "X-Forwarded-For": `10.9.8.${i}` });
      results.push(await callAction(login, "/login", { email: user.email, password: `wrong guess ${i}` }, spoofed));
    }
    expect(statuses(results)).toEqual({ 401: 5, 429: 3 });
    const rows = await app.ctx.db
      .selectDistinct({ address: loginFailures.address })
      .from(loginFailures)
      .where(eq(loginFailures.email, user.email));
    expect(rows).toEqual([{ address: "203.0.113.150" }]);
  });

  test("failure rows expire: an attempt after the window sweeps older rows and is not slowed by them", async () => {
    const now = new Date();
    for (let i = 0; i < 6; i++) await beginAttempt(app.ctx.db, "expiring@example.com", "192.0.2.200", now);
    const later = new Date(now.getTime() + WINDOW_MS + 1000);
    const fresh = await beginAttempt(app.ctx.db, "expiring@example.com", "192.0.2.200", later);
    expect(fresh.allowed).toBe(true);
    const left = await app.ctx.db.select().from(loginFailures).where(eq(loginFailures.email, "expiring@example.com"));
    expect(left.map((r) => r.id)).toEqual([fresh.attempt.id]);
  });

  test("failures for one account from many addresses slow each try a little but never refuse the right password", async () => {
    const user = await app.signIn("csm");
    const now = new Date();
    for (let i = 0; i < 24; i++) await beginAttempt(app.ctx.db, user.email, `198.18.${i}.1`, now);
    const decision = await beginAttempt(app.ctx.db, user.email, "192.0.2.250", now);
    expect(decision).toMatchObject({ allowed: true, pauseMs: 800 });
  });
});

// What an attacker might put in /login?redirectTo=… so a fresh sign-in lands somewhere else.
const HOSTILE_REDIRECTS = [
  "//evil.example",
  "/\t/evil.example",
  "/%09/evil.example",
  "/\\evil.example",
  "/%5Cevil.example",
  "%2F%2Fevil.example",
  "/%2F%2Fevil.example",
  "/%252F%252Fevil.example",
  "/\n/evil.example",
  "/x\r\nSet-Cookie: stolen=1",
  "/%0D%0ALocation:%20https://evil.example",
  "javascript:alert(document.cookie)",
  " javascript:alert(1)",
  "https://evil.example/",
  "http://delight.test.evil.example/",
  "https:evil.example",
  "//evil.example@delight.test",
  "/\\/\\evil.example",
  "\\\\evil.example",
  "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
  "/%",
  `/${"x".repeat(5000)}`,
];

describe(`redirect after sign-in (${process.env.DELIGHT_TEST_DB})`, () => {
  test(`${HOSTILE_REDIRECTS.length} hostile redirectTo values: never off-site, never a 500`, async () => {
    expect(HOSTILE_REDIRECTS.length).toBeGreaterThanOrEqual(20);
    const user = await app.signIn("viewer");
    for (const redirectTo of HOSTILE_REDIRECTS) {
      const result = await callAction(login, "/login", { email: user.email, password: PASSWORD, redirectTo }, from("192.0.2.77"));
      expect(result.status, JSON.stringify(redirectTo)).toBe(302);
      expect(result.location, JSON.stringify(redirectTo)).toBe("/");
    }
    const fine = await callAction(login, "/login", { email: user.email, password: PASSWORD, redirectTo: "/plans?x=1" }, from("192.0.2.77"));
    expect(fine.location).toBe("/plans?x=1");
  });

  test("signing in replaces the session the browser already had", async () => {
    const user = await app.signIn("csm");
    const first = await callAction(login, "/login", { email: user.email, password: PASSWORD }, from("192.0.2.78"));
    const oldCookie = first.headers.get("Set-Cookie")!.split(";")[0]!;
    const second = await callAction(
      login,
      "/login",
      { email: user.email, password: PASSWORD },
      { ...from("192.0.2.78"), cookie: oldCookie },
    );
    const newCookie = second.headers.get("Set-Cookie")!.split(";")[0]!;
    expect(newCookie).not.toBe(oldCookie);
    expect((await callLoader(portfolio, "/", { cookie: oldCookie })).location).toMatch(/^\/login/);
    expect((await callLoader(portfolio, "/", { cookie: newCookie })).status).toBe(200);
    // The test helper's own session is the other one left.
    expect(await app.ctx.db.select().from(sessions).where(eq(sessions.userId, user.userId))).toHaveLength(2);
  });
});

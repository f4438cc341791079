/// <reference types="vite/client" />
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer } from "../../app/models/customers.server";
import { users } from "../../db/schema";
import { BASE, callAction, callLoader, setupTestApp } from "../setup/test-app";

type RouteModule = { loader?: (args: LoaderFunctionArgs) => unknown; action?: (args: ActionFunctionArgs) => unknown };

// Every route module in the app, so a new route is covered the day it is added.
const modules = import.meta.glob<RouteModule>("../../app/routes/*.{ts,tsx}", { eager: true });
const routes = Object.entries(modules).map(([file, mod]) => ({ file: file.split("/").pop()!, mod }));
const params = { slug: "some-customer", "*": "anything", id: "1" };

/** Routes anyone may reach, with what a stranger gets. */
const PUBLIC: Record<string, { loader?: number; action?: number }> = {
  "login.tsx": { loader: 200, action: 400 },
  "setup.tsx": { loader: 404, action: 404 },
  "healthz.ts": { loader: 200 },
  "logout.tsx": { loader: 302, action: 302 },
};

/** Routes that only read: any other method gets 405 naming GET, whoever asks (cross-origin still 403). */
const READ_ONLY = new Set([
  "api.alerts.ts",
  "api.customers.$slug.ts",
  "api.customers.ts",
  "api.queue.ts",
  "customers[.]csv.ts",
  "healthz.ts",
]);

/** Signed-in pages anyone may act on for themselves, viewers too: an unknown intent there is 400, not 403. */
const SELF_SERVICE = new Set(["_app.account.tsx"]);
/** Pages only admins may open at all. */
const ADMIN_ONLY = new Set(["_app.audit.tsx"]);

const app = setupTestApp();

beforeAll(async () => {
  // A real customer behind the :slug routes, so they are judged on access, not on "not found".
  await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    {
      name: "Some Customer",
      posthogHost: "us",
      projectId: 1,
      apiKey: "phx_securityTestKey_0123456789",
      planId: null,
      billingDay: 1,
      ownerId: null,
    },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: false },
  );
});

describe(`every route, crawled (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the crawl found the app's routes", () => {
    // The closing note quotes this figure.
    console.log(`route crawl (${process.env.DELIGHT_TEST_DB}): ${routes.length} route modules`);
    expect(routes.length).toBeGreaterThanOrEqual(19);
    expect(routes.map((r) => r.file)).toEqual(
      expect.arrayContaining([
        "_app.tsx",
        "_app._index.tsx",
        "_app.customers.new.tsx",
        "_app.plans.tsx",
        "_app.account.tsx",
        "_app.tokens.tsx",
        "_app.audit.tsx",
        "_app.users.tsx",
      ]),
    );
  });

  test.each(routes)("$file: a stranger is sent to sign in (or gets 401 from the API)", async ({ file, mod }) => {
    await app.signIn("admin"); // delight is set up, so first-run is closed
    const isApi = file.startsWith("api.");
    const expectBlocked = (result: { status: number; location: string | null }) => {
      if (isApi) expect(result.status).toBe(401);
      else {
        expect(result.status).toBe(302);
        expect(result.location).toMatch(/^\/login/);
      }
    };
    const open = PUBLIC[file];
    if (mod.loader) {
      const result = await callLoader(mod, `/x`, { params });
      if (open?.loader) expect(result.status).toBe(open.loader);
      else expectBlocked(result);
    }
    if (mod.action) {
      const result = await callAction(mod, `/x`, { intent: "anything", name: "x" }, { params });
      if (READ_ONLY.has(file)) expect(result.status).toBe(405);
      else if (open?.action) expect(result.status).toBe(open.action);
      else expectBlocked(result);
    }
  });

  test.each(routes.filter((r) => r.mod.action && !PUBLIC[r.file] && !READ_ONLY.has(r.file)))(
    "$file: a viewer cannot change anything (403)",
    async ({ file, mod }) => {
      const { cookie } = await app.signIn("viewer");
      const result = await callAction(mod, `/x`, { intent: "anything", name: "x" }, { cookie, params });
      expect(result.status).toBe(SELF_SERVICE.has(file) ? 400 : 403);
    },
  );

  test.each(routes.filter((r) => r.mod.loader && !PUBLIC[r.file]))(
    "$file: a disabled user's open session counts for nothing",
    async ({ file, mod }) => {
      const { cookie, userId } = await app.signIn("admin");
      await app.ctx.db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId));
      const result = await callLoader(mod, "/x", { cookie, params });
      if (file.startsWith("api.")) expect(result.status).toBe(401);
      else expect([result.status, result.location?.startsWith("/login")]).toEqual([302, true]);
    },
  );

  test.each(routes.filter((r) => r.mod.loader && !PUBLIC[r.file] && r.file !== "_app.account.tsx"))(
    "$file: a user whose password was reset sees nothing before choosing a new one",
    async ({ file, mod }) => {
      const { cookie, userId } = await app.signIn("admin");
      await app.ctx.db.update(users).set({ mustChangePassword: true }).where(eq(users.id, userId));
      const result = await callLoader(mod, "/x", { cookie, params });
      if (file.startsWith("api.")) expect(result.status).toBe(401);
      else expect([result.status, result.location]).toEqual([302, "/account"]);
    },
  );

  test.each(routes.filter((r) => ADMIN_ONLY.has(r.file)))("$file: only admins may open it", async ({ mod }) => {
    for (const role of ["csm", "viewer"] as const) {
      const { cookie } = await app.signIn(role);
      expect((await callLoader(mod, "/x", { cookie, params })).status).toBe(403);
    }
    const { cookie } = await app.signIn("admin");
    expect((await callLoader(mod, "/x", { cookie, params })).status).toBe(200);
  });

  test.each(routes.filter((r) => r.mod.action && !PUBLIC[r.file]))(
    "$file: a cross-origin POST is refused even for an admin",
    async ({ mod }) => {
      const { cookie } = await app.signIn("admin");
      const result = await callAction(mod, `/x`, { intent: "anything", name: "x" }, { cookie, params, origin: "https://attacker.example" });
      expect(result.status).toBe(403);
      expect(String(result.data)).toMatch(/cross-origin/i);
    },
  );

  test.each(routes.filter((r) => READ_ONLY.has(r.file)))(
    "$file: a POST, PUT or DELETE gets 405 with Allow: GET, HEAD and a sentence, not a server error",
    async ({ mod }) => {
      const { cookie } = await app.signIn("admin");
      for (const method of ["POST", "PUT", "DELETE"]) {
        const result = await callAction(mod, "/x", { intent: "anything" }, { cookie, params, method });
        expect({ method, status: result.status, allow: result.headers.get("Allow") }).toEqual({ method, status: 405, allow: "GET, HEAD" });
        expect(result.data).toEqual({ error: `${method} is not allowed here: this address only answers GET` });
      }
    },
  );

  test("every read-only route is in the crawl", () => {
    expect(
      routes
        .map((r) => r.file)
        .filter((f) => READ_ONLY.has(f))
        .sort(),
    ).toEqual([...READ_ONLY].sort());
  });

  test("security headers on a document-less resource route", async () => {
    const health = await callLoader(modules["../../app/routes/healthz.ts"]!, "/healthz");
    for (const header of ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"]) {
      expect(health.headers.get(header), header).toBeTruthy();
    }
    expect(health.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
  });

  test("BASE is a plain http origin, so cookies in these tests are not Secure", () => {
    expect(BASE.startsWith("http://")).toBe(true);
  });
});

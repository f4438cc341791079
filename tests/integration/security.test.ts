/// <reference types="vite/client" />
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer } from "../../app/models/customers.server";
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
    expect(routes.length).toBeGreaterThanOrEqual(10);
    expect(routes.map((r) => r.file)).toEqual(
      expect.arrayContaining(["_app.tsx", "_app._index.tsx", "_app.customers.new.tsx", "_app.plans.tsx"]),
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
      if (open?.action) expect(result.status).toBe(open.action);
      else expectBlocked(result);
    }
  });

  test.each(routes.filter((r) => r.mod.action && !PUBLIC[r.file]))("$file: a viewer cannot change anything (403)", async ({ mod }) => {
    const { cookie } = await app.signIn("viewer");
    const result = await callAction(mod, `/x`, { intent: "anything", name: "x" }, { cookie, params });
    expect(result.status).toBe(403);
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

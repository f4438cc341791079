import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { afterAll, beforeAll } from "vitest";
import { createUser } from "../../app/models/users.server";
import type { AppContext } from "../../app/utils/context.server";
import { closeContext, getContext } from "../../app/utils/db.server";
import { startSession } from "../../app/utils/session.server";
import type { Role } from "../../db/schema";
import { createTestDatabase, type TestDatabase } from "./test-database";

export const BASE = "http://delight.test";

export type TestApp = {
  ctx: AppContext;
  /** Creates a user and returns a Cookie header value for a signed-in session. */
  signIn: (role: Role, email?: string) => Promise<{ cookie: string; userId: number; email: string }>;
};

/**
 * Points the app's own database module at a fresh database for this test file, so loaders and
 * actions run exactly as in production against PGlite or the PostgreSQL server.
 */
export function setupTestApp(envOverrides: Record<string, string> = {}): TestApp {
  let database: TestDatabase;
  const app = {} as TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    Object.assign(process.env, database.env, envOverrides);
    app.ctx = await getContext();
  });
  afterAll(async () => {
    await closeContext();
    await database?.drop();
  });
  let n = 0;
  app.signIn = async (role, email = `${role}${++n}@example.com`) => {
    const user = await createUser(app.ctx.db, null, { email, name: `${role} ${n}`, role }, "correct horse battery");
    const setCookie = await startSession(new Request(BASE), user.id);
    return { cookie: setCookie.split(";")[0]!, userId: user.id, email };
  };
  return app;
}

type RouteModule = {
  loader?: (args: LoaderFunctionArgs) => unknown;
  action?: (args: ActionFunctionArgs) => unknown;
};

export type RouteResult = { status: number; headers: Headers; data: any; location: string | null };

/** Turns whatever a loader/action returned or threw (data(), Response, plain object) into one shape. */
async function settle(run: () => unknown): Promise<RouteResult> {
  let value: unknown;
  try {
    value = await run();
  } catch (thrown) {
    value = thrown;
    if (!(thrown instanceof Response)) throw thrown;
  }
  if (value instanceof Response) {
    const text = await value.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // plain text body
    }
    return { status: value.status, headers: value.headers, data, location: value.headers.get("Location") };
  }
  if (value && typeof value === "object" && (value as { type?: string }).type === "DataWithResponseInit") {
    const { data, init } = value as { data: unknown; init: ResponseInit | null };
    return { status: init?.status ?? 200, headers: new Headers(init?.headers), data, location: null };
  }
  return { status: 200, headers: new Headers(), data: value, location: null };
}

export function callLoader(
  route: RouteModule,
  path: string,
  options: { cookie?: string; params?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const request = new Request(BASE + path, { headers: { ...(options.cookie ? { Cookie: options.cookie } : {}), ...options.headers } });
  return settle(() => route.loader!({ request, params: options.params ?? {}, context: {} }));
}

export function callAction(
  route: RouteModule,
  path: string,
  form: Record<string, string>,
  options: {
    cookie?: string;
    params?: Record<string, string>;
    origin?: string | null;
    headers?: Record<string, string>;
    /** What app/server.mjs passes as load context, e.g. { clientAddress }. */
    context?: Record<string, unknown>;
    /** POST unless said otherwise: Remix calls the action for PUT, PATCH and DELETE too. */
    method?: string;
  } = {},
) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (options.cookie) headers.Cookie = options.cookie;
  const origin = options.origin === undefined ? BASE : options.origin;
  if (origin) headers.Origin = origin;
  Object.assign(headers, options.headers);
  const request = new Request(BASE + path, { method: options.method ?? "POST", headers, body: new URLSearchParams(form).toString() });
  return settle(() => route.action!({ request, params: options.params ?? {}, context: options.context ?? {} }));
}

export { rowsOf } from "../../db/rows";

import { randomBytes } from "node:crypto";
import { createCookie, redirect } from "@remix-run/node";
import { eq, lt, or, sql } from "drizzle-orm";
import { rowsOf } from "../../db/rows";
import { sessions, users } from "../../db/schema";
import { getContext } from "./db.server";
import { isHttps } from "./http.server";
import { oncePerRequest } from "./request-scope.server";

const SESSION_DAYS = 14;
let cookie: ReturnType<typeof createCookie> | undefined;

async function sessionCookie() {
  if (!cookie) {
    const { sessionSecret } = await getContext();
    cookie = createCookie("__delight_session", {
      httpOnly: true,
      sameSite: "lax",
      path: "/",
      secrets: [sessionSecret],
      maxAge: SESSION_DAYS * 24 * 3600,
    });
  }
  return cookie;
}

export type SessionUser = {
  id: number;
  email: string;
  name: string;
  role: "admin" | "csm" | "viewer";
  /** After an admin reset the user must choose a new password before anything else. */
  mustChangePassword?: boolean;
  /** The session this request carries (absent for API tokens). */
  sessionId?: string;
};

async function sessionIdOf(request: Request): Promise<string | null> {
  const value = await (await sessionCookie()).parse(request.headers.get("Cookie"));
  return typeof value === "string" ? value : null;
}

/**
 * The user behind the request's session, read fresh on every request: a role change applies at
 * the next request, and a disabled user (whose sessions are also deleted) is signed out at once.
 */
/** The signed-in user, read once per page view however many loaders ask. */
export function getSessionUser(request: Request): Promise<SessionUser | null> {
  return oncePerRequest(request, "session-user", () => readSessionUser(request));
}

async function readSessionUser(request: Request): Promise<SessionUser | null> {
  const sessionId = await sessionIdOf(request);
  if (!sessionId) return null;
  const { db } = await getContext();
  // One flat statement rather than a query builder: every request reads it, and building it cost
  // 0.3-0.7 ms of CPU against 0.14-0.23 ms (measured, 1,000 reads each).
  const [row] = rowsOf<Omit<SessionUser, "sessionId">>(
    await db.execute(sql`
      select u.id, u.email, u.name, u.role, u.must_change_password as "mustChangePassword"
      from sessions s join users u on u.id = s.user_id
      where s.id = ${sessionId} and s.expires_at > ${new Date().toISOString()}::timestamptz and u.disabled_at is null`),
  );
  return row ? { ...row, sessionId } : null;
}

/**
 * Starts a session and returns the Set-Cookie header. The session the browser already had is
 * ended (a sign-in never leaves an older session alive in the same browser); expired sessions
 * are swept on the way.
 */
export async function startSession(request: Request, userId: number): Promise<string> {
  const { db } = await getContext();
  const id = randomBytes(32).toString("base64url");
  const previous = await sessionIdOf(request);
  const now = new Date();
  await db.delete(sessions).where(or(lt(sessions.expiresAt, now), previous ? eq(sessions.id, previous) : undefined));
  await db.insert(sessions).values({ id, userId, expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000) });
  await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, userId));
  return (await sessionCookie()).serialize(id, { secure: isHttps(request) });
}

export async function endSession(request: Request): Promise<string> {
  const c = await sessionCookie();
  const sessionId = await c.parse(request.headers.get("Cookie"));
  if (typeof sessionId === "string") {
    const { db } = await getContext();
    await db.delete(sessions).where(eq(sessions.id, sessionId));
  }
  return c.serialize("", { maxAge: 0, expires: new Date(0), secure: isHttps(request) });
}

// What a browser might take for a slash, a scheme or a line break, in the value or once decoded.
const UNSAFE_PATH = /[\u0000-\u001f\u007f-\u009f\\]/;

function decodedForms(value: string): string[] | null {
  const forms = [value];
  let current = value;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) break;
    forms.push(next);
    current = next;
  }
  return forms;
}

/**
 * Where to go after signing in: only an absolute path on this site. "//host", "/\\host", tabs,
 * line breaks and their percent-encoded forms (decoded up to three times) and anything that
 * resolves to another origin fall back to "/". Never throws, so bad input is never a 500.
 */
export function safeRedirectTo(value: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) return fallback;
  const forms = decodedForms(value);
  if (!forms) return fallback;
  for (const form of forms) {
    if (!form.startsWith("/") || form.startsWith("//") || UNSAFE_PATH.test(form)) return fallback;
  }
  const base = "http://delight.invalid";
  const url = new URL(value, base);
  if (url.origin !== base) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

export async function redirectWithSession(request: Request, userId: number, to: string) {
  return redirect(to, { headers: { "Set-Cookie": await startSession(request, userId) } });
}

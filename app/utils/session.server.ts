import { randomBytes } from "node:crypto";
import { createCookie, redirect } from "@remix-run/node";
import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { sessions, users } from "../../db/schema";
import { getContext } from "./db.server";
import { isHttps } from "./http.server";

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

export type SessionUser = { id: number; email: string; name: string; role: "admin" | "csm" | "viewer" };

export async function getSessionUser(request: Request): Promise<SessionUser | null> {
  const sessionId = await (await sessionCookie()).parse(request.headers.get("Cookie"));
  if (typeof sessionId !== "string") return null;
  const { db } = await getContext();
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, new Date()), isNull(users.disabledAt)));
  return row ?? null;
}

/** Starts a session and returns the Set-Cookie header; expired sessions are swept on the way. */
export async function startSession(request: Request, userId: number): Promise<string> {
  const { db } = await getContext();
  const id = randomBytes(32).toString("base64url");
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  await db.insert(sessions).values({ id, userId, expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000) });
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

/** Only same-site relative paths: "//evil.example" and absolute URLs fall back to "/". */
export function safeRedirectTo(value: FormDataEntryValue | string | null | undefined, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  return value;
}

export async function redirectWithSession(request: Request, userId: number, to: string) {
  return redirect(to, { headers: { "Set-Cookie": await startSession(request, userId) } });
}

import { redirect } from "@remix-run/node";
import { assertSameOrigin } from "./http.server";
import { getSessionUser, type SessionUser } from "./session.server";

export type { SessionUser };

function loginRedirect(request: Request): never {
  const url = new URL(request.url);
  const to = url.pathname + url.search;
  throw redirect(to === "/" ? "/login" : `/login?redirectTo=${encodeURIComponent(to)}`);
}

/** The page a user whose password an admin reset is held on until they choose a new one. */
export const PASSWORD_PAGE = "/account";

/** Every page but login, first-run and /healthz goes through this. */
export async function requireUser(request: Request): Promise<SessionUser> {
  const user = await getSessionUser(request);
  if (!user) loginRedirect(request);
  if (user.mustChangePassword && new URL(request.url).pathname !== PASSWORD_PAGE) throw redirect(PASSWORD_PAGE);
  return user;
}

function forbidden(message: string): never {
  throw new Response(message, { status: 403, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * For actions: signed in, same origin, and a role allowed to change things. Viewers can read
 * everything and change nothing.
 */
export async function requireEditor(request: Request): Promise<SessionUser> {
  const user = await requireUser(request);
  assertSameOrigin(request);
  if (user.role === "viewer") forbidden("Viewers cannot change anything; ask an admin for the csm role");
  return user;
}

export async function requireAdmin(request: Request, { mutating }: { mutating: boolean }): Promise<SessionUser> {
  const user = await requireUser(request);
  if (mutating) assertSameOrigin(request);
  if (user.role !== "admin") forbidden("Only admins can do this");
  return user;
}

export function actorOf(user: SessionUser) {
  return { id: user.id, name: user.email };
}

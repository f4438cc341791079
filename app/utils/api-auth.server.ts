import { userForToken } from "../models/tokens.server";
import { getDb } from "./db.server";
import { applySecurityHeaders } from "./security-headers.server";
import { getSessionUser, type SessionUser } from "./session.server";

/** A JSON response for API clients: never cached, with the same security headers as pages. */
export function apiJson(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  const headers = new Headers({ "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...init.headers });
  applySecurityHeaders(headers);
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

function unauthorized(message: string): never {
  throw apiJson({ error: message }, { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="delight"' } });
}

/**
 * API callers bring `Authorization: Bearer <token>` (delight token create); a browser that is signed
 * in may use its session instead. A bad token is refused outright rather than falling back to the
 * cookie, so a script with a revoked token fails loudly.
 */
export async function requireApiUser(request: Request): Promise<SessionUser> {
  const header = request.headers.get("Authorization");
  if (header !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) unauthorized("Send the token as: Authorization: Bearer <token>");
    const user = await userForToken(await getDb(), match[1]!);
    if (!user) unauthorized("This token is not valid or has been revoked");
    return { id: user.id, email: user.email, name: user.name, role: user.role };
  }
  const user = await getSessionUser(request);
  if (!user) unauthorized("Authentication required: send Authorization: Bearer <token> (create one with `delight token create`)");
  if (user.mustChangePassword) unauthorized("Choose a new password first (Your account)");
  return user;
}

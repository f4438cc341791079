import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/client";
import { apiTokens, users } from "../../db/schema";
import { type Actor, recordAudit } from "./audit.server";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Returns the token once; only its SHA-256 is stored (it has 256 bits, so no slow hash is needed). */
export async function createApiToken(db: Db, actor: Actor, userId: number, name: string) {
  const token = `dlt_${randomBytes(32).toString("base64url")}`;
  const [row] = await db
    .insert(apiTokens)
    .values({ name, userId, tokenHash: hashToken(token) })
    .returning({ id: apiTokens.id });
  await recordAudit(db, actor, "token.create", "api_token", row!.id, { name, userId });
  return { id: row!.id, token };
}

export async function userForToken(db: Db, token: string) {
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt), isNull(users.disabledAt)));
  if (!row) return null;
  await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
  return row;
}

import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { apiTokens, users } from "../../db/schema";
import { InputError, parseInput } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

const DAY_MS = 86_400_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export const TokenInputSchema = z.object({
  name: z.string().trim().min(1, "Give the token a name (what uses it)").max(100, "Keep the name under 100 characters").default("api"),
  /** Days from now; blank means the token lasts until it is revoked. */
  expiresInDays: z.preprocess(
    (v) => (v === "" || v === undefined || v === null ? null : typeof v === "string" && /^\s*\d{1,5}\s*$/.test(v) ? Number(v) : v),
    z
      .number({ invalid_type_error: "Days until it expires, a whole number from 1 to 3650 (or blank)" })
      .int("Days until it expires, a whole number from 1 to 3650 (or blank)")
      .min(1, "Days until it expires, a whole number from 1 to 3650 (or blank)")
      .max(3650, "Days until it expires, a whole number from 1 to 3650 (or blank)")
      .nullable(),
  ),
});

/** Returns the token once; only its SHA-256 is stored (it has 256 bits, so no slow hash is needed). */
export async function createApiToken(db: Db, actor: Actor, userId: number, raw: Record<string, unknown>, now = new Date()) {
  const input = parseInput(TokenInputSchema, raw);
  const token = `dlt_${randomBytes(32).toString("base64url")}`;
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * DAY_MS) : null;
  return db.transaction(async (tx) => {
    const [owner] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, userId));
    if (!owner) throw new InputError({ userId: "There is no such user" });
    const [row] = await tx
      .insert(apiTokens)
      .values({ name: input.name, userId, tokenHash: hashToken(token), expiresAt, createdAt: now })
      .returning({ id: apiTokens.id });
    await recordAudit(tx, actor, "token.create", "api_token", row!.id, {
      name: input.name,
      userId,
      owner: owner.email,
      expiresAt: expiresAt?.toISOString() ?? null,
    });
    return { id: row!.id, name: input.name, owner: owner.email, expiresAt, token };
  });
}

/** The user behind a bearer token, unless it is revoked, expired, or its user is disabled. */
export async function userForToken(db: Db, token: string, now = new Date()) {
  const [row] = await db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, hashToken(token)),
        isNull(apiTokens.revokedAt),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        isNull(users.disabledAt),
      ),
    );
  if (!row) return null;
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
  return row;
}

export type TokenState = "active" | "revoked" | "expired" | "owner disabled";

/** Tokens with name, owner, created, last used, expiry and state; one user's, or everyone's. */
export async function listTokens(db: Db, options: { userId?: number } = {}, now = new Date()) {
  const rows = await db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      ownerId: users.id,
      ownerEmail: users.email,
      ownerDisabledAt: users.disabledAt,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      expiresAt: apiTokens.expiresAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(options.userId ? eq(apiTokens.userId, options.userId) : undefined)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(({ ownerDisabledAt, ...row }) => {
    const state: TokenState = row.revokedAt
      ? "revoked"
      : row.expiresAt && row.expiresAt <= now
        ? "expired"
        : ownerDisabledAt
          ? "owner disabled"
          : "active";
    return { ...row, state };
  });
}

export const TokenIdSchema = z.preprocess(
  (v) => (typeof v === "string" && /^\s*\d{1,9}\s*$/.test(v) ? Number(v) : v),
  z.number({ invalid_type_error: "Unknown token", required_error: "Unknown token" }).int("Unknown token").positive("Unknown token"),
);

/**
 * Revokes a token at once (the next request with it gets 401). `ownerId` limits it to that
 * user's tokens, for someone who is not an admin: another user's token then matches nothing.
 */
export async function revokeToken(db: Db, actor: Actor, rawId: unknown, options: { ownerId?: number } = {}) {
  const { id } = parseInput(z.object({ id: TokenIdSchema }), { id: rawId });
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt), options.ownerId ? eq(apiTokens.userId, options.ownerId) : undefined))
      .returning({ id: apiTokens.id, name: apiTokens.name, userId: apiTokens.userId });
    if (!row) throw new InputError({ form: `There is no active token ${id}${options.ownerId ? " of yours" : ""}` });
    await recordAudit(tx, actor, "token.revoke", "api_token", row.id, { name: row.name, userId: row.userId });
    return row;
  });
}

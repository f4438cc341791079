import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, tstz } from "./columns";

export const ROLES = ["admin", "csm", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    /** Set by an admin; a disabled user's sessions are deleted and their tokens stop working. */
    disabledAt: tstz("disabled_at"),
    lastSignInAt: tstz("last_sign_in_at"),
    /** After an admin reset: every page asks for a new password until the user sets one. */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), check("users_role_check", sql`${t.role} in ('admin', 'csm', 'viewer')`)],
);

/** Server-side sessions: the cookie only carries a signed random id, so logout really ends a session. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: tstz("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * Sign-in attempts that have not (yet) succeeded, per email and client address. Each is written
 * before the password is checked, so parallel guesses count, and deleted when it succeeds; the
 * rest expire after the throttle window (app/utils/login-throttle.server.ts).
 */
export const loginFailures = pgTable(
  "login_failures",
  {
    id: serial("id").primaryKey(),
    email: text("email").notNull(),
    address: text("address").notNull().default("unknown"),
    at: tstz("at").notNull().defaultNow(),
  },
  (t) => [
    index("login_failures_email_at_idx").on(t.email, t.at),
    index("login_failures_address_at_idx").on(t.address, t.at),
    index("login_failures_at_idx").on(t.at),
  ],
);

/** Bearer tokens for the JSON API; only a SHA-256 of the token is stored. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: serial("id").primaryKey(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastUsedAt: tstz("last_used_at"),
    /** Optional; a token past it is refused like a revoked one. */
    expiresAt: tstz("expires_at"),
    revokedAt: tstz("revoked_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash_key").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

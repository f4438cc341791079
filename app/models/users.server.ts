import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { and, asc, count, eq, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { preparedPerDb } from "../../db/prepared";
import { customers, ROLES, type Role, sessions, users } from "../../db/schema";
import { InputError } from "../utils/validation.server";
import { type Actor, recordAudit } from "./audit.server";

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
// N=2^15 costs ~50 ms here: slow enough for guessing, fast enough for sign-in.
const SCRYPT = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, SCRYPT);
  return `scrypt$${SCRYPT.N}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64url"), expected.length, { ...SCRYPT, N: Number(n) });
  return timingSafeEqual(actual, expected);
}

export function generatePassword(): string {
  return randomBytes(12).toString("base64url");
}

export const EmailSchema = z
  .string({ required_error: "Email is required" })
  .trim()
  .min(1, "Email is required")
  .max(254, "Email is too long")
  .email("Enter a valid email address")
  .transform((v) => v.toLowerCase());

export const PasswordSchema = z
  .string({ required_error: "Password is required" })
  .min(10, "Use at least 10 characters")
  .max(200, "Use at most 200 characters");

export const UserInputSchema = z.object({
  email: EmailSchema,
  name: z.string({ required_error: "Name is required" }).trim().min(1, "Name is required").max(100, "Name is too long"),
  role: z.enum(ROLES, { errorMap: () => ({ message: "Role must be admin, csm or viewer" }) }),
});
export type UserInput = z.infer<typeof UserInputSchema>;

export class DuplicateError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return row?.n ?? 0;
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
  return user ?? null;
}

export async function createUser(db: Db, actor: Actor | null, input: UserInput, password: string) {
  if (await findUserByEmail(db, input.email)) throw new DuplicateError("email", "A user with this email already exists");
  const passwordHash = await hashPassword(password);
  const [user] = await db
    .insert(users)
    .values({ ...input, passwordHash })
    .returning();
  await recordAudit(db, actor ?? { id: user!.id, name: input.email }, "user.create", "user", user!.id, {
    email: input.email,
    role: input.role,
  });
  return user!;
}

const allUsers = preparedPerDb((db) =>
  db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
      lastSignInAt: users.lastSignInAt,
      mustChangePassword: users.mustChangePassword,
    })
    .from(users)
    .orderBy(asc(users.name))
    .prepare("all_users"),
);

/** Every user, by name (the portfolio's owner filter reads it on each view). */
export async function listUsers(db: Db) {
  return allUsers(db).execute();
}

export type UserState = "active" | "disabled" | "must change password";

export function userState(user: { disabledAt: Date | null; mustChangePassword: boolean }): UserState {
  if (user.disabledAt) return "disabled";
  return user.mustChangePassword ? "must change password" : "active";
}

export const RoleSchema = z.enum(ROLES, { errorMap: () => ({ message: "Role must be admin, csm or viewer" }) });

export const UserIdSchema = z.preprocess(
  (v) => (typeof v === "string" && /^\d{1,9}$/.test(v) ? Number(v) : v),
  z.number({ invalid_type_error: "Unknown user", required_error: "Unknown user" }).int("Unknown user").positive("Unknown user"),
);

async function userById(db: Db, id: number) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  if (!user) throw new InputError({ form: "There is no such user" });
  return user;
}

/** Ends every session of a user, or every one but `keep` (the browser that is changing its password). */
export async function endSessions(db: Db, userId: number, keep?: string) {
  await db.delete(sessions).where(and(eq(sessions.userId, userId), keep ? ne(sessions.id, keep) : undefined));
}

/** delight must keep an admin who can sign in, or nobody could ever manage access again. */
async function assertAnotherActiveAdmin(db: Db, leaving: number, message: string) {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt), ne(users.id, leaving)));
  if ((row?.n ?? 0) === 0) throw new InputError({ form: message });
}

/** Takes effect at the user's next request: sessions read the role from the user on every request. */
export async function setRole(db: Db, actor: Actor, userId: number, rawRole: unknown) {
  const role = RoleSchema.safeParse(rawRole);
  if (!role.success) throw new InputError({ role: "Role must be admin, csm or viewer" });
  return db.transaction(async (tx) => {
    const user = await userById(tx, userId);
    if (user.role === role.data) return user;
    if (user.role === "admin")
      await assertAnotherActiveAdmin(tx, user.id, "delight needs at least one active admin; make someone else admin first");
    // Only admins and csms own customers: a viewer's customers would have nobody working on them.
    if (!OWNER_ROLES.includes(role.data)) {
      const [owned] = await tx
        .select({ n: count() })
        .from(customers)
        .where(and(eq(customers.ownerId, user.id), isNull(customers.archivedAt)));
      if (owned && owned.n > 0)
        throw new InputError({
          role: `${user.email} owns ${owned.n} ${owned.n === 1 ? "customer" : "customers"}: give them another owner before making ${user.email} a viewer`,
        });
    }
    const [updated] = await tx.update(users).set({ role: role.data, updatedAt: new Date() }).where(eq(users.id, user.id)).returning();
    await recordAudit(tx, actor, "user.role", "user", user.id, { email: user.email, from: user.role, to: role.data });
    return updated!;
  });
}

/**
 * Disabling ends the user's sessions at once and their API tokens stop working (tokens of a
 * disabled user are refused on every request); enabling lets them sign in again.
 */
export async function setDisabled(db: Db, actor: Actor, userId: number, disabled: boolean) {
  return db.transaction(async (tx) => {
    const user = await userById(tx, userId);
    if (disabled && actor.id === user.id) throw new InputError({ form: "You cannot disable your own account" });
    if (disabled && user.role === "admin") await assertAnotherActiveAdmin(tx, user.id, "delight needs at least one active admin");
    if (Boolean(user.disabledAt) === disabled) return user;
    const [updated] = await tx
      .update(users)
      .set({ disabledAt: disabled ? new Date() : null, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
    if (disabled) await endSessions(tx, user.id);
    await recordAudit(tx, actor, disabled ? "user.disable" : "user.enable", "user", user.id, { email: user.email });
    return updated!;
  });
}

/**
 * Sets a new one-time password (returned once, to show the admin) that must be changed at the
 * next sign-in, and ends the user's sessions.
 */
export async function resetPassword(db: Db, actor: Actor, userId: number) {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const user = await userById(tx, userId);
    await tx.update(users).set({ passwordHash, mustChangePassword: true, updatedAt: new Date() }).where(eq(users.id, user.id));
    await endSessions(tx, user.id);
    await recordAudit(tx, actor, "user.reset_password", "user", user.id, { email: user.email });
    return { email: user.email, password };
  });
}

export const PasswordChangeSchema = z
  .object({
    currentPassword: z.string({ required_error: "Enter your current password" }).min(1, "Enter your current password").max(200),
    password: PasswordSchema,
    confirm: z.string({ required_error: "Type the new password again" }),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two new passwords are not the same" })
  .refine((v) => v.password !== v.currentPassword, { path: ["password"], message: "Choose a password you have not been using" });

/** A user changes their own password; their other sessions end, the one making the change stays. */
export async function changeOwnPassword(db: Db, userId: number, input: z.output<typeof PasswordChangeSchema>, keepSession?: string) {
  const user = await userById(db, userId);
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
    throw new InputError({ currentPassword: "That is not your current password" });
  }
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, mustChangePassword: false, updatedAt: new Date() }).where(eq(users.id, user.id));
    await endSessions(tx, user.id, keepSession);
    await recordAudit(tx, { id: user.id, name: user.email }, "user.password_change", "user", user.id, {});
  });
}

/** Signs a user out of every browser, the one asking included. */
export async function signOutEverywhere(db: Db, userId: number) {
  const user = await userById(db, userId);
  await db.transaction(async (tx) => {
    await endSessions(tx, user.id);
    await recordAudit(tx, { id: user.id, name: user.email }, "user.sign_out_everywhere", "user", user.id, {});
  });
}

/** Who may own a customer: the people who work on customers, never a viewer. */
export const OWNER_ROLES: readonly Role[] = ["admin", "csm"];

/** The owners a customer form offers: active admins and csms, plus the current owner so a form never drops it silently. */
export async function listOwnerChoices(db: Db, currentOwnerId: number | null = null) {
  const all = await listUsers(db);
  return all
    .filter((u) => (OWNER_ROLES.includes(u.role) && !u.disabledAt) || u.id === currentOwnerId)
    .map((u) => ({ id: u.id, name: OWNER_ROLES.includes(u.role) ? u.name : `${u.name} (${u.role}, cannot own customers)` }));
}

export function canEdit(role: Role): boolean {
  return role === "admin" || role === "csm";
}

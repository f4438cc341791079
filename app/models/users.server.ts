import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { ROLES, type Role, users } from "../../db/schema";
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

export async function listUsers(db: Db) {
  return db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .orderBy(asc(users.name));
}

export function canEdit(role: Role): boolean {
  return role === "admin" || role === "csm";
}

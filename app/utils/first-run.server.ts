import { randomInt, timingSafeEqual } from "node:crypto";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { countUsers, createUser, PasswordSchema, UserInputSchema } from "../models/users.server";
import { InputError, parseInput } from "./validation.server";

// No 0/O, 1/I/L: the code is read off a console and typed by hand.
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
let setupCode: string | null = null;

const normaliseCode = (value: string) => value.toUpperCase().replace(/[\s-]+/g, "");

/**
 * The one-time setup code for this server process: until an admin exists, /setup asks for it,
 * so someone who merely reaches a fresh server over the network cannot make themselves admin.
 * It is printed on the server's console the first time it is needed (at start under
 * `npm start`). 12 characters of 31 (~59 bits), compared in constant time.
 */
export function setupCodeFor(log: (line: string) => void = console.log, given?: string): string {
  if (!setupCode) {
    // Several web processes (npm start on PostgreSQL) share the code their primary made.
    const chars = given ?? Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
    setupCode = `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
    log(`[delight] First run: open /setup and enter the setup code ${setupCode} to create the admin account.`);
  }
  return setupCode;
}

export function isSetupCode(value: unknown): boolean {
  if (typeof value !== "string" || !setupCode) return false;
  const given = Buffer.from(normaliseCode(value));
  const expected = Buffer.from(normaliseCode(setupCode));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const FirstAdminSchema = UserInputSchema.omit({ role: true }).extend({
  password: PasswordSchema,
  setupCode: z
    .string({ required_error: "Enter the setup code printed on the server's console" })
    .refine(isSetupCode, "That is not the setup code printed on the server's console"),
});

export async function isSetUp(db: Db) {
  return (await countUsers(db)) > 0;
}

/** Two first-run submissions at once must not both create an admin: the table lock serialises them. */
export async function createFirstAdmin(db: Db, raw: unknown) {
  const input = parseInput(FirstAdminSchema, raw);
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table users in exclusive mode`);
    if ((await countUsers(tx)) > 0) throw new InputError({ form: "delight is already set up; sign in instead" });
    const { password, setupCode: _code, ...user } = input;
    return createUser(tx, null, { ...user, role: "admin" }, password);
  });
}

export type FirstAdminInput = z.infer<typeof FirstAdminSchema>;

import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../../db/client";
import { countUsers, createUser, PasswordSchema, UserInputSchema } from "../models/users.server";
import { InputError, parseInput } from "./validation.server";

const FirstAdminSchema = UserInputSchema.omit({ role: true }).extend({ password: PasswordSchema });

export async function isSetUp(db: Db) {
  return (await countUsers(db)) > 0;
}

/** Two first-run submissions at once must not both create an admin: the table lock serialises them. */
export async function createFirstAdmin(db: Db, raw: unknown) {
  const input = parseInput(FirstAdminSchema, raw);
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table users in exclusive mode`);
    if ((await countUsers(tx)) > 0) throw new InputError({ form: "delight is already set up; sign in instead" });
    const { password, ...user } = input;
    return createUser(tx, null, { ...user, role: "admin" }, password);
  });
}

export type FirstAdminInput = z.infer<typeof FirstAdminSchema>;

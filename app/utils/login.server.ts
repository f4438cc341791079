import type { Db } from "../../db/client";
import { EmailSchema, findUserByEmail, verifyPassword } from "../models/users.server";
import { clearLoginFailures, loginDelay, recordLoginFailure } from "./login-throttle.server";

type LoginResult = { ok: true; userId: number } | { ok: false; status: number; errors: Record<string, string> };

// A real hash to compare against when the email is unknown, so timing does not reveal accounts.
const DUMMY_HASH = "scrypt$32768$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export async function loginAttempt(db: Db, rawEmail: string, password: string): Promise<LoginResult> {
  const parsed = EmailSchema.safeParse(rawEmail);
  if (!parsed.success) return { ok: false, status: 400, errors: { email: parsed.error.issues[0]!.message } };
  if (!password) return { ok: false, status: 400, errors: { password: "Password is required" } };
  const email = parsed.data;
  const wait = await loginDelay(db, email);
  if (wait > 0) {
    return {
      ok: false,
      status: 429,
      errors: { form: `Too many failed sign-ins for this email. Try again in ${Math.ceil(wait / 1000)} s.` },
    };
  }
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(password.slice(0, 200), user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid || user.disabledAt) {
    await recordLoginFailure(db, email);
    return { ok: false, status: 401, errors: { form: "Email or password is not right" } };
  }
  await clearLoginFailures(db, email);
  return { ok: true, userId: user.id };
}

import type { Db } from "../../db/client";
import { EmailSchema, findUserByEmail, verifyPassword } from "../models/users.server";
import { attemptSucceeded, beginAttempt } from "./login-throttle.server";

type LoginResult = { ok: true; userId: number } | { ok: false; status: number; errors: Record<string, string> };

// A real hash to compare against when the email is unknown, so timing does not reveal accounts.
const DUMMY_HASH = "scrypt$32768$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type LoginOptions = { address: string; now?: Date; sleep?: (ms: number) => Promise<void> };

export async function loginAttempt(db: Db, rawEmail: string, password: string, options: LoginOptions): Promise<LoginResult> {
  const parsed = EmailSchema.safeParse(rawEmail);
  if (!parsed.success) return { ok: false, status: 400, errors: { email: parsed.error.issues[0]!.message } };
  if (!password) return { ok: false, status: 400, errors: { password: "Password is required" } };
  const email = parsed.data;
  // Recorded before the (slow) password check, so guesses sent in parallel all count.
  const decision = await beginAttempt(db, email, options.address, options.now);
  if (!decision.allowed) {
    const why = decision.scope === "account" ? "for this email from your address" : "from your address";
    return {
      ok: false,
      status: 429,
      errors: { form: `Too many failed sign-ins ${why}. Try again in ${Math.ceil(decision.waitMs / 1000)} s.` },
    };
  }
  if (decision.pauseMs > 0) await (options.sleep ?? realSleep)(decision.pauseMs);
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(password.slice(0, 200), user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid) return { ok: false, status: 401, errors: { form: "Email or password is not right" } };
  await attemptSucceeded(db, decision.attempt);
  // Said only to someone who knows the password, so it tells a guesser nothing.
  if (user.disabledAt) return { ok: false, status: 403, errors: { form: "This account has been disabled; ask an admin to enable it" } };
  return { ok: true, userId: user.id };
}

import { CLI_ACTOR } from "../models/audit.server";
import { createApiToken, listTokens, revokeToken } from "../models/tokens.server";
import {
  createUser,
  DuplicateError,
  findUserByEmail,
  generatePassword,
  listUsers,
  resetPassword,
  setDisabled,
  setRole,
  UserInputSchema,
  userState,
} from "../models/users.server";
import type { AppContext } from "../utils/context.server";
import { parseInput } from "../utils/validation.server";
import { actorFor } from "./commands-admin";
import { CliError, type CliIo, output, parse, required } from "./io";

const USER_USAGE =
  "Usage: delight user add --email E --name N --role admin|csm|viewer | user list | user role EMAIL ROLE | user disable|enable EMAIL | user reset-password EMAIL";
const TOKEN_USAGE =
  "Usage: delight token create --user EMAIL [--name N] [--expires-in-days D] | token list [--user EMAIL] | token revoke ID";

const when = (date: Date | null) => (date ? date.toISOString().slice(0, 16).replace("T", " ") : "never");

async function userNamed(ctx: AppContext, email: string | undefined, usage: string) {
  if (!email) throw new CliError(usage, 2);
  const user = await findUserByEmail(ctx.db, email);
  if (!user) throw new CliError(`No user with email ${email}`);
  return user;
}

export async function userCommand(ctx: AppContext, args: string[], io: CliIo) {
  const [sub, ...rest] = args;
  if (sub === "add") {
    const { values } = parse(rest, { email: { type: "string" }, name: { type: "string" }, role: { type: "string" } });
    const input = parseInput(UserInputSchema, {
      email: required(values, "email"),
      name: required(values, "name"),
      role: values.role ?? "csm",
    });
    const password = generatePassword();
    try {
      const user = await createUser(ctx.db, CLI_ACTOR, input, password);
      output(
        io,
        values.json,
        { id: user.id, email: user.email, role: user.role, password },
        `Created ${user.email} (${user.role}). One-time password: ${password}`,
      );
    } catch (error) {
      if (error instanceof DuplicateError) throw new CliError(error.message);
      throw error;
    }
    return;
  }
  if (sub === "list") {
    const { values } = parse(rest, {});
    const users = (await listUsers(ctx.db)).map((u) => ({ ...u, state: userState(u) }));
    output(
      io,
      values.json,
      users,
      users.map((u) => `${u.email}\t${u.role}\t${u.state}\tlast sign-in ${when(u.lastSignInAt)}\t${u.name}`).join("\n") || "No users yet.",
    );
    return;
  }
  if (sub === "role") {
    const { values, positionals } = parse(rest, { by: { type: "string" } });
    const user = await userNamed(ctx, positionals[0], "Usage: delight user role EMAIL admin|csm|viewer");
    const updated = await setRole(ctx.db, await actorFor(ctx, values.by), user.id, positionals[1]);
    output(io, values.json, { email: updated.email, role: updated.role }, `${updated.email} is now ${updated.role}`);
    return;
  }
  if (sub === "disable" || sub === "enable") {
    const { values, positionals } = parse(rest, { by: { type: "string" } });
    const user = await userNamed(ctx, positionals[0], `Usage: delight user ${sub} EMAIL`);
    const updated = await setDisabled(ctx.db, await actorFor(ctx, values.by), user.id, sub === "disable");
    output(
      io,
      values.json,
      { email: updated.email, disabled: Boolean(updated.disabledAt) },
      sub === "disable" ? `Disabled ${updated.email}: signed out everywhere, API tokens refused` : `Enabled ${updated.email}`,
    );
    return;
  }
  if (sub === "reset-password") {
    const { values, positionals } = parse(rest, { by: { type: "string" } });
    const user = await userNamed(ctx, positionals[0], "Usage: delight user reset-password EMAIL");
    const reset = await resetPassword(ctx.db, await actorFor(ctx, values.by), user.id);
    output(
      io,
      values.json,
      reset,
      `New one-time password for ${reset.email}: ${reset.password} (they must choose their own at the next sign-in)`,
    );
    return;
  }
  throw new CliError(USER_USAGE, 2);
}

export async function tokenCommand(ctx: AppContext, args: string[], io: CliIo) {
  const [sub, ...rest] = args;
  if (sub === "create") {
    const { values } = parse(rest, { user: { type: "string" }, name: { type: "string" }, "expires-in-days": { type: "string" } });
    const user = await userNamed(ctx, required(values, "user"), TOKEN_USAGE);
    const days = values["expires-in-days"];
    // Blank means "never" in the web form; on a command line it is a mistake.
    if (days !== undefined && days.trim() === "") throw new CliError("--expires-in-days needs a number of days from 1 to 3650", 2);
    const created = await createApiToken(ctx.db, CLI_ACTOR, user.id, {
      name: values.name ?? "api",
      expiresInDays: values["expires-in-days"] ?? "",
    });
    const expiry = created.expiresAt ? `, expires ${when(created.expiresAt)} UTC` : "";
    output(
      io,
      values.json,
      {
        id: created.id,
        name: created.name,
        user: created.owner,
        expiresAt: created.expiresAt?.toISOString() ?? null,
        token: created.token,
      },
      `Token ${created.id} for ${created.owner}${expiry} (shown once): ${created.token}`,
    );
    return;
  }
  if (sub === "list") {
    const { values } = parse(rest, { user: { type: "string" } });
    const owner = values.user !== undefined ? await userNamed(ctx, values.user, TOKEN_USAGE) : null;
    const tokens = await listTokens(ctx.db, { userId: owner?.id });
    output(
      io,
      values.json,
      tokens,
      tokens
        .map(
          (t) =>
            `${t.id}\t${t.name}\t${t.ownerEmail}\t${t.state}\tcreated ${when(t.createdAt)}\tlast used ${when(t.lastUsedAt)}` +
            (t.expiresAt ? `\texpires ${when(t.expiresAt)}` : ""),
        )
        .join("\n") || "No tokens yet.",
    );
    return;
  }
  if (sub === "revoke") {
    const { values, positionals } = parse(rest, { by: { type: "string" } });
    if (!positionals[0]) throw new CliError("Usage: delight token revoke ID (see delight token list)", 2);
    const revoked = await revokeToken(ctx.db, await actorFor(ctx, values.by), positionals[0]);
    output(io, values.json, { id: revoked.id, revoked: true }, `Revoked token ${revoked.id} (${revoked.name})`);
    return;
  }
  throw new CliError(TOKEN_USAGE, 2);
}

import { DataDirError } from "../../db/data-dir";
import { SecretError } from "../../db/secrets";
import { type AppContext, openContext } from "../utils/context.server";
import { ConfigError, loadConfig } from "../utils/env.server";
import { hasUnstorableCharacters, InputError } from "../utils/validation.server";
import { tokenCommand, userCommand } from "./commands-access";
import { customerCommand, planCommand } from "./commands-admin";
import { alertsCommand } from "./commands-alerts";
import { answerCommand, checksCommand, refreshCommand, reportCommand } from "./commands-checks";
import { checkCommand } from "./commands-custom";
import { queueCommand, workerCommand } from "./commands-worker";
import { CliError, type CliIo } from "./io";

/** A command may resolve to its exit code; anything else means 0. */
type Command = (ctx: AppContext, args: string[], io: CliIo) => Promise<unknown>;

const COMMANDS: Record<string, Command> = {
  migrate: async (ctx, args, io) => {
    const json = args.includes("--json");
    const where = ctx.dbHandle.kind === "pglite" ? `embedded database in ${ctx.config.dataDir}` : "PostgreSQL server";
    io.stdout(json ? JSON.stringify({ ok: true, database: ctx.dbHandle.kind }) : `Migrations applied; ${where} is up to date.`);
  },
  user: userCommand,
  plan: planCommand,
  customer: customerCommand,
  token: tokenCommand,
  refresh: refreshCommand,
  answer: answerCommand,
  report: reportCommand,
  checks: checksCommand,
  check: checkCommand,
  alerts: alertsCommand,
  worker: workerCommand,
  queue: queueCommand,
};

export const USAGE = `delight — customer health for teams whose customers use PostHog

Usage: npm run --silent delight -- <command> [options] [--json]

  migrate
  user add --email E --name N --role admin|csm|viewer     (prints a one-time password)
  user list                              (role, state, last sign-in)
  user role EMAIL admin|csm|viewer       user disable|enable EMAIL
  user reset-password EMAIL              (prints a one-time password; changed at next sign-in)
  plan add --name N --monthly-events N
  plan list
  customer add --name N --posthog-host URL|us|eu --project-id N --api-key K
               [--plan NAME] [--billing-day 1-31] [--owner EMAIL]
               [--arr AMOUNT | --mrr AMOUNT] [--currency EUR] [--renewal-date YYYY-MM-DD]
               [--contact "Name <e-mail> (role)"]...   (several; "A <a@x> (CTO); B" works too)
  customer edit SLUG [same options] [--clear-contacts]   customer archive|unarchive SLUG
  customer import FILE [--dry-run] [--all-or-nothing]    (CSV; see the README for the columns)
  customer list [--all]
  token create --user EMAIL [--name N] [--expires-in-days D]   (bearer token for the JSON API, shown once)
  token list [--user EMAIL]              token revoke ID
  refresh --customer SLUG | --all [--concurrency N]
  answer SLUG CHECK_ID yes|no|na|withdraw [--note T] [--by EMAIL]
  report SLUG
  checks                                 (the catalogue in force)
  check add --section setup|training|value --question Q [--weight 0-10] [--plans "A,B"]
            [--kind manual|event --event E [--property P --operator equals|not_equals|
             contains|not_contains|is_set|is_not_set|gt|lt [--value V]]
             [--count events|persons] --min-count N --days 1-90]
  check retire ID                        check list
  alerts [--customer SLUG] [--kind K] [--all] [--before ID]
                                                (open alerts, 500 at a time; --all adds acknowledged and silenced)
  alerts send [--wait SECONDS] [--digest]       (deliver pending alerts; for cron)
  alerts ack ID
  worker [--concurrency N]                      (PostgreSQL only: works background refresh jobs until stopped)
  queue                                         (PostgreSQL only: jobs waiting, running and held back, and the workers)`;

/** Runs one CLI command; returns the exit code. Every failure is one line on stderr. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
  options: { context?: AppContext } = {},
): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    io.stdout(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`Unknown command "${name}". Run "npm run delight -- help" for the list.`);
    return 2;
  }
  // NUL cannot be stored and other control characters are never meant: refuse before opening anything.
  if (args.some(hasUnstorableCharacters)) {
    io.stderr("Arguments cannot contain control characters");
    return 2;
  }
  let ctx: AppContext | undefined;
  try {
    // A caller that already holds a context (tests) lends it; otherwise the command opens and closes its own.
    ctx = options.context ?? (await openContext(loadConfig(env)));
    const code = await command(ctx, args, io);
    return typeof code === "number" ? code : 0;
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(error.message);
      return error.exitCode;
    }
    if (error instanceof InputError || error instanceof ConfigError || error instanceof SecretError || error instanceof DataDirError) {
      io.stderr(error.message);
      return 1;
    }
    io.stderr(`Unexpected error: ${(error as Error).message ?? String(error)}`);
    return 1;
  } finally {
    if (!options.context) await ctx?.dbHandle.close().catch(() => {});
  }
}

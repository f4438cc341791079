import { runCli } from "../../app/cli/run";
import type { AppContext } from "../../app/utils/context.server";

/** Runs the CLI in-process, capturing what it prints: with its own database from `env`, or on a lent context. */
export async function cli(env: Record<string, string | undefined> | { context: AppContext }, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false };
  const code =
    "context" in env
      ? await runCli(argv, {}, io, { context: env.context as AppContext })
      : await runCli(argv, env as Record<string, string>, io);
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

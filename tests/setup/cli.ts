import { runCli } from "../../checks/cli/run";

/** Runs the CLI in-process against the test database, capturing what it prints. */
export async function cli(env: Record<string, string | undefined>, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, env, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false });
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestLogEntry, SandboxCustomer } from "../../app/demo/posthog-sandbox/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The sandbox in a child process (as PostHog would be: another machine's CPU). */
export async function startSandboxProcess(bulk: number, latencyMs: number, extra: { shared?: string; throttle?: string } = {}) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "app/demo/posthog-sandbox/main.ts",
      "--bulk",
      String(bulk),
      "--latency",
      String(latencyMs),
      ...(extra.shared ? ["--shared", extra.shared] : []),
      ...(extra.throttle ? ["--throttle", extra.throttle] : []),
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffer += String(d);
      const end = buffer.indexOf("\n");
      if (end >= 0) resolve(buffer.slice(0, end));
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  const { url, customers } = JSON.parse(line) as { url: string; customers: SandboxCustomer[] };
  return {
    url,
    customers,
    requests: async () => (await (await fetch(`${url}/__sandbox/requests`)).json()) as RequestLogEntry[],
    close: async () => {
      child.kill("SIGTERM");
    },
  };
}

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RequestLogEntry, SandboxCustomer } from "../../app/demo/posthog-sandbox/server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The sandbox in a child process (as PostHog would be: another machine's CPU). */
export async function startSandboxProcess(bulk: number, latencyMs: number, extra: { shared?: string; throttle?: string } = {}) {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.SANDBOX_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SANDBOX_PROF}`] : []),
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
  // A benchmark that dies must not leave the sandbox holding its port and the terminal.
  process.once("exit", () => child.kill("SIGTERM"));
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
    /** CPU time the sandbox process has used so far (Linux /proc; 0 elsewhere), in ms. */
    cpuMs: () => processCpuMs(child.pid),
    requests: async () => (await (await fetch(`${url}/__sandbox/requests`)).json()) as RequestLogEntry[],
    close: async () => {
      child.kill("SIGTERM");
    },
  };
}

/** utime + stime of a process from /proc (clock ticks of 10 ms on Linux), or 0 where there is none. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/**
 * `delight worker` in a process of its own, as on another machine: the child at once (so a test
 * can always kill it), and `ready` once it has said it works jobs.
 */
export function startWorkerProcess(
  env: Record<string, string>,
  concurrency: number,
): { child: ChildProcess; ready: Promise<ChildProcess> } {
  const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "worker", "--concurrency", String(concurrency)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    child.stdout!.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { child, ready };
}

import os from "node:os";
import { type Config, getConfig } from "./env.server";

/**
 * The niceness to give a process now at `current` that should run at `wanted`, or null to leave
 * it: a process's priority is only ever lowered, so one started under `nice -n 15` keeps 15.
 */
export function nicenessToSet(current: number, wanted: number): number | null {
  return wanted > current ? wanted : null;
}

/**
 * Lowers the CPU priority of a process that serves no page (`npm start`'s scheduled-work process
 * on PostgreSQL, `delight worker`) to DELIGHT_WORKER_NICE. On a machine whose cores the web
 * processes, the database and the refresh share, the operating system then gives a page view the
 * CPU first and the refresh what is left, and a refresh that has the machine to itself is as fast
 * as before (figures: README, Scaling). Returns the niceness the process runs at, or null where
 * the platform refused: that is reported and left, as nothing else depends on it.
 */
export function lowerWorkerPriority(
  log: (line: string) => void = console.error,
  config: Pick<Config, "DELIGHT_WORKER_NICE"> = getConfig(),
): number | null {
  const wanted = config.DELIGHT_WORKER_NICE;
  try {
    const current = os.getPriority();
    const next = nicenessToSet(current, wanted);
    if (next === null) return current;
    os.setPriority(next);
    return next;
  } catch (error) {
    log(`[delight] process ${process.pid} keeps its CPU priority: ${(error as Error).message}`);
    return null;
  }
}

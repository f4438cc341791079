import { type AppContext, openContext } from "./context.server";
import { getConfig } from "./env.server";

let context: Promise<AppContext> | undefined;
let closing = false;
const beforeClose: (() => Promise<void>)[] = [];

/** Runs `stop` before the database closes on the way out (the job queue lets running jobs finish). */
export function onShutdown(stop: () => Promise<void>) {
  beforeClose.push(stop);
}

/**
 * One database and set of secrets per server process, opened (and migrated) on first use.
 * remix-serve does not exit on SIGTERM while PGlite or a pool is open, so this module, which
 * owns the database, closes it on the way out.
 */
export function getContext(): Promise<AppContext> {
  if (!context) {
    context = openContext(getConfig());
    context.catch(() => {
      context = undefined;
    });
    process.once("SIGTERM", () => void shutdown(0));
    process.once("SIGINT", () => void shutdown(0));
  }
  return context;
}

export async function getDb() {
  return (await getContext()).db;
}

async function shutdown(code: number) {
  if (closing) return;
  closing = true;
  try {
    for (const stop of beforeClose.splice(0)) await stop().catch(() => {});
    const ctx = await context;
    await ctx?.dbHandle.close();
  } finally {
    process.exit(code);
  }
}

/** For tests that open several app instances in one process. */
export async function closeContext() {
  const ctx = await context?.catch(() => undefined);
  context = undefined;
  await ctx?.dbHandle.close();
}

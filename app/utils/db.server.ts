import { type AppContext, openContext } from "./context.server";
import { getConfig } from "./env.server";

let context: Promise<AppContext> | undefined;
let closing = false;
let drainRequests: (() => Promise<void>) | undefined;
const beforeClose: (() => Promise<void>)[] = [];

/** Runs `stop` before the database closes on the way out (the job queue lets running jobs finish). */
export function onShutdown(stop: () => Promise<void>) {
  beforeClose.push(stop);
}

/**
 * The first thing done on the way out, before anything `onShutdown` stops: stop taking requests
 * and wait for those in flight (app/server.mjs). A page or form being answered still needs the
 * database and may queue a refresh, so both stay open until it is done.
 */
export function onShutdownDrainRequests(drain: () => Promise<void>) {
  drainRequests = drain;
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
    await drainRequests?.().catch(() => {});
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

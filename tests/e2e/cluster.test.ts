import { readFileSync } from "node:fs";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../setup/cli";
import { serverTestDatabase, type TestDatabase } from "../setup/test-database";
import { type RunningApp, startApp } from "./harness";

// Several web processes need a PostgreSQL server: without TEST_DATABASE_URL this file checks the
// embedded database stays one process even when asked for more.
const onServer = Boolean(process.env.TEST_DATABASE_URL);
let database: TestDatabase | undefined;
let app: RunningApp;

beforeAll(async () => {
  database = await serverTestDatabase();
  app = await startApp({ WEB_CONCURRENCY: "2", ...(database ? { DATABASE_URL: database.env.DATABASE_URL! } : {}) });
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await database?.drop();
});

const servedBy = () => new Set([...app.logs.join("").matchAll(/\[pid (\d+)\]/g)].map((m) => m[1]));
const schedulers = () => [...app.logs.join("").matchAll(/scheduled work and a refresh worker run in process (\d+)/g)].map((m) => m[1]);

describe(`web processes (${onServer ? "postgres" : "pglite"})`, () => {
  test(onServer
    ? "WEB_CONCURRENCY=2 serves one port from two processes; scheduled work runs once, in a process of its own"
    : "the embedded database is served by one process", {
    timeout: 120_000,
  }, async () => {
    // The second process starts once the first listens: ask until both have answered (or enough tries).
    for (let i = 0; i < 200 && servedBy().size < (onServer ? 2 : 1); i++) {
      const res = await fetch(`${app.url}/healthz`, { headers: { Connection: "close" } });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 25));
    }
    for (let i = 0; i < 20; i++) await fetch(`${app.url}/healthz`, { headers: { Connection: "close" } });
    expect(servedBy().size).toBe(onServer ? 2 : 1);
    expect(schedulers()).toHaveLength(1);
    // On a server the refresh does not share an event loop with page views; embedded, one process does all.
    expect(servedBy().has(schedulers()[0])).toBe(!onServer);
    // Where to open delight is said once, however many processes serve it.
    expect(app.logs.join("").match(/\[delight\] http:\/\/localhost:\d+/g) ?? []).toHaveLength(1);
    // The first-run setup code (shared by the processes) is printed once.
    expect(app.logs.join("").match(/setup code [A-Z0-9-]+/g) ?? []).toHaveLength(1);
    // Every web process runs with the larger young generation (app/server.mjs, heapOptions).
    for (const pid of servedBy()) {
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toContain("--max-semi-space-size=64");
    }
    // Page views come first: only a process that serves no page runs at DELIGHT_WORKER_NICE (10).
    for (const pid of servedBy()) expect(os.getPriority(Number(pid))).toBe(0);
    expect(os.getPriority(Number(schedulers()[0]))).toBe(onServer ? 10 : 0);
    if (onServer) {
      // The queue's list of workers: the process for scheduled work, never a web process (they only send).
      // Polled: that process opens its queue once it has logged that it runs scheduled work.
      const workers = async () => {
        const queue = await cli({ DATABASE_URL: database!.env.DATABASE_URL!, DELIGHT_DATA_DIR: app.dataDir }, "queue", "--json");
        expect(queue.stderr).toBe("");
        return queue.json().workers;
      };
      await expect.poll(workers, { timeout: 30_000 }).toEqual([`${os.hostname()} pid ${schedulers()[0]}`]);
    }
  });

  test("a size of the young generation given in NODE_OPTIONS is kept", { timeout: 120_000 }, async () => {
    const own = await startApp({
      NODE_OPTIONS: "--max-semi-space-size=8",
      ...(database ? { DATABASE_URL: database.env.DATABASE_URL!, WEB_CONCURRENCY: "1" } : {}),
    });
    try {
      await fetch(`${own.url}/healthz`, { headers: { Connection: "close" } });
      const [pid] = [...own.logs.join("").matchAll(/\[pid (\d+)\]/g)].map((m) => m[1]);
      expect(pid).toBeTruthy();
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(cmdline.some((a) => a.startsWith("--max-semi-space-size"))).toBe(false);
    } finally {
      await own.stop();
    }
  });
});

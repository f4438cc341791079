import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createPlan, listPlans } from "../../app/models/plans.server";
import * as plans from "../../app/routes/_app.plans";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { openRefreshQueue } from "../../app/utils/refresh-queue.server";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const app = setupTestApp();

describe(`the database goes away under a running app (${process.env.DELIGHT_TEST_DB})`, () => {
  if (process.env.DELIGHT_TEST_DB === "postgres") {
    test("after the server drops every connection (as on a restart), the next request works", async () => {
      const { cookie } = await app.signIn("admin");
      expect((await callAction(plans, "/plans", { name: "Before", monthlyEvents: "10" }, { cookie })).status).toBe(302);
      // Kill every backend of the app's database from outside, which is what a restart does to it.
      const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
      const database = new URL(process.env.DATABASE_URL!).pathname.slice(1);
      const killed =
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
      await admin.end();
      expect(killed.length).toBeGreaterThan(0);
      // postgres.js notices the closed sockets and opens new connections; at most the first query may fail.
      let page = await callLoader(plans, "/plans", { cookie }).catch(() => null);
      if (!page) page = await callLoader(plans, "/plans", { cookie });
      expect(page.data.plans.map((p: { name: string }) => p.name)).toEqual(["Before"]);
      expect((await callAction(plans, "/plans", { name: "After", monthlyEvents: "10" }, { cookie })).status).toBe(302);
    });
  } else {
    test("the embedded database directory is closed and opened again with everything in it", async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-reopen-"));
      const config = loadConfig({ DELIGHT_DATA_DIR: dataDir, DELIGHT_SECRET_KEY: "ab".repeat(32) });
      try {
        const first = await openContext(config);
        await createPlan(first.db, CLI_ACTOR, { name: "Kept", monthlyEvents: 10 });
        await first.dbHandle.close();
        const second = await openContext(config);
        expect((await listPlans(second.db)).map((p) => p.name)).toEqual(["Kept"]);
        await second.dbHandle.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

/*
 * A server on the same machine reached through its Unix socket, with the URL written as libpq
 * reads it. The socket here is a relay to the test server's TCP port, so the test runs wherever
 * TEST_DATABASE_URL does, and it counts the connections that came through the socket.
 */
// Only a server has a socket; the embedded database is a folder (its reopening is tested above).
if (process.env.DELIGHT_TEST_DB === "postgres") {
  describe("DATABASE_URL naming a Unix socket", () => {
    let database: TestDatabase;
    let tcp: URL;
    let dir: string;
    let relay: net.Server;
    let relayed = 0;
    const port = 6543;

    beforeAll(async () => {
      database = await createTestDatabase();
      tcp = new URL(database.env.DATABASE_URL!);
      dir = mkdtempSync(path.join(os.tmpdir(), "delight-socket-"));
      relay = net.createServer((client) => {
        relayed += 1;
        const server = net.connect(Number(tcp.port || 5432), tcp.hostname);
        client.pipe(server).pipe(client);
        client.on("error", () => server.destroy());
        server.on("error", () => client.destroy());
      });
      await new Promise<void>((resolve) => relay.listen(path.join(dir, `.s.PGSQL.${port}`), resolve));
    });

    afterAll(async () => {
      await new Promise((resolve) => relay.close(resolve));
      rmSync(dir, { recursive: true, force: true });
      await database.drop();
    });

    function socketUrl(form: "setting" | "host"): string {
      const user = tcp.username ? `${tcp.username}@` : "";
      return form === "setting"
        ? `postgres://${user}${tcp.pathname}?host=${encodeURIComponent(dir)}&port=${port}`
        : `postgres://${user}${encodeURIComponent(dir)}:${port}${tcp.pathname}`;
    }

    test.each(["setting", "host"] as const)("the app and its job queue connect through it (socket in the %s)", async (form) => {
      const before = relayed;
      const ctx = await openContext(loadConfig({ ...database.env, DATABASE_URL: socketUrl(form) }));
      try {
        await createPlan(ctx.db, CLI_ACTOR, { name: `Through the ${form}`, monthlyEvents: 10 });
        expect((await listPlans(ctx.db)).map((p) => p.name)).toContain(`Through the ${form}`);
        const appConnections = relayed - before;
        expect(appConnections).toBeGreaterThan(0);
        // pg-boss reads the URL with its own driver (libpq's rules); it must reach the same place.
        const queue = await openRefreshQueue(ctx, { log: () => {} });
        try {
          expect(queue.kind).toBe("pg-boss");
          await queue.enqueue([], "test");
        } finally {
          await queue.stop();
        }
        expect(relayed - before).toBeGreaterThan(appConnections);
      } finally {
        await ctx.dbHandle.close();
      }
    });
  });
}

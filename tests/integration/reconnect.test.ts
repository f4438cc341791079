import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createPlan, listPlans } from "../../app/models/plans.server";
import * as plans from "../../app/routes/_app.plans";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

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

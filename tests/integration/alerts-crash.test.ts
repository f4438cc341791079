import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { alertDeliveries, alerts } from "../../db/schema";
import { seedCustomers, seedUser } from "../factories";
import { type SlackReceiver, type SmtpSink, startSlackReceiver, startSmtpSink } from "../setup/alert-sinks";
import { cli } from "../setup/cli";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

/*
 * `delight alerts send` killed with SIGKILL while a message is on its way: after a restart every
 * alert reaches every channel, none is lost, and at most one message per channel is sent twice
 * (the one in flight when the process died).
 */

const ROOT = path.resolve(__dirname, "../..");
const ALERTS = 8;
let database: TestDatabase;
let dataDir: string;
let env: Record<string, string>;
let slack: SlackReceiver;
let smtp: SmtpSink;

beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackReceiver(), startSmtpSink()]);
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-alerts-crash-"));
  env = {
    ...database.env,
    DELIGHT_DATA_DIR: dataDir,
    DELIGHT_SLACK_WEBHOOK_URL: `${slack.url}/team`,
    DELIGHT_SMTP_URL: smtp.url,
  };
  const ctx = await openContext(loadConfig(env));
  const owner = await seedUser(ctx.db, { email: "owner@example.com", name: "Owner", role: "csm" });
  const [customer] = await seedCustomers(ctx.db, ctx.secretKey, [{ name: "Crash Co", ownerId: owner.id }]);
  await ctx.db.insert(alerts).values(
    Array.from({ length: ALERTS }, (_, i) => ({
      customerId: customer!.id,
      kind: "usage_80",
      raisedAt: new Date(Date.now() - (ALERTS - i) * 60_000),
      message: `Crash Co alert ${i + 1}`,
    })),
  );
  // The CLI process below must have the embedded database to itself.
  await ctx.dbHandle.close();
});
afterAll(async () => {
  await Promise.all([slack?.close(), smtp?.close()]);
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const countBy = (keys: (string | null)[]) => {
  const out = new Map<string, number>();
  for (const k of keys) if (k) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
};

describe(`alerts send killed with SIGKILL (${process.env.DELIGHT_TEST_DB})`, () => {
  test("after a restart every alert is delivered to every channel, at most one duplicate per channel", { timeout: 180_000 }, async () => {
    // Slack answers slowly, so the kill lands while a message is in flight.
    slack.setLatency(400);
    const child = spawn(process.execPath, ["--import", "tsx", "app/cli/main.ts", "alerts", "send"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const inFlight = new Promise<void>((resolve) => {
      slack.onRequest = () => {
        if (slack.requests.length === 3) resolve();
      };
    });
    await Promise.race([inFlight, exited]);
    child.kill("SIGKILL");
    await exited;
    slack.onRequest = undefined;
    slack.setLatency(0);
    expect(slack.requests.length).toBe(3);
    const beforeRestart = { slack: slack.requests.length, email: smtp.mails.length };

    const restarted = await cli(env, "alerts", "send", "--json");
    expect(restarted.code).toBe(0);
    expect(restarted.json().pending).toBe(0);

    // (The run may also send this week's digest; only the alerts are counted here.)
    const alertKey = (key: string | null) => (key?.startsWith("alert:") ? key : null);
    const slackKeys = countBy(slack.requests.map((r) => alertKey(r.key)));
    const mailKeys = countBy(smtp.mails.map((m) => alertKey(m.key)));
    // Every alert reached both channels.
    expect(slackKeys.size).toBe(ALERTS);
    expect(mailKeys.size).toBe(ALERTS);
    // At most one message per channel went twice: the one in flight at the kill.
    // (Slack's third message was in flight, so it is the one sent twice.)
    expect([...slackKeys.values()].filter((n) => n > 1).length).toBe(1);
    expect([...mailKeys.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    expect(Math.max(...slackKeys.values(), ...mailKeys.values())).toBeLessThanOrEqual(2);
    expect(slack.requests.length).toBeGreaterThan(beforeRestart.slack);

    const ctx = await openContext(loadConfig(env));
    try {
      const rows = (await ctx.db.select().from(alertDeliveries)).filter((r) => r.alertId !== null);
      expect(rows).toHaveLength(2 * ALERTS);
      expect(rows.every((r) => r.status === "sent")).toBe(true);
    } finally {
      await ctx.dbHandle.close();
    }
  });
});

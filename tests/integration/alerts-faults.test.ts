import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { channelProblems } from "../../app/models/alert-settings.server";
import { createChannels } from "../../app/utils/alert-channels.server";
import { MAX_ATTEMPTS, type SenderDeps, sendAlerts } from "../../app/utils/alert-sender.server";
import { fingerprint } from "../../app/utils/webhook-url.server";
import { alertChannelStatus, alertDeliveries, alerts } from "../../db/schema";
import { seedCustomers, seedUser } from "../factories";
import { fakeClock, type SlackReceiver, type SmtpSink, startSlackReceiver, startSmtpSink } from "../setup/alert-sinks";
import { setupTestApp } from "../setup/test-app";

/*
 * Delivery when the other side misbehaves: Slack's 429 with Retry-After, 5xx, time-outs and
 * 404; a mail server refusing for a while or for good. Retries wait on an injected clock, so
 * "after ≥ 2 s" is measured on that clock rather than by waiting.
 */

const app = setupTestApp();
let clock = fakeClock();
let slack: SlackReceiver;
let smtp: SmtpSink;
let owned: { id: number };
let unowned: { id: number };

function deps(options: { team?: string; smtpUrl?: string; timeoutMs?: number } = {}): SenderDeps {
  const smtpUrl = options.smtpUrl ?? smtp.url;
  return {
    db: app.ctx.db,
    secretKey: app.ctx.secretKey,
    config: { ...app.ctx.config, DELIGHT_SLACK_WEBHOOK_URL: options.team ?? `${slack.url}/team`, DELIGHT_SMTP_URL: smtpUrl },
    channels: createChannels({ smtpUrl, from: "delight <alerts@example.com>", allowPrivate: true, timeoutMs: options.timeoutMs ?? 2000 }),
    now: clock.now,
    sleep: clock.sleep,
  };
}
const send = (d: SenderDeps, waitMs = 3_600_000) => sendAlerts(d, { waitMs, digest: "skip" });

/** `stale` goes to the team channel and the owner's e-mail; on the unowned customer, to the team channel only. */
async function raise(customerId: number, message = "Faulty Co has had no successful refresh for 4 days") {
  const [row] = await app.ctx.db.insert(alerts).values({ customerId, kind: "stale", raisedAt: clock.now(), message }).returning();
  return row!;
}

beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackReceiver(() => clock.ms()), startSmtpSink()]);
  const owner = await seedUser(app.ctx.db, { email: "owner@example.com", name: "Owner", role: "csm" });
  [owned, unowned] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Owned Co", ownerId: owner.id }, { name: "Unowned Co" }]);
});
afterAll(async () => {
  await Promise.all([slack?.close(), smtp?.close()]);
});
beforeEach(async () => {
  clock = fakeClock(new Date("2025-06-04T12:00:00Z"));
  await app.ctx.db.delete(alertDeliveries);
  await app.ctx.db.delete(alerts);
  await app.ctx.db.delete(alertChannelStatus);
  slack.requests.length = 0;
  smtp.mails.length = 0;
});

describe(`alert delivery faults (${process.env.DELIGHT_TEST_DB})`, () => {
  test("Slack 429 with Retry-After: 2, then 200: one message, sent 2 s after the first try", async () => {
    await raise(unowned.id);
    slack.script("/team", [{ status: 429, headers: { "Retry-After": "2" }, body: "rate_limited" }]);
    const report = await send(deps());
    expect(slack.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(slack.delivered()).toHaveLength(1);
    expect(slack.requests[1]!.at - slack.requests[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(clock.sleeps).toEqual([2000]);
    expect(report.deliveries).toEqual([expect.objectContaining({ status: "sent", attempts: 2 })]);
  });

  test("Slack 500 three times, then 200: backs off 1, 2, 4 s and delivers once", async () => {
    await raise(unowned.id);
    slack.script("/team", [{ status: 500 }, { status: 502 }, { status: 503 }]);
    await send(deps());
    expect(slack.requests.map((r) => r.status)).toEqual([500, 502, 503, 200]);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    const [row] = await app.ctx.db.select().from(alertDeliveries);
    expect(row).toMatchObject({ status: "sent", attempts: 4 });
  });

  test("a Slack time-out is retried like a 5xx", async () => {
    await raise(unowned.id);
    slack.script("/team", [{ status: 200, hangMs: 1500 }]);
    await send(deps({ timeoutMs: 300 }));
    expect(slack.requests).toHaveLength(2);
    const [row] = await app.ctx.db.select().from(alertDeliveries);
    expect(row).toMatchObject({ status: "sent", attempts: 2 });
  });

  test("5xx forever: gives up after a bounded number of attempts", async () => {
    await raise(unowned.id);
    slack.script(
      "/team",
      Array.from({ length: 20 }, () => ({ status: 500 })),
    );
    const report = await send(deps());
    expect(slack.requests).toHaveLength(MAX_ATTEMPTS);
    expect(report.deliveries[0]).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^gave up after 8 attempts: Slack answered 500/),
    });
  });

  test("Slack 404: the channel is marked broken (shown in Settings), nothing is retried, a new address works again", async () => {
    await raise(unowned.id);
    slack.script("/team", [{ status: 404, body: "no_service" }]);
    const report = await send(deps());
    expect(slack.requests).toHaveLength(1);
    expect(report.deliveries[0]).toMatchObject({ status: "failed", error: "Slack answered 404: no_service; check the webhook URL" });
    const team = `${slack.url}/team`;
    expect(await channelProblems(app.ctx.db, { "slack:team": team })).toEqual([
      { channel: "slack:team", since: clock.now().toISOString(), reason: "Slack answered 404: no_service; check the webhook URL" },
    ]);

    // Later alerts to that channel fail at once, without calling Slack; nothing is left pending.
    clock.advance(3_600_000);
    await raise(unowned.id);
    const later = await send(deps());
    expect(later.deliveries[0]).toMatchObject({ status: "failed", error: expect.stringMatching(/^channel broken since/) });
    expect(slack.requests).toHaveLength(1);
    expect((await app.ctx.db.select().from(alertDeliveries).where(eq(alertDeliveries.status, "pending"))).length).toBe(0);

    // A different webhook address is not the one that broke.
    expect(await channelProblems(app.ctx.db, { "slack:team": `${slack.url}/fixed` })).toEqual([]);
    await raise(unowned.id);
    expect((await send(deps({ team: `${slack.url}/fixed` }))).deliveries[0]).toMatchObject({ status: "sent" });
    expect(slack.delivered("/fixed")).toHaveLength(1);
    const [status] = await app.ctx.db.select().from(alertChannelStatus);
    expect(status!.fingerprint).toBe(fingerprint(team));
  });

  test("the mail server refusing for a while (451), then accepting: one e-mail", async () => {
    await raise(owned.id);
    smtp.refuse(2, 451);
    await send(deps());
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(["owner@example.com"]);
    const email = (await app.ctx.db.select().from(alertDeliveries)).find((d) => d.channel === "email")!;
    expect(email).toMatchObject({ status: "sent", attempts: 3 });
  });

  test("a recipient refused for good (550) fails that e-mail only, without retries or a broken channel", async () => {
    await raise(owned.id);
    smtp.refuse(1, 550);
    const report = await send(deps());
    const email = report.deliveries.find((d) => d.channel === "email")!;
    expect(email).toMatchObject({ status: "failed", attempts: 1, error: expect.stringContaining("refused the message") });
    expect(await app.ctx.db.select().from(alertChannelStatus)).toEqual([]);
    await raise(owned.id);
    await send(deps());
    expect(smtp.mails).toHaveLength(1);
  });

  test("no mail server listening: retried with back-off, then given up (bounded), and sent by a later run once it is back", async () => {
    await raise(owned.id);
    const closed = "smtp://127.0.0.1:9";
    const report = await send(deps({ smtpUrl: closed }), 10_000);
    const email = report.deliveries.find((d) => d.channel === "email")!;
    expect(email).toMatchObject({ status: "pending", error: expect.stringContaining("Could not send e-mail") });
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    // The next run (cron, or the server's next pass) finds the server back.
    clock.advance(60_000);
    await send(deps());
    expect(smtp.mails).toHaveLength(1);
  });
});

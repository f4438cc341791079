import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { saveAlertRoutes, saveUserPreferences } from "../../app/models/alert-settings.server";
import { acknowledgeAlert, listAlerts, silenceAlert, unreadCount, unsilence } from "../../app/models/alerts.server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createApiToken } from "../../app/models/tokens.server";
import * as apiAlerts from "../../app/routes/api.alerts";
import { createChannels } from "../../app/utils/alert-channels.server";
import { queueDigests, type SenderDeps, sendAlerts } from "../../app/utils/alert-sender.server";
import { alertDeliveries, alertSilences, alerts, currentHealth, customers, healthScores } from "../../db/schema";
import { seedCustomers, seedHealth, seedUser } from "../factories";
import { fakeClock, type SlackReceiver, type SmtpSink, startSlackReceiver, startSmtpSink } from "../setup/alert-sinks";
import { cli } from "../setup/cli";
import { callLoader, setupTestApp } from "../setup/test-app";

/*
 * Where alerts go: the team Slack channel, an owner's own Slack, the owner's e-mail, and the
 * weekly digest, as admins route them and users choose; snoozes and mutes hold deliveries back;
 * the CLI and the API list and acknowledge. Against a local Slack receiver and SMTP sink.
 */

const app = setupTestApp();
const PUBLIC = "https://delight.example.com";
let slack: SlackReceiver;
let smtp: SmtpSink;
let ann: { id: number; email: string };
let bob: { id: number; email: string };
let annCo: { id: number; slug: string };
let bobCo: { id: number; slug: string };
let nobodyCo: { id: number; slug: string };
const captured: { kind: string; slug: string }[] = [];

function deps(clock?: ReturnType<typeof fakeClock>): SenderDeps {
  return {
    db: app.ctx.db,
    secretKey: app.ctx.secretKey,
    config: {
      ...app.ctx.config,
      DELIGHT_SLACK_WEBHOOK_URL: `${slack.url}/team`,
      DELIGHT_SMTP_URL: smtp.url,
      DELIGHT_PUBLIC_URL: PUBLIC,
    },
    channels: createChannels({ smtpUrl: smtp.url, from: "delight <alerts@example.com>", allowPrivate: true, timeoutMs: 2000 }),
    now: clock?.now,
    sleep: clock?.sleep,
    onAlert: (a) => captured.push({ kind: a.kind, slug: a.slug }),
  };
}

/** The alerts' deliveries only (the weekly digest has its own test). */
const send = (d: SenderDeps) => sendAlerts(d, { digest: "skip" });
/** Each alert's delivery statuses, e.g. { 12: ["sent"] }. */
const statuses = (report: Awaited<ReturnType<typeof sendAlerts>>) => {
  const out: Record<number, string[]> = {};
  for (const d of report.deliveries) out[d.alertId!] = [...new Set([...(out[d.alertId!] ?? []), d.status])];
  return out;
};

/** An alert row as the writer inserts it. */
async function raise(customerId: number, kind: string, message: string, raisedAt = new Date()) {
  const [row] = await app.ctx.db.insert(alerts).values({ customerId, kind, raisedAt, message }).returning();
  return row!;
}

beforeAll(async () => {
  [slack, smtp] = await Promise.all([startSlackReceiver(), startSmtpSink()]);
  ann = await seedUser(app.ctx.db, { email: "ann@example.com", name: "Ann", role: "csm" });
  bob = await seedUser(app.ctx.db, { email: "bob@example.com", name: "Bob", role: "csm" });
  // Bob wants Slack, not e-mail.
  await saveUserPreferences(
    app.ctx.db,
    bob,
    { email: false, digest: true, emailAddress: "", slack: `${slack.url}/bob`, removeSlack: false },
    { secretKey: app.ctx.secretKey, allowPrivate: true },
  );
  [annCo, bobCo, nobodyCo] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [
    { name: "Ann Co", ownerId: ann.id },
    { name: "Bob Co", ownerId: bob.id },
    { name: "Nobody Co" },
  ]);
});
afterAll(async () => {
  await Promise.all([slack?.close(), smtp?.close()]);
});
beforeEach(async () => {
  await app.ctx.db.delete(alertDeliveries);
  await app.ctx.db.delete(alerts);
  await app.ctx.db.delete(alertSilences);
  slack.requests.length = 0;
  smtp.mails.length = 0;
  captured.length = 0;
});

describe(`alert delivery (${process.env.DELIGHT_TEST_DB})`, () => {
  test("each alert goes to the channels its kind is routed to, once, with a button to the customer", async () => {
    const a1 = await raise(annCo.id, "usage_80", "Ann Co is at 87 % of Growth 1M, projected 104 % by 30 Nov");
    const a2 = await raise(bobCo.id, "band_drop", "Bob Co fell from healthy to concerning (score 72 → 55)");
    // catchup_overdue is not routed to the team channel by default.
    const a3 = await raise(annCo.id, "catchup_overdue", "Ann Co has never had a catch-up and none is scheduled");
    const a4 = await raise(nobodyCo.id, "stale", "Nobody Co has had no successful refresh for 4 days");

    const report = await send(deps());
    expect(report.planned).toBe(4);
    expect(report.deliveries.every((d) => d.status === "sent")).toBe(true);

    expect(slack.delivered("/team").map((r) => r.key)).toEqual([
      `alert:${a1.id}:slack:team`,
      `alert:${a2.id}:slack:team`,
      `alert:${a4.id}:slack:team`,
    ]);
    expect(slack.delivered("/bob").map((r) => r.key)).toEqual([`alert:${a2.id}:slack:user:${bob.id}`]);
    expect(smtp.mails.map((m) => [m.to, m.key])).toEqual([
      [["ann@example.com"], `alert:${a1.id}:email:${ann.id}`],
      [["ann@example.com"], `alert:${a3.id}:email:${ann.id}`],
    ]);

    const message = slack.delivered("/team")[0]!.body;
    expect(message.text).toBe(a1.message);
    expect(message.blocks[0].text.text).toContain("87 % of Growth 1M");
    expect(message.blocks[1].elements[0]).toMatchObject({
      type: "button",
      url: `${PUBLIC}/customers/${annCo.slug}`,
      text: { text: "Open Ann Co" },
    });
    expect(smtp.mails[0]!.subject).toBe(`[delight] ${a1.message}`);
    expect(smtp.mails[0]!.text).toContain(`${PUBLIC}/customers/${annCo.slug}`);
    expect(captured).toEqual([
      { kind: "usage_80", slug: annCo.slug },
      { kind: "band_drop", slug: bobCo.slug },
      { kind: "catchup_overdue", slug: annCo.slug },
      { kind: "stale", slug: nobodyCo.slug },
    ]);

    // Nothing is planned or sent twice.
    const again = await send(deps());
    expect(again).toMatchObject({ planned: 0, deliveries: [] });
    expect(slack.requests).toHaveLength(4);
    expect(smtp.mails).toHaveLength(2);
  });

  test("an archived customer's alerts go to no channel, not even after it is unarchived", async () => {
    await app.ctx.db.update(customers).set({ archivedAt: new Date() }).where(eq(customers.id, annCo.id));
    try {
      await raise(annCo.id, "usage_80", "Ann Co is at 87 % of Growth 1M");
      const report = await send(deps());
      expect(report.planned).toBe(1);
      expect(report.deliveries).toEqual([]);
      expect(captured).toEqual([]);
    } finally {
      await app.ctx.db.update(customers).set({ archivedAt: null }).where(eq(customers.id, annCo.id));
    }
    expect(await send(deps())).toMatchObject({ planned: 0, deliveries: [] });
    expect(slack.requests).toHaveLength(0);
    expect(smtp.mails).toHaveLength(0);
  });

  test("admins choose which kinds go where; a user who turns e-mail off gets none", async () => {
    const form = new FormData();
    form.set("scoreDropPoints", "15");
    form.set("staleDays", "3");
    // usage_80: owner's e-mail only.
    form.set("route:usage_80:email", "on");
    await saveAlertRoutes(app.ctx.db, CLI_ACTOR, form);
    try {
      await raise(annCo.id, "usage_80", "Ann Co is at 90 % of Growth 1M");
      await raise(annCo.id, "band_drop", "Ann Co fell from healthy to poor (score 80 → 30)");
      await send(deps());
      expect(slack.requests).toEqual([]);
      expect(smtp.mails.map((m) => m.subject)).toEqual(["[delight] Ann Co is at 90 % of Growth 1M"]);
    } finally {
      await app.ctx.db.execute(sql`delete from alert_settings`);
    }
  });

  test("the navigation count: an owner's open alerts, everyone's for someone who owns none, and no further than the cap", async () => {
    const carol = await seedUser(app.ctx.db, { email: "carol@example.com", name: "Carol", role: "viewer" });
    for (let i = 0; i < 3; i++) await raise(annCo.id, "usage_drop", `Ann Co drop ${i}`);
    await raise(bobCo.id, "usage_80", "Bob Co is at 80 %");
    await raise(nobodyCo.id, "stale", "Nobody Co is stale");
    const handled = await raise(annCo.id, "band_drop", "Ann Co fell");
    await acknowledgeAlert(app.ctx.db, CLI_ACTOR, handled.id);
    expect(await unreadCount(app.ctx.db, ann.id)).toEqual({ count: 3, scope: "mine" });
    expect(await unreadCount(app.ctx.db, bob.id)).toEqual({ count: 1, scope: "mine" });
    expect(await unreadCount(app.ctx.db, carol.id)).toEqual({ count: 5, scope: "all" });
    expect(await unreadCount(app.ctx.db, carol.id, new Date(), { cap: 4 })).toEqual({ count: 4, scope: "all" });
    expect(await unreadCount(app.ctx.db, ann.id, new Date(), { cap: 2 })).toEqual({ count: 2, scope: "mine" });
    expect(await unreadCount(app.ctx.db, bob.id, new Date(), { cap: 2 })).toEqual({ count: 1, scope: "mine" });
  });

  test("a snoozed or muted kind is neither delivered nor shown, until the snooze ends or it is unmuted", async () => {
    const clock = fakeClock(new Date("2025-06-02T10:00:00Z"));
    const first = await raise(annCo.id, "usage_drop", "Ann Co has sent no events for 3 days", clock.now());
    await send(deps(clock));
    expect(smtp.mails).toHaveLength(1);

    await silenceAlert(app.ctx.db, CLI_ACTOR, first.id, 7, clock.now());
    expect((await listAlerts(app.ctx.db, { all: false }, { now: clock.now() })).map((a) => a.id)).toEqual([]);
    expect((await unreadCount(app.ctx.db, ann.id, clock.now())).count).toBe(0);
    clock.advance(86_400_000);
    const during = await raise(annCo.id, "usage_drop", "Ann Co sent 10 events in the last 7 days, under half", clock.now());
    const other = await raise(annCo.id, "usage_80", "Ann Co is at 80 % of Growth 1M", clock.now());
    expect(statuses(await send(deps(clock)))).toEqual({ [during.id]: ["skipped"], [other.id]: ["sent"] });
    expect((await listAlerts(app.ctx.db, { all: false }, { now: clock.now() })).map((a) => a.id)).toEqual([other.id]);
    expect((await listAlerts(app.ctx.db, { all: true }, { now: clock.now() })).map((a) => a.id)).toEqual([other.id, during.id, first.id]);

    // Seven days after the snooze the kind is back: open alerts show again and new ones are sent.
    clock.advance(7 * 86_400_000);
    expect((await listAlerts(app.ctx.db, { all: false }, { now: clock.now() })).map((a) => a.id)).toEqual([other.id, during.id, first.id]);
    // The navigation count agrees with the list at every step.
    expect(await unreadCount(app.ctx.db, ann.id, clock.now())).toEqual({ count: 3, scope: "mine" });
    const after = await raise(annCo.id, "usage_drop", "Ann Co has sent no events for 3 days", clock.now());
    expect(statuses(await send(deps(clock)))).toEqual({ [after.id]: ["sent"] });

    // A mute has no end until someone unmutes.
    await silenceAlert(app.ctx.db, CLI_ACTOR, after.id, null, clock.now());
    clock.advance(365 * 86_400_000);
    const muted = await raise(annCo.id, "usage_drop", "Ann Co has sent no events for 3 days", clock.now());
    expect(statuses(await send(deps(clock)))).toEqual({ [muted.id]: ["skipped"] });
    expect(await unreadCount(app.ctx.db, ann.id, clock.now())).toEqual({ count: 1, scope: "mine" });
    await unsilence(app.ctx.db, CLI_ACTOR, annCo.id, "usage_drop");
    const unmuted = await raise(annCo.id, "usage_drop", "Ann Co has sent no events for 3 days", clock.now());
    expect(statuses(await send(deps(clock)))).toEqual({ [unmuted.id]: ["sent"] });
  });

  test("the weekly digest lists each owner's customers that changed band, crossed 80 %, are overdue or stale", async () => {
    const monday = new Date("2025-06-02T09:00:00Z");
    const week = 7 * 86_400_000;
    const [slipping, crossed, overdue, stale, quiet] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [
      { name: "Digest Slipping", ownerId: ann.id },
      { name: "Digest Crossed", ownerId: ann.id },
      { name: "Digest Overdue", ownerId: ann.id },
      { name: "Digest Stale", ownerId: ann.id },
      { name: "Digest Quiet", ownerId: ann.id },
    ]);
    // Healthy a week and a half ago, poor now; the quiet one kept its band.
    await seedHealth(app.ctx.db, slipping!.id, {
      history: [
        { at: new Date(monday.getTime() - 10 * 86_400_000), score: 80 },
        { at: new Date(monday.getTime() - 86_400_000), score: 30 },
      ],
    });
    await seedHealth(app.ctx.db, quiet!.id, {
      history: [
        { at: new Date(monday.getTime() - 10 * 86_400_000), score: 80 },
        { at: new Date(monday.getTime() - 86_400_000), score: 82 },
      ],
    });
    await raise(crossed!.id, "usage_80", "Digest Crossed is at 85 % of Growth 1M", new Date(monday.getTime() - 2 * 86_400_000));
    await raise(quiet!.id, "usage_80", "Digest Quiet crossed long ago", new Date(monday.getTime() - 20 * 86_400_000));
    const signals = (id: number, patch: Record<string, boolean>) =>
      app.ctx.db
        .update(currentHealth)
        .set({ signals: { v: 1, ...patch } })
        .where(eq(currentHealth.customerId, id));
    await signals(overdue!.id, { catchupOverdue: true });
    await signals(stale!.id, { stale: true });
    // Only the digests: the alerts above were already delivered.
    await app.ctx.db.update(alerts).set({ plannedAt: monday });

    // Monday 07:00: not yet. 09:00: once for the week.
    const clock = fakeClock(new Date(monday.getTime() - 2 * 3_600_000));
    expect(await queueDigests(deps(clock))).toBe(0);
    clock.advance(2 * 3_600_000);
    expect(await queueDigests(deps(clock))).toBeGreaterThan(0);
    expect(await queueDigests(deps(clock))).toBe(0);
    await sendAlerts(deps(clock));

    const annDigest = smtp.mails.find((m) => m.to.includes("ann@example.com"))!;
    expect(annDigest.key).toBe(`digest:2025-06-02:${ann.id}:email`);
    expect(annDigest.subject).toBe("[delight] Weekly digest: 4 customers to look at (week of 2025-06-02)");
    for (const name of ["Digest Slipping", "Digest Crossed", "Digest Overdue", "Digest Stale"]) expect(annDigest.text).toContain(name);
    expect(annDigest.text).not.toContain("Digest Quiet");
    expect(annDigest.text).toContain("healthy → poor");
    expect(annDigest.text).toContain("Digest Crossed is at 85 % of Growth 1M");
    expect(annDigest.text).not.toContain("Ann Co");
    // Bob's customers have nothing to report: no digest for him, in any channel.
    expect(slack.requests.filter((r) => r.path === "/bob")).toEqual([]);

    // The next week queues again.
    clock.advance(week);
    expect(await queueDigests(deps(clock))).toBeGreaterThan(0);
    await app.ctx.db.delete(healthScores).where(eq(healthScores.customerId, slipping!.id));
  });

  test("CLI and API: list with filters in the same shape, acknowledge", async () => {
    const a1 = await raise(annCo.id, "usage_80", "Ann Co is at 87 % of Growth 1M", new Date("2025-06-01T10:00:00Z"));
    const a2 = await raise(bobCo.id, "stale", "Bob Co has had no successful refresh for 4 days", new Date("2025-06-02T10:00:00Z"));
    const list = (await cli({ context: app.ctx }, "alerts", "--json")).json();
    expect(list).toEqual([
      { id: a2.id, customer: bobCo.slug, kind: "stale", raisedAt: "2025-06-02T10:00:00.000Z", message: a2.message, acknowledgedAt: null },
      {
        id: a1.id,
        customer: annCo.slug,
        kind: "usage_80",
        raisedAt: "2025-06-01T10:00:00.000Z",
        message: a1.message,
        acknowledgedAt: null,
      },
    ]);
    expect((await cli({ context: app.ctx }, "alerts", "--json", "--customer", annCo.slug)).json().map((a: { id: number }) => a.id)).toEqual(
      [a1.id],
    );
    expect((await cli({ context: app.ctx }, "alerts", "--json", "--kind", "stale")).json().map((a: { id: number }) => a.id)).toEqual([
      a2.id,
    ]);

    const acked = await cli({ context: app.ctx }, "alerts", "ack", String(a1.id));
    expect(acked).toMatchObject({ code: 0, stdout: `Alert ${a1.id} acknowledged.` });
    expect((await cli({ context: app.ctx }, "alerts", "--json")).json().map((a: { id: number }) => a.id)).toEqual([a2.id]);
    const all = (await cli({ context: app.ctx }, "alerts", "--json", "--all")).json();
    expect(all.find((a: { id: number }) => a.id === a1.id).acknowledgedAt).toMatch(/^\d{4}-/);

    expect(await cli({ context: app.ctx }, "alerts", "--kind", "nope")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("Kind must be one of usage_80"),
    });
    expect(await cli({ context: app.ctx }, "alerts", "ack", "999999")).toMatchObject({ code: 1, stderr: "No alert with id 999999" });
    expect(await cli({ context: app.ctx }, "alerts", "ack", "x")).toMatchObject({ code: 2 });

    const { token } = await createApiToken(app.ctx.db, CLI_ACTOR, ann.id, { name: "alerts" });
    const headers = { Authorization: `Bearer ${token}` };
    const api = await callLoader(apiAlerts, "/api/alerts?all=1", { headers });
    expect(api.status).toBe(200);
    expect(api.data.alerts).toEqual(all);
    expect(
      (await callLoader(apiAlerts, `/api/alerts?customer=${bobCo.slug}`, { headers })).data.alerts.map((a: { id: number }) => a.id),
    ).toEqual([a2.id]);
    expect(await callLoader(apiAlerts, "/api/alerts?kind=usage_200", { headers })).toMatchObject({ status: 400 });
    expect(await callLoader(apiAlerts, "/api/alerts?all=maybe", { headers })).toMatchObject({ status: 400 });
    expect(await callLoader(apiAlerts, "/api/alerts")).toMatchObject({ status: 401 });

    // Acknowledging twice keeps the first time.
    const first = await acknowledgeAlert(app.ctx.db, CLI_ACTOR, a2.id, new Date("2025-06-03T00:00:00Z"));
    const second = await acknowledgeAlert(app.ctx.db, { id: null, name: "someone else" }, a2.id, new Date("2025-06-04T00:00:00Z"));
    expect(second.acknowledgedAt).toEqual(first.acknowledgedAt);
  });
});

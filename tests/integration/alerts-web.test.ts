import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import * as layout from "../../app/routes/_app";
import * as inboxRoute from "../../app/routes/_app.alerts";
import * as settingsRoute from "../../app/routes/_app.settings";
import { alertPreferences, alertSettings, alerts, auditLog } from "../../db/schema";
import { seedCustomers } from "../factories";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

/*
 * The inbox and the alert settings through their loaders and actions: who sees what, the unread
 * count in the navigation, acknowledging, snoozing and muting, and who may change where alerts go.
 */

const app = setupTestApp();
let admin: Awaited<ReturnType<typeof app.signIn>>;
let csm: Awaited<ReturnType<typeof app.signIn>>;
let viewer: Awaited<ReturnType<typeof app.signIn>>;
let mine: { id: number; slug: string };
let theirs: { id: number; slug: string };
const ids: Record<string, number> = {};

beforeAll(async () => {
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
  viewer = await app.signIn("viewer");
  [mine, theirs] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [
    { name: "Mine Co", ownerId: csm.userId },
    { name: "Theirs Co", ownerId: admin.userId },
  ]);
  const raise = async (customerId: number, kind: string, message: string) => {
    const [row] = await app.ctx.db.insert(alerts).values({ customerId, kind, message, raisedAt: new Date() }).returning();
    return row!.id;
  };
  ids.usage = await raise(mine.id, "usage_80", "Mine Co is at 87 % of Growth 1M");
  ids.stale = await raise(mine.id, "stale", "Mine Co has had no successful refresh for 4 days");
  ids.band = await raise(mine.id, "band_drop", "Mine Co fell from healthy to concerning (score 72 → 55)");
  ids.theirs = await raise(theirs.id, "usage_drop", "Theirs Co has sent no events for 3 days");
});

const unread = async (cookie: string) => (await callLoader(layout, "/alerts", { cookie })).data.unread;
const inbox = async (cookie: string, query = "") => (await callLoader(inboxRoute, `/alerts${query}`, { cookie })).data;
const press = (cookie: string, form: Record<string, string>) => callAction(inboxRoute, "/alerts", form, { cookie });

describe(`the alert inbox (${process.env.DELIGHT_TEST_DB})`, () => {
  test("a csm sees their customers' open alerts first, the count in the navigation matches; all customers on request", async () => {
    expect(await unread(csm.cookie)).toBe(3);
    const view = await inbox(csm.cookie);
    expect(view.filters).toEqual({ scope: "mine", view: "open", kind: null });
    expect(view.alerts.map((a: { id: number }) => a.id)).toEqual([ids.band, ids.stale, ids.usage]);
    expect(view.alerts[0]).toMatchObject({ slug: mine.slug, label: "Band fell", acknowledged: null, silence: null });
    expect((await inbox(csm.cookie, "?scope=all")).alerts).toHaveLength(4);
    expect((await inbox(csm.cookie, "?scope=all&kind=usage_drop")).alerts.map((a: { id: number }) => a.id)).toEqual([ids.theirs]);
    // A nonsense filter falls back to the default instead of failing.
    expect((await inbox(csm.cookie, "?kind=nope&view=x")).filters).toEqual({ scope: "mine", view: "open", kind: null });
    // A viewer owns nothing: everyone's alerts.
    expect(await unread(viewer.cookie)).toBe(4);
  });

  test("acknowledge, snooze 7 / 30 days and mute each take the alert out of the open list and the count", async () => {
    expect(await press(csm.cookie, { intent: "ack", id: String(ids.usage) })).toMatchObject({
      status: 200,
      data: { ok: true, message: "Acknowledged" },
    });
    expect(await unread(csm.cookie)).toBe(2);
    const snoozed = await press(csm.cookie, { intent: "snooze-7", id: String(ids.stale) });
    expect(snoozed.data.message).toMatch(/^Snoozed "Stale data" for this customer until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    const muted = await press(csm.cookie, { intent: "mute", id: String(ids.band) });
    expect(muted.data.message).toBe('Muted "Band fell" for this customer');
    expect(await unread(csm.cookie)).toBe(0);
    const view = await inbox(csm.cookie);
    expect(view.alerts).toEqual([]);
    expect(view.silences.map((s: { kind: string; until: string | null }) => [s.kind, s.until === null])).toEqual([
      ["band_drop", true],
      ["stale", false],
    ]);
    const history = await inbox(csm.cookie, "?view=history");
    expect(history.alerts.find((a: { id: number }) => a.id === ids.usage).acknowledged.by).toBe(csm.email);

    expect(await press(csm.cookie, { intent: "unmute", customerId: String(mine.id), kind: "band_drop" })).toMatchObject({ status: 200 });
    expect(await unread(csm.cookie)).toBe(1);
    const audit = await app.ctx.db.select().from(auditLog).where(eq(auditLog.actor, csm.email));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["alert.acknowledge", "alert.snooze", "alert.mute", "alert.unmute"]));
  });

  test("viewers cannot change alerts; bad input is a 400 that changes nothing", async () => {
    expect(await press(viewer.cookie, { intent: "ack", id: String(ids.theirs) })).toMatchObject({ status: 403 });
    expect((await press(csm.cookie, { intent: "ack", id: "abc" })).status).toBe(400);
    expect((await press(csm.cookie, { intent: "explode", id: String(ids.theirs) })).status).toBe(400);
    expect((await press(csm.cookie, { intent: "unmute", customerId: String(mine.id), kind: "nope" })).status).toBe(400);
    expect(await press(csm.cookie, { intent: "ack", id: "999999" })).toMatchObject({
      status: 400,
      data: { errors: { id: "That alert no longer exists" } },
    });
    expect(
      await callAction(
        inboxRoute,
        "/alerts",
        { intent: "ack", id: String(ids.theirs) },
        { cookie: csm.cookie, origin: "https://evil.example" },
      ),
    ).toMatchObject({
      status: 403,
    });
    const [row] = await app.ctx.db.select().from(alerts).where(eq(alerts.id, ids.theirs));
    expect(row!.acknowledgedAt).toBeNull();
  });
});

describe(`alert settings (${process.env.DELIGHT_TEST_DB})`, () => {
  const save = (cookie: string, form: Record<string, string>) => callAction(settingsRoute, "/settings", form, { cookie });

  test("admins route kinds to channels and set thresholds; others get 403", async () => {
    const form = {
      intent: "alert-routes",
      scoreDropPoints: "20",
      staleDays: "5",
      "route:usage_80:email": "on",
      "route:digest:slackOwner": "on",
    };
    expect(await save(csm.cookie, form)).toMatchObject({ status: 403 });
    expect(await save(admin.cookie, form)).toMatchObject({ status: 200, data: { ok: true, message: "Saved where alerts go" } });
    const view = (await callLoader(settingsRoute, "/settings", { cookie: csm.cookie })).data.alerts;
    expect(view.thresholds).toEqual({ scoreDropPoints: 20, staleDays: 5 });
    const usage = view.routes.find((r: { row: string }) => r.row === "usage_80");
    expect(usage.channels).toEqual([
      { channel: "slackTeam", on: false },
      { channel: "slackOwner", on: false },
      { channel: "email", on: true },
    ]);
    const bad = await save(admin.cookie, { intent: "alert-routes", scoreDropPoints: "0", staleDays: "x" });
    expect(bad).toMatchObject({
      status: 400,
      data: { errors: { scoreDropPoints: "Score drop points must be 1–100", staleDays: "Enter Stale days as a whole number" } },
    });
    const [row] = await app.ctx.db.select().from(alertSettings);
    expect(row).toMatchObject({ scoreDropPoints: 20, staleDays: 5 });
  });

  test("the team Slack webhook follows the PostHog host rules, is stored sealed and shown only as a hint", async () => {
    const refused = await save(admin.cookie, { intent: "alert-slack", teamSlack: "https://hooks.example.com" });
    expect(refused).toMatchObject({ status: 400 });
    expect(refused.data.errors.teamSlack).toMatch(/^Enter a Slack incoming-webhook URL/);
    expect(refused.data.values.teamSlack).toBeUndefined();
    const url = "https://hooks.slack.com/services/T000/B000/abcdefgh1234";
    expect(await save(admin.cookie, { intent: "alert-slack", teamSlack: url })).toMatchObject({
      status: 200,
      data: { message: "Team Slack channel set (hooks.slack.com/…1234)" },
    });
    const [row] = await app.ctx.db.select().from(alertSettings);
    expect(row!.teamSlackEncrypted).not.toContain("abcdefgh");
    const page = await callLoader(settingsRoute, "/settings", { cookie: admin.cookie });
    expect(JSON.stringify(page.data)).not.toContain("abcdefgh");
    expect(page.data.alerts.teamSlack).toEqual({ source: "settings", hint: "hooks.slack.com/…1234" });
    expect(await save(csm.cookie, { intent: "alert-slack", teamSlack: "" })).toMatchObject({ status: 403 });
  });

  test("every user sets their own e-mail, digest and Slack; a viewer too", async () => {
    const saved = await save(viewer.cookie, {
      intent: "my-alerts",
      emailAddress: "vic.alerts@example.com",
      digest: "on",
      slack: "https://hooks.slack.com/services/T1/B1/zzzz9999",
    });
    expect(saved).toMatchObject({ status: 200, data: { message: "Saved your alert settings" } });
    const [prefs] = await app.ctx.db.select().from(alertPreferences).where(eq(alertPreferences.userId, viewer.userId));
    expect(prefs).toMatchObject({ email: false, digest: true, emailAddress: "vic.alerts@example.com", slackHint: "hooks.slack.com/…9999" });
    const bad = await save(viewer.cookie, {
      intent: "my-alerts",
      email: "on",
      emailAddress: "not an address",
      slack: "http://10.0.0.1/hook",
    });
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.data.errors.emailAddress).toBe("Enter an e-mail address like name@example.com");
    expect(bad.data.values.emailAddress).toBe("not an address");
  });
  test("the navigation stops counting at 100 (the badge reads 99+) while the inbox counts them all", async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      customerId: theirs.id,
      kind: "stale",
      message: `Theirs Co #${i}`,
      raisedAt: new Date(),
    }));
    await app.ctx.db.insert(alerts).values(many);
    expect(await unread(admin.cookie)).toBe(100);
    expect((await inbox(admin.cookie)).unread).toBeGreaterThanOrEqual(120);
  });
});

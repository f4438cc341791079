import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as account from "../../app/routes/_app.account";
import * as inbox from "../../app/routes/_app.alerts";
import * as settings from "../../app/routes/_app.settings";
import * as apiAlerts from "../../app/routes/api.alerts";
import { rowsOf } from "../../db/rows";
import { alerts } from "../../db/schema";
import { seedCustomers } from "../factories";
import { cli } from "../setup/cli";
import { callAction, callLoader, type RouteResult, setupTestApp } from "../setup/test-app";

/*
 * Hostile and malformed input on every alert surface (issue 12), in the style of bad-input.test.ts:
 * the inbox buttons, Settings → Alerts (routes, thresholds, webhooks, each user's own choices),
 * GET /api/alerts and `delight alerts`. Each refusal is a 4xx (or a failing exit code) with a
 * message, changes nothing stored, and shows no stack trace, API key or webhook URL.
 */

// As in production: webhooks must be public https addresses.
const app = setupTestApp({ DELIGHT_ALLOW_PRIVATE_HOSTS: "false" });
const tally = { cases: 0, rejected: 0, accepted: 0 };
afterAll(() => {
  console.log(
    `bad alert input (${process.env.DELIGHT_TEST_DB}): ${tally.cases} cases, ${tally.rejected} refused, ${tally.accepted} accepted as legitimate`,
  );
});

const HOSTILE: [string, string][] = [
  ["empty", ""],
  ["spaces", "   "],
  ["too long", "x".repeat(5000)],
  ["unicode", "Ünïcødé 名前 😀"],
  ["sql", "'; drop table alerts; --"],
  ["html", "<script>alert(1)</script>"],
  ["nul byte", "1\u00002"],
  ["negative", "-1"],
  ["zero", "0"],
  ["float", "1.5"],
  ["hex", "0x10"],
  ["exponent", "1e3"],
  ["past int4", "2147483648"],
  ["huge number", "99999999999999999999"],
  ["not http", "javascript:alert(1)"],
  ["internal host", "http://169.254.169.254"],
];

const API_KEYS = ["phx_alertsBadInputMine_0123456789", "phx_alertsBadInputTheirs_987654321"];
const TEAM_SLACK = "https://hooks.slack.com/services/T000/B000/teamSecret0001";
let admin: Awaited<ReturnType<typeof app.signIn>>;
let csm: Awaited<ReturnType<typeof app.signIn>>;
let viewer: Awaited<ReturnType<typeof app.signIn>>;
const ids: Record<string, number> = {};

/** Everything an alert surface can change, row by row: a refused input must leave all of it alone. */
async function snapshot() {
  const [row] = rowsOf<Record<string, unknown>>(
    await app.ctx.db.execute(sql`select
      (select json_agg(json_build_object('id', id, 'at', acknowledged_at, 'by', acknowledged_by) order by id) from alerts) alerts,
      (select json_agg(json_build_object('c', customer_id, 'k', kind, 'u', until, 'by', created_by) order by customer_id, kind) from alert_silences) silences,
      (select json_agg(json_build_object('r', routes, 's', score_drop_points, 'd', stale_days, 'h', team_slack_hint, 'e', team_slack_encrypted)) from alert_settings) settings,
      (select json_agg(json_build_object('u', user_id, 'e', email, 'a', email_address, 'd', digest, 'h', slack_hint, 's', slack_encrypted) order by user_id) from alert_preferences) prefs,
      (select json_agg(json_build_object('c', channel, 'f', fingerprint) order by channel) from alert_channel_status) channels,
      (select count(*)::int from alert_deliveries) deliveries,
      (select count(*)::int from audit_log) audit`),
  );
  return JSON.stringify(row);
}

/** A refusal names what was wrong and gives away nothing: no stack, no key, no webhook. */
function expectCleanRefusal(result: RouteResult, what: string) {
  expect(result.status, what).toBeGreaterThanOrEqual(400);
  expect(result.status, what).toBeLessThan(500);
  const body = typeof result.data === "string" ? result.data : JSON.stringify(result.data ?? "");
  expect(body.length, `${what}: says why`).toBeGreaterThan(0);
  expect(body, what).not.toMatch(/at .*\.[jt]s:\d+|Error:|node_modules/);
  for (const secret of [...API_KEYS, TEAM_SLACK, "teamSecret", "mySecret"]) expect(body, what).not.toContain(secret);
}

/** Runs one case: refused → unchanged and clean; accepted → only where `legit` says the value is fine. */
async function attempt(what: string, run: () => Promise<RouteResult>, legit: boolean) {
  const before = await snapshot();
  let result: RouteResult;
  try {
    result = await run();
  } catch (error) {
    throw new Error(`${what}: server error ${(error as Error).message}`);
  }
  tally.cases++;
  if (result.status >= 400) {
    expectCleanRefusal(result, what);
    expect(await snapshot(), `${what}: nothing changed`).toBe(before);
    tally.rejected++;
    return result;
  }
  expect(legit, `${what} was accepted (${result.status})`).toBe(true);
  tally.accepted++;
  return result;
}

beforeAll(async () => {
  admin = await app.signIn("admin");
  csm = await app.signIn("csm");
  viewer = await app.signIn("viewer");
  const [mine, theirs, gone] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [
    { name: "Mine Co", ownerId: csm.userId, apiKey: API_KEYS[0] },
    { name: "Theirs Co", ownerId: admin.userId, apiKey: API_KEYS[1] },
    { name: "Gone Co", archived: true },
  ]);
  ids.mine = mine!.id;
  ids.theirs = theirs!.id;
  ids.gone = gone!.id;
  const raise = async (customerId: number, kind: string, message: string) =>
    (await app.ctx.db.insert(alerts).values({ customerId, kind, message, raisedAt: new Date() }).returning())[0]!.id;
  ids.usage = await raise(mine!.id, "usage_80", "Mine Co is at 87 % of Growth 1M");
  ids.theirsAlert = await raise(theirs!.id, "usage_drop", "Theirs Co has sent no events for 3 days");
  ids.goneAlert = await raise(gone!.id, "stale", "Gone Co has had no successful refresh for 4 days");
  // A team webhook and a personal one already saved, so refusals have something to keep.
  const set = await callAction(settings, "/settings", { intent: "alert-slack", teamSlack: TEAM_SLACK }, { cookie: admin.cookie });
  expect(set.status).toBe(200);
  const mineSaved = await callAction(
    settings,
    "/settings",
    { intent: "my-alerts", email: "on", emailAddress: "", slack: "https://hooks.slack.com/services/T1/B1/mySecret9999" },
    { cookie: csm.cookie },
  );
  expect(mineSaved.status).toBe(200);
});

describe(`hostile input to the alert surfaces (${process.env.DELIGHT_TEST_DB})`, () => {
  test("inbox buttons: bad ids, huge numbers, NUL bytes, wrong intents", async () => {
    const press =
      (form: Record<string, string>, cookie = csm.cookie) =>
      () =>
        callAction(inbox, "/alerts", form, { cookie });
    for (const intent of ["ack", "snooze-7", "snooze-30", "mute"]) {
      for (const [label, value] of [...HOSTILE, ["unknown id", "999999"] as [string, string]]) {
        await attempt(`${intent} id=${label}`, press({ intent, id: value }), false);
      }
      // Missing the id altogether, or the id of a customer instead of an alert's.
      await attempt(`${intent} without id`, press({ intent }), false);
      await attempt(`${intent} customerId only`, press({ intent, customerId: String(ids.mine) }), false);
      // A viewer may read but never press.
      await attempt(`${intent} as viewer`, press({ intent, id: String(ids.usage) }, viewer.cookie), false);
    }
    for (const [label, value] of HOSTILE) {
      await attempt(`unmute customerId=${label}`, press({ intent: "unmute", customerId: value, kind: "usage_80" }), false);
      await attempt(`unmute kind=${label}`, press({ intent: "unmute", customerId: String(ids.mine), kind: value }), false);
      await attempt(`intent=${label}`, press({ intent: value, id: String(ids.usage) }), false);
    }
    // Unmuting what was never muted, for a customer that does not exist or someone else's: nothing to do, nothing audited.
    for (const customerId of [ids.mine, ids.theirs, ids.gone, 999999]) {
      await attempt(
        `unmute nothing muted for ${customerId}`,
        press({ intent: "unmute", customerId: String(customerId), kind: "stale" }),
        false,
      );
    }
    for (const intent of ["ACK", "ack ", "delete", "unmute-all", "alert-routes", "password"]) {
      await attempt(`wrong intent ${intent}`, press({ intent, id: String(ids.usage) }), false);
    }
    // The alerts are untouched and the buttons still work.
    const ok = await callAction(inbox, "/alerts", { intent: "ack", id: String(ids.theirsAlert) }, { cookie: csm.cookie });
    expect(ok).toMatchObject({ status: 200, data: { ok: true, message: "Acknowledged" } });
  });

  test("Settings → Alerts: thresholds, unknown kinds and channels, webhook URLs", async () => {
    const save =
      (form: Record<string, string>, cookie = admin.cookie) =>
      () =>
        callAction(settings, "/settings", form, { cookie });
    const routes = { intent: "alert-routes", scoreDropPoints: "15", staleDays: "3", "route:usage_80:email": "on" };
    for (const field of ["scoreDropPoints", "staleDays"]) {
      for (const [label, value] of [...HOSTILE, ["over max", "101"], ["one over 90", "91"]] as [string, string][]) {
        // 91 is a fine score drop; only the days stop at 90.
        const legit = field === "scoreDropPoints" && value === "91";
        const result = await attempt(`routes ${field}=${label}`, save({ ...routes, [field]: value }), legit);
        if (result.status === 400)
          expect(result.data.errors[field], `routes ${field}=${label}`).toMatch(/whole number|must be|control characters/);
      }
    }
    for (const name of ["route:nope:email", "route:usage_80:pager", "route:USAGE_80:email", "route::", "route:digest:sms"]) {
      await attempt(`routes with ${name}`, save({ ...routes, [name]: "on" }), false);
    }
    await attempt("routes as csm", save(routes, csm.cookie), false);
    const TOO_LONG = `https://hooks.slack.com/services/T000/B000/${"x".repeat(600)}`;
    const webhooks: [string, string][] = [
      ...HOSTILE.filter(([label]) => label !== "empty" && label !== "spaces"),
      ["http", "http://hooks.slack.com/services/T000/B000/abcd"],
      ["loopback", "https://127.0.0.1/services/T000/B000/abcd"],
      ["localhost", "https://localhost/services/T000/B000/abcd"],
      ["private", "https://10.0.0.1/hook"],
      ["ipv6 loopback", "https://[::1]/hook"],
      ["metadata", "https://169.254.169.254/latest"],
      ["credentials", "https://user:pw@hooks.slack.com/services/T000/B000/abcd"],
      ["no path", "https://hooks.slack.com"],
      ["over-long", TOO_LONG],
    ];
    for (const [label, value] of webhooks) {
      const team = await attempt(`team webhook ${label}`, save({ intent: "alert-slack", teamSlack: value }), false);
      expect(team.data.values?.teamSlack, `team webhook ${label}: not echoed`).toBeUndefined();
      const own = await attempt(`own webhook ${label}`, save({ intent: "my-alerts", slack: value }, csm.cookie), false);
      expect(own.data.values?.slack, `own webhook ${label}: not echoed`).toBeUndefined();
    }
    for (const [label, value] of HOSTILE) {
      // A blank address means "my sign-in address"; anything else must be an address.
      await attempt(
        `own e-mail address ${label}`,
        save({ intent: "my-alerts", email: "on", emailAddress: value }, csm.cookie),
        !value.trim(),
      );
    }
    await attempt(
      "own e-mail address too long",
      save({ intent: "my-alerts", emailAddress: `${"a".repeat(250)}@example.com` }, csm.cookie),
      false,
    );
    // Resetting a channel: someone else's Slack, or one that does not exist.
    await attempt("reset another user's Slack", save({ intent: "alert-reset", channel: `slack:user:${admin.userId}` }, csm.cookie), false);
    for (const channel of ["", "nope", "slack:user:", "slack:user:999999", "email\u0000"]) {
      await attempt(`reset channel ${JSON.stringify(channel)}`, save({ intent: "alert-reset", channel }), false);
    }
    for (const intent of ["", "alert-route", "ALERT-ROUTES", "my-alerts\u0000"]) {
      await attempt(`settings intent ${JSON.stringify(intent)}`, save({ ...routes, intent }), false);
    }
    // What was saved before is what the page still shows.
    const page = await callLoader(settings, "/settings", { cookie: csm.cookie });
    expect(page.data.alerts.teamSlack.hint).toBe("hooks.slack.com/…0001");
    expect(page.data.alerts.mine.slackHint).toBe("hooks.slack.com/…9999");
  });

  test("your account does not take alert settings, and says so", async () => {
    for (const intent of ["my-alerts", "alert-routes", "alert-slack"]) {
      await attempt(
        `/account intent=${intent}`,
        () => callAction(account, "/account", { intent, emailAddress: "x@example.com", slack: TEAM_SLACK }, { cookie: csm.cookie }),
        false,
      );
    }
  });

  test("GET /api/alerts: bad kind, customer, all and before", async () => {
    const get = (query: string) => () => callLoader(apiAlerts, `/api/alerts?${query}`, { cookie: viewer.cookie });
    for (const [label, value] of [...HOSTILE, ["unknown kind", "usage_90"], ["upper case", "USAGE_80"]] as [string, string][]) {
      const q = encodeURIComponent(value);
      await attempt(`kind=${label}`, get(`kind=${q}`), value === "");
      // A customer that does not exist is an error, not an empty list that looks like "all quiet".
      await attempt(`customer=${label}`, get(`customer=${q}`), value === "");
      await attempt(`all=${label}`, get(`all=${q}`), ["", "0"].includes(value));
      await attempt(`before=${label}`, get(`before=${q}`), value === "");
    }
    await attempt("customer=archived", get("customer=gone-co"), true);
    const fine = await callLoader(apiAlerts, "/api/alerts?customer=mine-co&kind=usage_80", { cookie: viewer.cookie });
    expect(fine.status).toBe(200);
    expect(fine.data.alerts.map((a: { id: number }) => a.id)).toEqual([ids.usage]);
    const refused = await callLoader(apiAlerts, "/api/alerts?kind=usage_90", { cookie: viewer.cookie });
    expect(refused.data.error).toMatch(/^kind: Kind must be one of usage_80, /);
    const unknown = await callLoader(apiAlerts, "/api/alerts?customer=no-such-co", { cookie: viewer.cookie });
    expect(unknown.data.error).toBe("customer: No customer no-such-co");
  });

  test("delight alerts: bad --kind, --customer, --before and ack ids", async () => {
    const env = { context: app.ctx };
    const commands: string[][] = [
      ["alerts", "--kind", "V"],
      ["alerts", "--customer", "V"],
      ["alerts", "--all", "V"],
      ["alerts", "--before", "V"],
      ["alerts", "ack", "V"],
      ["alerts", "list", "--kind", "V"],
      ["alerts", "V"],
    ];
    for (const command of commands) {
      for (const [label, value] of [...HOSTILE, ["unknown kind", "usage_90"], ["unknown customer", "no-such-co"]] as [string, string][]) {
        const argv = command.map((a) => (a === "V" ? value : a));
        const what = `${command.join(" ")} ${label}`;
        const before = await snapshot();
        const result = await cli(env, ...argv);
        tally.cases++;
        expect(result.code, what).toBeGreaterThan(0);
        expect(await snapshot(), what).toBe(before);
        expect(result.stderr.split("\n"), what).toHaveLength(1);
        expect(result.stderr.length, what).toBeGreaterThan(0);
        expect(result.stderr, what).not.toMatch(/Unexpected error|at .*\.ts:\d+/);
        for (const secret of API_KEYS) expect(result.stdout + result.stderr, what).not.toContain(secret);
        tally.rejected++;
      }
    }
    // The alert the bad acks aimed at is still open; a good one lists it.
    const listed = await cli(env, "alerts", "--customer", "mine-co", "--json");
    expect(listed.code).toBe(0);
    expect(listed.json().map((a: { id: number; acknowledgedAt: string | null }) => [a.id, a.acknowledgedAt])).toEqual([[ids.usage, null]]);
  });
});

import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, test } from "vitest";
import { ALERTS_LIMIT, ALERTS_PAGE_SIZE, listAlerts, listSilences, SILENCES_SHOWN } from "../../app/models/alerts.server";
import * as inboxRoute from "../../app/routes/_app.alerts";
import * as apiAlerts from "../../app/routes/api.alerts";
import { alertSilences, alerts, customers } from "../../db/schema";
import { seedCustomers } from "../factories";
import { cli } from "../setup/cli";
import { callLoader, setupTestApp } from "../setup/test-app";

/*
 * A book with more alerts than one page holds: the inbox shows them fifty at a time, the API and
 * the CLI 500 at a time, and each says where the rest begins. Walking the pages gives every alert
 * once, in the list's order, even where many share one raised time.
 */

const app = setupTestApp();
let viewer: Awaited<ReturnType<typeof app.signIn>>;
let csm: Awaited<ReturnType<typeof app.signIn>>;
/** Every alert, newest first (raised time, then id), as the lists must give them. */
let newestFirst: number[] = [];
let theirsId = 0;
const TOTAL = ALERTS_LIMIT + 20;

beforeAll(async () => {
  viewer = await app.signIn("viewer");
  csm = await app.signIn("csm");
  const [one, two] = await seedCustomers(app.ctx.db, app.ctx.secretKey, [
    { name: "Paged One", ownerId: csm.userId },
    { name: "Paged Two" },
  ]);
  theirsId = two!.id;
  // Groups of seven alerts share one raised time, so a cursor on time alone would skip or repeat;
  // the times are shuffled against insertion order, so one on id alone would too.
  const base = Date.parse("2026-11-01T00:00:00Z");
  const values = Array.from({ length: TOTAL }, (_, i) => ({
    customerId: i % 3 === 0 ? two!.id : one!.id,
    kind: i % 2 === 0 ? "stale" : "usage_drop",
    message: `alert ${i}`,
    raisedAt: new Date(base + Math.floor(((i * 37) % TOTAL) / 7) * 60_000),
  }));
  const rows = await app.ctx.db.insert(alerts).values(values).returning({ id: alerts.id, raisedAt: alerts.raisedAt });
  newestFirst = rows.sort((a, b) => b.raisedAt.getTime() - a.raisedAt.getTime() || b.id - a.id).map((r) => r.id);
});

type InboxData = { alerts: { id: number }[]; older: number | null; paged: boolean };
const inbox = async (query: string, cookie = viewer.cookie) =>
  (await callLoader(inboxRoute, `/alerts${query}`, { cookie })).data as InboxData;
const ids = (list: { id: number }[]) => list.map((a) => a.id);

describe(`alerts a page at a time (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the inbox walks every open alert once, fifty at a time, newest first", async () => {
    const seen: number[] = [];
    let query = "?scope=all";
    let pages = 0;
    for (;;) {
      const view = await inbox(query);
      pages++;
      expect(view.alerts.length).toBeLessThanOrEqual(ALERTS_PAGE_SIZE);
      expect(view.paged).toBe(pages > 1);
      seen.push(...ids(view.alerts));
      if (view.older === null) break;
      expect(view.older).toBe(view.alerts[view.alerts.length - 1]!.id);
      query = `?scope=all&before=${view.older}`;
    }
    expect(pages).toBe(Math.ceil(TOTAL / ALERTS_PAGE_SIZE));
    expect(seen).toEqual(newestFirst);
  });

  test("a page keeps the list's filters: one kind, and a csm's own customers", async () => {
    const stale = await listAlerts(app.ctx.db, { all: false, kind: "stale" }, { limit: 10_000 });
    const first = await inbox("?scope=all&kind=stale");
    const second = await inbox(`?scope=all&kind=stale&before=${first.older}`);
    expect([...ids(first.alerts), ...ids(second.alerts)]).toEqual(ids(stale).slice(0, 2 * ALERTS_PAGE_SIZE));
    // The csm owns Paged One only: their pages never show Paged Two's alerts.
    const mine = await inbox("", csm.cookie);
    const next = await inbox(`?before=${mine.older}`, csm.cookie);
    const theirs = new Set(
      (await app.ctx.db.select({ id: alerts.id }).from(alerts).where(eq(alerts.customerId, theirsId))).map((r) => r.id),
    );
    expect([...ids(mine.alerts), ...ids(next.alerts)].filter((id) => theirs.has(id))).toEqual([]);
    expect(next.alerts).toHaveLength(ALERTS_PAGE_SIZE);
  });

  test("a cursor from an alert that is gone shows no older alerts, not an error", async () => {
    const view = await inbox("?scope=all&before=2147483647");
    expect(view).toMatchObject({ alerts: [], older: null, paged: true });
  });

  test("the API gives 500 and the cursor of the rest; the CLI says where the rest begins", async () => {
    const first = await callLoader(apiAlerts, "/api/alerts", { cookie: viewer.cookie });
    expect(first.status).toBe(200);
    expect(ids(first.data.alerts)).toEqual(newestFirst.slice(0, ALERTS_LIMIT));
    expect(first.data.total).toBe(ALERTS_LIMIT);
    expect(first.data.next).toBe(newestFirst[ALERTS_LIMIT - 1]);
    const rest = await callLoader(apiAlerts, `/api/alerts?before=${first.data.next}`, { cookie: viewer.cookie });
    expect(ids(rest.data.alerts)).toEqual(newestFirst.slice(ALERTS_LIMIT));
    expect(rest.data.next).toBeNull();

    const text = await cli({ context: app.ctx }, "alerts");
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split("\n").at(-1)).toBe(
      `${ALERTS_LIMIT} shown; older ones follow: delight alerts --before ${first.data.next} (with the same filters)`,
    );
    const json = await cli({ context: app.ctx }, "alerts", "--json", "--before", String(first.data.next));
    expect(ids(json.json())).toEqual(newestFirst.slice(ALERTS_LIMIT));
    expect(json.stderr).toBe("");
    const cut = await cli({ context: app.ctx }, "alerts", "--json");
    expect(cut.json()).toHaveLength(ALERTS_LIMIT);
    expect(cut.stderr).toContain(`--before ${first.data.next}`);
  });

  test("snoozes and mutes: the first hundred by customer name and how many there are; all of them on request", async () => {
    const quiet = await seedCustomers(
      app.ctx.db,
      app.ctx.secretKey,
      Array.from({ length: 51 }, (_, i) => ({ name: `Quiet ${String(50 - i).padStart(2, "0")}` })),
    );
    const future = new Date(Date.now() + 7 * 86_400_000);
    await app.ctx.db.insert(alertSilences).values(
      quiet.flatMap((c) => [
        { customerId: c.id, kind: "stale", until: null, createdBy: "Ada" },
        { customerId: c.id, kind: "usage_drop", until: future, createdBy: "Ada" },
      ]),
    );
    // One snooze already over: not in force, not counted.
    await app.ctx.db
      .insert(alertSilences)
      .values({ customerId: quiet[0]!.id, kind: "band_drop", until: new Date(Date.now() - 1000), createdBy: "Ada" });
    type Silences = { silences: { customerName: string; kind: string }[]; silenceCount: number };
    const shown = (await inbox("?scope=all")) as unknown as Silences;
    expect(shown.silenceCount).toBe(102);
    expect(shown.silences).toHaveLength(SILENCES_SHOWN);
    expect(shown.silences.slice(0, 3).map((s) => [s.customerName, s.kind])).toEqual([
      ["Quiet 00", "stale"],
      ["Quiet 00", "usage_drop"],
      ["Quiet 01", "stale"],
    ]);
    const all = (await inbox("?scope=all&silences=all")) as unknown as Silences;
    expect(all.silences).toHaveLength(102);
    expect(all.silences.at(-1)).toMatchObject({ customerName: "Quiet 50", kind: "usage_drop" });
    expect(await listSilences(app.ctx.db, new Date(), 3)).toMatchObject({ total: 102, silences: { length: 3 } });
  });

  test("an archived customer's alerts leave every page", async () => {
    await app.ctx.db.update(customers).set({ archivedAt: new Date() }).where(eq(customers.id, theirsId));
    const seen: number[] = [];
    let view = await inbox("?scope=all");
    seen.push(...ids(view.alerts));
    while (view.older !== null) {
      view = await inbox(`?scope=all&before=${view.older}`);
      seen.push(...ids(view.alerts));
    }
    const theirs = new Set(
      (await app.ctx.db.select({ id: alerts.id }).from(alerts).where(eq(alerts.customerId, theirsId))).map((r) => r.id),
    );
    expect(seen).toEqual(newestFirst.filter((id) => !theirs.has(id)));
  });
});

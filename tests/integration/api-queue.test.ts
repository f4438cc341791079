import { afterAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createApiToken } from "../../app/models/tokens.server";
import * as settings from "../../app/routes/_app.settings";
import * as apiQueue from "../../app/routes/api.queue";
import { closeRefreshQueue, refreshInBackground } from "../../app/utils/refresh.server";
import { seedCustomers } from "../factories";
import { callLoader, setupTestApp } from "../setup/test-app";

// An hourly schedule makes every customer never refreshed due; no process here works jobs.
const app = setupTestApp({ DELIGHT_REFRESH_INTERVAL: "60m", DELIGHT_SCHEDULER: "off" });
afterAll(closeRefreshQueue);

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const withoutNow = ({ now, ...rest }: { now: string }) => rest;

describe(`GET /api/queue (${process.env.DELIGHT_TEST_DB})`, () => {
  test("says customers wait with no process working jobs, as Settings does; process names for admins only", async () => {
    const admin = await app.signIn("admin");
    const viewer = await app.signIn("viewer");
    const { token } = await createApiToken(app.ctx.db, CLI_ACTOR, admin.userId, { name: "monitor" });
    const ids = (await seedCustomers(app.ctx.db, app.ctx.secretKey, [{ name: "Due One" }, { name: "Due Two" }])).map((c) => c.id);

    const before = Date.now();
    const answer = await callLoader(apiQueue, "/api/queue", bearer(token));
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(answer.headers.get("Cache-Control")).toBe("no-store");
    const kind = process.env.DELIGHT_TEST_DB === "postgres" ? "pg-boss" : "in-process";
    expect(answer.data).toEqual({
      kind,
      waiting: 0,
      oldestWaitingSince: null,
      running: 0,
      deferred: 0,
      nextDeferredAt: null,
      retrying: 0,
      failedLastDay: 0,
      workerCount: 0,
      workers: [],
      due: 2,
      stalled: true,
      now: expect.any(String),
    });
    expect(Math.abs(Date.parse(answer.data.now) - before)).toBeLessThan(10_000);

    // The page and the API read the same figures; a viewer sees no process names in either.
    const page = await callLoader(settings, "/settings", { cookie: admin.cookie });
    expect(withoutNow(page.data.queue)).toEqual(withoutNow(answer.data));
    const asViewer = await callLoader(apiQueue, "/api/queue", { cookie: viewer.cookie });
    expect(asViewer.status).toBe(200);
    expect(asViewer.data.workers).toBeNull();
    expect(asViewer.data.workerCount).toBe(0);
    expect(withoutNow((await callLoader(settings, "/settings", { cookie: viewer.cookie })).data.queue)).toEqual(withoutNow(asViewer.data));

    // A refresh asked for shows as waiting, with when it was asked.
    await refreshInBackground(app.ctx, ids.slice(0, 1), "web");
    const waiting = await callLoader(apiQueue, "/api/queue", bearer(token));
    expect(waiting.data).toMatchObject({ waiting: 1, due: 2, workerCount: 0, stalled: true });
    expect(Math.abs(Date.parse(waiting.data.oldestWaitingSince) - Date.now())).toBeLessThan(10_000);
  });

  test("refuses a caller who is not signed in, a bad token and a malformed Authorization header", async () => {
    const none = await callLoader(apiQueue, "/api/queue");
    expect(none.status).toBe(401);
    expect(none.data.error).toMatch(/^Authentication required/);
    const bad = await callLoader(apiQueue, "/api/queue", bearer("dl_not-a-token"));
    expect(bad.status).toBe(401);
    expect(bad.data).toEqual({ error: "This token is not valid or has been revoked" });
    const malformed = await callLoader(apiQueue, "/api/queue", { headers: { Authorization: "Basic abc" } });
    expect(malformed.status).toBe(401);
    expect(malformed.data.waiting).toBeUndefined();
  });
});

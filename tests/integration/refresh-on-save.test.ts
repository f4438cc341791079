import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import { closeRefreshQueue, refreshQueue } from "../../app/utils/refresh.server";
import { checkRuns } from "../../db/schema";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

// The sandbox is on loopback, so private hosts are allowed; refresh-on-save is on (the default).
const app = setupTestApp({ DELIGHT_REFRESH_ON_SAVE: "true", DELIGHT_ALLOW_PRIVATE_HOSTS: "true" });
let sandbox: Sandbox;
let cookie: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  // The server's own worker, as app/server.mjs starts it.
  await (await refreshQueue(app.ctx)).work();
  ({ cookie } = await app.signIn("csm"));
});
afterAll(async () => {
  await closeRefreshQueue();
  await sandbox?.close();
});

const scenario = (name: string) => sandbox.customers.find((c) => c.name === name)!;
const form = (name: string, apiKey: string, projectId: number) => ({
  name,
  posthogRegion: "custom",
  customHost: sandbox.url,
  projectId: String(projectId),
  apiKey,
  planId: "",
  billingDay: "1",
  ownerId: "",
});
/** Until the page no longer says a refresh is waiting or running. */
const settled = (slug: string) => expect.poll(async () => (await page(slug)).refreshing, { timeout: 20_000, interval: 50 }).toBeNull();
const page = async (slug: string) => (await callLoader(customerPage, `/customers/${slug}`, { cookie, params: { slug } })).data;
const runsOf = async (customerId: number) => (await app.ctx.db.select().from(checkRuns).where(eq(checkRuns.customerId, customerId))).length;

describe(`a new or edited customer is refreshed at once, in the background (${process.env.DELIGHT_TEST_DB})`, () => {
  test("added: the page says a refresh is running, then shows its score without anyone pressing Refresh now", async () => {
    // Slow answers keep the refresh running while the page is read.
    sandbox.setFaults({ latencyMs: 150 });
    const healthy = scenario("healthy");
    const added = await callAction(newCustomer, "/customers/new", form("Initech", healthy.apiKey, healthy.projectId), { cookie });
    expect(added.status).toBe(302);
    const slug = added.location!.split("/").pop()!;
    const during = await page(slug);
    expect(during.refreshing).toMatchObject({ seconds: expect.any(Number) });
    expect(during.health.lastRefresh).toBeNull();
    sandbox.setFaults({});
    await settled(slug);
    const after = await page(slug);
    expect(after.refreshing).toBeNull();
    expect(after.health).toMatchObject({ lastRefresh: { status: "ok" }, problem: null });
    expect(after.health.score).not.toBeNull();
    const [run] = await app.ctx.db.select().from(checkRuns).where(eq(checkRuns.customerId, after.customer.id));
    expect(run!.trigger).toBe("saved");
  });

  test("edited: a new key is refreshed at once and its failure is one sentence; a new name alone is not", async () => {
    // One customer per PostHog project: each test adds its own.
    const project = scenario("over-plan");
    const added = await callAction(newCustomer, "/customers/new", form("Hooli", project.apiKey, project.projectId), { cookie });
    const slug = added.location!.split("/").pop()!;
    await settled(slug);
    const id = (await page(slug)).customer.id;
    expect(await runsOf(id)).toBe(1);

    const renamed = await callAction(
      editCustomer,
      `/customers/${slug}/edit`,
      { ...form("Hooli XYZ", "", project.projectId) },
      { cookie, params: { slug } },
    );
    expect(renamed.status).toBe(302);
    await settled(slug);
    expect(await runsOf(id)).toBe(1);

    const revoked = scenario("revoked-key");
    const rekeyed = await callAction(
      editCustomer,
      `/customers/${slug}/edit`,
      { ...form("Hooli XYZ", revoked.apiKey, project.projectId) },
      { cookie, params: { slug } },
    );
    expect(rekeyed.status).toBe(302);
    await settled(slug);
    expect(await runsOf(id)).toBe(2);
    const after = await page(slug);
    expect(after.health.problem).toMatchObject({
      kind: "auth",
      sentence: "PostHog rejected the API key — ask the customer for a new personal API key.",
    });
    // The panel at the bottom names the failure once, with every call it hit.
    expect(after.lastRun.errors).toHaveLength(1);
  });

  test("an unreachable host is named in the sentence, with what to do", async () => {
    const project = scenario("brand-new");
    const added = await callAction(newCustomer, "/customers/new", form("Pied Piper", project.apiKey, project.projectId), { cookie });
    const slug = added.location!.split("/").pop()!;
    await settled(slug);
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const moved = await callAction(
      editCustomer,
      `/customers/${slug}/edit`,
      { ...form("Pied Piper", project.apiKey, project.projectId), customHost: "http://127.0.0.1:1" },
      { cookie, params: { slug } },
    );
    expect(moved.status).toBe(302);
    await settled(slug);
    expect((await page(slug)).health.problem).toMatchObject({
      kind: "unreachable",
      status: "failed",
      sentence: "delight could not reach 127.0.0.1 — check the host address or try again later.",
    });
  });
});

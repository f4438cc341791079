import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { type RequestLogEntry, type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { customers } from "../../db/schema";
import { assessmentOf } from "../setup/health";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
let seeded: Awaited<ReturnType<typeof seedSandboxCustomers>>;
const LATENCY = 300;
const fast = { retries: 0, timeoutMs: 5000, limiter: createRateLimiter() };

beforeAll(async () => {
  sandbox = await startSandbox();
  seeded = await seedSandboxCustomers(app.ctx.db, app.ctx.secretKey, sandbox);
});
afterAll(async () => {
  await sandbox?.close();
});

const healthy = () => seeded.find((s) => s.scenario.name === "healthy")!;
const reload = async (id: number) => (await app.ctx.db.select().from(customers).where(eq(customers.id, id)))[0]!;

/** The requests one refresh made, and how long after the project call each members call arrived. */
async function refreshAndWatch(id: number) {
  const before = sandbox.requests.length;
  const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, await reload(id), fast);
  const made: RequestLogEntry[] = sandbox.requests.slice(before);
  const project = made.find((r) => /^\/api\/projects\/\d+\/$/.test(r.path))!;
  // First pages only: a big team's members come in several.
  const members = made.filter((r) => r.path.includes("/members/") && !r.query.includes("offset="));
  const after = members.map((m) => Date.parse(m.at) - Date.parse(project.at));
  return { outcome, made, members, after };
}

describe(`repeat refreshes take one round (${process.env.DELIGHT_TEST_DB})`, () => {
  test("the first refresh waits for the project's organization; the next asks for members alongside it", async () => {
    const { customer, scenario } = healthy();
    sandbox.setFaults({ perCustomer: { [scenario.name]: { latencyMs: LATENCY } } });
    expect(customer.posthogOrgId).toBeNull();

    const first = await refreshAndWatch(customer.id);
    expect(first.outcome.status).toBe("ok");
    expect(first.members).toHaveLength(1);
    // Second round: members went out only once the project had answered.
    expect(first.after[0]).toBeGreaterThanOrEqual(LATENCY);
    const stored = (await reload(customer.id)).posthogOrgId;
    expect(stored).toMatch(/\S/);

    const second = await refreshAndWatch(customer.id);
    expect(second.outcome.status).toBe("ok");
    expect(second.made).toHaveLength(first.made.length);
    expect(second.members).toHaveLength(1);
    expect(second.after[0]).toBeLessThan(LATENCY / 2);
    expect(decodeURIComponent(second.members[0]!.path)).toContain(`/organizations/${stored}/members/`);
    const checks = (await assessmentOf(app.ctx.db, customer.id)).checks;
    expect(checks.find((c) => c.checkId === "setup.team_added")?.status).toBe("pass");
  });

  test("when the project has moved to another organization, members are asked again in a second round", async () => {
    const { customer, scenario } = healthy();
    sandbox.setFaults({ perCustomer: { [scenario.name]: { latencyMs: LATENCY } } });
    const real = (await reload(customer.id)).posthogOrgId!;
    // As if the project had belonged to another organization at the last refresh.
    await app.ctx.db.update(customers).set({ posthogOrgId: "0187-moved-elsewhere" }).where(eq(customers.id, customer.id));

    const moved = await refreshAndWatch(customer.id);
    expect(moved.outcome.status).toBe("ok");
    expect(moved.outcome.errors).toEqual([]);
    expect(moved.members.map((m) => [decodeURIComponent(m.path), m.status])).toEqual([
      ["/api/organizations/0187-moved-elsewhere/members/", 403],
      [`/api/organizations/${real}/members/`, 200],
    ]);
    expect(moved.after[1]).toBeGreaterThanOrEqual(LATENCY);
    expect((await reload(customer.id)).posthogOrgId).toBe(real);
    const checks = (await assessmentOf(app.ctx.db, customer.id)).checks;
    expect(checks.find((c) => c.checkId === "setup.team_added")?.status).toBe("pass");

    // And the refresh after that is one round again.
    const again = await refreshAndWatch(customer.id);
    expect(again.members).toHaveLength(1);
    expect(again.after[0]).toBeLessThan(LATENCY / 2);
  });

  test("a project call that fails leaves members unread, whatever organization was stored", async () => {
    const { customer, scenario } = healthy();
    sandbox.setFaults({ perCustomer: { [scenario.name]: { serverError: { path: "/api/projects/", count: 20, status: 503 } } } });
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, await reload(customer.id), fast);
    sandbox.setFaults({});
    expect(outcome.errors.map((e) => e.call)).toContain("members");
    expect(outcome.errors.find((e) => e.call === "members")?.message).toMatch(/project call failed/);
  });
});

import { createServer, type Server, type Socket } from "node:net";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer } from "../../app/models/customers.server";
import type { Resolver } from "../../checks/posthog/host";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { checkRuns, customers } from "../../db/schema";
import { setupTestApp } from "../setup/test-app";

const app = setupTestApp();
const KEY = "phx_rebindingTestKey_0123456789";
// An internal service: it records every connection and every byte, and must see none.
let listener: Server;
let port: number;
const connections: Socket[] = [];
const received: string[] = [];
const fast = { retries: 2, maxRetryWaitMs: 50, timeoutMs: 2000, sleep: async () => {}, limiter: createRateLimiter() };

beforeAll(async () => {
  listener = createServer((socket) => {
    connections.push(socket);
    socket.on("data", (d) => received.push(String(d)));
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

async function customerAt(name: string) {
  // Saved while private hosts were allowed; the refresh below runs as production does.
  const created = await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    { name, posthogHost: `http://${name}.rebind.example:${port}`, projectId: 1, apiKey: KEY, planId: null, billingDay: 1, ownerId: null },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
  );
  return (await app.ctx.db.select().from(customers).where(eq(customers.id, created.id)))[0]!;
}

describe(`a host name that changes its answer (${process.env.DELIGHT_TEST_DB})`, () => {
  test("public at the first lookup, 127.0.0.1 after: the internal listener receives nothing and the run says why", async () => {
    const asked: string[] = [];
    let calls = 0;
    const flipping: Resolver = async (hostname) => {
      asked.push(hostname);
      calls += 1;
      return [{ address: calls === 1 ? "93.184.216.34" : "127.0.0.1", family: 4 }];
    };
    const customer = await customerAt("flip");
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, {
      ...fast,
      allowPrivateHosts: false,
      resolve: flipping,
    });

    expect(outcome.status).toBe("failed");
    expect(outcome.message).toContain("resolves to 127.0.0.1 (loopback), not a public address; delight does not send keys there");
    // Checked before the run, and again by each request (no second, unchecked lookup).
    expect(calls).toBeGreaterThan(1);
    expect(new Set(asked)).toEqual(new Set(["flip.rebind.example"]));
    expect(connections).toHaveLength(0);
    expect(received.join("")).toBe("");
    expect(outcome.apiCalls).toBe(0);
    const [run] = await app.ctx.db.select().from(checkRuns).where(eq(checkRuns.id, outcome.runId!));
    expect(run!.errors.map((e) => e.message).join(" ")).toContain("127.0.0.1 (loopback)");
    expect(JSON.stringify(run)).not.toContain(KEY);
  });

  test("a lookup that fails refuses the host: nothing is sent anywhere", async () => {
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const customer = await customerAt("gone");
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, { ...fast, allowPrivateHosts: false, resolve: failing });
    expect(outcome.status).toBe("failed");
    expect(outcome.message).toContain("Could not look up gone.rebind.example (ENOTFOUND); nothing was sent to it");
    expect(connections).toHaveLength(0);
    expect(outcome.apiCalls).toBe(0);
  });

  test("public for the check, then failing on the requests: still nothing reaches the listener", async () => {
    let calls = 0;
    const flaky: Resolver = async () => {
      calls += 1;
      if (calls === 1) return [{ address: "93.184.216.34", family: 4 }];
      throw Object.assign(new Error("timeout"), { code: "ETIMEOUT" });
    };
    const customer = await customerAt("flaky");
    const outcome = await refreshCustomer(app.ctx.db, app.ctx.secretKey, customer, { ...fast, allowPrivateHosts: false, resolve: flaky });
    expect(outcome.status).toBe("failed");
    expect(outcome.message).toContain("Could not look up flaky.rebind.example (ETIMEOUT)");
    // Each request tried the lookup again (with retries), and none fell back to the system's.
    expect(calls).toBeGreaterThan(7);
    expect(connections).toHaveLength(0);
  });
});

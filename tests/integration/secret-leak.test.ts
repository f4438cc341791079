import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import * as editCustomer from "../../app/routes/_app.customers.$slug.edit";
import * as newCustomer from "../../app/routes/_app.customers.new";
import * as apiCustomer from "../../app/routes/api.customers.$slug";
import { refreshCustomer } from "../../checks/refresh";
import { customers } from "../../db/schema";
import { cli } from "../setup/cli";
import { assessmentOf } from "../setup/health";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

const app = setupTestApp();
let sandbox: Sandbox;
const printed: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  // Everything the process prints while this file runs, from any code path.
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
  }
  const write = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      printed.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as never);
  };
  write(process.stdout);
  write(process.stderr);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await sandbox?.close();
});

describe(`a customer's PostHog key never shows up anywhere (${process.env.DELIGHT_TEST_DB})`, () => {
  test("pages, API answers, CLI output, stored run errors and the process's own output", async () => {
    const healthy = sandbox.customers.find((c) => c.name === "healthy")!;
    const key = healthy.apiKey;
    const { cookie } = await app.signIn("admin");
    const seen: unknown[] = [];
    const form = {
      name: "Leaky",
      posthogRegion: "custom",
      customHost: sandbox.url,
      projectId: String(healthy.projectId),
      apiKey: key,
      planId: "",
      billingDay: "1",
      ownerId: "",
    };

    seen.push(await callAction(newCustomer, "/customers/new", { ...form, projectId: "not a number" }, { cookie }));
    seen.push(await callAction(newCustomer, "/customers/new", form, { cookie }));
    seen.push(await callLoader(customerPage, "/customers/leaky", { cookie, params: { slug: "leaky" } }));
    seen.push(await callLoader(editCustomer, "/customers/leaky/edit", { cookie, params: { slug: "leaky" } }));
    seen.push(
      await callAction(editCustomer, "/customers/leaky/edit", { ...form, billingDay: "99" }, { cookie, params: { slug: "leaky" } }),
    );

    const [row] = await app.ctx.db.select().from(customers);
    const fast = { retries: 1, maxRetryWaitMs: 10, timeoutMs: 500, sleep: async () => {} };
    seen.push(await refreshCustomer(app.ctx.db, app.ctx.secretKey, row!, fast));
    // A key that PostHog rejects, a key revoked mid-run and a server echoing errors.
    for (const fault of [{ revokeAfter: 2 }, { serverError: {} }, { malformedJson: {} }]) {
      sandbox.setFaults({ perCustomer: { healthy: fault } });
      seen.push(await refreshCustomer(app.ctx.db, app.ctx.secretKey, row!, fast));
    }
    sandbox.setFaults({});
    seen.push(await assessmentOf(app.ctx.db, row!.id));
    seen.push(await callLoader(apiCustomer, "/api/customers/leaky", { cookie, params: { slug: "leaky" } }));

    const env = { ...process.env } as Record<string, string>;
    seen.push(
      (
        await cli(
          env,
          "customer",
          "add",
          "--name",
          "Leaky Two",
          "--posthog-host",
          "https://ph.example.com",
          "--project-id",
          "1",
          "--api-key",
          key,
          "--json",
        )
      ).stdout,
    );
    seen.push(
      (await cli(env, "customer", "add", "--name", "Leaky Two", "--posthog-host", "gopher://x", "--project-id", "1", "--api-key", key))
        .stderr,
    );

    const everything = JSON.stringify(seen) + printed.join("\n");
    expect(everything).toContain("phx_…"); // the masked form is what people see
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(key.slice(4, -4));
  });
});

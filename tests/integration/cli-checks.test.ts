import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { cli } from "../setup/cli";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

let database: TestDatabase;
let sandbox: Sandbox;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-cli-checks-"));
  env = { ...database.env, DELIGHT_DATA_DIR: dataDir };
  sandbox = await startSandbox();
  await cli(env, "plan", "add", "--name", "Growth", "--monthly-events", "1000000");
  for (const name of ["healthy", "revoked-key"]) {
    const c = sandbox.customers.find((x) => x.name === name)!;
    const added = await cli(
      env,
      "customer",
      "add",
      "--name",
      c.title,
      "--posthog-host",
      sandbox.url,
      "--project-id",
      String(c.projectId),
      "--api-key",
      c.apiKey,
      "--plan",
      "Growth",
    );
    expect(added.code).toBe(0);
  }
});
afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`CLI checks, refresh, answer, report (${process.env.DELIGHT_TEST_DB})`, () => {
  test("checks --json lists all 24 with section, question and kind", async () => {
    const list = (await cli(env, "checks", "--json")).json();
    expect(list).toHaveLength(24);
    expect(list.filter((c: { kind: string }) => c.kind === "manual")).toHaveLength(8);
    expect(list[0]).toEqual({
      id: "setup.logged_in",
      section: "setup",
      question: "Has the customer logged in?",
      kind: "automated",
      rule: expect.any(String),
    });
  });

  test("refresh --all --json reports each customer; a revoked key is failed with a clear reason and a non-zero exit", async () => {
    const result = await cli(env, "refresh", "--all", "--json");
    expect(result.code).toBe(1);
    const outcomes = result.json();
    expect(outcomes.map((o: { slug: string; status: string }) => [o.slug, o.status])).toEqual([
      ["acme-analytics", "ok"],
      ["revoked-key-ltd", "failed"],
    ]);
    expect(outcomes[1].errors[0]).toMatchObject({
      call: "project",
      kind: "auth",
      message: "PostHog rejected the API key; it may have been revoked (HTTP 401, authentication_failed)",
    });
    expect(JSON.stringify(outcomes)).not.toContain(sandbox.customers[0]!.apiKey);
  });

  test("refresh without a terminal prints a summary line per customer", async () => {
    const result = await cli(env, "refresh", "--customer", "acme-analytics");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^acme-analytics: refreshed, score [\d.]+ \(healthy, coverage [\d.]+%\)\n1 refreshed: 1 ok$/);
  });

  test.each([
    [["refresh"], "Usage: delight refresh --customer SLUG | --all [--concurrency N]"],
    [["refresh", "--all", "--concurrency", "0"], "--concurrency must be a whole number from 1 to 64"],
    [["refresh", "--customer", "nope"], "No customer with slug nope"],
    [["answer", "acme-analytics", "training.demo_received", "maybe"], "answer: Answer yes, no or na"],
    [["answer", "acme-analytics", "no.such.check", "yes"], "checkId: There is no check with this id (see delight checks)"],
    [["report"], "Usage: delight report SLUG [--json]"],
  ])("bad input %j: one line, non-zero", async (argv, message) => {
    const result = await cli(env, ...argv);
    expect(result.code).toBeGreaterThan(0);
    expect(result.stderr).toBe(message);
  });

  test("answer records a manual answer and report shows it with the new score", async () => {
    const before = (await cli(env, "report", "acme-analytics", "--json")).json();
    const answered = await cli(env, "answer", "acme-analytics", "training.demo_received", "yes", "--note", "Demo on 3 Nov", "--json");
    expect(answered.json()).toMatchObject({ status: "pass", checkId: "training.demo_received" });
    const after = (await cli(env, "report", "acme-analytics", "--json")).json();
    expect(after.checks.find((c: { id: string }) => c.id === "training.demo_received")).toMatchObject({ status: "pass", source: "manual" });
    expect(after.health.coverage).toBeGreaterThan(before.health.coverage);
    expect(after.apiKey).toMatch(/^phx_…/);
    expect(after.health).toMatchObject({ band: "healthy", stale: false, lastRefresh: { status: "ok" } });
    const text = await cli(env, "report", "acme-analytics");
    expect(text.stdout).toMatch(/^Acme Analytics \(acme-analytics\)\nHealth: [\d.]+ healthy/);
  });
});

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../setup/cli";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const KEY = "phx_cliSecretKey_0123456789abcdefWXYZ";
let database: TestDatabase;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // The CLI opens and closes its own database per command, so PGlite needs a real folder here.
  const { mkdtempSync } = await import("node:fs");
  const os = await import("node:os");
  dataDir = mkdtempSync(`${os.tmpdir()}/delight-cli-`);
  env = { ...database.env, DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "false" };
});
afterAll(async () => {
  await database.drop();
  const { rmSync } = await import("node:fs");
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`CLI (${process.env.DELIGHT_TEST_DB})`, () => {
  test("migrate twice is a no-op", async () => {
    expect((await cli(env, "migrate")).code).toBe(0);
    const again = await cli(env, "migrate", "--json");
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ ok: true });
  });

  test("user add prints a one-time password; bad input exits non-zero with one line", async () => {
    const ok = await cli(env, "user", "add", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--json");
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({ email: "ops@example.com", role: "admin", password: expect.stringMatching(/^\S{16}$/) });
    const bad = await cli(env, "user", "add", "--email", "x", "--name", "X", "--role", "root");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("email: Enter a valid email address; role: Role must be admin, csm or viewer");
    expect(bad.stderr.split("\n")).toHaveLength(1);
  });

  test("plan add, customer add with the key masked in every output", async () => {
    expect((await cli(env, "plan", "add", "--name", "Growth", "--monthly-events", "500000")).code).toBe(0);
    const added = await cli(
      env,
      "customer",
      "add",
      "--name",
      "Initech",
      "--posthog-host",
      "us",
      "--project-id",
      "9",
      "--api-key",
      KEY,
      "--plan",
      "growth",
      "--billing-day",
      "28",
      "--owner",
      "ops@example.com",
      "--json",
    );
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({
      slug: "initech",
      apiKey: "phx_…WXYZ",
      plan: { name: "Growth", monthlyEvents: 500000 },
      billingDay: 28,
      owner: { email: "ops@example.com" },
    });
    const list = await cli(env, "customer", "list", "--json");
    expect(list.json()).toHaveLength(1);
    expect(list.stdout + added.stdout).not.toContain(KEY);
  });

  test.each([
    [
      ["customer", "add", "--name", "X", "--posthog-host", "us", "--project-id", "abc", "--api-key", KEY],
      "projectId: Project id is the number in your PostHog project URL",
    ],
    [
      ["customer", "add", "--name", "X", "--posthog-host", "http://10.0.0.5", "--project-id", "1", "--api-key", KEY],
      "posthogHost: The PostHog address must use https://",
    ],
    [
      ["customer", "add", "--name", "X", "--posthog-host", "https://127.0.0.1:8000", "--project-id", "1", "--api-key", KEY],
      "posthogHost: The PostHog address must be a public host, not a local or private network address",
    ],
    [
      ["customer", "add", "--name", "X", "--posthog-host", "us", "--project-id", "1", "--api-key", KEY, "--billing-day", "32"],
      "billingDay: Billing day is a day of the month from 1 to 31 (a month without it bills from its last day)",
    ],
    [
      ["customer", "add", "--name", "X", "--posthog-host", "us", "--project-id", "1", "--api-key", KEY, "--plan", "Nope"],
      'plan: No plan named "Nope" (see delight plan list)',
    ],
    [["customer", "add", "--name", "X", "--posthog-host", "us", "--project-id", "1"], "--api-key is required"],
    [["plan", "add", "--name", "Big", "--monthly-events=-5"], "monthlyEvents: Monthly events must be a whole number"],
    [["customer", "frobnicate"], "Usage: delight customer add|edit|archive|unarchive|list|import"],
    [["customer", "add", "--bogus"], "Unknown option --bogus"],
    [["nosuchcommand"], 'Unknown command "nosuchcommand". Run "npm run delight -- help" for the list.'],
  ])("bad input %j gets one clear line and changes nothing", async (argv, message) => {
    const result = await cli(env, ...argv);
    expect(result.code).toBeGreaterThan(0);
    expect(result.stderr).toBe(message);
    expect(result.stderr).not.toContain(KEY);
    expect((await cli(env, "customer", "list", "--json")).json()).toHaveLength(1);
  });

  test("customer edit and archive", async () => {
    const edited = await cli(env, "customer", "edit", "initech", "--name", "Initech Global", "--json");
    expect(edited.json()).toMatchObject({ slug: "initech", name: "Initech Global", apiKey: "phx_…WXYZ" });
    const hostChange = await cli(env, "customer", "edit", "initech", "--posthog-host", "eu");
    expect(hostChange.stderr).toBe("apiKey: Re-enter the API key when changing the PostHog host");
    expect((await cli(env, "customer", "archive", "initech")).code).toBe(0);
    expect((await cli(env, "customer", "list", "--json")).json()).toHaveLength(0);
    expect((await cli(env, "customer", "list", "--all", "--json")).json()[0].archivedAt).not.toBeNull();
  });

  test("token create shows the token once", async () => {
    const result = await cli(env, "token", "create", "--user", "ops@example.com", "--json");
    expect(result.json().token).toMatch(/^dlt_/);
  });
});

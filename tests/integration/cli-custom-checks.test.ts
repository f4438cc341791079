import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../setup/cli";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

let database: TestDatabase;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // A real folder: with PGlite each CLI call is its own process-like open of the same data.
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-cli-custom-"));
  env = { ...database.env, DELIGHT_DATA_DIR: dataDir };
  await cli(env, "plan", "add", "--name", "Growth", "--monthly-events", "1000000");
  await cli(env, "plan", "add", "--name", "Scale", "--monthly-events", "2000000");
});
afterAll(async () => {
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`delight check add / list / retire (${process.env.DELIGHT_TEST_DB})`, () => {
  test("adds a manual and an event check, lists them, retires one; checks --json keeps the 24 built-ins first", async () => {
    const manual = await cli(
      env,
      "check",
      "add",
      "--section",
      "training",
      "--question",
      "Did we run a kick-off call?",
      "--weight",
      "2",
      "--plans",
      "Growth, Scale",
      "--json",
    );
    expect(manual.code).toBe(0);
    expect(manual.json()).toMatchObject({
      id: "custom.did_we_run_a_kick_off_call",
      kind: "manual",
      section: "training",
      weight: 2,
      scoringVersion: 2,
      retiredAt: null,
    });
    expect(manual.json().planIds).toHaveLength(2);
    const event = await cli(
      env,
      "check",
      "add",
      "--section",
      "setup",
      "--question",
      "Reverse proxy on the production domain?",
      "--kind",
      "event",
      "--event",
      "$pageview",
      "--property",
      "$lib_custom_api_host",
      "--operator",
      "is_set",
      "--min-count",
      "100",
      "--days",
      "14",
    );
    expect(event).toMatchObject({
      code: 0,
      stdout: "Added custom.reverse_proxy_on_the_production_domain (event, weight 1); scoring version 3",
    });
    const checks = (await cli(env, "checks", "--json")).json();
    expect(checks.slice(0, 24).every((c: { origin?: string }) => c.origin === undefined)).toBe(true);
    expect(checks.slice(24).map((c: { id: string; origin: string; kind: string }) => [c.id, c.origin, c.kind])).toEqual([
      ["custom.did_we_run_a_kick_off_call", "custom", "manual"],
      ["custom.reverse_proxy_on_the_production_domain", "custom", "automated"],
    ]);
    expect((await cli(env, "check", "retire", "custom.did_we_run_a_kick_off_call")).stdout).toBe(
      "Retired custom.did_we_run_a_kick_off_call; scoring version 4",
    );
    const list = (await cli(env, "check", "list", "--json")).json();
    expect(list.map((c: { id: string; retiredAt: string | null }) => [c.id, c.retiredAt === null])).toEqual([
      ["custom.did_we_run_a_kick_off_call", false],
      ["custom.reverse_proxy_on_the_production_domain", true],
    ]);
    expect(list[1].event).toEqual({
      event: "$pageview",
      property: "$lib_custom_api_host",
      operator: "is_set",
      value: null,
      minCount: 100,
      days: 14,
      count: "events",
    });
    expect((await cli(env, "checks", "--json")).json()).toHaveLength(25);
  });

  test("an event check with 'does not contain' counting unique persons", async () => {
    const added = await cli(
      env,
      "check",
      "add",
      "--section",
      "value",
      "--question",
      "Real people outside staging?",
      "--event",
      "$pageview",
      "--property",
      "$host",
      "--operator",
      "not_contains",
      "--value",
      "staging",
      "--count",
      "persons",
      "--min-count",
      "25",
      "--days",
      "7",
      "--json",
    );
    expect(added.code).toBe(0);
    expect(added.json().event).toEqual({
      event: "$pageview",
      property: "$host",
      operator: "not_contains",
      value: "staging",
      minCount: 25,
      days: 7,
      count: "persons",
    });
    const listed = (await cli(env, "checks", "--json")).json().find((c: { id: string }) => c.id === added.json().id);
    expect(listed.rule).toBe(
      'Passes when at least 25 distinct persons did $pageview where $host does not contain "staging" (any case) in the 7×24 hours before the refresh.',
    );
  });

  test.each([
    [
      [
        "check",
        "add",
        "--section",
        "setup",
        "--question",
        "Traffic?",
        "--event",
        "$pageview",
        "--property",
        "$host' OR 1=1",
        "--operator",
        "equals",
        "--value",
        "x",
        "--min-count",
        "1",
        "--days",
        "7",
      ],
      /^property: Property names are letters/,
    ],
    [
      ["check", "add", "--section", "setup", "--question", "Signups lately?", "--event", "signed_up", "--min-count", "1", "--days", "120"],
      /^days: Days must be at most 90$/,
    ],
    [
      ["check", "add", "--section", "setup", "--question", "Signups lately?", "--kind", "manual", "--event", "signed_up"],
      /^event: Only event checks take an event definition/,
    ],
    [
      ["check", "add", "--section", "setup", "--question", "Big teams?", "--event", "upgraded", "--property", "seats"].concat([
        "--operator",
        "gt",
        "--value",
        "ten",
        "--min-count",
        "1",
        "--days",
        "7",
      ]),
      /^value: Greater than and less than compare with a number$/,
    ],
    [
      ["check", "add", "--section", "setup", "--question", "Signups lately?", "--event", "signed_up", "--count", "sessions"].concat([
        "--min-count",
        "1",
        "--days",
        "7",
      ]),
      /^count: Count events or persons$/,
    ],
    [
      ["check", "add", "--section", "setup", "--question", "Signups lately?", "--kind", "manual", "--count", "persons"],
      /^count: Only event checks take an event definition/,
    ],
    [["check", "add", "--section", "nope", "--question", "Signups lately?"], /^section: Choose setup, training or value$/],
    [["check", "add", "--section", "value", "--question", "Signups lately?", "--plans", "Nope"], /^plans: There is no plan named Nope$/],
    [["check", "retire", "setup.actions"], /^id: Only custom checks \(custom\.…\) can be retired$/],
    [["check", "retire", "custom.never_added"], /^id: There is no active custom check custom\.never_added$/],
    [["check", "frobnicate"], /^Usage: delight check add/],
  ])("%j is refused with one line and changes nothing", async (argv, message) => {
    const before = (await cli(env, "check", "list", "--json")).json();
    const result = await cli(env, ...argv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect((await cli(env, "check", "list", "--json")).json()).toEqual(before);
  });
});

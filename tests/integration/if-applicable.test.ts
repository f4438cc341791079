import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { createCustomer } from "../../app/models/customers.server";
import * as customerPage from "../../app/routes/_app.customers.$slug._index";
import { refreshCustomer } from "../../checks/refresh";
import { customers, manualAnswers } from "../../db/schema";
import { cli } from "../setup/cli";
import { callAction, callLoader, setupTestApp } from "../setup/test-app";

/*
 * "If applicable" questions (test data removed, feature flags): a person's "not applicable"
 * takes the check out of the score until withdrawn, whatever later refreshes find. Every other
 * automated check refuses an answer, on the web and on the command line, rather than storing
 * one that would be ignored.
 */

const app = setupTestApp();
let sandbox: Sandbox;
let editor: { cookie: string; email: string };
const slug = "localhost-labs";
const params = { slug };
const PAGE = `/customers/${slug}`;

beforeAll(async () => {
  sandbox = await startSandbox();
  // Localhost only, no $host test filter and no flags: both "if applicable" checks fail.
  const spec = sandbox.customers.find((c) => c.name === "localhost-only")!;
  await createCustomer(
    app.ctx.db,
    CLI_ACTOR,
    { name: spec.title, posthogHost: sandbox.url, projectId: spec.projectId, apiKey: spec.apiKey, planId: null, billingDay: 1 },
    { secretKey: app.ctx.secretKey, allowPrivateHosts: true },
  );
  await refresh();
  editor = await app.signIn("csm", "ann@example.com");
});
afterAll(async () => {
  await sandbox?.close();
});

async function refresh() {
  const [row] = await app.ctx.db.select().from(customers).where(eq(customers.slug, slug));
  expect((await refreshCustomer(app.ctx.db, app.ctx.secretKey, row!)).status).toBe("ok");
}
const page = async () => (await callLoader(customerPage, PAGE, { cookie: editor.cookie, params })).data;
const checkOf = (data: any, id: string) => data.checklist.flatMap((s: any) => s.checks).find((c: any) => c.checkId === id);
const post = (form: Record<string, string>) => callAction(customerPage, PAGE, form, { cookie: editor.cookie, params });
const answerCount = async () => (await app.ctx.db.select({ n: count() }).from(manualAnswers))[0]!.n;
const run = (...argv: string[]) => cli({ context: app.ctx }, ...argv);

describe(`"not applicable" on an "if applicable" check (${process.env.DELIGHT_TEST_DB})`, () => {
  test("na on both checks (web and CLI) raises the score, shows who said so, and survives a refresh", async () => {
    const before = await page();
    expect(checkOf(before, "setup.test_data_removed")).toMatchObject({ status: "fail", answers: ["na"], answerInForce: null });
    expect(checkOf(before, "setup.feature_flags")).toMatchObject({ status: "fail", answers: ["na"] });

    const web = await post({
      intent: "answer",
      checkId: "setup.test_data_removed",
      answer: "na",
      note: "No staging: localhost is their demo",
    });
    expect(web.status).toBe(200);
    let data = await page();
    expect(checkOf(data, "setup.test_data_removed")).toMatchObject({
      status: "na",
      source: "manual",
      summary: expect.stringMatching(
        /^Not applicable — ann@example\.com on \d{4}-\d{2}-\d{2}: No staging: localhost is their demo \(automated: fail, /,
      ),
      answerInForce: { answer: "na", by: "ann@example.com" },
    });
    expect(data.score.value).toBeGreaterThan(before.score.value);
    const afterOne = data.score.value;

    const byCli = await run(
      "answer",
      slug,
      "setup.feature_flags",
      "na",
      "--by",
      "ann@example.com",
      "--note",
      "They ship no flags",
      "--json",
    );
    expect(byCli.code).toBe(0);
    expect(byCli.json()).toMatchObject({ checkId: "setup.feature_flags", answer: "na", status: "na" });
    data = await page();
    expect(checkOf(data, "setup.feature_flags").summary).toMatch(/^Not applicable — ann@example\.com on /);
    expect(data.score.value).toBeGreaterThan(afterOne);
    const scored = data.score.value;

    // A later refresh finds the same failing facts; the people's answers still hold.
    await refresh();
    data = await page();
    expect(checkOf(data, "setup.test_data_removed").status).toBe("na");
    expect(checkOf(data, "setup.feature_flags").status).toBe("na");
    expect(checkOf(data, "setup.feature_flags").automated.status).toBe("fail");
    expect(data.score.value).toBe(scored);
  });

  test("withdrawn (web and CLI), the automated result is back and the history keeps both rows", async () => {
    const before = (await page()).score.value;
    const web = await post({ intent: "withdraw-answer", checkId: "setup.test_data_removed" });
    expect(web.status).toBe(200);
    let data = await page();
    const check = checkOf(data, "setup.test_data_removed");
    expect([check.status, check.source, check.answerInForce]).toEqual(["fail", "posthog", null]);
    expect(check.history.map((h: any) => h.what)).toEqual(["Withdrew the answer", 'Answered "na"']);
    expect(data.score.value).toBeLessThan(before);

    const again = await post({ intent: "withdraw-answer", checkId: "setup.test_data_removed" });
    expect(again.status).toBe(400);
    expect(again.data.errors).toEqual({ checkId: "There is no answer on this check to withdraw" });

    const byCli = await run("answer", slug, "setup.feature_flags", "withdraw", "--json");
    expect(byCli.code).toBe(0);
    expect(byCli.json()).toMatchObject({ answer: "withdrawn", status: "fail" });
    data = await page();
    expect(checkOf(data, "setup.feature_flags").status).toBe("fail");
  });

  test("answers a check would not use are refused with a message pointing to overrides, and nothing is stored", async () => {
    const stored = await answerCount();
    const production = await post({ intent: "answer", checkId: "setup.production", answer: "yes", note: "" });
    expect(production.status).toBe(400);
    expect(production.data.errors.checkId).toBe(
      "setup.production is decided from PostHog and takes no answer. To change its result, set an override with a reason on the customer page.",
    );
    expect(production.data.values).toMatchObject({ checkId: "setup.production", answer: "yes" });
    const yesOnFlags = await post({ intent: "answer", checkId: "setup.feature_flags", answer: "yes", note: "" });
    expect(yesOnFlags.status).toBe(400);
    expect(yesOnFlags.data.errors.answer).toMatch(
      /^setup\.feature_flags takes only "na": PostHog decides yes or no\. To change its result, set an override/,
    );

    const catchup = await run("answer", slug, "value.quarterly_catchup", "yes");
    expect(catchup.code).toBe(1);
    expect(catchup.stderr).toBe(
      "checkId: value.quarterly_catchup is decided from delight's own records and takes no answer. To change its result, set an override with a reason on the customer page.",
    );
    const noOnTestData = await run("answer", slug, "setup.test_data_removed", "no");
    expect(noOnTestData.code).toBe(1);
    expect(noOnTestData.stderr).toMatch(/^answer: setup\.test_data_removed takes only "na"/);
    expect(await answerCount()).toBe(stored);
  });

  test("the toolbar and manual checks still take yes, no and na", async () => {
    const toolbar = await post({ intent: "answer", checkId: "setup.toolbar", answer: "yes", note: "Uses it weekly" });
    expect(toolbar.status).toBe(200);
    expect(checkOf(await page(), "setup.toolbar").answers).toEqual(["yes", "no", "na"]);
    const manual = await run("answer", slug, "training.joint_slack", "no", "--json");
    expect(manual.json()).toMatchObject({ status: "fail" });
  });
});

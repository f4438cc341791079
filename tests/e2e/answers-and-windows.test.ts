import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { CLI_ACTOR } from "../../app/models/audit.server";
import { customerToday, scheduleCatchup } from "../../app/models/catchups.server";
import { getCustomer } from "../../app/models/customers.server";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { shiftDay } from "../../checks/days";
import {
  addSandboxCustomer,
  collectConsoleErrors,
  delightCli,
  launchBrowser,
  type RunningApp,
  screenshot,
  signIn,
  startApp,
} from "./harness";

/*
 * Issue 10 in a real browser: a team event check with "does not contain" counting unique
 * persons, "not applicable" on an "if applicable" check, and an overdue catch-up.
 */

let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;
let password = "";
let overdueDate = "";
const SLIPPING = "/customers/slipping-ltd";
const LOCALHOST = "/customers/localhost-labs";
const CHECK = "custom.are_real_visitors_coming";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);
const inCheck = (id: string, selector: string) => `li[data-check="${id}"] ${selector}`;
const scoreText = () => page.textContent("[data-testid=score]");

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-answers-"));
  password = (await delight("user", "add", "--email", "admin@example.com", "--name", "Ada Admin", "--role", "admin")).password;
  for (const name of ["slipping", "localhost-only"]) {
    const c = sandbox.customers.find((x) => x.name === name)!;
    await addSandboxCustomer(dataDir, sandbox.url, c);
  }
  await delight("refresh", "--all");
  // A catch-up scheduled ten days ago for three days ago, never recorded: seeded before the
  // server opens the embedded database (one process at a time).
  const ctx = await openContext(loadConfig({ DELIGHT_DATA_DIR: dataDir, DELIGHT_REFRESH_INTERVAL: "0" }));
  const slipping = (await getCustomer(ctx.db, "slipping-ltd"))!;
  const now = new Date();
  overdueDate = shiftDay(await customerToday(ctx.db, slipping.id, now), -3);
  await scheduleCatchup(ctx.db, CLI_ACTOR, slipping.id, { date: overdueDate, attendees: "Ann" }, new Date(now.getTime() - 10 * 86_400_000));
  await ctx.dbHandle.close();
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  consoleErrors = collectConsoleErrors(page);
  await signIn(page, app.url, "admin@example.com", password);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("answers, windows and catch-ups in Chromium", () => {
  test("a team event check with 'does not contain' and 'unique persons', made in Settings, is decided on the customer page", async () => {
    await page.goto(`${app.url}/settings`);
    await page.selectOption("#f-section", "value");
    await page.selectOption("#f-kind", "event");
    await page.fill("#f-question", "Are real visitors coming?");
    await page.fill("#f-event", "$pageview");
    await page.fill("#f-property", "$host");
    await page.selectOption("#f-operator", "gt");
    await page.fill("#f-value", "staging");
    await page.selectOption("#f-count", "persons");
    await page.fill("#f-minCount", "25");
    await page.click("button:has-text('Add check')");
    await expect.poll(() => page.textContent("#f-value-error")).toBe("Greater than and less than compare with a number");
    expect(await page.inputValue("#f-question")).toBe("Are real visitors coming?");
    await page.selectOption("#f-operator", "not_contains");
    await page.fill("#f-value", "STAGING");
    await page.click("button:has-text('Add check')");
    await expect.poll(() => page.textContent("[data-testid=settings-message]")).toBe(`Added ${CHECK}; scoring version 2`);
    const rule =
      'Passes when at least 25 distinct persons did $pageview where $host does not contain "STAGING" (any case) in the 30×24 hours before the refresh.';
    expect(await page.textContent(`tr[data-custom-check="${CHECK}"]`)).toContain(rule);

    await page.goto(app.url + SLIPPING);
    await page.waitForSelector("svg.recharts-surface");
    expect(await page.textContent(inCheck(CHECK, ".summary"))).toMatch(/^Not measured yet/);
    expect(await page.textContent(inCheck(CHECK, ".rule"))).toBe(rule);
    await page.click("button:has-text('Refresh now')");
    await expect.poll(() => page.textContent("[data-testid=refresh-message]")).toMatch(/^Refresh ok/);
    // Slipping's 40 web visitors, each counted once over the window however often they came.
    await expect.poll(() => page.textContent(inCheck(CHECK, ".check-main [data-status]"))).toBe("passing");
    expect(await page.textContent(inCheck(CHECK, ".summary"))).toBe("40 distinct persons in the 30×24 hours before the refresh (needs 25)");
    await page.locator(`li[data-check="${CHECK}"]`).scrollIntoViewIfNeeded();
    await screenshot(page, "event-check-persons");
  });

  test("an overdue catch-up is shown on the customer page and in the pack, fails the check, and can be rescheduled", async () => {
    await page.goto(app.url + SLIPPING);
    const notice = await page.textContent("[data-testid=overdue-catchups]");
    expect(notice).toContain(`Catch-up scheduled for ${overdueDate} (Ann): overdue: record it or reschedule`);
    expect(await page.textContent(inCheck("value.quarterly_catchup", ".check-main [data-status]"))).toBe("failing");
    expect(await page.textContent(inCheck("value.quarterly_catchup", ".summary"))).toBe(
      `Catch-up scheduled for ${overdueDate} is overdue: record it or reschedule.`,
    );
    await page.click("[data-testid=overdue-catchups] a:has-text('Record or reschedule it')");
    await page.waitForURL(/\/catchup\?record=\d+$/);
    expect(await page.textContent("[data-testid=overdue]")).toContain(`${overdueDate} overdue: record it or reschedule`);
    expect(await page.textContent("#catchup-form-heading")).toBe(`Record or reschedule the catch-up of ${overdueDate}`);
    await screenshot(page, "catchup-overdue");
    const later = shiftDay(overdueDate, 17);
    await page.fill("#f-date", later);
    await page.click("button:has-text('Reschedule to this date')");
    await expect.poll(() => page.textContent("[data-testid=catchup-saved]")).toBe(`Catch-up scheduled for ${later}`);
    await expect.poll(() => page.locator("[data-testid=overdue-catchups]").count()).toBe(0);
    expect(await page.textContent("[data-testid=upcoming]")).toContain(later);
    await page.goto(app.url + SLIPPING);
    expect(await page.locator("[data-testid=overdue-catchups]").count()).toBe(0);
    expect(await page.textContent(inCheck("value.quarterly_catchup", ".check-main [data-status]"))).toBe("passing");
  });

  test("'not applicable' on an 'if applicable' check counts until withdrawn; other automated checks offer only an override", async () => {
    await page.goto(app.url + LOCALHOST);
    await page.waitForSelector("svg.recharts-surface");
    // Measure the team check added above too, so the score only moves with the answer below.
    await page.click("button:has-text('Refresh now')");
    await expect.poll(() => page.textContent("[data-testid=refresh-message]")).toMatch(/^Refresh ok/);
    // The page has reloaded its data once the team check shows its result (no $pageview here).
    await expect.poll(() => page.textContent(inCheck(CHECK, ".check-main [data-status]"))).toBe("failing");
    const flags = "setup.feature_flags";
    expect(await page.textContent(inCheck(flags, ".check-main [data-status]"))).toBe("failing");
    expect(await page.locator(inCheck("setup.production", "summary")).allTextContents()).toContain("Override");
    expect(await page.locator(inCheck("setup.production", "[data-testid^=answer-]")).count()).toBe(0);
    const before = await scoreText();
    await page.click(inCheck(flags, "summary:has-text('Answer or override')"));
    expect(await page.locator(inCheck(flags, "[data-testid^=answer-] input[type=radio]")).count()).toBe(0);
    await page.fill("#setup-feature_flags-note", "They do not use flags at all");
    await page.click(inCheck(flags, "button:has-text('Mark not applicable')"));
    await expect.poll(() => page.textContent(inCheck(flags, ".check-main [data-status]"))).toBe("not applicable");
    await expect.poll(scoreText).not.toBe(before);
    expect(await page.textContent(inCheck(flags, ".summary"))).toMatch(
      /^Not applicable — admin@example\.com on \d{4}-\d{2}-\d{2}: They do not use flags at all \(automated: fail, /,
    );
    expect(await page.textContent(inCheck(flags, "[data-testid=answer-note]"))).toContain("Not applicable — admin@example.com on");
    await page.locator(inCheck(flags, "[data-testid=answer-note]")).scrollIntoViewIfNeeded();
    await screenshot(page, "if-applicable-na");

    // A later refresh finds the same; the answer holds.
    const withAnswer = await scoreText();
    await page.click("button:has-text('Refresh now')");
    await expect.poll(() => page.textContent("[data-testid=refresh-message]")).toMatch(/^Refresh ok: refreshed, score /);
    expect(await page.textContent(inCheck(flags, ".check-main [data-status]"))).toBe("not applicable");
    expect(await scoreText()).toBe(withAnswer);

    await page.click(inCheck(flags, "button:has-text('Withdraw “not applicable”')"));
    await expect.poll(() => page.textContent(inCheck(flags, ".check-main [data-status]"))).toBe("failing");
    await expect.poll(scoreText).toBe(before);
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

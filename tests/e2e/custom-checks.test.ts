import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
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

let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;
let password = "";
const SLIPPING = "/customers/slipping-ltd";
const MANUAL = "custom.did_we_send_the_welcome_pack";
const EVENT = "custom.are_people_signing_up";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);

const scoreText = () => page.textContent("[data-testid=score]");
const inCheck = (id: string, selector: string) => `li[data-check="${id}"] ${selector}`;
const settingsMessage = () => page.textContent("[data-testid=settings-message]");

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-custom-"));
  password = (await delight("user", "add", "--email", "admin@example.com", "--name", "Ada Admin", "--role", "admin")).password;
  const c = sandbox.customers.find((x) => x.name === "slipping")!;
  await delight("plan", "add", "--name", c.suggestedPlan.name, "--monthly-events", String(c.suggestedPlan.monthlyEvents));
  await addSandboxCustomer(dataDir, sandbox.url, c, "--plan", c.suggestedPlan.name, "--billing-day", String(c.billingDay));
  await delight("refresh", "--all");
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

describe("team-defined checks and scoring versions in Chromium", () => {
  test("an admin adds a custom manual check and a custom event check in Settings; a bad one is refused", async () => {
    await page.goto(`${app.url}/settings`);
    expect(await page.textContent("[data-testid=scoring-version]")).toBe("version 1");
    await page.selectOption("#f-section", "training");
    await page.fill("#f-question", "Did we send the welcome pack?");
    await page.fill("#f-weight", "3");
    await page.click("button:has-text('Add check')");
    await expect.poll(settingsMessage).toBe(`Added ${MANUAL}; scoring version 2`);

    await page.selectOption("#f-section", "value");
    await page.selectOption("#f-kind", "event");
    await page.fill("#f-question", "Are people signing up?");
    await page.fill("#f-weight", "2");
    await page.fill("#f-event", "signed_up");
    await page.fill("#f-property", "plan') OR 1=1 --");
    await page.selectOption("#f-operator", "equals");
    await page.fill("#f-value", "pro");
    await page.click("button:has-text('Add check')");
    await expect.poll(() => page.textContent("#f-property-error")).toMatch(/^Property names are letters/);
    expect(await page.inputValue("#f-question")).toBe("Are people signing up?");
    await page.fill("#f-property", "");
    await page.selectOption("#f-operator", "");
    await page.fill("#f-value", "");
    await page.click("button:has-text('Add check')");
    await expect.poll(settingsMessage).toBe(`Added ${EVENT}; scoring version 3`);
    await expect
      .poll(() => page.textContent("[data-testid=custom-checks]"))
      .toContain("Passes when signed_up happened at least once in the 30×24 hours before the refresh.");
    expect(await page.locator("[data-testid=scoring-versions] > li").count()).toBe(3);
  });

  test("the custom checks appear on the checklist; answering and refreshing change the score", async () => {
    await page.goto(app.url + SLIPPING);
    await page.waitForSelector("svg.recharts-surface");
    expect(await page.locator("li.check").count()).toBe(26);
    expect(await page.textContent(inCheck(MANUAL, "[data-testid=origin]"))).toBe("team");
    expect(await page.textContent(inCheck(EVENT, ".summary"))).toMatch(/^Not measured yet/);
    const before = await scoreText();
    await page.check(inCheck(MANUAL, "input[value=yes]"));
    await page.click(inCheck(MANUAL, "button:has-text('Save answer')"));
    await expect.poll(scoreText).not.toBe(before);
    expect(await page.textContent(inCheck(MANUAL, "[data-status]"))).toBe("passing");

    const answered = await scoreText();
    await page.click("button:has-text('Refresh now')");
    await expect.poll(() => page.textContent("[data-testid=refresh-message]")).toMatch(/^Refresh ok/);
    await expect.poll(() => page.textContent(inCheck(EVENT, ".check-main [data-status]"))).toBe("failing");
    expect(await page.textContent(inCheck(EVENT, ".summary"))).toBe("0 matching events in the 30×24 hours before the refresh (needs 1)");
    expect(await scoreText()).not.toBe(answered);
    await screenshot(page, "custom-checks-customer");
  });

  test("an admin weights a custom check to 0 (a new version); the score and the history chart show it", async () => {
    const before = (await scoreText())!;
    await page.goto(`${app.url}/settings`);
    await page.fill(`#w-${MANUAL.replace(".", "-")}`, "11");
    await page.click("button:has-text('Save as new scoring version')");
    await expect.poll(() => page.textContent(`#w-${MANUAL.replace(".", "-")}-error`)).toBe("Weights are whole numbers from 0 to 10");
    await page.fill(`#w-${MANUAL.replace(".", "-")}`, "0");
    await page.fill(`#w-${EVENT.replace(".", "-")}`, "4");
    await page.click("button:has-text('Save as new scoring version')");
    await expect.poll(settingsMessage).toBe("Saved scoring version 4; every customer is being re-assessed under it");
    const v4 = await page.textContent("[data-testid=scoring-versions] li[data-version='4']");
    expect(v4).toContain(`${MANUAL}: weight 3 → 0`);
    expect(v4).toContain(`${EVENT}: weight 2 → 4`);
    expect(v4).toContain("admin@example.com");
    await screenshot(page, "custom-checks-settings");

    await page.goto(app.url + SLIPPING);
    await page.waitForSelector("figure.chart .recharts-wrapper > svg.recharts-surface");
    expect(await scoreText()).not.toBe(before);
    // Versions 2–4 were all saved today: one mark, one label.
    await expect
      .poll(async () => (await page.locator("figure.chart svg text").allTextContents()).filter((t) => t.startsWith("scoring")))
      .toEqual(["scoring v2 → v4"]);
  });

  test("an admin retires the manual check: it leaves the checklist and the score, its history stays in Settings", async () => {
    const before = await scoreText();
    await page.goto(`${app.url}/settings`);
    await page.click(`tr[data-custom-check="${MANUAL}"] button:has-text('Retire')`);
    await expect.poll(settingsMessage).toBe(`Retired ${MANUAL}; scoring version 5`);
    expect(await page.textContent(`tr[data-custom-check="${MANUAL}"] [data-testid=retired]`)).toMatch(/^retired \d{4}-\d{2}-\d{2}/);
    await page.goto(app.url + SLIPPING);
    await page.waitForSelector("figure.chart .recharts-wrapper > svg.recharts-surface");
    expect(await page.locator(`li[data-check="${MANUAL}"]`).count()).toBe(0);
    expect(await page.locator("li.check").count()).toBe(25);
    // Weight 0 already kept it out of the score, so retiring it changes the version, not the number.
    expect(await scoreText()).toBe(before);
    await expect
      .poll(async () => (await page.locator("figure.chart svg text").allTextContents()).filter((t) => t.startsWith("scoring")))
      .toEqual(["scoring v2 → v5"]);
    await page.locator("figure.chart").first().scrollIntoViewIfNeeded();
    await screenshot(page, "custom-checks-history");
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

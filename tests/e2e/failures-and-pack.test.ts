import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, delightCli, launchBrowser, type RunningApp, screenshot, signIn, startApp } from "./harness";

let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;
let password: string;
const REVOKED = "/customers/revoked-co";
const SENTENCE = "PostHog rejected the API key — ask the customer for a new personal API key.";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);
const scenario = (name: string) => sandbox.customers.find((c) => c.name === name)!;

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-care-"));
  password = (await delight("user", "add", "--email", "csm@example.com", "--name", "Casey CSM", "--role", "csm")).password;
  const revoked = scenario("revoked-key");
  await delight(
    "customer",
    "add",
    "--name",
    "Revoked Co",
    "--posthog-host",
    sandbox.url,
    "--project-id",
    String(revoked.projectId),
    "--api-key",
    revoked.apiKey,
  );
  // Its refresh fails (the CLI says so with a non-zero exit); the run is stored all the same.
  await expect(delight("refresh", "--all")).rejects.toThrow(/refresh --all failed/);
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  consoleErrors = collectConsoleErrors(page);
  await signIn(page, app.url, "csm@example.com", password);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("failures up front, in Chromium", () => {
  test("a revoked key: one sentence with what to do at the top of the page, said once", async () => {
    await page.goto(app.url + REVOKED);
    const notice = page.locator("[data-testid=refresh-problem]");
    expect(await notice.getAttribute("role")).toBe("alert");
    expect(await notice.textContent()).toBe(`Last refresh failed: ${SENTENCE}`);
    // Above the score, and nowhere else on the page (the bottom panel names the cause once).
    const text = await page.locator("body").innerText();
    expect(text.split("PostHog rejected the API key").length - 1).toBe(2);
    expect(await page.locator("[data-testid=last-refresh] li").count()).toBe(1);
    const top = await notice.boundingBox();
    const score = await page.locator("[data-testid=score]").boundingBox();
    expect(top!.y).toBeLessThan(score!.y);
    await expectNoSeriousViolations(page, "customer page with a failed refresh");
    await screenshot(page, "customer-refresh-problem");
  });

  test("the portfolio row says it briefly, with the whole sentence for screen readers", async () => {
    await page.goto(`${app.url}/`);
    const badge = page.locator("[data-testid=row-problem]");
    expect(await badge.count()).toBe(1);
    expect(await badge.getAttribute("title")).toBe(SENTENCE);
    expect(await badge.textContent()).toBe(`⚠ API key rejected: ${SENTENCE}`);
  });

  test("a customer added in the UI is refreshed at once: progress, then a score, without Refresh now", async () => {
    const healthy = scenario("healthy");
    // Slow answers keep the refresh running long enough to watch it.
    sandbox.setFaults({ perCustomer: { healthy: { latencyMs: 1500 } } });
    await page.goto(`${app.url}/customers/new`);
    await page.fill("#f-name", "Initech");
    await page.selectOption("#f-posthogRegion", "custom");
    await page.fill("#f-customHost", sandbox.url);
    await page.fill("#f-projectId", String(healthy.projectId));
    await page.fill("#f-apiKey", healthy.apiKey);
    await page.fill("#f-billingDay", "1");
    await page.click("button:has-text('Add customer')");
    await page.waitForURL(/\/customers\/initech$/);
    const progress = page.locator("[data-testid=refresh-progress]");
    expect(await progress.textContent()).toMatch(/^Refreshing from PostHog… started \d+ s ago$/);
    await screenshot(page, "customer-refreshing");
    await expect.poll(() => progress.textContent(), { timeout: 30_000 }).toBe("Refresh finished: the page shows its results.");
    expect(await page.textContent("[data-testid=score]")).toMatch(/^\d/);
    expect(await page.locator("[data-testid=refresh-problem]").count()).toBe(0);
    sandbox.setFaults({});
    expect(consoleErrors).toEqual([]);
  });
});

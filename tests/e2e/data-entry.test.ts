import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, delightCli, holdScripts, launchBrowser, type RunningApp, screenshot, signIn, startApp } from "./harness";

let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;
let password: string;
// A closed local port: refreshes of what the tests add fail at once and reach nobody.
const HOST = "http://127.0.0.1:9";
const KEY = "phx_e2eImportSecret_0123456789abcdef";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);
const sideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-entry-"));
  password = (await delight("user", "add", "--email", "csm@example.com", "--name", "Casey Csm", "--role", "csm")).password;
  await delight("user", "add", "--email", "viewer@example.com", "--name", "Vera Viewer", "--role", "viewer");
  await delight("plan", "add", "--name", "Growth", "--monthly-events", "1000000");
  await delight(
    "customer",
    "add",
    "--name",
    "Ørsted A/S",
    "--posthog-host",
    HOST,
    "--project-id",
    "1",
    "--api-key",
    KEY,
    "--arr",
    "250000",
    "--currency",
    "EUR",
  );
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  page.setDefaultTimeout(15_000);
  consoleErrors = collectConsoleErrors(page);
  await signIn(page, app.url, "csm@example.com", password);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("data entry in Chromium", () => {
  test("the customer form: every mistake at once, a taken project links to its customer, owners are admins and csms", async () => {
    await page.goto(`${app.url}/customers/new`);
    const owners = await page.locator("#f-ownerId option").allTextContents();
    expect(owners).toContain("Casey Csm");
    expect(owners).not.toContain("Vera Viewer");
    await page.selectOption("#f-posthogRegion", "custom");
    await page.fill("#f-customHost", HOST);
    await page.fill("#f-projectId", "1");
    await page.fill("#f-billingDay", "40");
    await page.fill("#f-revenue", "12.345");
    await page.fill("[id='f-contacts.0.email']", "not an address");
    await page.click("button:has-text('Add customer')");
    await page.waitForSelector(".field .error");
    const errors = await page.locator(".field .error").allTextContents();
    expect(errors).toEqual(
      expect.arrayContaining([
        "Name is required",
        "This PostHog project is already added as Ørsted A/S",
        expect.stringMatching(/^Billing day is a day of the month/),
        "The PostHog personal API key is required",
        expect.stringMatching(/^Revenue is an amount/),
        "Enter a valid e-mail address",
      ]),
    );
    expect(await page.getAttribute("[data-testid=duplicate-link] a", "href")).toBe("/customers/orsted-a-s");
    await expectNoSeriousViolations(page, "customer form with errors");
    for (const [width, height] of [
      [390, 844],
      [1024, 768],
    ] as const) {
      await page.setViewportSize({ width, height });
      expect(await sideways(page), `customer form at ${width}`).toBeLessThanOrEqual(0);
      await screenshot(page, `customer-form-errors-${width}`);
    }
    await page.setViewportSize({ width: 1024, height: 768 });
  });

  test("the customer form keeps what was typed and picked before the page was live", async () => {
    const release = await holdScripts(page);
    await page.goto(`${app.url}/customers/new`, { waitUntil: "commit" });
    await page.waitForSelector("#f-posthogRegion");
    expect(await page.getAttribute("html", "data-hydrated")).toBeNull();
    await page.fill("#f-name", "Early Bird");
    await page.selectOption("#f-posthogRegion", "custom");
    await release();
    // The region is React's state: it shows the URL field the pick asks for.
    await page.waitForSelector("#f-customHost");
    expect(await page.inputValue("#f-name")).toBe("Early Bird");
    expect(await page.inputValue("#f-posthogRegion")).toBe("custom");
    await page.selectOption("#f-posthogRegion", "eu");
    await page.waitForSelector("#f-customHost", { state: "detached" });
    expect(await page.inputValue("#f-name")).toBe("Early Bird");
  });

  test("import through the page: the bad row is named, keys never come back, the good rows go in", async () => {
    const file = path.join(dataDir, "..", `delight-e2e-import-${process.pid}.csv`);
    writeFileSync(
      file,
      [
        "name,host,project_id,api_key,plan,owner_email,arr,currency,renewal_date,contacts",
        `Zürich GmbH,${HOST},2,${KEY}A,Growth,csm@example.com,120000,CHF,2027-03-31,"Ada <ada@zurich.example> (CTO)"`,
        `Bad Row Ltd,${HOST},3,${KEY}B,Nope,viewer@example.com,,,,`,
        `Ελληνικά ΑΕ,${HOST},4,${KEY}C,,,,,,`,
      ].join("\r\n"),
    );
    // The form test above logged its expected 400; from here on nothing may fail.
    consoleErrors.length = 0;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/customers/import`);
    expect(await sideways(page), "import page at 390").toBeLessThanOrEqual(0);
    await expectNoSeriousViolations(page, "import page");
    await page.setInputFiles("#f-file", file);
    await page.click("button:has-text('Check file')");
    await page.waitForSelector("[data-testid=import-preview]");
    expect(await page.textContent("[data-testid=import-summary]")).toMatch(/3 rows: 2 ready, 1 with problems/);
    const problems = await page.locator("[data-testid=import-problems] tbody tr").allInnerTexts();
    expect(problems).toEqual([
      expect.stringMatching(/^3\s+plan\s+No plan named "Nope"/),
      expect.stringMatching(/^3\s+owner_email\s+Only admins and csms/),
    ]);
    expect(await page.content()).not.toContain(KEY);
    expect(await sideways(page), "import preview at 390").toBeLessThanOrEqual(0);
    await expectNoSeriousViolations(page, "import preview");
    await screenshot(page, "import-preview-390");
    await page.setViewportSize({ width: 1024, height: 768 });
    expect(await sideways(page), "import preview at 1024").toBeLessThanOrEqual(0);
    await screenshot(page, "import-preview-1024");

    await page.click("button:has-text('Import 2 customers')");
    await page.waitForSelector("[data-testid=import-result]");
    expect(await page.textContent("[data-testid=import-result]")).toContain("Imported 2 of 3 customers");
    await page.goto(`${app.url}/?sort=arr`);
    const names = await page.locator("[data-testid=customer-row] .customer-name").allTextContents();
    expect(names).toEqual(["Ørsted A/S", "Zürich GmbH", "Ελληνικά ΑΕ"]);
    await page.goto(`${app.url}/customers/ellinika-ae`);
    expect(await page.textContent("h1")).toContain("Ελληνικά ΑΕ");
    await page.goto(`${app.url}/customers/zurich-gmbh`);
    expect(await page.textContent("[data-testid=customer-arr]")).toContain("CHF");
    expect(await page.textContent("[data-testid=customer-contacts]")).toContain("ada@zurich.example");
    // (axe on the whole customer page belongs to the contrast work of issue 13 item 6: its
    // "unknown" badges fail today whatever this page adds.)
    expect(consoleErrors).toEqual([]);
  });
});

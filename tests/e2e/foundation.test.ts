import http from "node:http";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, launchBrowser, type RunningApp, screenshot, setupCode, startApp } from "./harness";

let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
const KEY = "phx_e2eSecretKey_abcdefghij0123456789";

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  consoleErrors = collectConsoleErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe("foundation in Chromium", () => {
  test("first run needs the setup code from the server console, creates the admin, then the setup page is closed", async () => {
    await page.goto(`${app.url}/`);
    await page.waitForURL(/\/setup$/);
    await expectNoSeriousViolations(page, "setup");
    await page.fill("#f-setupCode", "AAAA-BBBB-CCCC");
    await page.fill("#f-name", "Ada Admin");
    await page.fill("#f-email", "ada@example.com");
    await page.fill("#f-password", "short");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#f-password-error")).toBe("Use at least 10 characters");
    expect(await page.textContent("#f-setupCode-error")).toBe("That is not the setup code printed on the server's console");
    expect(await page.inputValue("#f-email")).toBe("ada@example.com");
    expect(await page.content()).not.toContain("AAAA-BBBB-CCCC"); // a secret is never sent back
    await page.fill("#f-setupCode", setupCode(app).toLowerCase());
    await page.fill("#f-password", "a long password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${app.url}/`);
    await expect.poll(() => page.textContent("h2")).toBe("No customers yet");
    await screenshot(page, "portfolio-empty");
    const response = await page.goto(`${app.url}/setup`);
    expect(response?.status()).toBe(404);
  });

  test("unknown pages show a 404 inside the signed-in shell", async () => {
    const response = await page.goto(`${app.url}/no/such/page`);
    expect(response?.status()).toBe(404);
    expect(await page.textContent("h1")).toBe("Page not found");
    expect(await page.isVisible("nav >> text=Customers")).toBe(true);
  });

  test("public files and the client build are served as files, with their caching; anything else is a page", async () => {
    const icon = await fetch(`${app.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(icon.headers.get("cache-control")).toBe("public, max-age=3600");
    expect(await icon.text()).toContain("<svg");
    // The page links its client build; each file is served for a year (its name changes with it).
    const script = (await page.content()).match(/rel="modulepreload" href="(\/build\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${app.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    // Not a file of public/: Remix answers, with the same 404 page as any unknown path.
    const missing = await page.request.get(`${app.url}/favicon.png`);
    expect(missing.status()).toBe(404);
    expect(missing.headers()["content-type"]).toMatch(/^text\/html/);
    expect(await missing.text()).toContain("Page not found");
  });

  test("an idle connection is kept for 65 s, not Node's 5 s", async () => {
    // node:http, as fetch hides the Keep-Alive header; it states the server's idle timeout.
    const agent = new http.Agent({ keepAlive: true });
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) =>
      http
        .get(`${app.url}/healthz`, { agent }, (res) => {
          res.resume();
          resolve(res.headers);
        })
        .on("error", reject),
    );
    agent.destroy();
    expect(headers.connection).toBe("keep-alive");
    expect(headers["keep-alive"]).toBe("timeout=65");
  });

  test("add a plan, rejecting a bad quota first", async () => {
    await page.goto(`${app.url}/plans`);
    await page.fill("#f-name", "Growth");
    await page.fill("#f-monthlyEvents", "a lot");
    await page.click("text=Add plan");
    await expect.poll(() => page.textContent("#f-monthlyEvents-error")).toBe("Monthly events must be a whole number");
    expect(await page.inputValue("#f-name")).toBe("Growth");
    await page.fill("#f-monthlyEvents", "1,000,000");
    await page.click("text=Add plan");
    await expect.poll(() => page.textContent("tbody")).toContain("1,000,000");
    await screenshot(page, "plans");
  });

  test("a bad customer form shows a message per field and keeps what was typed", async () => {
    await page.goto(`${app.url}/customers/new`);
    await page.fill("#f-name", "Acme <b>Corp</b>");
    await page.fill("#f-projectId", "twelve");
    await page.fill("#f-apiKey", KEY);
    await page.fill("#f-billingDay", "32");
    await page.click("text=Add customer");
    await expect.poll(() => page.textContent("#f-projectId-error")).toBe("Project id is the number in your PostHog project URL");
    expect(await page.textContent("#f-billingDay-error")).toBe(
      "Billing day is a day of the month from 1 to 31 (a month without it bills from its last day)",
    );
    expect(await page.inputValue("#f-name")).toBe("Acme <b>Corp</b>");
    expect(await page.inputValue("#f-projectId")).toBe("twelve");
    // What was typed stays in the field, but the server never sends the key back in its markup.
    expect(await page.inputValue("#f-apiKey")).toBe(KEY);
    expect(await page.content()).not.toContain(KEY);
    await screenshot(page, "customer-form-errors");
  });

  test("add a customer and see its key only masked", async () => {
    await page.fill("#f-projectId", "12345");
    await page.fill("#f-apiKey", KEY);
    await page.fill("#f-billingDay", "15");
    await page.selectOption("#f-planId", { label: "Growth" });
    await page.click("text=Add customer");
    await page.waitForURL(/\/customers\/acme-b-corp-b$/);
    await expect.poll(() => page.textContent("h1")).toContain("Acme <b>Corp</b>");
    expect(await page.textContent("[data-testid=masked-key]")).toBe("phx_…6789");
    expect(await page.content()).not.toContain(KEY);
    await screenshot(page, "customer");
  });

  test("edit the customer, then archive it", async () => {
    await page.click("text=Edit");
    await page.waitForURL(/\/edit$/);
    expect(await page.textContent("[data-testid=masked-key]")).toBe("phx_…6789");
    await page.fill("#f-name", "Acme Corporation");
    await page.click("text=Save changes");
    await page.waitForURL(/\/customers\/acme-b-corp-b$/);
    await expect.poll(() => page.textContent("h1")).toContain("Acme Corporation");
    await page.click("text=Edit");
    await page.waitForURL(/\/edit$/);
    await page.click("text=Archive customer");
    await page.waitForURL(/\/customers\/acme-b-corp-b$/);
    await expect.poll(() => page.textContent("h1")).toContain("Archived");
    await page.goto(`${app.url}/`);
    expect(await page.textContent("h2")).toBe("No customers yet");
  });

  test("sign out, and sign back in", async () => {
    await page.click("text=Sign out");
    await page.waitForURL(/\/login$/);
    await page.goto(`${app.url}/plans`);
    await page.waitForURL(/\/login\?redirectTo=%2Fplans$/);
    await page.fill("#f-email", "ada@example.com");
    await page.fill("#f-password", "wrong password");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("[role=alert]")).toBe("Email or password is not right");
    await page.fill("#f-password", "a long password");
    await page.click("button[type=submit]");
    await page.waitForURL(`${app.url}/plans`);
    await screenshot(page, "login-done");
  });

  test("no console errors (hydration, CSP) on the way", () => {
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { expectNoSeriousViolations } from "./axe";
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
const passwords: Record<string, string> = {};
const SLIPPING = "/customers/slipping-ltd";
const HEALTHY = "/customers/acme-analytics";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);

async function seed() {
  for (const [email, role] of [
    ["csm@example.com", "csm"],
    ["viewer@example.com", "viewer"],
  ] as const) {
    passwords[email] = (await delight("user", "add", "--email", email, "--name", `${role} person`, "--role", role)).password;
  }
  for (const name of ["healthy", "slipping"]) {
    const c = sandbox.customers.find((x) => x.name === name)!;
    await delight("plan", "add", "--name", c.suggestedPlan.name, "--monthly-events", String(c.suggestedPlan.monthlyEvents));
    await addSandboxCustomer(
      dataDir,
      sandbox.url,
      c,
      "--plan",
      c.suggestedPlan.name,
      "--billing-day",
      String(c.billingDay),
      "--owner",
      "csm@example.com",
    );
  }
  await delight("refresh", "--all");
}

const signInAs = (p: Page, email: string) => signIn(p, app.url, email, passwords[email]!);

const scoreText = () => page.textContent("[data-testid=score]");
const inCheck = (id: string, selector: string) => `li[data-check="${id}"] ${selector}`;

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-customer-"));
  await seed();
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  consoleErrors = collectConsoleErrors(page);
  await signInAs(page, "csm@example.com");
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("customer page in Chromium", () => {
  test("a healthy customer: score, charts drawn after hydration, checklist by section, masked key", async () => {
    await page.goto(app.url + HEALTHY);
    expect(await page.textContent("h1")).toContain("Acme Analytics");
    await page.waitForSelector(".usage-panel svg.recharts-surface");
    // History, daily bars and the cumulative chart.
    await expect.poll(() => page.locator("figure.chart .recharts-wrapper > svg.recharts-surface").count()).toBe(3);
    expect(await page.textContent("[data-testid=band]")).toBe("healthy");
    expect(await page.textContent("[data-testid=masked-key]")).toMatch(/^phx_…\w{4}$/);
    const key = sandbox.customers.find((c) => c.name === "healthy")!.apiKey;
    expect(await page.content()).not.toContain(key);
    expect(await page.locator("li.check").count()).toBe(24);
    expect(await page.locator(".checklist-section h3").allTextContents()).toEqual([
      expect.stringMatching(/^Setup \d+ of \d+ passing/),
      expect.stringMatching(/^Training \d+ of \d+ passing/),
      expect.stringMatching(/^Value over time \d+ of \d+ passing/),
    ]);
    expect(await page.textContent("[data-testid=percent-of-quota]")).toMatch(/^\d+(\.\d)?%$/);
    expect(await page.textContent("[data-testid=last-refresh]")).toContain("succeeded");
    await screenshot(page, "customer-healthy");
  });

  test("answering a manual check changes the score", async () => {
    await page.goto(app.url + SLIPPING);
    await page.waitForSelector("svg.recharts-surface");
    const before = await scoreText();
    await page.click(inCheck("training.demo_received", "button:has-text('Save answer')"));
    await expect.poll(() => page.textContent("#training-demo_received-answer-error")).toBe("Answer yes, no or na");
    await page.check(inCheck("training.demo_received", "input[value=yes]"));
    await page.fill("#training-demo_received-note", "Demo at kick-off");
    await page.click(inCheck("training.demo_received", "button:has-text('Save answer')"));
    await expect.poll(scoreText).not.toBe(before);
    expect(await page.textContent(inCheck("training.demo_received", "[data-status]"))).toBe("passing");
    expect(await page.textContent(inCheck("training.demo_received", "[data-testid=source]"))).toBe("manual");
    // "What changed" over 7 days (the window shown first): the answer, with its points.
    await expect.poll(() => page.textContent("[data-testid=moves-7d]")).toContain("answer: now passing (was unknown)");
    await page.click(inCheck("training.demo_received", "summary:has-text('History')"));
    expect(await page.textContent(inCheck("training.demo_received", ".check-history"))).toContain("Demo at kick-off");
  });

  test("an override with an expiry shows both values; a past expiry is refused", async () => {
    const id = "setup.production";
    await page.click(inCheck(id, "summary:has-text('Override')"));
    await page.selectOption("#setup-production-status", "pass");
    await page.fill("#setup-production-reason", "Traffic goes through a proxy we cannot see");
    await page.fill("#setup-production-expiresAt", "2020-01-01");
    await page.click(inCheck(id, "button:has-text('Override')"));
    await expect.poll(() => page.textContent("#setup-production-expiresAt-error")).toBe("The expiry must be in the future");
    expect(await page.inputValue("#setup-production-reason")).toBe("Traffic goes through a proxy we cannot see");
    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await page.fill("#setup-production-expiresAt", expires);
    await page.click(inCheck(id, "button:has-text('Override')"));
    await page.waitForSelector(inCheck(id, "[data-testid=override-note]"));
    const note = await page.textContent(inCheck(id, "[data-testid=override-note]"));
    expect(note).toContain(`until ${expires}`);
    expect(note).toContain("Automated result: failing");
    expect(await page.textContent(inCheck(id, ".check-main [data-status]"))).toBe("passing");
    expect(await page.textContent(inCheck(id, "[data-testid=source]"))).toBe("override");
    await page.locator(inCheck(id, "[data-testid=override-note]")).scrollIntoViewIfNeeded();
    await screenshot(page, "customer-slipping");
  });

  test("Refresh now shows the outcome, and the override's explanation stays", async () => {
    await page.click("button:has-text('Refresh now')");
    await expect.poll(() => page.textContent("[data-testid=refresh-message]")).toMatch(/^Refresh ok: refreshed, score \d/);
    const week = await page.textContent("[data-testid=moves-7d]");
    expect(week).toMatch(/Has the customer gotten PostHog into production\?\s*override set: now passing \(was failing\)/);
    expect(week).not.toContain("No check changed status");
  });

  test("the explanation windows: tabs by keyboard, each with its points", async () => {
    const tabs = page.locator("[data-testid=moves] [role=tab]");
    expect(await tabs.allTextContents()).toEqual(["Last refresh", "7 days", "30 days", "Since the catch-up"]);
    expect(await page.getAttribute("[role=tab][aria-selected=true]", "id")).toBe("moves-tab-7d");
    await page.focus("#moves-tab-7d");
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("moves-tab-30d");
    expect(await page.isVisible("[data-testid=moves-30d]")).toBe(true);
    expect(await page.isVisible("[data-testid=moves-7d]")).toBe(false);
    expect(await page.textContent("[data-testid=moves-30d]")).toContain("override set");
    await page.keyboard.press("End");
    expect(await page.textContent("[data-testid=moves-catchup]")).toContain("No catch-up held yet.");
    await page.keyboard.press("Home");
    // The refresh window: from just before the newest refresh, which moved nothing here.
    expect(await page.textContent("[data-testid=moves-refresh]")).toMatch(/since just before the refresh of/);
    await expectNoSeriousViolations(page, "customer page");
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => {
      const moves = document.querySelector("[data-testid=moves]")!;
      return moves.scrollWidth - moves.clientWidth;
    });
    expect(overflow).toBe(0);
    await screenshot(page, "customer-moves-390");
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});

describe("catch-up pack in Chromium", () => {
  test("record a catch-up, see its notes and the talking points", async () => {
    await page.click("a:has-text('Catch-up pack')");
    await page.waitForURL(`${app.url + SLIPPING}/catchup`);
    await expect.poll(() => page.textContent("h1")).toBe("Catch-up pack: Slipping Ltd");
    const points = await page.textContent("[data-testid=open-items]");
    expect(points).toContain("Are events coming into the platform on a recurring basis?");
    expect(points).toContain("Have we set up a quarterly catchup with the customer?");
    await page.fill("#f-date", new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10));
    await page.fill("#f-notes", "typed before the error");
    await page.click("button:has-text('Record as held')");
    await expect.poll(() => page.textContent("#f-date-error")).toBe("A held catch-up cannot be in the future; schedule it instead");
    expect(await page.inputValue("#f-notes")).toBe("typed before the error");
    await page.fill("#f-date", new Date(Date.now() - 86_400_000).toISOString().slice(0, 10));
    await page.fill("#f-attendees", "Ann (CSM), Bo (customer)");
    await page.fill("#f-notes", "They want SSO.\nFollow up on the funnels.");
    await page.click("button:has-text('Record as held')");
    await expect.poll(() => page.textContent("[data-testid=catchup-saved]")).toContain("Catch-up recorded");
    expect(await page.textContent("[data-testid=last-notes]")).toBe("They want SSO.\nFollow up on the funnels.");
    expect(await page.textContent("[data-testid=open-items]")).not.toContain("Have we set up a quarterly catchup");
    expect(await page.textContent("[data-testid=past]")).toContain("Ann (CSM), Bo (customer)");
    await page.waitForSelector("svg.recharts-surface");
    await screenshot(page, "catchup-pack");
  });

  test("recording the outcome of a scheduled catch-up keeps what it said before, shown as its history", async () => {
    // The date field starts on the customer's today: schedule for today, then record it as held.
    await page.fill("#f-attendees", "Cy");
    await page.fill("#f-notes", "Agenda: SSO and funnels");
    await page.click("button:has-text('Schedule')");
    await expect.poll(() => page.textContent("[data-testid=catchup-saved]")).toContain("Catch-up scheduled");
    await page.click("[data-testid=upcoming] >> text=Record outcome");
    await expect.poll(() => page.textContent("#catchup-form-heading")).toMatch(/^Record the catch-up of /);
    await page.fill("#f-notes", "Held: SSO agreed for Q3");
    await page.click("button:has-text('Record as held')");
    await expect.poll(() => page.textContent("[data-testid=catchup-saved]")).toContain("Catch-up recorded");
    const history = page.locator("[data-testid=past] [data-testid=catchup-history]");
    await expect.poll(() => history.count()).toBe(1);
    await history.locator("summary").click();
    const text = await history.textContent();
    expect(text).toContain("History (2 versions)");
    expect(text).toContain("Held: SSO agreed for Q3");
    expect(text).toContain("Agenda: SSO and funnels");
    expect(text).toMatch(/scheduled/);
  });

  test("the Print button prints, and the print layout drops navigation and forms", async () => {
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed += 1;
      };
    });
    await page.click("button:has-text('Print')");
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.emulateMedia({ media: "print" });
    expect(await page.isVisible("nav.nav")).toBe(false);
    expect(await page.isVisible(".catchup-form")).toBe(false);
    expect(await page.isVisible("button:has-text('Print')")).toBe(false);
    expect(await page.isVisible("[data-testid=open-items]")).toBe(true);
    expect(await page.isVisible("[data-testid=last-notes]")).toBe(true);
    await screenshot(page, "catchup-pack-print");
    await page.emulateMedia({ media: "screen" });
  });
});

describe("a viewer", () => {
  test("sees no forms and gets 403 on a forged POST", async () => {
    const context = await browser.newContext();
    const viewerPage = await context.newPage();
    viewerPage.setDefaultTimeout(15_000);
    await signInAs(viewerPage, "viewer@example.com");
    await viewerPage.goto(app.url + SLIPPING);
    await viewerPage.waitForSelector("svg.recharts-surface");
    expect(await viewerPage.locator(".customer-page form").count()).toBe(0);
    expect(await viewerPage.isVisible("button:has-text('Refresh now')")).toBe(false);
    expect(await viewerPage.locator("li.check").count()).toBe(24);
    const statuses = await viewerPage.evaluate(async () => {
      const post = (url: string, fields: Record<string, string>) =>
        fetch(url, { method: "POST", body: new URLSearchParams(fields) }).then((r) => r.status);
      return [
        await post(`${location.pathname}?index`, { intent: "answer", checkId: "training.joint_slack", answer: "yes" }),
        await post(`${location.pathname}?index`, { intent: "refresh" }),
        await post(`${location.pathname}/catchup`, { intent: "schedule", date: "2099-01-01" }),
      ];
    });
    expect(statuses).toEqual([403, 403, 403]);
    await viewerPage.goto(`${app.url + SLIPPING}/catchup`);
    expect(await viewerPage.locator(".pack form").count()).toBe(0);
    await screenshot(viewerPage, "customer-viewer-pack");
    await context.close();
  });

  test("no console errors (hydration, CSP) on the way", () => {
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

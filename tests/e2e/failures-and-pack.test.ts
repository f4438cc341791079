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
const ACME = "/customers/acme-analytics";
// Typed by the team; the customer's pack must not carry them.
const ANSWER_NOTE = "Their VP doubts the value, do not mention";
const OVERRIDE_REASON = "Actions live in a spreadsheet we were shown";
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
  const healthy = scenario("healthy");
  await delight(
    "customer",
    "add",
    "--name",
    "Acme Analytics",
    "--posthog-host",
    sandbox.url,
    "--project-id",
    String(healthy.projectId),
    "--api-key",
    healthy.apiKey,
  );
  await delight("answer", "acme-analytics", "training.demo_received", "no", "--note", ANSWER_NOTE, "--by", "csm@example.com");
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
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, not the loader data's script
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
    // Acme Analytics already has the healthy project (one customer per project): this one is another.
    const project = scenario("slipping");
    // Slow answers keep the refresh running long enough to watch it.
    sandbox.setFaults({ perCustomer: { slipping: { latencyMs: 1500 } } });
    await page.goto(`${app.url}/customers/new`);
    await page.fill("#f-name", "Initech");
    await page.selectOption("#f-posthogRegion", "custom");
    await page.fill("#f-customHost", sandbox.url);
    await page.fill("#f-projectId", String(project.projectId));
    await page.fill("#f-apiKey", project.apiKey);
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

const inCheck = (id: string, selector: string) => `li[data-check="${id}"] ${selector}`;
const noSideScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("keyboard on the customer page", () => {
  test("an answer saved by keyboard keeps focus on its form, says so, and shows the saved answer selected", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(app.url + ACME);
    await page.waitForSelector("svg.recharts-surface");
    // The answer given through the CLI is the one selected.
    expect(await page.locator(inCheck("training.demo_received", "input[value=no]")).isChecked()).toBe(true);
    const id = "training.joint_slack";
    await page.focus(inCheck(id, "input[value=yes]"));
    await page.keyboard.press("Space");
    await page.keyboard.press("Tab");
    await page.keyboard.type("Channel #acme-shared");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Save answer");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent(`[data-testid="answer-status-training-joint_slack"]`)).toMatch(/^Saved; score now \d/);
    await expect.poll(() => page.textContent(inCheck(id, "[data-testid=source]"))).toBe("manual");
    // Focus is where it was: on this form's button, not the page body.
    expect(
      await page.evaluate(() => {
        const el = document.activeElement;
        return el?.tagName === "BUTTON" && el.closest("li")?.getAttribute("data-check");
      }),
    ).toBe(id);
    expect(await page.locator(inCheck(id, "input[value=yes]")).isChecked()).toBe(true);
    expect(await page.inputValue("#training-joint_slack-note")).toBe("");
    expect(consoleErrors).toEqual([]);
  });

  test("an override with a reason, for the pack", async () => {
    const id = "setup.actions";
    await page.click(inCheck(id, "summary:has-text('Override')"));
    await page.selectOption("#setup-actions-status", "fail");
    await page.fill("#setup-actions-reason", OVERRIDE_REASON);
    await page.fill("#setup-actions-expiresAt", new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10));
    await page.click(inCheck(id, "button:has-text('Override')"));
    await page.waitForSelector(inCheck(id, "[data-testid=override-note]"));
    await expectNoSeriousViolations(page, "customer page");
  });
});

describe("a pack you can send", () => {
  test("internal prep: trend chart, overrides with reasons and expiry, talking points and notes", async () => {
    await page.goto(`${app.url}${ACME}/catchup`);
    await page.waitForSelector(".pack svg.recharts-surface");
    expect(await page.getAttribute("[data-testid=audience-internal]", "aria-current")).toBe("page");
    const overrides = await page.textContent("[data-testid=pack-overrides]");
    expect(overrides).toContain(OVERRIDE_REASON);
    expect(overrides).toMatch(/Until \d{4}-\d{2}-\d{2}/);
    expect(await page.content()).toContain(ANSWER_NOTE);
    expect(await page.isVisible("text=Talking points")).toBe(true);
    await expectNoSeriousViolations(page, "internal pack");
    await screenshot(page, "pack-internal");
  });

  test("the customer's version, one click away, carries none of the team's text in its HTML", async () => {
    await page.click("[data-testid=audience-customer]");
    await page.waitForURL(/\?audience=customer$/);
    await page.waitForSelector(".pack[data-audience=customer] svg.recharts-surface");
    // What is on screen, and the whole document the server sends for this address (its
    // serialised loader data included): the page just left keeps its own script in this DOM.
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, not the loader data's script
    const shown = await page.locator("main").innerText();
    const html = await (await page.request.get(page.url())).text();
    expect(html).toContain(`<div class="pack" data-audience="customer">`);
    const teamOnly = [
      ANSWER_NOTE,
      OVERRIDE_REASON,
      "Talking points",
      "Notes from the last catch-up",
      "Set a plan on the Edit page",
      sandbox.url,
    ];
    for (const internal of teamOnly) {
      expect(shown).not.toContain(internal);
      expect(html).not.toContain(internal);
    }
    expect(await page.textContent("[data-testid=pack-overrides]")).toMatch(/Until \d{4}-\d{2}-\d{2}/);
    await expectNoSeriousViolations(page, "customer pack");
    await screenshot(page, "pack-customer");
  });

  test("on paper: no navigation or buttons, and the pack fits 180 mm (A4 and Letter with 15 mm margins)", async () => {
    for (const audience of ["internal", "customer"]) {
      await page.emulateMedia({ media: "print" });
      // 180 mm at 96 dpi: the narrower printable width of A4 (210 mm) and Letter (8.5 in) less 2 × 15 mm.
      await page.setViewportSize({ width: 680, height: 1000 });
      await page.goto(`${app.url}${ACME}/catchup?audience=${audience}`);
      await page.waitForSelector(".pack svg.recharts-surface");
      for (const selector of ["nav", "button", ".button", "form"]) {
        const shown = await page
          .locator(selector)
          .evaluateAll((els) => els.filter((el) => (el as HTMLElement).offsetParent !== null).length);
        expect({ audience, selector, shown }).toEqual({ audience, selector, shown: 0 });
      }
      expect({ audience, fits: await noSideScroll() }).toEqual({ audience, fits: true });
      await page.pdf({ path: path.join(os.tmpdir(), `delight-pack-${audience}.pdf`), format: audience === "internal" ? "A4" : "Letter" });
    }
    await page.emulateMedia({ media: "screen" });
  });
});

describe("customer page and pack at phone and tablet sizes", () => {
  for (const [width, height] of [
    [390, 844],
    [1024, 768],
  ] as const) {
    for (const [label, where] of [
      ["customer", ACME],
      ["pack-internal", `${ACME}/catchup`],
      ["pack-customer", `${ACME}/catchup?audience=customer`],
    ] as const) {
      test(`${label} at ${width}×${height}: no sideways scroll`, async () => {
        await page.setViewportSize({ width, height });
        await page.goto(app.url + where);
        await page.waitForSelector("svg.recharts-surface");
        expect(await noSideScroll()).toBe(true);
        await screenshot(page, `${label}-${width}x${height}`);
      });
    }
  }
});

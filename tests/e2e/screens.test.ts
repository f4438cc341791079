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
import { atSizes, expectNoHorizontalScroll, SIZES } from "./viewport";

/**
 * Issue 13 items 5 and 6 for the shell and every page: no sideways scroll on a phone, a small
 * laptop and a desktop; axe-core without serious or critical findings as admin and as viewer;
 * the skip link, the phone menu by keyboard, and focus after a refused form.
 */

let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let dataDir: string;
const passwords: Record<string, string> = {};
const consoleErrors: string[] = [];
const ADMIN = "ada@example.com";
const VIEWER = "vic@example.com";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);

/** Four customers with enough on them to fill each page: a healthy one, a slipping one, one over its plan (alerts), one whose key was revoked (unknown checks, a failed refresh). */
async function seed() {
  for (const [email, name, role] of [
    [ADMIN, "Ada Admin", "admin"],
    ["cara@example.com", "Cara Csm", "csm"],
    [VIEWER, "Vic Viewer", "viewer"],
  ] as const) {
    passwords[email] = (await delight("user", "add", "--email", email, "--name", name, "--role", role)).password;
  }
  for (const name of ["healthy", "slipping", "over-plan", "revoked-key"]) {
    const c = sandbox.customers.find((x) => x.name === name)!;
    await delight("plan", "add", "--name", c.suggestedPlan.name, "--monthly-events", String(c.suggestedPlan.monthlyEvents)).catch(
      () => null, // two scenarios share a plan
    );
    await addSandboxCustomer(
      dataDir,
      sandbox.url,
      c,
      "--plan",
      c.suggestedPlan.name,
      "--billing-day",
      String(c.billingDay),
      "--owner",
      "cara@example.com",
    );
  }
  await delight("token", "create", "--user", "cara@example.com", "--name", "weekly report script");
  // Exits non-zero because of the revoked key, which is the point: that customer shows a failed refresh.
  await delight("refresh", "--all").catch(() => null);
}

async function signedInPage(email: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(15_000);
  consoleErrors.push(...collectConsoleErrors(page));
  await signIn(page, app.url, email, passwords[email]!);
  return page;
}

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-screens-"));
  await seed();
  [app, browser] = await Promise.all([startApp({ DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }, { dataDir }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

type Screen = { name: string; path: string; sizes?: readonly string[] };

/** The pages of the shell and its forms (the portfolio and customer pages' content is swept separately below). */
const SHELL_PAGES: Screen[] = [
  { name: "customer-new", path: "/customers/new" },
  { name: "customer-edit", path: "/customers/acme-analytics/edit" },
  { name: "plans", path: "/plans" },
  { name: "users", path: "/users" },
  { name: "tokens", path: "/tokens" },
  { name: "settings", path: "/settings" },
  { name: "audit", path: "/audit" },
  { name: "alerts", path: "/alerts" },
  { name: "account", path: "/account" },
  { name: "not-found", path: "/no-such-page" },
];

const CONTENT_PAGES: Screen[] = [
  // The portfolio table's own phone layout is issue 13's portfolio work (cards or fewer columns);
  // add "phone" here when it lands.
  { name: "portfolio", path: "/", sizes: ["tablet", "desktop"] },
  { name: "customer", path: "/customers/acme-analytics" },
  { name: "customer-failed", path: "/customers/revoked-key-ltd" },
  { name: "catchup", path: "/customers/slipping-ltd/catchup" },
];

/**
 * Every page at every size: no sideways scroll, a screenshot, axe. Problems are gathered and
 * reported together, so one run names every page that needs work.
 */
async function sweep(page: Page, who: string, screens: Screen[]) {
  const problems: string[] = [];
  const collect = async (check: () => Promise<void>) => {
    try {
      await check();
    } catch (error) {
      // axe's report is the assertion's actual value; vitest's message would cut it short.
      const { message, actual } = error as Error & { actual?: unknown };
      problems.push(typeof actual === "string" && actual ? `${message.split(":")[0]}:\n${actual}` : message);
    }
  };
  await atSizes(page, async (size) => {
    for (const screen of screens.filter((s) => !s.sizes || s.sizes.includes(size.name))) {
      await page.goto(app.url + screen.path);
      await page.waitForLoadState("networkidle");
      const label = `${who} ${screen.path} at ${size.width}×${size.height}`;
      await collect(() => expectNoHorizontalScroll(page, label));
      await screenshot(page, `screens-${who}-${screen.name}-${size.name}`);
      await collect(() => expectNoSeriousViolations(page, label));
    }
  });
  return problems;
}

describe("every screen in Chromium", () => {
  test("the first-run setup page fits every size and passes axe", async () => {
    const fresh = await startApp();
    const page = await browser.newPage();
    try {
      await atSizes(page, async (size) => {
        await page.goto(`${fresh.url}/setup`);
        await expectNoHorizontalScroll(page, `/setup at ${size.width}`);
        await screenshot(page, `screens-setup-${size.name}`);
        await expectNoSeriousViolations(page, `/setup at ${size.width}`);
      });
      // A wrong setup code: the message gets focus, and the typed name stays.
      await page.fill("#f-setupCode", "WRNG-WRNG-WRNG");
      await page.fill("#f-name", "Ada");
      await page.fill("#f-email", "ada@example.com");
      await page.fill("#f-password", "a long enough password");
      await page.click("button[type=submit]");
      await page.waitForSelector("[aria-invalid=true], .form-error");
      await expect.poll(() => page.evaluate(() => document.activeElement?.matches("[aria-invalid=true], .form-error"))).toBe(true);
      expect(await page.inputValue("#f-name")).toBe("Ada");
    } finally {
      await page.close();
      await fresh.stop();
    }
  });

  test("the sign-in page fits every size, passes axe, and a refused sign-in puts focus on the message", async () => {
    const page = await browser.newPage();
    await atSizes(page, async (size) => {
      await page.goto(`${app.url}/login`);
      await expectNoHorizontalScroll(page, `/login at ${size.width}`);
      await screenshot(page, `screens-login-${size.name}`);
      await expectNoSeriousViolations(page, `/login at ${size.width}`);
    });
    await page.fill("#f-email", ADMIN);
    await page.fill("#f-password", "not the password");
    await page.press("#f-password", "Enter");
    await page.waitForSelector(".form-error");
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe("form-error");
    expect(await page.textContent(".form-error")).toContain("not right");
    await expectNoSeriousViolations(page, "/login with an error");
    await page.close();
  });

  test.each([
    ["admin", ADMIN],
    ["viewer", VIEWER],
  ])(
    "as %s, the shell's pages neither scroll sideways nor have serious axe findings at 390, 1024 and 1440 px",
    async (who, email) => {
      const page = await signedInPage(email);
      const screens = who === "admin" ? SHELL_PAGES : SHELL_PAGES.filter((s) => s.name !== "audit" && s.name !== "customer-edit");
      expect(await sweep(page, who, screens)).toEqual([]);
      await page.close();
    },
    300_000,
  );

  test.each([
    ["admin", ADMIN],
    ["viewer", VIEWER],
  ])(
    "as %s, the portfolio and customer pages neither scroll sideways nor have serious axe findings",
    async (who, email) => {
      const page = await signedInPage(email);
      expect(await sweep(page, who, CONTENT_PAGES)).toEqual([]);
      await page.close();
    },
    300_000,
  );

  test("Settings shows the refresh queue and the server's own process working it; only admins see which process", async () => {
    for (const [email, admin] of [
      [ADMIN, true],
      [VIEWER, false],
    ] as const) {
      const page = await signedInPage(email);
      await page.goto(`${app.url}/settings`);
      const panel = page.locator("[data-testid=refresh-queue]");
      expect(await panel.locator("h2").textContent()).toBe("Refresh queue");
      // Every customer was refreshed by the CLI before the server started: nothing waits or runs.
      expect(await panel.locator("[data-testid=queue-waiting]").textContent()).toBe("0 customers");
      expect(await panel.locator("[data-testid=queue-running]").textContent()).toBe("0 customers");
      expect(await panel.locator("[data-testid=queue-deferred]").textContent()).toBe("0 customers");
      expect(await panel.locator("[data-testid=queue-retrying]").textContent()).toBe("0 customers");
      // Nothing gave up after retries, and with no schedule nobody is due.
      expect(await panel.locator("[data-testid=queue-failed]").textContent()).toBe("0 customers");
      expect(await panel.locator("[data-testid=queue-due]").count()).toBe(0);
      expect(await panel.locator("[data-testid=refresh-queue-idle]").count()).toBe(0);
      const workers = (await panel.locator("[data-testid=queue-workers]").textContent()) ?? "";
      if (admin) expect(workers).toMatch(new RegExp(`^1${os.hostname()} pid \\d+$`));
      else expect(workers).toBe("1");
      await page.close();
    }
  });

  test("Settings warns when customers are due and no process works refresh jobs", async () => {
    const own = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-stalled-"));
    const { password } = await delightCli(own, "user", "add", "--email", ADMIN, "--name", "Ada Admin", "--role", "admin");
    await addSandboxCustomer(own, sandbox.url, sandbox.customers.find((x) => x.name === "healthy")!);
    // Never refreshed, an hourly schedule, and scheduled work switched off in the only process.
    const stalled = await startApp({ DELIGHT_SCHEDULER: "off", DELIGHT_REFRESH_INTERVAL: "60m" }, { dataDir: own });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await page.clock.install();
      await signIn(page, stalled.url, ADMIN, password);
      await page.goto(`${stalled.url}/settings`);
      const panel = page.locator("[data-testid=refresh-queue]");
      expect(await panel.locator("[data-testid=refresh-queue-idle]").textContent()).toBe(
        "No process is working refresh jobs, so nobody's data is refreshed in the background. Start the server with DELIGHT_SCHEDULER on.",
      );
      expect(await panel.locator("[data-testid=queue-due]").textContent()).toBe("1 customer");
      expect(await panel.locator("[data-testid=queue-workers]").textContent()).toBe("0");
      expect(await panel.locator("[data-testid=queue-waiting]").textContent()).toBe("0 customers");
      await expectNoHorizontalScroll(page, "/settings with the queue stalled at 390");
      await expectNoSeriousViolations(page, "/settings with the queue stalled");

      // Someone asks for a refresh elsewhere: the open panel shows it waiting at its next
      // reading, without a reload (the page's clock is moved on, nothing waits 15 seconds).
      const readAt = await panel.locator("[data-testid=queue-read-at]").getAttribute("datetime");
      const other = await browser.newPage();
      await signIn(other, stalled.url, ADMIN, password);
      await other.goto(stalled.url);
      await other.locator("[data-testid=customer-row] input[type=checkbox]").check();
      await other.click("[data-testid=bulk-refresh]");
      await expect
        .poll(() => other.locator("[data-testid=bulk-message]").textContent())
        .toMatch(/^Refreshing 1 customer in the background/);
      await other.close();
      await page.bringToFront();
      expect(await panel.locator("[data-testid=queue-waiting]").textContent()).toBe("0 customers");
      // QUEUE_POLL_MS in app/components/settings/refresh-queue-panel.tsx.
      await page.clock.fastForward(15_000);
      await expect.poll(() => panel.locator("[data-testid=queue-waiting]").textContent()).toMatch(/^1 customer \(the longest asked for /);
      expect(await panel.locator("[data-testid=queue-read-at]").getAttribute("datetime")).not.toBe(readAt);
      expect(await panel.locator("[data-testid=refresh-queue-idle]").count()).toBe(1);
    } finally {
      await page.close();
      await stalled.stop();
      rmSync(own, { recursive: true, force: true });
    }
  });

  test("the skip link is the first stop of Tab and moves focus to the page's main content", async () => {
    const page = await signedInPage(ADMIN);
    for (const where of ["/plans", "/settings", "/no-such-page"]) {
      await page.goto(app.url + where);
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
      expect(await page.locator(".skip-link").isVisible()).toBe(true);
      await page.keyboard.press("Enter");
      await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("main");
      expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("MAIN");
    }
    await page.close();
  });

  test("on a phone the navigation is a menu button that opens and closes by keyboard; wider, the links show", async () => {
    const page = await signedInPage(ADMIN);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/plans`);
    const toggle = page.locator(".nav-toggle");
    const menu = page.locator("#nav-menu");
    expect(await toggle.getAttribute("aria-controls")).toBe("nav-menu");
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await menu.isVisible()).toBe(false);

    // Skip link, brand, then the menu button.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.classList.contains("nav-toggle"))).toBe(true);
    await page.keyboard.press("Enter");
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("true");
    expect(await menu.isVisible()).toBe(true);
    await screenshot(page, "screens-menu-open-phone");
    await expectNoSeriousViolations(page, "/plans with the menu open");
    await expectNoHorizontalScroll(page, "/plans with the menu open");

    // The links follow the button; Escape closes and hands focus back to it.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Customers");
    await page.keyboard.press("Escape");
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await menu.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.classList.contains("nav-toggle"))).toBe(true);

    // Tabbing on from its last item (Sign out) into the page closes it.
    await page.keyboard.press("Enter");
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("true");
    await page.locator("#nav-menu button", { hasText: "Sign out" }).focus();
    await page.keyboard.press("Tab");
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await page.evaluate(() => document.querySelector("main")?.contains(document.activeElement))).toBe(true);
    await toggle.focus();

    // Space opens it too; following a link closes it on the next page.
    await page.keyboard.press("Space");
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("true");
    await page.locator("#nav-menu a", { hasText: "Users" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${app.url}/users`);
    await expect.poll(() => toggle.getAttribute("aria-expanded")).toBe("false");
    expect(await menu.isVisible()).toBe(false);

    for (const size of SIZES.filter((s) => s.width > 700)) {
      await page.setViewportSize(size);
      expect(await toggle.isVisible(), `menu button at ${size.width}`).toBe(false);
      expect(await page.locator("#nav-menu a", { hasText: "Settings" }).isVisible(), `links at ${size.width}`).toBe(true);
    }
    await page.close();
  });

  test("without JavaScript the phone navigation shows its links (the button could not open them)", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/login`);
    await page.fill("#f-email", VIEWER);
    await page.fill("#f-password", passwords[VIEWER]!);
    await page.click("button[type=submit]");
    await page.waitForURL(`${app.url}/`);
    await page.goto(`${app.url}/plans`);
    expect(await page.locator(".nav-toggle").isVisible()).toBe(false);
    expect(await page.locator("#nav-menu a", { hasText: "Settings" }).isVisible()).toBe(true);
    await expectNoHorizontalScroll(page, "/plans without JavaScript");
    await context.close();
  });

  test("a refused form keeps focus on it: the first invalid field gets focus, and what was typed stays", async () => {
    const page = await signedInPage(ADMIN);
    await page.goto(`${app.url}/plans`);
    await page.fill("#f-name", "Enterprise");
    await page.fill("#f-monthlyEvents", "lots");
    await page.click("button:text('Add plan')");
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("f-monthlyEvents");
    expect(await page.getAttribute("#f-monthlyEvents", "aria-invalid")).toBe("true");
    expect(await page.inputValue("#f-name")).toBe("Enterprise");

    await page.goto(`${app.url}/account`);
    await page.fill("#f-currentPassword", "wrong");
    await page.fill("#f-password", "short");
    await page.click("button:text('Change password')");
    await expect.poll(() => page.evaluate(() => document.activeElement?.matches("[aria-invalid=true], .form-error"))).toBe(true);
    await page.close();
  });

  test("the pages logged no errors while being swept", () => {
    expect(consoleErrors).toEqual([]);
  });
});

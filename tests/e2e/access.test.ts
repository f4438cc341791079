import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, delightCli, launchBrowser, type RunningApp, screenshot, signIn, startApp } from "./harness";

let app: RunningApp;
let browser: Browser;
let adminContext: BrowserContext;
let csmContext: BrowserContext;
let admin: Page;
let csm: Page;
let dataDir: string;
let adminPassword: string;
let csmPassword: string;
let csmToken: string;
const consoleErrors: string[] = [];
const CSM = "cara@example.com";

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);
const api = (token: string) => fetch(`${app.url}/api/customers`, { headers: { Authorization: `Bearer ${token}` } });

/** The row of a user on /users. */
const userRow = (page: Page, email: string) => page.locator(`[data-testid="user-${email}"]`);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-access-"));
  adminPassword = (await delight("user", "add", "--email", "ada@example.com", "--name", "Ada Admin", "--role", "admin")).password;
  csmPassword = (await delight("user", "add", "--email", CSM, "--name", "Cara Csm", "--role", "csm")).password;
  csmToken = (await delight("token", "create", "--user", CSM, "--name", "cara's script")).token;
  // Customers for the audit page's customer filter (never refreshed: no schedule runs here).
  for (const [name, project] of [
    ["Acme Analytics", "1"],
    ["Beta Co", "2"],
  ]) {
    await delight(
      "customer",
      "add",
      "--name",
      name!,
      "--posthog-host",
      "us",
      "--project-id",
      project!,
      "--api-key",
      "phx_e2eAuditKey_0123456789",
    );
  }
  await delight("customer", "edit", "beta-co", "--billing-day", "15");
  [app, browser] = await Promise.all([startApp({}, { dataDir }), launchBrowser()]);
  adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  csmContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  admin = await adminContext.newPage();
  csm = await csmContext.newPage();
  for (const page of [admin, csm]) {
    page.setDefaultTimeout(10_000);
    consoleErrors.push(...collectConsoleErrors(page));
  }
  await signIn(admin, app.url, "ada@example.com", adminPassword);
  await signIn(csm, app.url, CSM, csmPassword);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function manage(email: string, button: string) {
  await admin.goto(`${app.url}/users`);
  await userRow(admin, email).getByRole("button", { name: button }).click();
  await admin.waitForSelector('[data-testid="users-message"]');
  // Remix shows the action's answer while the page's data is still reloading.
  await admin.waitForLoadState("networkidle");
  return admin.textContent('[data-testid="users-message"]');
}

describe("access management in Chromium", () => {
  test("disabling a user signs their open browser out at its next request and their API token gets 401", async () => {
    expect((await api(csmToken)).status).toBe(200);
    await admin.goto(`${app.url}/users`);
    expect(await userRow(admin, CSM).textContent()).toContain("active");
    expect(await manage(CSM, `Disable ${CSM}`)).toContain(`Disabled ${CSM}`);
    await expect.poll(() => userRow(admin, CSM).textContent()).toContain("disabled");
    await screenshot(admin, "users-manage");

    await csm.goto(`${app.url}/plans`);
    await csm.waitForURL(/\/login\?redirectTo=%2Fplans$/);
    expect((await api(csmToken)).status).toBe(401);
    await csm.fill("#f-email", CSM);
    await csm.fill("#f-password", csmPassword);
    await csm.click("button[type=submit]");
    await expect.poll(() => csm.textContent('[role="alert"]')).toContain("disabled");

    expect(await manage(CSM, `Enable ${CSM}`)).toContain(`Enabled ${CSM}`);
    await csm.click("button[type=submit]");
    await csm.waitForURL(`${app.url}/plans`);
    expect((await api(csmToken)).status).toBe(200);
  });

  test("a role change takes effect at the user's next request", async () => {
    await csm.goto(`${app.url}/plans`);
    expect(await csm.isVisible("text=Add plan")).toBe(true);
    await admin.goto(`${app.url}/users`);
    await userRow(admin, CSM).locator("select").selectOption("viewer");
    await userRow(admin, CSM)
      .getByRole("button", { name: `Change role of ${CSM}` })
      .click();
    await expect.poll(() => admin.textContent('[data-testid="users-message"]')).toContain(`${CSM} is now viewer`);
    await csm.reload();
    expect(await csm.isVisible("text=Add plan")).toBe(false);
    expect(await csm.textContent("nav")).toContain("viewer");
  });

  test("a reset password is shown once and must be changed at the next sign-in", async () => {
    await manage(CSM, `Reset password of ${CSM}`);
    const oneTime = (await admin.textContent('[data-testid="one-time-password"]'))!.trim();
    expect(oneTime).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await admin.reload();
    expect(await admin.isVisible('[data-testid="one-time-password"]')).toBe(false);

    await csm.goto(`${app.url}/`);
    await csm.waitForURL(/\/login/);
    await csm.fill("#f-email", CSM);
    await csm.fill("#f-password", oneTime);
    await csm.click("button[type=submit]");
    await csm.waitForURL(`${app.url}/account`);
    // A client-side navigation changes the URL before React has drawn the new page.
    await expect.poll(() => csm.isVisible('[data-testid="must-change"]')).toBe(true);
    await csm.goto(`${app.url}/plans`);
    await csm.waitForURL(`${app.url}/account`);

    // By keyboard: type, Tab to the next field, Enter submits.
    await csm.focus("#f-currentPassword");
    await csm.keyboard.type(oneTime);
    await csm.keyboard.press("Tab");
    await csm.keyboard.type("cara's own password");
    await csm.keyboard.press("Tab");
    await csm.keyboard.type("cara's own password");
    await csm.keyboard.press("Enter");
    await expect.poll(() => csm.textContent('[data-testid="account-message"]')).toContain("Password changed");
    await csm.goto(`${app.url}/plans`);
    expect(csm.url()).toBe(`${app.url}/plans`);
    csmPassword = "cara's own password";
  });

  test("sign out everywhere ends every session of the user", async () => {
    const other = await browser.newPage();
    await signIn(other, app.url, CSM, csmPassword);
    await csm.goto(`${app.url}/account`);
    await csm.getByRole("button", { name: "Sign out everywhere" }).click();
    await csm.waitForURL(/\/login$/);
    await other.goto(`${app.url}/plans`);
    await other.waitForURL(/\/login/);
    await other.close();
  });

  test("an admin creates a token with an expiry, sees it once, and revoking it gives 401", async () => {
    await admin.goto(`${app.url}/tokens`);
    await admin.fill("#f-name", "weekly report");
    await admin.fill("#f-expiresInDays", "30");
    await admin.click("text=Create token");
    await admin.waitForSelector('[data-testid="new-token"]');
    const token = (await admin.textContent('[data-testid="new-token"]'))!.trim();
    expect((await api(token)).status).toBe(200);
    const row = admin.locator("tr", { hasText: "weekly report" });
    expect(await row.textContent()).toContain("active");
    await screenshot(admin, "tokens");
    await row.getByRole("button", { name: /Revoke token/ }).click();
    await expect.poll(() => admin.textContent('[data-testid="tokens-message"]')).toContain("Revoked token");
    await expect.poll(() => admin.locator("tr", { hasText: "weekly report" }).textContent()).toContain("revoked");
    expect((await api(token)).status).toBe(401);
  });

  test("the audit page lists all of it, newest first, and filters by action", async () => {
    await admin.goto(`${app.url}/audit`);
    const actions = await admin.locator('[data-testid="audit-table"] tbody tr td:nth-child(3)').allTextContents();
    for (const action of [
      "user.disable",
      "user.enable",
      "user.role",
      "user.reset_password",
      "user.password_change",
      "user.sign_out_everywhere",
      "token.create",
      "token.revoke",
    ]) {
      expect(actions, action).toContain(action);
    }
    expect(actions[0]).toBe("token.revoke");
    await screenshot(admin, "audit");
    await admin.selectOption("#f-action", "user.disable");
    await admin.click("button:text('Filter')");
    await admin.waitForURL(/action=user\.disable/);
    await expect
      .poll(() => admin.locator('[data-testid="audit-table"] tbody tr td:nth-child(3)').allTextContents())
      .toEqual(["user.disable"]);
  });

  test("the audit page finds a customer typed by name or slug, by keyboard, and says when none matches", async () => {
    const subjects = () => admin.locator('[data-testid="audit-table"] tbody tr td:nth-child(4)').allTextContents();
    const focusedId = () => admin.evaluate(() => document.activeElement?.id ?? "");
    await admin.goto(`${app.url}/audit`);
    // The field follows the user filter in Tab order; Enter in it filters.
    await admin.focus("#f-user");
    await admin.keyboard.press("Tab");
    expect(await focusedId()).toBe("f-customer");
    await admin.keyboard.type("acme ANALYTICS");
    await admin.keyboard.press("Enter");
    await admin.waitForURL(/customer=acme\+ANALYTICS/);
    await expect.poll(subjects).toEqual(["customer Acme Analytics"]);
    // What was typed stays, and so does the focus.
    expect(await admin.inputValue("#f-customer")).toBe("acme ANALYTICS");
    expect(await focusedId()).toBe("f-customer");

    await admin.fill("#f-customer", "beta-co");
    await admin.click("button:text('Filter')");
    await admin.waitForURL(/customer=beta-co/);
    await expect.poll(subjects).toEqual(["customer Beta Co", "customer Beta Co"]);
    expect(await admin.locator('[data-testid="audit-table"] tbody tr td:nth-child(3)').allTextContents()).toEqual([
      "customer.update",
      "customer.create",
    ]);

    await admin.fill("#f-customer", "Nobody");
    await admin.keyboard.press("Enter");
    await expect.poll(() => admin.textContent('[data-testid="audit-customer-message"]')).toContain("No customer “Nobody”");
    await expect.poll(() => admin.textContent('[data-testid="audit-table"] tbody')).toBe("Nothing matches.");
    await screenshot(admin, "audit-unknown-customer");
    await expectNoSeriousViolations(admin, "audit page with an unknown customer");

    // Clear empties the field (it follows the URL) and the message goes.
    await admin.click("a:text('Clear')");
    await admin.waitForURL(`${app.url}/audit`);
    await expect.poll(() => admin.inputValue("#f-customer")).toBe("");
    expect(await admin.isVisible('[data-testid="audit-customer-message"]')).toBe(false);
    expect(await subjects()).toEqual(expect.arrayContaining(["customer Acme Analytics", "customer Beta Co"]));
  });

  test.each(["/users", "/tokens", "/audit", "/account"])(
    "%s fits a phone: nothing wider than the screen but its own table",
    async (path) => {
      const phone = await adminContext.newPage();
      await phone.setViewportSize({ width: 390, height: 844 });
      const response = await phone.goto(app.url + path);
      expect(response!.status()).toBe(200);
      expect(response!.headers()["cache-control"]).toBe("no-store");
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      const wide = await phone.evaluate(() =>
        [...document.querySelectorAll("body *")]
          .filter(
            (el) =>
              el.getBoundingClientRect().right > window.innerWidth + 1 &&
              !(el.parentElement && el.parentElement.getBoundingClientRect().right > window.innerWidth + 1),
          )
          .map((el) => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
          .slice(0, 6),
      );
      expect(overflow, wide.join(", ")).toBeLessThanOrEqual(0);
      await screenshot(phone, `phone${path.replace("/", "-")}`);
      await phone.close();
    },
  );

  test("no page logged an error (refused forms answer 4xx, which Chromium logs; nothing else)", () => {
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

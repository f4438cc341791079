import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedSandboxCustomers } from "../../app/demo/posthog-sandbox/seed";
import { startSandbox } from "../../app/demo/posthog-sandbox/server";
import { customerPageData } from "../../app/models/customer-page.server";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { createRateLimiter } from "../../checks/posthog/rate-limit";
import { refreshCustomer } from "../../checks/refresh";
import { customers } from "../../db/schema";
import { seedUser } from "../factories";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, launchBrowser, type RunningApp, screenshot, startApp } from "./harness";

/*
 * Missing data is never zero (issue 9 item 4), in the browser: two customers whose last successful
 * refresh was four days ago (their PostHog has answered 503 since) and two refreshed now. Stored
 * rows are dated in the past, so no clock trick is needed: the server reads at the real time.
 */

const PASSWORD = "a long password";
const DAY = 86_400_000;
const NOW = new Date();
const LAST_GOOD = new Date(NOW.getTime() - 4 * DAY);
const STALE = ["Overflow GmbH", "Slipping Ltd"];
const FRESH = ["Acme Analytics", "Nearly There Inc"];
const fast = { limiter: createRateLimiter(), retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, sleep: async () => {} };

let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;
let overflow: { slug: string; dataThrough: string; usageDataThrough: string; flagged80AsOf: string; because: string };

// PGlite allows one process at a time: seed the data dir first, then start the server on it.
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-stale-"));
  const ctx = await openContext(
    loadConfig({ DELIGHT_DATA_DIR: dataDir, DELIGHT_REFRESH_INTERVAL: "0", DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }),
  );
  const [past, present] = await Promise.all([startSandbox({ now: LAST_GOOD }), startSandbox({ now: NOW })]);
  try {
    const pick = (s: typeof past, names: string[]) => ({ ...s, customers: s.customers.filter((c) => names.includes(c.title)) });
    const stale = await seedSandboxCustomers(ctx.db, ctx.secretKey, pick(past, STALE));
    const fresh = await seedSandboxCustomers(ctx.db, ctx.secretKey, pick(present, FRESH));
    expect(stale.map((s) => s.customer.name).sort()).toEqual(STALE);
    expect(fresh.map((s) => s.customer.name).sort()).toEqual(FRESH);
    // Billing periods that began a week or more before the last good day, whatever today's date:
    // the missing days then fall inside the current period.
    const billingDay = [8, 9, 10, 11].map((k) => new Date(NOW.getTime() - k * DAY).getUTCDate()).find((d) => d <= 28)!;
    for (const { customer } of [...stale, ...fresh]) {
      await ctx.db.update(customers).set({ billingDay }).where(eq(customers.id, customer.id));
      customer.billingDay = billingDay;
    }
    for (const { customer } of stale) {
      const ok = await refreshCustomer(ctx.db, ctx.secretKey, customer, { ...fast, now: () => LAST_GOOD });
      expect(ok.status).not.toBe("failed");
    }
    // Every refresh since has failed: once a day, the last one an hour ago.
    past.setFaults({ serverError: { count: 100_000, status: 503 } });
    for (let day = 3; day >= 0; day--) {
      for (const { customer } of stale) {
        const failed = await refreshCustomer(ctx.db, ctx.secretKey, customer, {
          ...fast,
          now: () => new Date(NOW.getTime() - day * DAY - 3_600_000),
        });
        expect(failed.status).toBe("failed");
      }
    }
    for (const { customer } of fresh) {
      const ok = await refreshCustomer(ctx.db, ctx.secretKey, customer, { ...fast, now: () => new Date(NOW.getTime() - 60_000) });
      expect(ok.status).not.toBe("failed");
    }
    // What the stored assessment says about the over-plan customer; the pages must show the same.
    const slug = stale.find((s) => s.customer.name === "Overflow GmbH")!.customer.slug;
    const data = (await customerPageData(ctx.db, slug, new Date()))!;
    expect(data.health).toMatchObject({ stale: true, flagged80: true, lastRefresh: { status: "failed" } });
    // The data ends on the last good day (in the project's time zone: that day or the one before).
    const lastGoodDay = LAST_GOOD.toISOString().slice(0, 10);
    const dayBefore = new Date(LAST_GOOD.getTime() - DAY).toISOString().slice(0, 10);
    expect([lastGoodDay, dayBefore]).toContain(data.health.dataThrough);
    expect(data.health.flagged80AsOf).toBe(data.health.dataThrough);
    expect(data.usage.dataThrough).toBeTruthy();
    expect(data.flagged80Because).toMatch(/% of plan/);
    overflow = {
      slug,
      dataThrough: data.health.dataThrough!,
      usageDataThrough: data.usage.dataThrough!,
      flagged80AsOf: data.health.flagged80AsOf!,
      because: data.flagged80Because!,
    };
    await seedUser(ctx.db, { email: "ada@example.com", name: "Ada Admin", role: "admin", password: PASSWORD });
  } finally {
    await Promise.all([past.close(), present.close()]);
    await ctx.dbHandle.close();
  }
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.setDefaultTimeout(10_000);
  consoleErrors = collectConsoleErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const rowNames = () => page.locator("[data-testid=customer-row] .customer-name").allTextContents();
const rowOf = (name: string) => page.locator("[data-testid=customer-row]", { hasText: name });

describe("stale data in Chromium", () => {
  test("the portfolio marks customers with no successful refresh for days as stale, and filters on it", async () => {
    await page.goto(`${app.url}/login`);
    await page.fill("#f-email", "ada@example.com");
    await page.fill("#f-password", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(`${app.url}/`);
    await page.waitForSelector("[data-testid=customer-row]");
    expect((await rowNames()).sort()).toEqual([...STALE, ...FRESH].sort());
    for (const name of STALE) {
      const badge = rowOf(name).getByTestId("stale");
      await expect.poll(() => badge.textContent()).toBe("stale");
    }
    expect(await rowOf("Overflow GmbH").getByTestId("stale").getAttribute("title")).toBe(`Data through ${overflow.dataThrough}`);
    for (const name of FRESH) expect(await rowOf(name).getByTestId("stale").count()).toBe(0);
    // Flagged from data four days old: it stays flagged, and says as of when.
    const flag = rowOf("Overflow GmbH").locator(".badge.flag80");
    expect(await flag.textContent()).toBe(`≥ 80% as of ${overflow.flagged80AsOf}`);
    expect(await flag.getAttribute("title")).toBe(`${overflow.because}; as of ${overflow.flagged80AsOf}: no data since`);
    await expectNoSeriousViolations(page, "portfolio with stale customers");

    // The filter's checkbox applies itself and lands on ?stale=1 with exactly the stale customers.
    await page.getByLabel("Stale data").check();
    await page.waitForURL((url) => url.searchParams.get("stale") === "1");
    await expect.poll(async () => (await rowNames()).sort()).toEqual([...STALE].sort());
    expect(await page.getByLabel("Stale data").isChecked()).toBe(true);
    await expectNoSeriousViolations(page, "portfolio filtered on stale data");
    await screenshot(page, "stale-portfolio");

    // The address alone gives the same list (a bookmark, a link in a digest).
    await page.goto(`${app.url}/?stale=1`);
    await page.waitForSelector("[data-testid=customer-row]");
    expect((await rowNames()).sort()).toEqual([...STALE].sort());
    await page.getByLabel("Stale data").uncheck();
    await page.waitForURL((url) => !url.searchParams.has("stale"));
    await expect.poll(async () => (await rowNames()).length).toBe(4);
  });

  test("the customer page says how old its usage is and keeps the ≥ 80 % flag as of that day", async () => {
    await page.goto(`${app.url}/customers/${overflow.slug}`);
    const flag = page.getByTestId("flag80");
    await expect.poll(() => flag.textContent()).toBe(`≥ 80% of plan as of ${overflow.flagged80AsOf}`);
    expect(await page.getByTestId("flag80-because").textContent()).toBe(`Why ≥ 80%: ${overflow.because}`);
    // The usage panel's own flag is that one, as of the same day and for the same reason.
    const usageFlag = async () => ({
      flag: await page.getByTestId("usage-flag80").textContent(),
      because: await page.getByTestId("usage-flag80-because").textContent(),
    });
    const expected = { flag: `≥ 80% as of ${overflow.flagged80AsOf}`, because: `Why: ${overflow.because}` };
    expect(await usageFlag()).toEqual(expected);
    const through = page.getByTestId("data-through");
    const text = (await through.textContent())!.replace(/\s+/g, " ");
    expect(text).toMatch(new RegExp(`^Data through ${overflow.usageDataThrough}: \\d+ days? of this period were not measured`));
    const missing = Number(/: (\d+) day/.exec(text)![1]);
    // Four days (or five, by the project's time zone) since the last good refresh, never counted as zero events.
    expect(missing).toBeGreaterThanOrEqual(3);
    expect(missing).toBeLessThanOrEqual(6);
    // The checks' results are the last good run's, and are dated by it, not by the failures since.
    const dates = await page.locator(".check-side .muted").allTextContents();
    const checked = dates.filter((d) => d.startsWith("checked "));
    expect(checked.length).toBeGreaterThan(0);
    expect(new Set(checked)).toEqual(new Set([`checked ${LAST_GOOD.toISOString().slice(0, 10)}`]));
    await expectNoSeriousViolations(page, "customer page with stale data");
    await screenshot(page, "stale-customer");

    // Both catch-up packs say it too: a pack read before a meeting must not drop the flag.
    for (const audience of ["internal", "customer"]) {
      await page.goto(`${app.url}/customers/${overflow.slug}/catchup?audience=${audience}`);
      await page.waitForSelector(`.pack[data-audience=${audience}] [data-testid=usage]`);
      expect({ audience, ...(await usageFlag()) }).toEqual({ audience, ...expected });
    }

    // A customer refreshed a minute ago says nothing of the kind.
    await page.goto(`${app.url}/`);
    await rowOf("Acme Analytics").locator("a").first().click();
    await page.waitForSelector("[data-testid=usage]");
    expect(await page.getByTestId("data-through").count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sparklinePoints } from "../../app/components/charts/sparkline";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { seedCustomers, seedHealth, seedPortfolio, seedUser } from "../factories";
import { expectNoSeriousViolations } from "./axe";
import { collectConsoleErrors, holdScripts, launchBrowser, type RunningApp, screenshot, startApp } from "./harness";

const FORMULA = "=cmd|' /C calc'!A0";
const PASSWORD = "a long password";
let app: RunningApp;
let browser: Browser;
let page: Page;
let consoleErrors: string[];
let dataDir: string;

// PGlite allows one process at a time: seed the data dir first, then start the server on it.
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-portfolio-"));
  const ctx = await openContext(loadConfig({ DELIGHT_DATA_DIR: dataDir, DELIGHT_REFRESH_INTERVAL: "0" }));
  await seedPortfolio(ctx.db, ctx.secretKey, { customers: 60, days: 120, owners: 3 });
  const ada = await seedUser(ctx.db, { email: "ada@example.com", name: "Ada Admin", role: "admin", password: PASSWORD });
  await seedUser(ctx.db, { email: "vic@example.com", name: "Vic Viewer", role: "viewer", password: PASSWORD });
  const [formula] = await seedCustomers(ctx.db, ctx.secretKey, [{ name: FORMULA, slug: "formula", ownerId: ada.id }]);
  // The first day of a billing period: 2 % of plan so far, but 91 % over the last 30 days.
  await seedHealth(ctx.db, formula!.id, {
    history: [
      { at: new Date(Date.now() - 86_400_000), score: 35 },
      { at: new Date(), score: 30, planPercent: 2, flagged80: true },
    ],
    run: { status: "partial" },
    results: [{ checkId: "value.plan_usage_80", status: "pass", summary: "91% of plan", evidence: { percentOfPlan: 91 } }],
  });
  await ctx.dbHandle.close();
  [app, browser] = await Promise.all([startApp({ DELIGHT_DATA_DIR: dataDir }), launchBrowser()]);
  page = await browser.newPage({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  page.setDefaultTimeout(10_000);
  consoleErrors = collectConsoleErrors(page);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string) {
  await page.goto(`${app.url}/login`);
  await page.fill("#f-email", email);
  await page.fill("#f-password", PASSWORD);
  await page.click("button[type=submit]");
  await page.waitForURL(`${app.url}/`);
  await page.waitForSelector("[data-testid=customer-row]");
}

const rowNames = () => page.locator("[data-testid=customer-row] .customer-name").allTextContents();
const rowScores = async () =>
  (await page.locator("[data-testid=customer-row] .score-badge").allTextContents()).map((s) => (s === "—" ? null : Number(s)));
const search = () => new URL(page.url()).searchParams;

describe("portfolio in Chromium", () => {
  test("first page: band counts, 25 rows with sparklines, page 1 of 3", async () => {
    await signIn("ada@example.com");
    expect(await page.locator("[data-testid=customer-row]").count()).toBe(25);
    expect(await page.textContent("[data-testid=page-status]")).toBe("Page 1 of 3 · 61 customers");
    const counts = await Promise.all(
      ["healthy", "concerning", "poor", "none"].map(async (b) => Number(await page.textContent(`[data-testid=band-${b}] .band-count`))),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(61);
    const spark = page.locator("[data-testid=customer-row]", { hasText: "Acme 1" }).first().locator("svg[data-testid=sparkline]");
    expect(await spark.isVisible()).toBe(true);
    const line = spark.locator("path.sparkline-line");
    expect(sparklinePoints((await line.getAttribute("d"))!).length).toBeGreaterThan(30);
    // Drawn at a tenth of its numbers, the line sits inside the 96 × 24 sparkline, not ten times larger.
    const [box, frame] = await Promise.all([line.boundingBox(), spark.boundingBox()]);
    expect(box!.width).toBeGreaterThan(60);
    expect(box!.x).toBeGreaterThanOrEqual(frame!.x);
    expect(box!.x + box!.width).toBeLessThanOrEqual(frame!.x + frame!.width + 2);
    expect(box!.height).toBeLessThanOrEqual(frame!.height + 2);
    expect(await page.isVisible("text=Add customer")).toBe(true);
    await screenshot(page, "portfolio");
  });

  test("a band tile filters the rows and the URL; clicking it again clears", async () => {
    const poor = Number(await page.textContent("[data-testid=band-poor] .band-count"));
    await page.click("[data-testid=band-poor]");
    await page.waitForURL(/band=poor/);
    await expect.poll(() => page.locator("[data-testid=customer-row]").count()).toBe(Math.min(25, poor));
    const classes = await page.locator("[data-testid=customer-row] .score-badge").evaluateAll((els) => els.map((e) => e.className));
    expect(classes.every((c) => c.includes("band-poor"))).toBe(true);
    expect(await page.getAttribute("[data-testid=band-poor]", "aria-current")).toBe("true");
    await page.click("[data-testid=band-poor]");
    await page.waitForURL(`${app.url}/`);
    await expect.poll(() => page.textContent("[data-testid=page-status]")).toContain("61 customers");
  });

  test("column headers sort, and a second click reverses", async () => {
    const scored = async () => (await rowScores()).filter((s): s is number => s !== null);
    await page.click("[data-testid=sort-score]");
    await page.waitForURL(/sort=score/);
    await expect
      .poll(async () => {
        const a = await scored();
        return a.join() === [...a].sort((x, y) => x - y).join();
      })
      .toBe(true);
    const asc = await scored();
    await page.click("[data-testid=sort-score]");
    await page.waitForURL(/dir=desc/);
    await expect
      .poll(async () => {
        const d = await scored();
        return d.join() === [...d].sort((x, y) => y - x).join();
      })
      .toBe(true);
    const desc = await scored();
    expect(desc[0]).toBeGreaterThan(asc[0]!);
    expect(await page.getAttribute("th[aria-sort]", "aria-sort")).toBe("descending");
    await screenshot(page, "portfolio-sorted");
  });

  test("a header and a customer's name navigate inside the app, by mouse or by keyboard; a modified click is the browser's", async () => {
    await page.goto(`${app.url}/`);
    await page.waitForSelector("html[data-hydrated=true]");
    // A mark on the window survives a navigation inside the app, not a document load.
    const sameDocument = () => page.evaluate(() => (window as unknown as { mark?: number }).mark === 1);
    await page.evaluate(() => {
      (window as unknown as { mark?: number }).mark = 1;
    });
    await page.evaluate(() => window.scrollTo(0, 200));
    await page.click("[data-testid=sort-coverage]");
    await page.waitForURL(/sort=coverage/);
    await page.waitForSelector("th[aria-sort] [data-testid=sort-coverage]");
    expect(await sameDocument()).toBe(true);
    // A new order keeps the reader where they were.
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);

    const first = page.locator("[data-testid=customer-row] a.customer-name").first();
    const href = await first.getAttribute("href");
    await first.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`${app.url}${href}`);
    await page.waitForSelector("[data-testid=score]");
    expect(await sameDocument()).toBe(true);

    // Ctrl+click opens a new tab and leaves this page where it was.
    await page.goBack();
    await page.waitForURL(/sort=coverage/);
    const opened = page.context().waitForEvent("page");
    await page
      .locator("[data-testid=customer-row] a.customer-name")
      .first()
      .click({ modifiers: ["Control"] });
    const tab = await opened;
    await tab.waitForURL(`${app.url}${href}`);
    await tab.close();
    expect(page.url()).toMatch(/sort=coverage/);
    expect(await sameDocument()).toBe(true);
  });

  test("next and previous pages", async () => {
    await page.goto(`${app.url}/`);
    const first = await rowNames();
    await page.click("text=Next →");
    await page.waitForURL(/page=2/);
    await expect.poll(() => page.textContent("[data-testid=page-status]")).toBe("Page 2 of 3 · 61 customers");
    await expect.poll(async () => (await rowNames()).some((n) => first.includes(n))).toBe(false);
    const second = await rowNames();
    expect(second.some((n) => first.includes(n))).toBe(false);
    await page.click("text=Next →");
    await page.waitForURL(/page=3/);
    await expect.poll(() => page.locator("[data-testid=customer-row]").count()).toBe(11);
    await page.click("text=← Previous");
    await page.waitForURL(/page=2/);
    await expect.poll(rowNames).toEqual(second);
  });

  test("typed and picked before the page is live: kept through hydration, and the picks apply", async () => {
    const release = await holdScripts(page);
    await page.goto(`${app.url}/?sort=name&dir=desc`, { waitUntil: "commit" });
    await page.waitForSelector("input[name=q]");
    expect(await page.getAttribute("html", "data-hydrated")).toBeNull();
    await page.fill("input[name=q]", "acme");
    await page.fill("input[name=renews]", "400");
    await page.selectOption("select[name=band]", "poor");
    await page.check("input[name=stale]");
    await page.uncheck("input[name=stale]");
    await page.check("input[name=moved]");
    await release();
    // The band and the box apply at once, as when picked on a live page, and carry the typed fields.
    await page.waitForURL(/band=poor/);
    expect(search().get("moved")).toBe("1");
    expect(search().get("q")).toBe("acme");
    expect(search().get("renews")).toBe("400");
    expect(search().has("stale")).toBe(false);
    expect(search().get("dir")).toBe("desc");
    expect(await page.inputValue("input[name=q]")).toBe("acme");
    expect(await page.inputValue("input[name=renews]")).toBe("400");
    expect(await page.inputValue("select[name=band]")).toBe("poor");
    expect(await page.isChecked("input[name=moved]")).toBe(true);
    expect(await page.isChecked("input[name=stale]")).toBe(false);
    // React holds them too: a later render (the next filter) keeps the text.
    await page.fill("input[name=renews]", "");
    await page.selectOption("select[name=band]", "");
    await page.waitForURL((url) => !url.searchParams.has("band"));
    expect(await page.inputValue("input[name=q]")).toBe("acme");
    expect(search().get("q")).toBe("acme");
    expect(search().has("renews")).toBe(false);
  });

  test("a minimum ARR that is not an amount is named beside the filters, keeps its text and filters nothing", async () => {
    await page.goto(`${app.url}/`);
    await page.waitForSelector("html[data-hydrated]");
    const everyone = await page.textContent("[data-testid=page-status]");
    await page.fill("input[name=arrMin]", "5k");
    await page.press("input[name=arrMin]", "Enter");
    await page.waitForURL(/arrMin=5k/);
    await page.waitForSelector("[data-testid=filter-problems]");
    expect(await page.textContent("[data-testid=filter-problems]")).toBe(
      "Min ARR is an amount of 0 or more, like 50000; not applied (“5k”)",
    );
    expect(await page.inputValue("input[name=arrMin]")).toBe("5k");
    expect(await page.getAttribute("input[name=arrMin]", "aria-invalid")).toBe("true");
    expect(await page.textContent("[data-testid=page-status]")).toBe(everyone);
    await expectNoSeriousViolations(page, "portfolio with an unreadable filter");
    await page.fill("input[name=arrMin]", "");
    await page.press("input[name=arrMin]", "Enter");
    await page.waitForURL((url) => !url.searchParams.has("arrMin"));
    await page.waitForSelector("[data-testid=filter-problems]", { state: "detached" });
  });

  test("search, owner and the 80% flag go into the URL; no match offers to clear", async () => {
    await page.goto(`${app.url}/?sort=name&dir=desc`);
    // Typed before React has hydrated the search box, the text could be replaced by its state.
    await page.waitForSelector("html[data-hydrated]");
    await page.fill("input[name=q]", "acme");
    await page.press("input[name=q]", "Enter");
    await page.waitForURL(/q=acme/);
    expect(search().get("dir")).toBe("desc");
    await expect.poll(async () => (await rowNames()).every((n) => n.startsWith("Acme"))).toBe(true);
    const names = await rowNames();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith("Acme"))).toBe(true);
    expect(names).toEqual([...names].sort().reverse());

    await page.fill("input[name=q]", "");
    await page.selectOption("select[name=owner]", "me");
    await page.waitForURL(/owner=me/);
    expect(search().has("q")).toBe(false);
    await expect.poll(rowNames).toEqual([FORMULA]);
    expect(await page.textContent("[data-testid=customer-row]")).toContain("partial");
    // "≥ 80%" beside "2%" says what it rests on, in words a phone shows too (no hover needed).
    const plan = page.locator("[data-testid=customer-row] .col-plan");
    expect(await plan.locator(".badge.flag80").textContent()).toBe("≥ 80%");
    expect(await plan.textContent()).toContain("2%");
    expect(await plan.getByTestId("flag80-because").textContent()).toBe("91% of plan in the last 30 days");

    await page.selectOption("select[name=owner]", "");
    await page.check("input[name=flagged]");
    await page.waitForURL(/flagged=1/);
    // Poll until the filtered rows are on screen: the URL can change a moment before they render.
    const flagsShown = () =>
      page.locator("[data-testid=customer-row]").evaluateAll((rows) => rows.map((r) => r.querySelector(".flag80") !== null));
    await expect
      .poll(async () => {
        const flags = await flagsShown();
        return flags.length > 0 && flags.every(Boolean);
      })
      .toBe(true);
    await screenshot(page, "portfolio-flagged");

    await page.goto(`${app.url}/?q=no-such-customer`);
    expect(await page.textContent("[data-testid=no-match] h2")).toBe("No customers match these filters");
    await screenshot(page, "portfolio-no-match");
    await page.click("[data-testid=no-match] >> text=Clear filters");
    await page.waitForURL(`${app.url}/`);
    await expect.poll(() => page.locator("[data-testid=customer-row]").count()).toBe(25);
  });

  test("Export CSV downloads every matching row with the current filters", async () => {
    await page.goto(`${app.url}/?band=poor`);
    const poor = Number(await page.textContent("[data-testid=band-poor] .band-count"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Export CSV")]);
    expect(download.suggestedFilename()).toMatch(/^delight-customers-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await download.path())!, "utf8");
    // The byte-order mark that makes Excel read the file as UTF-8 arrives with the download.
    expect(text.startsWith("\uFEFFName,")).toBe(true);
    const lines = text.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^Name,Slug,Owner email,Plan,Score,Band,/);
    expect(lines.length - 1).toBe(poor);
    expect(lines.slice(1).every((l) => l.split(",")[5] === "poor")).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^'=cmd\|' \/C calc'!A0,formula,ada@example.com,/));
  });

  test("a viewer sees the portfolio but no Add customer", async () => {
    await page.click("text=Sign out");
    await page.waitForURL(/\/login$/);
    await signIn("vic@example.com");
    expect(await page.locator("[data-testid=customer-row]").count()).toBe(25);
    expect(await page.isVisible("text=Add customer")).toBe(false);
    expect(await page.isVisible("text=Export CSV")).toBe(true);
    await screenshot(page, "portfolio-viewer");
  });

  test("the JSON API answers the signed-in browser and refuses a stranger", async () => {
    const one = await page.request.get(`${app.url}/api/customers/formula`);
    expect(one.status()).toBe(200);
    expect(await one.json()).toMatchObject({
      slug: "formula",
      name: FORMULA,
      health: { score: 30, band: "poor" },
      lastRefresh: { status: "partial" },
    });
    const list = await page.request.get(`${app.url}/api/customers?band=poor&page=1`);
    const poor = Number(await page.textContent("[data-testid=band-poor] .band-count"));
    expect(await list.json()).toMatchObject({ total: poor, page: 1, pageSize: 25 });
    const stranger = await fetch(`${app.url}/api/customers/formula`);
    expect(stranger.status).toBe(401);
    expect(stranger.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(stranger.headers.get("x-frame-options")).toBe("DENY");
    expect(await stranger.json()).toEqual({ error: expect.any(String) });
  });

  test("no console errors (hydration, CSP) on the way", () => {
    expect(consoleErrors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
});

/** The 7-day change of each row as a number (null for "—"), read from the screen-reader text. */
const rowChanges = (days: 7 | 30) =>
  page.locator("[data-testid=customer-row]").evaluateAll(
    (rows, d) =>
      rows.map((r) => {
        const text = r.querySelector(`.col-change${d}d .sr-only`)?.textContent ?? null;
        if (text === null) return null;
        if (text.startsWith("no change")) return 0;
        const n = Number(/([\d.]+) points/.exec(text)![1]);
        return text.startsWith("down") ? -n : n;
      }),
    days,
  );
const focusedTestId = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName);

describe("movers, keyboard, bulk work and any screen", () => {
  test("the 7-day and 30-day columns sort both ways, customers without a change last", async () => {
    await page.context().clearCookies();
    await signIn("ada@example.com");
    for (const days of [7, 30] as const) {
      await page.click(`[data-testid=sort-change${days}d]`);
      await page.waitForURL(new RegExp(`sort=change${days}d`));
      await page.waitForSelector(`th.col-change${days}d[aria-sort=ascending]`);
      const asc = await rowChanges(days);
      const known = asc.filter((c): c is number => c !== null);
      expect(known.length).toBeGreaterThan(0);
      expect(known).toEqual([...known].sort((a, b) => a - b));
      expect(asc.slice(known.length).every((c) => c === null)).toBe(true);
      await page.click(`[data-testid=sort-change${days}d]`);
      await page.waitForSelector(`th.col-change${days}d[aria-sort=descending]`);
      const desc = (await rowChanges(days)).filter((c): c is number => c !== null);
      expect(desc).toEqual([...desc].sort((a, b) => b - a));
      expect(desc[0]).toBeGreaterThan(known[0]!);
    }
    // The last page of a sort ends with the customers that have no score: last in this direction too.
    await page.goto(`${app.url}/?sort=score&dir=desc&page=3`);
    const scores = await rowScores();
    expect(scores.at(-1)).toBeNull();
    await page.goto(`${app.url}/?sort=score&page=3`);
    expect((await rowScores()).at(-1)).toBeNull();
  });

  test("'Moved this week' filters by keyboard and focus stays on the box", async () => {
    await page.goto(`${app.url}/?sort=change7d`);
    await page.focus("[data-testid=filter-moved]");
    await page.keyboard.press("Space");
    await page.waitForURL(/moved=1/);
    await expect.poll(async () => (await rowChanges(7)).every((c) => c !== null && Math.abs(c) >= 5)).toBe(true);
    expect(await focusedTestId()).toBe("filter-moved");
    expect(await page.isChecked("[data-testid=filter-moved]")).toBe(true);
    // The threshold is on screen and told to screen readers.
    expect(await page.textContent("label:has([data-testid=filter-moved])")).toContain("±5");
    expect(await page.getAttribute("[data-testid=filter-moved]", "aria-describedby")).toBe("filter-moved-hint");
    await page.keyboard.press("Space");
    await page.waitForURL((url) => !url.searchParams.has("moved"));
    expect(await focusedTestId()).toBe("filter-moved");
  });

  test("a select filter applies from the keyboard and keeps focus", async () => {
    await page.goto(`${app.url}/`);
    await page.focus("[data-testid=filter-band]");
    await page.keyboard.press("ArrowDown");
    await page.waitForURL(/band=healthy/);
    await expect.poll(focusedTestId).toBe("filter-band");
    await page.keyboard.press("ArrowDown");
    await page.waitForURL(/band=concerning/);
    await expect.poll(focusedTestId).toBe("filter-band");
    // The URL changes a moment before React draws the page it loaded.
    await expect.poll(() => page.inputValue("[data-testid=filter-band]")).toBe("concerning");
    // The next Tab goes on to the next filter, not back to the top of the page.
    await page.keyboard.press("Tab");
    expect(await focusedTestId()).toBe("filter-flagged");
  });

  test("selected rows are reassigned to a csm or admin, audited; viewers are not offered", async () => {
    await page.goto(`${app.url}/?owner=none`);
    const options = await page.locator("[data-testid=bulk-owner] option").allTextContents();
    expect(options).toContain("Ada Admin");
    expect(options).not.toContain("Vic Viewer");
    const names = (await rowNames()).slice(0, 2);
    expect(names).toHaveLength(2);
    // By keyboard: each row's box has the customer's name as its label.
    for (const name of names) {
      await page.focus(`input[aria-label="Select ${name}"]`);
      await page.keyboard.press("Space");
    }
    expect(await page.textContent("[data-testid=bulk-count]")).toBe("2 selected");
    await page.selectOption("[data-testid=bulk-owner]", { label: "Ada Admin" });
    await page.click("[data-testid=bulk-reassign]");
    await expect.poll(() => page.textContent("[data-testid=bulk-message]")).toContain("2 customers now owned by Ada Admin");
    // They left the "No owner" view, and the selection was cleared.
    await expect.poll(async () => (await rowNames()).some((n) => names.includes(n))).toBe(false);
    expect(await page.textContent("[data-testid=bulk-count]")).toContain("Select customers");
    await page.goto(`${app.url}/?owner=me`);
    expect(await rowNames()).toEqual(expect.arrayContaining(names));
    await expectNoSeriousViolations(page, "portfolio after a bulk reassign");
    await page.goto(`${app.url}/audit`);
    expect(await page.locator("text=customer.update").count()).toBeGreaterThanOrEqual(2);
  });

  test("select-all takes the page; Refresh queues them in the background", async () => {
    await page.goto(`${app.url}/?q=acme`);
    const count = await page.locator("[data-testid=customer-row]").count();
    await page.focus("[data-testid=select-all]");
    await page.keyboard.press("Space");
    expect(await page.textContent("[data-testid=bulk-count]")).toBe(`${count} selected`);
    expect(await page.locator("[data-testid=customer-row] input[type=checkbox]:checked").count()).toBe(count);
    await page.click("[data-testid=bulk-refresh]");
    await expect
      .poll(() => page.textContent("[data-testid=bulk-message]"))
      .toContain(`Refreshing ${count} ${count === 1 ? "customer" : "customers"} in the background`);
  });

  for (const [width, height] of [
    [390, 844],
    [1024, 768],
  ] as const) {
    test(`${width}×${height}: no sideways scroll, the rest of the columns on demand, axe clean`, async () => {
      await page.setViewportSize({ width, height });
      await page.context().clearCookies();
      await signIn("ada@example.com");
      await page.evaluate(() => window.localStorage.clear());
      await page.reload();
      await page.waitForSelector("[data-testid=customer-row]");
      const overflow = () =>
        page.evaluate(() => ({
          page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          portfolio: (() => {
            const el = document.querySelector<HTMLElement>(".portfolio")!;
            return el.scrollWidth - el.clientWidth;
          })(),
        }));
      const widths = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>("[data-testid=portfolio-table] thead th")].map(
          (th) => `${th.className}:${th.offsetWidth}`,
        ),
      );
      expect(await overflow(), widths.join(" ")).toEqual({ page: 0, portfolio: 0 });
      // The columns that matter are there; a hidden one comes back from "Columns".
      for (const col of ["name", "score", "change7d"])
        expect(await page.locator(`[data-testid=customer-row] .col-${col}`).first().isVisible()).toBe(true);
      expect(await page.locator("[data-testid=customer-row] .col-coverage").first().isVisible()).toBe(false);
      await page.click(".column-picker summary");
      await page.check("[data-testid=column-coverage]");
      await expect.poll(() => page.locator("[data-testid=customer-row] .col-coverage").first().isVisible()).toBe(true);
      expect((await overflow()).portfolio).toBe(0);
      await screenshot(page, `portfolio-${width}x${height}`);
      await expectNoSeriousViolations(page, `portfolio at ${width}×${height}`);
      await page.uncheck("[data-testid=column-coverage]");
      await page.evaluate(() => window.localStorage.clear());
    });
  }

  test("the commercial columns (ARR, renewal) come from Columns, and sort", async () => {
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.goto(`${app.url}/`);
    await page.evaluate(() => window.localStorage.clear());
    await page.reload();
    await page.click(".column-picker summary");
    await page.check("[data-testid=column-arr]");
    await page.check("[data-testid=column-renewal]");
    await expect.poll(() => page.locator("[data-testid=customer-row] .col-arr").first().isVisible()).toBe(true);
    expect(await page.locator("[data-testid=customer-row] .col-renewal").first().isVisible()).toBe(true);
    await page.click("[data-testid=sort-arr]");
    await page.waitForURL(/sort=arr/);
    expect(await page.locator("[data-testid=customer-row]").count()).toBeGreaterThan(0);
    await page.evaluate(() => window.localStorage.clear());
  });

  test("a viewer gets no bulk controls and the server refuses them", async () => {
    await page.setViewportSize({ width: 1360, height: 900 });
    await page.context().clearCookies();
    await signIn("vic@example.com");
    expect(await page.locator("[data-testid=bulk-reassign]").count()).toBe(0);
    expect(await page.locator("[data-testid=customer-row] input[type=checkbox]").count()).toBe(0);
    const refused = await page.request.post(`${app.url}/?index`, {
      form: { intent: "refresh", ids: "1" },
      headers: { origin: app.url },
    });
    expect(refused.status()).toBe(403);
    await expectNoSeriousViolations(page, "portfolio as a viewer");
  });
});

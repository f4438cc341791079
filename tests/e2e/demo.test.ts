import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { collectConsoleErrors, freePort, launchBrowser, signIn } from "./harness";

/*
 * README's first command, `npm run demo`, as a newcomer meets it: the demo seeds its own data,
 * refreshes against the sandbox and serves; the admin it prints can sign in, and every customer
 * reads the same score on the portfolio and on its own page (the bug issue 9 started from).
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
let demo: ChildProcess;
let output = "";
let url: string;
let dataDir: string;
let browser: Browser;
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  const port = await freePort();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-demo-"));
  // The build is the one npm run test:e2e just made; the demo's own build step is skipped.
  demo = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "app/demo/main.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DELIGHT_DEMO_DIR: dataDir, DELIGHT_DEMO_SKIP_BUILD: "true", DATABASE_URL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout!.on("data", (d) => {
    output += String(d);
  });
  demo.stderr!.on("data", (d) => {
    output += String(d);
  });
  const deadline = Date.now() + 170_000;
  while (!output.includes("delight demo is running at")) {
    if (demo.exitCode !== null) throw new Error(`the demo exited with ${demo.exitCode}: ${output}`);
    if (Date.now() > deadline) throw new Error(`the demo did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  url = `http://localhost:${port}`;
  browser = await launchBrowser();
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  consoleErrors = collectConsoleErrors(page);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const exited = new Promise((r) => demo.once("exit", r));
    demo.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (demo.exitCode === null) demo.kill("SIGKILL");
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("npm run demo", () => {
  test("prints the sign-in, and never a customer's API key", () => {
    expect(output).toContain("sign in as admin@delight.demo / delight-demo");
    expect(output).not.toMatch(/phx_[A-Za-z0-9]{20,}/);
  });

  test("the admin signs in and every customer reads the same score on the portfolio and on its page", async () => {
    await signIn(page, url, "admin@delight.demo", "delight-demo");
    // Signing in navigates in the page: the URL can change a moment before the rows are drawn.
    await page.locator("[data-testid=customer-row]").first().waitFor();
    const rows = await page.locator("[data-testid=customer-row]").evaluateAll((trs) =>
      trs.map((tr) => ({
        href: tr.querySelector("a.customer-name")?.getAttribute("href") ?? "",
        name: tr.querySelector("a.customer-name")?.textContent ?? "",
        score: tr.querySelector(".score-badge")?.textContent ?? "",
      })),
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((r) => r.score !== "—").length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      await page.goto(`${url}${row.href}`);
      const shown = (await page.textContent("[data-testid=score]"))?.trim() ?? "";
      const onPage = /\d/.test(shown) ? String(Math.round(Number.parseFloat(shown))) : "—";
      expect(onPage, row.name).toBe(row.score);
    }
    expect(consoleErrors).toEqual([]);
  });

  test("the alerts it announced are in the inbox", async () => {
    const announced = Number(/(\d+) alerts to look at/.exec(output)?.[1]);
    expect(announced).toBeGreaterThan(0);
    await page.goto(`${url}/alerts`);
    expect(await page.locator("[data-testid=alert]").count()).toBeGreaterThan(0);
  });
});

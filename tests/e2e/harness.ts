import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page, type Route } from "playwright-core";
import { runCli } from "../../app/cli/run";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SCREENSHOTS = path.join(ROOT, "tests/e2e/screenshots");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export type RunningApp = {
  url: string;
  dataDir: string;
  logs: string[];
  /** Sends a signal to the server (npm start's process) without waiting for anything. */
  signal: (name: NodeJS.Signals) => void;
  /** Resolves with the server's exit code once it has exited. */
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

/**
 * The production build (npm run build) served by app/server.mjs (npm start) on a free port, on a fresh data dir
 * (removed on stop) or on `options.dataDir` that the caller seeded (kept).
 */
export async function startApp(env: Record<string, string> = {}, options: { dataDir?: string } = {}): Promise<RunningApp> {
  if (!existsSync(path.join(ROOT, "build/index.js"))) throw new Error("Run `npm run build` first (npm run test:e2e does).");
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "delight-e2e-"));
  const logs: string[] = [];
  // Started directly (not through npx) so that killing it really stops the server.
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "app/server.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      DELIGHT_DATA_DIR: dataDir,
      DATABASE_URL: "",
      DELIGHT_REFRESH_INTERVAL: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => logs.push(String(d)));
  child.stderr!.on("data", (d) => logs.push(String(d)));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${logs.join("")}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not become healthy: ${logs.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
  return {
    url,
    dataDir,
    logs,
    signal: (name) => child.kill(name),
    exited,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The one-time setup code a fresh server printed on its console (first run only). */
export function setupCode(app: RunningApp): string {
  const match = /setup code ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})/.exec(app.logs.join(""));
  if (!match) throw new Error(`the server printed no setup code: ${app.logs.join("")}`);
  return match[1]!;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Errors the page logged (hydration mismatches, CSP violations) fail the test that caused them. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

/**
 * The CLI in this process against `dataDir`, returning its --json output. Seed before the server
 * starts: the embedded database allows one process at a time.
 */
/**
 * Holds back the page's scripts until the returned function is called, so a test can type into the
 * HTML the server sent before React takes it over (as on a slow link); that function lets them
 * load and waits until React has committed the page.
 */
export async function holdScripts(page: Page): Promise<() => Promise<void>> {
  const pattern = "**/build/**/*.js";
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hold = async (route: Route) => {
    await held;
    await route.continue();
  };
  await page.route(pattern, hold);
  return async () => {
    release();
    await page.waitForSelector("html[data-hydrated]");
    await page.unroute(pattern, hold);
  };
}

export async function delightCli(dataDir: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const env = { DELIGHT_DATA_DIR: dataDir, DELIGHT_ALLOW_PRIVATE_HOSTS: "true", DELIGHT_REFRESH_INTERVAL: "0" };
  const code = await runCli([...argv, "--json"], env, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false });
  if (code !== 0) throw new Error(`delight ${argv.join(" ")} failed: ${err.join(" ")}`);
  return JSON.parse(out.join("\n") || "null");
}

export async function signIn(page: Page, appUrl: string, email: string, password: string) {
  await page.goto(`${appUrl}/login`);
  await page.fill("#f-email", email);
  await page.fill("#f-password", password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${appUrl}/`);
}

/**
 * `delight customer add` for a project of the PostHog sandbox: its name, project id and key on
 * `sandboxUrl`, plus any further flags (`--plan`, `--billing-day`, `--owner` …).
 */
export function addSandboxCustomer(
  dataDir: string,
  sandboxUrl: string,
  project: { title: string; projectId: number; apiKey: string },
  ...flags: string[]
) {
  return delightCli(
    dataDir,
    "customer",
    "add",
    "--name",
    project.title,
    "--posthog-host",
    sandboxUrl,
    "--project-id",
    String(project.projectId),
    "--api-key",
    project.apiKey,
    ...flags,
  );
}

import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Sandbox, startSandbox } from "../../app/demo/posthog-sandbox/server";
import { delightCli, launchBrowser, type RunningApp, signIn, startApp } from "./harness";

const HOSTILE_NAME = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;
// Plan names are shorter (60 characters); this one still carries a script.
const HOSTILE_PLAN = `<script>window.__xss=3</script>`;
let sandbox: Sandbox;
let app: RunningApp;
let browser: Browser;
let page: Page;
let dataDir: string;
let slug: string;
let password: string;

const delight = (...argv: string[]) => delightCli(dataDir, ...argv);

beforeAll(async () => {
  sandbox = await startSandbox();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "delight-e2e-security-"));
  password = (await delight("user", "add", "--email", "sec@example.com", "--name", HOSTILE_NAME, "--role", "admin")).password;
  await delight("plan", "add", "--name", HOSTILE_PLAN, "--monthly-events", "1000");
  const c = sandbox.customers.find((x) => x.name === "healthy")!;
  slug = (
    await delight(
      "customer",
      "add",
      "--name",
      HOSTILE_NAME,
      "--posthog-host",
      sandbox.url,
      "--project-id",
      String(c.projectId),
      "--api-key",
      c.apiKey,
      "--plan",
      HOSTILE_PLAN,
      "--owner",
      "sec@example.com",
    )
  ).slug;
  await delight("refresh", "--all");
  await delight("answer", slug, "training.demo_received", "no", "--note", HOSTILE_NAME);
  [app, browser] = await Promise.all([startApp({ DELIGHT_ALLOW_PRIVATE_HOSTS: "true" }, { dataDir }), launchBrowser()]);
  page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", () => {
    throw new Error("a dialog opened: injected script ran");
  });
  await signIn(page, app.url, "sec@example.com", password);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("security in Chromium", () => {
  test.each([
    ["portfolio", () => "/"],
    ["customer page", () => `/customers/${slug}`],
    ["catch-up pack", () => `/customers/${slug}/catchup`],
    ["edit form", () => `/customers/${slug}/edit`],
    ["plans", () => "/plans"],
    ["users", () => "/users"],
    ["settings", () => "/settings"],
  ])("%s: a name full of markup is shown as text and never runs; security headers are set", async (_name, path) => {
    const response = await page.goto(app.url + path());
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("same-origin");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["cache-control"]).toBe("no-store");
    await page.waitForLoadState("networkidle");
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator("body").textContent()).toContain("<script>window.__xss=1</script>");
  });

  test("a document arrives whole: one doctype, its data inlined to the end, every inline script under the page's nonce", async () => {
    const response = await page.goto(`${app.url}/customers/${slug}`);
    const html = await response!.text();
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(response!.headers()["content-security-policy"] ?? "")?.[1];
    expect(nonce).toBeTruthy();
    expect(html.startsWith("<!DOCTYPE html><html")).toBe(true);
    expect(html.match(/<!DOCTYPE/g)).toHaveLength(1);
    const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]!);
    expect(inline.length).toBeGreaterThan(2);
    for (const attributes of inline) expect(attributes).toContain(`nonce="${nonce}"`);
    // The loaders' data (Remix's turbo-stream) is in the page and its stream is closed, so the
    // browser hydrates without asking the server again.
    expect(html).toContain("window.__remixContext.streamController.enqueue(");
    expect(html).toContain("window.__remixContext.streamController.close();");
    expect(html.indexOf("streamController.close()")).toBeGreaterThan(html.lastIndexOf("streamController.enqueue("));
    const dataRequests: string[] = [];
    const onRequest = (request: { url: () => string }) => {
      if (request.url().includes(".data")) dataRequests.push(request.url());
    };
    page.on("request", onRequest);
    await page.goto(`${app.url}/customers/${slug}`);
    await page.waitForLoadState("networkidle");
    page.off("request", onRequest);
    expect(await page.evaluate(() => Boolean((window as unknown as { __remixRouter?: unknown }).__remixRouter))).toBe(true);
    expect(dataRequests).toEqual([]);
  });

  test("a page travels compressed (brotli, else gzip) when the client accepts it, and decompresses to the same document", async () => {
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const get = (encoding?: string) =>
      new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        const headers = { cookie, ...(encoding ? { "accept-encoding": encoding } : {}) };
        const req = http.get(`${app.url}/customers/${slug}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        });
        req.on("error", reject);
      });
    const plain = await get();
    expect(plain.headers["content-encoding"]).toBeUndefined();
    // Same page but for the per-response nonce.
    const withoutNonce = (html: string) => html.replace(/nonce="[^"]+"/g, 'nonce=""');
    for (const [accept, encoding, decompress] of [
      ["gzip, deflate, br, zstd", "br", brotliDecompressSync],
      ["gzip, deflate", "gzip", gunzipSync],
    ] as const) {
      const packed = await get(accept);
      expect(packed.headers["content-encoding"]).toBe(encoding);
      expect(packed.body.length).toBeLessThan(plain.body.length / 2);
      const html = decompress(packed.body).toString("utf8");
      expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
      expect(withoutNonce(html)).toBe(withoutNonce(plain.body.toString("utf8")));
    }
  });

  test("a cross-origin form post is refused by the running server", async () => {
    const res = await fetch(`${app.url}/plans`, {
      method: "POST",
      headers: {
        Origin: "https://attacker.example",
        "Content-Type": "application/x-www-form-urlencoded",
        Cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; "),
      },
      body: "name=Evil&monthlyEvents=1",
      redirect: "manual",
    });
    expect(res.status, app.logs.join("").slice(-2000)).toBe(403);
  });

  test("a bad DELIGHT_SECRET_KEY stops npm start with one line, before it listens", async () => {
    const started = await startApp({ DELIGHT_SECRET_KEY: "too-short" }).then(
      (running) => running,
      (error: Error) => error,
    );
    expect(started).toBeInstanceOf(Error);
    const output = (started as Error).message.replace(/^server exited: /, "").trim();
    expect(output).toBe(
      "[delight] cannot start: Configuration error: DELIGHT_SECRET_KEY: must be 32 bytes, written as 64 hex characters or base64",
    );
  });

  test("with DELIGHT_PUBLIC_URL set, it is the only origin a form may be posted from", async () => {
    // Its own fresh folder: the embedded database takes one process at a time.
    const strict = await startApp({ DELIGHT_PUBLIC_URL: "https://delight.example.com" });
    try {
      const post = (origin: string) =>
        fetch(`${strict.url}/login`, {
          method: "POST",
          headers: { Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
          body: "email=a%40example.com&password=whatever12345",
          redirect: "manual",
        });
      // A page under a name rebound to this server, and even the server's own address: refused.
      expect((await post("http://rebound.example")).status).toBe(403);
      expect((await post(strict.url)).status).toBe(403);
      expect((await post("https://delight.example.com")).status).not.toBe(403);
    } finally {
      await strict.stop();
    }
  });

  test("the session cookie is httpOnly and SameSite=Lax", async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === "__delight_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpFetch, LiteTimeoutError, pinnedLookup } from "./http";

let server: Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    if (req.url === "/slow") return; // never answers
    if (req.url === "/stall") {
      // Headers and half a body, then nothing.
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write('{"partial":');
      return;
    }
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(req.url === "/missing" ? 404 : 200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("httpFetch", () => {
  test("GET with headers: status, ok and the body text", async () => {
    const res = await httpFetch(`${url}/x`, { headers: { Authorization: "Bearer k" } });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(JSON.parse(await res.text())).toEqual({ method: "GET", auth: "Bearer k", body: "" });
  });

  test("POST sends the body; a 404 is not ok", async () => {
    const posted = await httpFetch(`${url}/q`, { method: "POST", body: '{"a":1}', headers: { "Content-Type": "application/json" } });
    expect(JSON.parse(await posted.text())).toMatchObject({ method: "POST", body: '{"a":1}' });
    const missing = await httpFetch(`${url}/missing`);
    expect([missing.status, missing.ok]).toEqual([404, false]);
  });

  test("a refused connection fails like fetch, with the code as its cause", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closed = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(httpFetch(closed)).rejects.toMatchObject({ message: "fetch failed", cause: { code: "ECONNREFUSED" } });
  });

  test("an aborted request rejects", async () => {
    const controller = new AbortController();
    const pending = httpFetch(`${url}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(Error);
  });

  test("timeoutMs: no answer, or a body that stops half-way, rejects with a LiteTimeoutError", async () => {
    await expect(httpFetch(`${url}/slow`, { timeoutMs: 30 })).rejects.toBeInstanceOf(LiteTimeoutError);
    await expect(httpFetch(`${url}/stall`, { timeoutMs: 30 })).rejects.toBeInstanceOf(LiteTimeoutError);
  });

  test("timeoutMs: an answer in time is read whole; none left sends nothing", async () => {
    const res = await httpFetch(`${url}/x`, { timeoutMs: 5_000 });
    expect(JSON.parse(await res.text())).toMatchObject({ method: "GET" });
    const before = requests;
    await expect(httpFetch(`${url}/x`, { timeoutMs: 0 })).rejects.toBeInstanceOf(LiteTimeoutError);
    expect(requests).toBe(before);
  });
});

describe("pinned requests", () => {
  test("connect to the pinned address, never resolving the name again", async () => {
    // No DNS knows this name: the request can only arrive through the pinned address.
    const port = (server.address() as { port: number }).port;
    const res = await httpFetch(`http://posthog.pinned.test:${port}/x`, { pinned: [{ address: "127.0.0.1", family: 4 }] });
    expect(res.status).toBe(200);
    await expect(httpFetch(`http://posthog.pinned.test:${port}/x`)).rejects.toMatchObject({ cause: { code: "ENOTFOUND" } });
  });

  test("a pinned lookup answers its addresses in both of node's lookup shapes", () => {
    const lookup = pinnedLookup([
      { address: "203.0.113.9", family: 4 },
      { address: "2001:db8::9", family: 6 },
    ]);
    const one: unknown[] = [];
    const all: unknown[] = [];
    lookup("anything.example", {}, (...args: unknown[]) => one.push(...args));
    lookup("anything.example", { all: true }, (...args: unknown[]) => all.push(...args));
    expect(one).toEqual([null, "203.0.113.9", 4]);
    expect(all).toEqual([
      null,
      [
        { address: "203.0.113.9", family: 4 },
        { address: "2001:db8::9", family: 6 },
      ],
    ]);
  });
});

describe("pinned TLS", () => {
  let dir: string;
  let tls: HttpsServer;
  let cert: string;
  let tlsPort: number;
  const servernames: (string | false | null)[] = [];

  beforeAll(async () => {
    // A self-signed certificate for one name, trusted as its own CA by the requests below.
    dir = mkdtempSync(path.join(os.tmpdir(), "delight-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=posthog.pinned.test",
        "-addext",
        "subjectAltName=DNS:posthog.pinned.test",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
    tls = createHttpsServer({ key: readFileSync(path.join(dir, "key.pem")), cert }, (req, res) => {
      servernames.push((req.socket as TLSSocket).servername);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{}");
    });
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    tlsPort = (tls.address() as { port: number }).port;
  });
  afterAll(async () => {
    tls.closeAllConnections();
    await new Promise<void>((resolve) => tls.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("the name travels as SNI and the certificate is checked against it", async () => {
    const pinned = [{ address: "127.0.0.1", family: 4 as const }];
    const ok = await httpFetch(`https://posthog.pinned.test:${tlsPort}/`, { pinned, ca: cert });
    expect(ok.status).toBe(200);
    expect(servernames).toEqual(["posthog.pinned.test"]);
    // Same address, another name: the certificate does not match, nothing is answered.
    await expect(httpFetch(`https://other.pinned.test:${tlsPort}/`, { pinned, ca: cert })).rejects.toMatchObject({
      cause: { code: "ERR_TLS_CERT_ALTNAME_INVALID" },
    });
    // Without trusting the test CA the certificate is refused too: checks are on.
    await expect(httpFetch(`https://posthog.pinned.test:${tlsPort}/`, { pinned })).rejects.toMatchObject({
      cause: { code: "DEPTH_ZERO_SELF_SIGNED_CERT" },
    });
    expect(servernames).toHaveLength(1);
  });
});

import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { httpFetch } from "./http";

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/slow") return; // never answers
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
});

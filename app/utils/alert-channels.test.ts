import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { postSlack } from "./alert-channels.server";

/*
 * A Slack webhook follows the PostHog host rules: the name is resolved once, every address must
 * be public, and the post goes to exactly those addresses. A name that resolves (or rebinds) to
 * a private address never receives the message.
 */

let server: Server;
let port: number;
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    received += 1;
    req.resume();
    res.writeHead(200).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const payload = { text: "Acme is at 87 % of its plan", blocks: [] };

describe("posting to a Slack webhook", () => {
  test("a name that resolves to a loopback address is refused and nothing is sent", async () => {
    const before = received;
    const outcome = await postSlack(`http://hooks.example.com:${port}/services/T/B/X`, payload, "k1", {
      timeoutMs: 2000,
      allowPrivate: false,
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    expect(outcome).toMatchObject({ kind: "broken", error: expect.stringMatching(/refused: .*127\.0\.0\.1/) });
    expect(received).toBe(before);
  });

  test("a lookup that fails is refused too", async () => {
    const outcome = await postSlack(`http://hooks.example.com:${port}/services/T/B/X`, payload, "k2", {
      timeoutMs: 2000,
      allowPrivate: false,
      resolve: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND hooks.example.com"), { code: "ENOTFOUND" });
      },
    });
    expect(outcome.kind).toBe("broken");
  });

  test("with private hosts allowed (the demo, tests) it posts", async () => {
    const before = received;
    expect(await postSlack(`http://127.0.0.1:${port}/services/T/B/X`, payload, "k3", { timeoutMs: 2000, allowPrivate: true })).toEqual({
      kind: "sent",
    });
    expect(received).toBe(before + 1);
  });
});

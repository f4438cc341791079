import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serverTestDatabase, type TestDatabase } from "../setup/test-database";
import { type RunningApp, startApp } from "./harness";

// On a PostgreSQL server with two web processes (the cluster's path), else the embedded database.
const onServer = Boolean(process.env.TEST_DATABASE_URL);
let database: TestDatabase | undefined;
let app: RunningApp;

beforeAll(async () => {
  database = await serverTestDatabase();
  app = await startApp(database ? { DATABASE_URL: database.env.DATABASE_URL!, WEB_CONCURRENCY: "2" } : {});
}, 120_000);
afterAll(async () => {
  await app?.stop();
  await database?.drop();
});

/** Resolves with everything read from the socket so far, once `done` holds for it. */
function readUntil(socket: net.Socket, received: { text: string }, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done(received.text)) return;
      socket.off("data", check);
      socket.off("close", closed);
      resolve(received.text);
    };
    const closed = () => reject(new Error(`connection closed early; got: ${received.text || "nothing"}`));
    socket.on("data", check);
    socket.once("close", closed);
    check();
    if (socket.closed) closed();
  });
}

// The head of the answer after the interim "100 Continue", once it has arrived whole.
const FINAL_HEAD = /HTTP\/1\.1 [2-5]\d\d [^\r]*\r\n[\s\S]*?\r\n\r\n/;

const refusesConnections = async () => {
  try {
    await fetch(`${app.url}/healthz`, { headers: { Connection: "close" } });
    return false;
  } catch {
    return true;
  }
};

describe(`stopping the server (${onServer ? "postgres, two processes" : "pglite"})`, () => {
  test("a request in flight when the server is told to stop is answered before the database closes", {
    timeout: 60_000,
  }, async () => {
    const { host } = new URL(app.url);
    const body = new URLSearchParams({ email: "nobody@example.com", password: "not-this-one" }).toString();
    const socket = net.connect({ host: "127.0.0.1", port: Number(new URL(app.url).port) });
    const received = { text: "" };
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      received.text += chunk;
    });
    await new Promise((resolve) => socket.once("connect", resolve));
    // A sign-in whose body waits for the server's "100 Continue": once that arrives, the server has
    // taken the request in; the body (and so the action, which reads the database) comes after the stop.
    socket.write(
      [
        "POST /login HTTP/1.1",
        `Host: ${host}`,
        `Origin: ${app.url}`,
        "Content-Type: application/x-www-form-urlencoded",
        `Content-Length: ${Buffer.byteLength(body)}`,
        "Expect: 100-continue",
        "",
        "",
      ].join("\r\n"),
    );
    await readUntil(socket, received, (text) => text.includes("100 Continue\r\n\r\n"));

    app.signal("SIGTERM");
    // The server stops taking new connections first…
    await expect.poll(refusesConnections, { timeout: 20_000, interval: 50 }).toBe(true);
    // …and still answers the request it had taken, from the database, which is still open.
    socket.write(body);
    const answer = await readUntil(socket, received, (text) => FINAL_HEAD.test(text));
    const head = FINAL_HEAD.exec(answer)![0];
    // No user exists yet, so the sign-in fails and the page sends the browser to first-run setup.
    expect(head.split("\r\n")[0]).toMatch(/^HTTP\/1\.1 30[23] /);
    expect(head).toMatch(/\r\nlocation: \/setup\r\n/i);
    // The answer closes its connection: the next request goes to a server that stays.
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    socket.destroy();

    expect(await app.exited).toBe(0);
    const logs = app.logs.join("");
    expect(logs).not.toMatch(/Unexpected Server Error|CONNECTION_ENDED|closed database/i);
    expect(logs).toMatch(/POST \/login 30[23]/);
  });
});

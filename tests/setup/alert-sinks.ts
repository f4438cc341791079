import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/*
 * Local stand-ins for where alerts go: an HTTP receiver playing Slack's incoming webhooks and an
 * SMTP sink (smtp-server, in the test process). Both record what arrived and can be told to
 * answer badly for a while.
 */

export type SlackRequest = { path: string; key: string | null; body: { text: string; blocks: any[] }; at: number; status: number };
type Reply = { status: number; headers?: Record<string, string>; body?: string; hangMs?: number };

export type SlackReceiver = {
  url: string;
  requests: SlackRequest[];
  /** Answers for the next requests to `path`, in order; after them, 200 "ok". */
  script(path: string, replies: Reply[]): void;
  /** Every request waits this long before being answered. */
  setLatency(ms: number): void;
  /** Called when a request arrives (before it is answered). */
  onRequest?: (request: SlackRequest) => void;
  /** Messages that were answered 200. */
  delivered(path?: string): SlackRequest[];
  close(): Promise<void>;
};

export async function startSlackReceiver(clock: () => number = Date.now): Promise<SlackReceiver> {
  const scripts = new Map<string, Reply[]>();
  let latency = 0;
  const receiver = {} as SlackReceiver;
  const requests: SlackRequest[] = [];
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0]!;
    const reply = scripts.get(path)?.shift() ?? { status: 200, body: "ok" };
    const entry: SlackRequest = {
      path,
      key: (req.headers["x-delight-delivery"] as string | undefined) ?? null,
      body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
      at: clock(),
      status: reply.status,
    };
    requests.push(entry);
    receiver.onRequest?.(entry);
    const wait = (reply.hangMs ?? 0) + latency;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (res.destroyed) return;
    res.writeHead(reply.status, { "Content-Type": "text/plain", ...reply.headers });
    res.end(reply.body ?? (reply.status === 200 ? "ok" : "error"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (path: string, replies: Reply[]) => scripts.set(path, [...replies]),
    setLatency: (ms: number) => {
      latency = ms;
    },
    delivered: (path?: string) => requests.filter((r) => r.status === 200 && (!path || r.path === path)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export type Mail = { to: string[]; key: string | null; subject: string; text: string; raw: string };

export type SmtpSink = {
  url: string;
  mails: Mail[];
  /** Refuse the next `count` recipients with this SMTP reply code (4xx: try later; 5xx: for good). */
  refuse(count: number, code: number): void;
  close(): Promise<void>;
};

/** Undoes quoted-printable and RFC 2047 encoded words, enough to read what a test sent. */
function decode(raw: string): string {
  const qp = raw
    .replace(/\r?\n[ \t]+/g, " ")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16)));
  const words = qp.replace(/=\?UTF-8\?Q\?([^?]*)\?=\s*/gi, (_, w: string) => w.replace(/_/g, " "));
  return Buffer.from(
    words.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b) => Buffer.from(b, "base64").toString("utf8")),
    "latin1",
  ).toString("utf8");
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = [];
  let refusals = 0;
  let refusalCode = 451;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refusals > 0) {
        refusals -= 1;
        const error = new Error(refusalCode >= 500 ? "Mailbox unavailable" : "Try again later") as Error & { responseCode: number };
        error.responseCode = refusalCode;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const text = decode(raw);
        const header = (name: string) => new RegExp(`^${name}: (.*)$`, "mi").exec(text)?.[1]?.trim() ?? null;
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          key: header("X-Delight-Delivery"),
          subject: header("Subject") ?? "",
          text,
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    refuse: (count, code) => {
      refusals = count;
      refusalCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A clock tests move by hand: `sleep` advances it instead of waiting. */
export function fakeClock(start = new Date()) {
  let t = start.getTime();
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    ms: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    sleeps,
  };
}

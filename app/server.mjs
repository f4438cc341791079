/**
 * Production server (`npm start`): what remix-serve does (compression, static files, request
 * log, the Remix handler), plus what it cannot: everything is opened and checked before the
 * server listens, and a mutating request whose Origin is not this host is answered 403 before
 * Remix sees it. Remix itself aborts such document POSTs, but with a bare 500, and a refused
 * request is the client's fault, not the server's.
 */
import cluster from "node:cluster";
import { randomInt } from "node:crypto";
import { readdirSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";

/** How long a stopping web process waits for the requests in flight before cutting them off. */
const DRAIN_SECONDS = 10;

/*
 * The pages are served by web processes started through node:cluster: on a PostgreSQL server
 * (DATABASE_URL), WEB_CONCURRENCY of them (default: one per CPU) on one port, beside one process
 * for scheduled work and the refresh worker that serves no page; on the embedded database (PGlite,
 * never opened twice) exactly one process does everything. The first process migrates the
 * database and prints the first-run setup code (shared by all); the others start once it is ready.
 * This process only starts and restarts them, and says where to open delight.
 */
if (cluster.isPrimary) {
  const asked = webConcurrency();
  const processes = process.env.DATABASE_URL ? asked : 1;
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...heapOptions()] });
  await runPrimary(processes);
} else {
  await serve();
}

/*
 * A page view allocates a few megabytes that die young (rows, React elements, HTML strings). With
 * V8's default young generation (16 MB semi-spaces) a web process under load spent ~10% of its
 * time collecting it: 350 collections per 1,000 portfolio pages, against 110 with 64 MB
 * semi-spaces, for ~70-80 MB more resident memory per process (measured). Someone who set their own size (on
 * the command line or in NODE_OPTIONS) keeps it.
 */
function heapOptions() {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return given.some((option) => option.startsWith("--max-semi-space-size")) ? [] : ["--max-semi-space-size=64"];
}

function webConcurrency() {
  const raw = process.env.WEB_CONCURRENCY;
  if (raw === undefined || raw === "") return os.availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    console.error("[delight] cannot start: WEB_CONCURRENCY must be a whole number from 1 to 256");
    process.exit(1);
  }
  return n;
}

async function runPrimary(count) {
  const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  const setupCode = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");
  // DELIGHT_SCHEDULER=off given to `npm start` keeps every process a web server only.
  const schedules = process.env.DELIGHT_SCHEDULER !== "off";
  // On a PostgreSQL server scheduled work and the refresh worker get a process of their own (see
  // serveBackground). The embedded database is one process that does everything.
  const apart = Boolean(process.env.DATABASE_URL) && schedules;
  let stopping = false;
  let announced = false;
  const roles = new Map();
  const fork = (role) => {
    const scheduler = role.kind === "background" || (role.kind === "web" && role.scheduler && schedules);
    const worker = cluster.fork({
      DELIGHT_SCHEDULER: scheduler ? "on" : "off",
      DELIGHT_SETUP_CODE: setupCode,
      DELIGHT_PROCESS: role.kind,
    });
    roles.set(worker.id, { ...role, ready: false });
    return worker;
  };
  // The first process migrates the database: the others start once it is ready, on an up-to-date one.
  const ready = (worker) => {
    const role = roles.get(worker.id);
    if (!role || role.ready) return;
    role.ready = true;
    if (!role.first) return;
    if (role.kind === "background") for (let i = 0; i < count; i++) fork({ kind: "web", first: false });
    else for (let i = 1; i < count; i++) fork({ kind: "web", first: false, scheduler: false });
  };
  cluster.on("listening", (worker, address) => {
    if (!announced) {
      announced = true;
      console.log(`[delight] http://localhost:${address.port}`);
    }
    ready(worker);
  });
  cluster.on("message", (worker, message) => {
    if (message?.delight === "ready") ready(worker);
  });
  cluster.on("exit", (worker, code) => {
    const role = roles.get(worker.id);
    roles.delete(worker.id);
    if (stopping) {
      if (roles.size === 0) process.exit(0);
      return;
    }
    // A process that could not even start (bad configuration) stops the server; a crash is replaced.
    if (!role?.ready) {
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill("SIGTERM");
      process.exitCode = code || 1;
      if (roles.size === 0) process.exit(process.exitCode);
      return;
    }
    const what = role.kind === "background" ? "process for scheduled work" : "web process";
    console.error(`[delight] ${what} ${worker.process.pid} exited (${code}); starting another`);
    fork({ ...role, first: false });
  });
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGTERM");
      if (roles.size === 0) process.exit(0);
    });
  }
  if (process.env.DATABASE_URL) {
    const web = `${count} web process${count === 1 ? "" : "es"}`;
    console.log(`[delight] ${web} on PostgreSQL${apart ? ", and one for scheduled work and refreshes" : ""}`);
  }
  fork(apart ? { kind: "background", first: true } : { kind: "web", first: true, scheduler: true });
}

/*
 * The process for scheduled work (PostgreSQL only): it migrates the database, prints the first-run
 * setup code, runs the schedule and the in-process refresh worker, and serves no page. In a web
 * process a refresh shared one event loop with page views, and under many of them each of its
 * steps waited behind the pages of a whole turn: with 50 connections on the pages a 1,000-customer
 * refresh did 16 customers in 30 s (measured), then the rest in 19 s once the pages stopped. Apart,
 * the operating system shares the cores between pages and refreshes instead.
 */
async function serveBackground(build) {
  await bootOrExit(build);
  // Page views first: this process takes the CPU the web processes leave (DELIGHT_WORKER_NICE).
  build.entry.module.lowerWorkerPriority();
  // Scheduled work keeps no timer that holds the process open (they are unref'd), so this does;
  // the process ends through the database module's shutdown (SIGTERM), like a web process.
  setInterval(() => {}, 2 ** 30);
  process.send?.({ delight: "ready" });
}

/*
 * Configuration, data folder, database and the first-run setup code, before anything else: a bad
 * DELIGHT_SECRET_KEY (or anything else that would make every page a 500) stops here, in one line.
 */
async function bootOrExit(build) {
  try {
    await build.entry.module.boot();
  } catch (error) {
    console.error(`[delight] cannot start: ${String(error?.message ?? error).split("\n")[0]}`);
    process.exit(1);
  }
}

async function serve() {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const build = await import(pathToFileURL(path.join(root, "build/index.js")).href);
  installGlobals({ nativeFetch: build.future.v3_singleFetch });
  if (process.env.DELIGHT_PROCESS === "background") return serveBackground(build);

  await bootOrExit(build);

  const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
  // The same check every action makes (app/utils/http.server.ts), exported by the entry module.
  const { isSameOrigin } = build.entry.module;

  function refuseCrossOrigin(req, res, next) {
    if (!MUTATING.has(req.method)) return next();
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    let same = false;
    try {
      same = isSameOrigin(new Request(`http://${req.headers.host ?? "localhost"}${req.originalUrl}`, { method: req.method, headers }));
    } catch {
      // A Host or URL that does not even parse is not this host.
    }
    if (same) return next();
    res
      .status(403)
      .type("text/plain")
      .set({ "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'" })
      .send("Cross-origin request refused");
  }

  morgan.token("pid", () => String(process.pid));
  const app = express();
  app.disable("x-powered-by");
  // While draining on the way out, every answer closes its connection, so a client sends its next
  // request to a process that stays (or learns at once that none does). Decided when the head is
  // written: a request taken in before the stop is often answered after it.
  // One function for every response, not a closure per page view: this middleware runs first, so
  // each response's writeHead is still node:http's own.
  let draining = false;
  const { writeHead } = http.ServerResponse.prototype;
  function closingWhenDraining(...args) {
    if (draining && !this.headersSent) this.setHeader("Connection", "close");
    return writeHead.apply(this, args);
  }
  app.use((_req, res, next) => {
    res.writeHead = closingWhenDraining;
    next();
  });
  // Every page is compressed afresh, so cheaply: the portfolio's 104 KB page becomes 14.6 KB of
  // brotli at quality 2, or, for a client without brotli, 18.1 KB of gzip at level 1 (nginx's
  // default). Measured on the 120 KB page it was before its sparklines were drawn as steps: quality
  // 2 took ~0.5 ms of CPU (the middleware's default 4: ~1 ms), gzip level 1 ~0.6 ms (zlib's 6: ~1.9 ms).
  app.use(compression({ level: 1, brotli: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 2 } } }));
  app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
  // Only the files public/ holds are looked up there. Handed every request, express.static would
  // stat() each page's path first (a page is never a file), ~0.3 ms of a page view's CPU and a
  // round through the thread pool before Remix even starts.
  const publicDir = path.join(root, "public");
  const publicFiles = new Set(readdirSync(publicDir, { withFileTypes: true }).flatMap((e) => (e.isFile() ? [`/${e.name}`] : [])));
  const servePublic = express.static(publicDir, { maxAge: "1h" });
  app.use((req, res, next) => (publicFiles.has(req.path) ? servePublic(req, res, next) : next()));
  // The process id tells which of several web processes answered.
  app.use(morgan(":method :url :status :res[content-length] - :response-time ms [pid :pid]"));
  app.use(refuseCrossOrigin);
  const handleRemix = createRequestHandler({
    build,
    mode: process.env.NODE_ENV ?? "production",
    // The peer address for sign-in throttling; X-Forwarded-For is read only with DELIGHT_TRUST_PROXY.
    getLoadContext: (req) => ({ clientAddress: req.socket.remoteAddress }),
  });
  // A scope per request, so the loaders of one page view share what they read once (the session).
  const { inRequestScope } = build.entry.module;
  app.all("*", (req, res, next) => inRequestScope(() => handleRemix(req, res, next)));

  const port = Number(process.env.PORT ?? 3000);
  // The primary says where to open delight, once, when the first web process listens.
  const server = process.env.HOST ? app.listen(port, process.env.HOST) : app.listen(port);
  // A new connection is admitted once per turn of the event loop (libuv accepts one per poll; seen
  // with strace), and under a refresh and many page views a turn lasts tens to hundreds of
  // milliseconds, so new connections queue behind each other. Browsers keep a connection for
  // minutes; Node closes an idle one after 5 s, which made someone clicking every few seconds open
  // a new one each time. 65 s outlasts the idle timeout of common proxies (60 s), so a proxy never
  // sends a request on a connection this server is closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  /*
   * On SIGTERM or SIGINT (a deploy, `kill`, the primary stopping), the module that owns the
   * database calls this first: stop listening, close idle connections, and answer the requests in
   * flight, with the database and the job queue still open, before it closes them. Closing the
   * database at once, as before, turned every page being answered into a 500 or a reset
   * connection. A request still running after DRAIN_SECONDS is cut off, so a stop cannot hang.
   */
  build.entry.module.onShutdownDrainRequests(
    () =>
      new Promise((resolve) => {
        draining = true;
        const idle = setInterval(() => server.closeIdleConnections(), 50);
        const deadline = setTimeout(() => server.closeAllConnections(), DRAIN_SECONDS * 1000);
        server.close(() => {
          clearInterval(idle);
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      }),
  );
}

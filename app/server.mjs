/**
 * Production server (`npm start`): what remix-serve does (compression, static files, request
 * log, the Remix handler), plus what it cannot: everything is opened and checked before the
 * server listens, and a mutating request whose Origin is not this host is answered 403 before
 * Remix sees it. Remix itself aborts such document POSTs, but with a bare 500, and a refused
 * request is the client's fault, not the server's.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import { installGlobals } from "@remix-run/node";
import compression from "compression";
import express from "express";
import morgan from "morgan";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = await import(pathToFileURL(path.join(root, "build/index.js")).href);
installGlobals({ nativeFetch: build.future.v3_singleFetch });

// Configuration, data folder, database and the first-run setup code, before listening: a bad
// DELIGHT_SECRET_KEY (or anything else that would make every page a 500) stops here, in one line.
try {
  await build.entry.module.boot();
} catch (error) {
  console.error(`[delight] cannot start: ${String(error?.message ?? error).split("\n")[0]}`);
  process.exit(1);
}

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

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
app.use(morgan("tiny"));
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
const server = process.env.HOST ? app.listen(port, process.env.HOST, onListen) : app.listen(port, onListen);
function onListen() {
  console.log(`[delight] http://localhost:${port}`);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => server.close());

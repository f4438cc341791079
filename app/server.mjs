/**
 * Production server (`npm start`): what remix-serve does (compression, static files, request
 * log, the Remix handler), plus one thing it cannot: a mutating request whose Origin is not this
 * host is answered 403 before Remix sees it. Remix itself aborts such document POSTs, but with a
 * bare 500, and a refused request is the client's fault, not the server's.
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

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function refuseCrossOrigin(req, res, next) {
  const origin = req.headers.origin;
  if (!MUTATING.has(req.method) || !origin) return next();
  const host = (req.headers["x-forwarded-host"] ?? req.headers.host ?? "").split(",")[0].trim();
  let originHost = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    // "null" or garbage: not this host
  }
  if (originHost && originHost === host) return next();
  res.status(403).type("text/plain").set({ "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'" }).send("Cross-origin request refused");
}

const app = express();
app.disable("x-powered-by");
app.use(compression());
app.use(build.publicPath, express.static(build.assetsBuildDirectory, { immutable: true, maxAge: "1y" }));
app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
app.use(morgan("tiny"));
app.use(refuseCrossOrigin);
app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV ?? "production" }));

const port = Number(process.env.PORT ?? 3000);
const server = process.env.HOST ? app.listen(port, process.env.HOST, onListen) : app.listen(port, onListen);
function onListen() {
  console.log(`[delight] http://localhost:${port}`);
}
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => server.close());

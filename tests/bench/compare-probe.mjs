/*
 * One side of `compare.ts`: loads the production build at argv[2], opens the database named by
 * the environment (migrating it with that build's own migrations), signs in with the session
 * given, warms up, then calls the Remix handler in this process for each path and prints one
 * JSON line per path with the CPU time a page took. Plain JavaScript, so that what is measured is
 * the build and not a TypeScript loader.
 *   node compare-probe.mjs <build/index.js> <pages> <path>...
 */
import { pathToFileURL } from "node:url";
import { createCookie, createRequestHandler, installGlobals } from "@remix-run/node";

const [buildFile, pagesArg, ...paths] = process.argv.slice(2);
const PAGES = Number(pagesArg);
const build = await import(pathToFileURL(buildFile).href);
installGlobals({ nativeFetch: true });
await build.entry.module.boot();
const handler = createRequestHandler(build, "production");
const cookie = (
  await createCookie("__delight_session", { secrets: [process.env.DELIGHT_SESSION_SECRET] }).serialize(process.env.COMPARE_SESSION)
).split(";")[0];

async function view(pathname) {
  const request = new Request(`http://localhost${pathname}`, { headers: { cookie } });
  const response = await build.entry.module.inRequestScope(() => handler(request, { clientAddress: "127.0.0.1" }));
  const body = await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${pathname} answered ${response.status}`);
  return body.byteLength;
}

for (const pathname of paths) for (let i = 0; i < 50; i++) await view(pathname);
for (const pathname of paths) {
  let bytes = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < PAGES; i++) bytes = await view(pathname);
  const used = process.cpuUsage(before);
  console.log(JSON.stringify({ path: pathname, cpuMs: (used.user + used.system) / 1000 / PAGES, bytes }));
}
process.exit(0);

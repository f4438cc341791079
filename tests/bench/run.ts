/**
 * `npm run bench`: builds, then runs each benchmark in its own process and prints its figures.
 * `npm run bench -- scale` runs only the benchmarks whose file names start with the words given.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BENCHES = [
  "refresh.bench.ts",
  "portfolio.bench.ts",
  "load.bench.ts",
  "scale.bench.ts",
  "pglite-statements.bench.ts",
  "retention.bench.ts",
  "views.bench.ts",
];
const only = process.argv.slice(2);

const run = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, VITE_CJS_IGNORE_WARNING: "true" } });

if (run([path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"]).status !== 0) process.exit(1);
for (const bench of BENCHES.filter((b) => only.length === 0 || only.some((o) => b.startsWith(o)))) {
  console.log(`\n=== ${bench}`);
  // With the young generation every web process starts with (app/server.mjs), so a benchmark
  // that refreshes in its own process measures what the server's in-process worker does.
  const result = run(["--max-semi-space-size=64", "--import", "tsx", path.join("tests/bench", bench)]);
  if (result.status !== 0) process.exitCode = 1;
}

/**
 * Before and after, side by side: the CPU a page view costs in the working tree's build against
 * the build of a git ref, on the same data, in runs that alternate (base, new, base, new …).
 *   npx tsx tests/bench/compare.ts <ref> [customers=10000] [days=365] [runs=4] [pages=300]
 * On a shared or virtual machine the speed drifts by more than a change worth making (this
 * project's VM moved by ~40 % within an hour), so two `npm run bench` runs at different times do
 * not compare; alternating does. The ref is checked out in a temporary git worktree and built
 * there with its own migrations. The book is seeded once by the ref's own factories, then copied
 * (a template database on the DATABASE_URL server, else the PGlite folder), and each side opens
 * its copy, so the new side migrates its copy as an upgrade would. Each run is a fresh process
 * that calls the Remix handler directly (compare-probe.mjs): no HTTP, no load generator, only
 * the page's own CPU: loaders, rendering and the database client; on PostgreSQL not the server's
 * work, on PGlite (in the same process) that too.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { benchDatabase } from "./bench-database";

const ROOT = path.resolve(import.meta.dirname, "../..");
const [ref, customersArg = "10000", daysArg = "365", runsArg = "4", pagesArg = "300"] = process.argv.slice(2);
if (!ref) {
  console.error("usage: npx tsx tests/bench/compare.ts <git ref> [customers] [days] [runs] [pages]");
  process.exit(2);
}
const RUNS = Number(runsArg);
const work = mkdtempSync(path.join(os.tmpdir(), "delight-compare-"));
const server = process.env.DATABASE_URL;
/** Each side's database on the server (none on PGlite); the new side's is made once the base's is seeded. */
const databases: Partial<Record<"base" | "new", { url: string; name: string; drop: () => Promise<void> }>> = {};
const secrets = { DELIGHT_SECRET_KEY: randomBytes(32).toString("hex"), DELIGHT_SESSION_SECRET: randomBytes(32).toString("hex") };

const git = (...args: string[]) => execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim();
const remixBuild = (cwd: string) => {
  const built = spawnSync(process.execPath, [path.join(ROOT, "node_modules/@remix-run/dev/dist/cli.js"), "build"], {
    cwd,
    stdio: "ignore",
  });
  if (built.status !== 0) throw new Error(`remix build failed in ${cwd}`);
};
/** The environment of one side: its own copy of the book. */
const sideEnv = (side: "base" | "new") => ({
  ...secrets,
  NODE_ENV: "production" as const,
  DELIGHT_SCHEDULER: "off",
  DELIGHT_REFRESH_INTERVAL: "0",
  DELIGHT_DATA_DIR: path.join(work, `data-${side}`),
  DATABASE_URL: databases[side]?.url ?? "",
});

const baseTree = path.join(work, "base");
const sha = git("rev-parse", "--short", ref);
try {
  // 1. Both builds: the ref in a worktree of its own (sharing this checkout's node_modules), and the working tree.
  git("worktree", "add", "--detach", baseTree, ref);
  symlinkSync(path.join(ROOT, "node_modules"), path.join(baseTree, "node_modules"), "dir");
  remixBuild(baseTree);
  remixBuild(ROOT);

  // 2. The book, seeded by the ref's own factories (its schema), then copied for the new side.
  databases.base = await benchDatabase("delight_compare_base");
  const seed = `
    const { openContext } = await import(${JSON.stringify(path.join(baseTree, "app/utils/context.server.ts"))});
    const { loadConfig } = await import(${JSON.stringify(path.join(baseTree, "app/utils/env.server.ts"))});
    const f = await import(${JSON.stringify(path.join(baseTree, "tests/factories.ts"))});
    const { sql } = await import("drizzle-orm");
    const ctx = await openContext(loadConfig({ ...process.env }));
    const seeded = await f.seedPortfolio(ctx.db, ctx.secretKey, { customers: ${Number(customersArg)}, days: ${Number(daysArg)} });
    const user = await f.seedUser(ctx.db, { email: "compare@example.com", name: "Compare", role: "admin" });
    const session = await f.seedSession(ctx.db, user.id);
    await ctx.db.execute(sql\`vacuum analyze\`);
    await ctx.db.execute(sql\`checkpoint\`);
    await ctx.dbHandle.close();
    console.log(JSON.stringify({ session, slug: seeded.customers[Math.floor(seeded.customers.length / 2) + 1].slug }));
    process.exit(0);`;
  const seeded = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", seed], {
    cwd: baseTree,
    env: { ...process.env, ...sideEnv("base") },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (seeded.status !== 0) throw new Error(`seeding failed:\n${seeded.stderr}`);
  const { session, slug } = JSON.parse(seeded.stdout.trim().split("\n").at(-1)!) as { session: string; slug: string };
  if (server) {
    databases.new = await benchDatabase("delight_compare_new", { template: databases.base.name });
  } else {
    cpSync(sideEnv("base").DELIGHT_DATA_DIR, sideEnv("new").DELIGHT_DATA_DIR, { recursive: true });
  }

  // 3. Alternating runs, each a fresh process.
  const paths = ["/", "/?band=poor&flagged=1&sort=score&dir=desc&page=3", `/customers/${slug}`];
  const cpu: Record<string, { base: number[]; new: number[] }> = Object.fromEntries(paths.map((p) => [p, { base: [], new: [] }]));
  const probe = path.join(ROOT, "tests/bench/compare-probe.mjs");
  for (let run = 1; run <= RUNS; run++) {
    for (const side of ["base", "new"] as const) {
      const buildFile = path.join(side === "base" ? baseTree : ROOT, "build/index.js");
      const out = spawnSync(process.execPath, ["--max-semi-space-size=64", probe, buildFile, pagesArg, ...paths], {
        cwd: side === "base" ? baseTree : ROOT,
        env: { ...process.env, ...sideEnv(side), COMPARE_SESSION: session },
        encoding: "utf8",
      });
      if (out.status !== 0) throw new Error(`${side} run ${run} failed:\n${out.stderr}`);
      for (const line of out.stdout.trim().split("\n")) {
        const r = JSON.parse(line) as { path: string; cpuMs: number };
        cpu[r.path]![side].push(r.cpuMs);
      }
      console.error(`run ${run} ${side} done`);
    }
  }

  // 4. Per page: min and mean of each side, and in how many runs the new side was cheaper.
  const min = (xs: number[]) => Math.min(...xs);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  console.log(
    `\nCPU a page view, ${sha} (base) against the working tree (new): ${customersArg} customers × ${daysArg} days, ` +
      `${server ? "PostgreSQL server" : "PGlite"}, ${RUNS} alternated runs of ${pagesArg} views a page, Node ${process.version}`,
  );
  console.table(
    paths.map((p) => {
      const { base, new: next } = cpu[p]!;
      return {
        page: p.startsWith("/customers/") ? "customer page" : p === "/" ? "portfolio" : "portfolio filtered + sorted",
        "base min": ms(min(base)),
        "base mean": ms(mean(base)),
        "new min": ms(min(next)),
        "new mean": ms(mean(next)),
        change: `${(((mean(next) - mean(base)) / mean(base)) * 100).toFixed(1)} %`,
        // Each run's new against the base run just before it: drift between runs mostly cancels.
        "paired change, median": `${((median(next.map((n, i) => n / base[i]!)) - 1) * 100).toFixed(1)} %`,
        "new cheaper in": `${base.filter((b, i) => next[i]! < b).length} of ${RUNS} runs`,
      };
    }),
  );
} finally {
  if (existsSync(baseTree)) git("worktree", "remove", "--force", baseTree);
  rmSync(work, { recursive: true, force: true });
  for (const database of Object.values(databases)) await database.drop();
}

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { openContext } from "../../app/utils/context.server";
import { loadConfig } from "../../app/utils/env.server";
import { users } from "../../db/schema";
import { cli } from "../setup/cli";

const root = mkdtempSync(path.join(os.tmpdir(), "delight-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every path under dir (dir included) with its permission bits. */
function modes(dir: string): [string, number][] {
  const out: [string, number][] = [[dir, lstatSync(dir).mode & 0o777]];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...modes(file));
    else out.push([file, lstatSync(file).mode & 0o777]);
  }
  return out;
}

// The embedded database lives in files, so this runs the same whatever TEST_DATABASE_URL says.
describe("the data folder", () => {
  test("a fresh folder created with mode 0755 ends with no file or folder other users can read", async () => {
    const dataDir = path.join(root, "fresh");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    // As an older delight left it: a world-readable file already inside.
    writeFileSync(path.join(dataDir, "left-over.log"), "x", { mode: 0o666 });
    chmodSync(path.join(dataDir, "left-over.log"), 0o666);

    const ctx = await openContext(loadConfig({ DELIGHT_DATA_DIR: dataDir, DATABASE_URL: "", DELIGHT_REFRESH_INTERVAL: "0" }));
    try {
      // Files PGlite writes after start (WAL, relations of a new row) count too.
      await ctx.db.insert(users).values({ email: "f@example.com", name: "F", role: "admin", passwordHash: "x" });
    } finally {
      await ctx.dbHandle.close();
    }
    const all = modes(dataDir);
    expect(all.length).toBeGreaterThan(100); // PGlite's files, the secrets, the left-over
    const open = all.filter(([, mode]) => mode & 0o077).map(([file, mode]) => `${path.relative(dataDir, file)} ${mode.toString(8)}`);
    expect(open).toEqual([]);
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(path.join(dataDir, "secret.key")).mode & 0o777).toBe(0o600);
  });

  test("a bad DELIGHT_SECRET_KEY stops the CLI with one line before anything is opened", async () => {
    const dataDir = path.join(root, "bad-key");
    const result = await cli({ DELIGHT_DATA_DIR: dataDir, DELIGHT_SECRET_KEY: "not-a-key" }, "user", "list");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("Configuration error: DELIGHT_SECRET_KEY: must be 32 bytes, written as 64 hex characters or base64");
    expect(() => lstatSync(dataDir)).toThrow(); // nothing was created
  });
});

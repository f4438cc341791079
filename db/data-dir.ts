import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";

export class DataDirError extends Error {}

/**
 * Files the process creates from now on are private to its user (0600 files, 0700 folders).
 * Set before the embedded database starts, because PGlite creates its files with 0666 and
 * leaves the rest to the umask. Worker threads may not change the umask; there the chmod pass
 * in secureDataDir is what protects the files present at start.
 */
export function restrictUmask() {
  try {
    process.umask(0o077);
  } catch {
    // ERR_WORKER_UNSUPPORTED_OPERATION
  }
}

function walk(dir: string, visit: (file: string, isDir: boolean) => void) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    visit(file, entry.isDirectory());
    if (entry.isDirectory()) walk(file, visit);
  }
}

/**
 * Makes the data folder 0700 and everything in it 0600 (folders 0700), whatever modes they had
 * (an older delight, or a folder made with the default 0755), then checks that it worked: a file
 * another user can still read or write (owned by someone else, say) stops start-up, like a
 * readable secret key does.
 */
export function secureDataDir(dataDir: string) {
  restrictUmask();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const fix = (file: string, isDir: boolean) => {
    const mode = lstatSync(file).mode & 0o777;
    const wanted = isDir ? mode & 0o700 : mode & 0o600;
    if (mode !== wanted) {
      try {
        chmodSync(file, wanted);
      } catch {
        // Checked below.
      }
    }
    if (lstatSync(file).mode & 0o077) {
      throw new DataDirError(`${file} is accessible to other users and could not be restricted; run: chmod -R go-rwx ${dataDir}`);
    }
  };
  fix(dataDir, true);
  walk(dataDir, fix);
}

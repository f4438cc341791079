import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A file or folder of db/ found from this module's own location (not the working directory), so
 * the CLI, the tests and the built server all find it: beside this module when run from source,
 * or in db/ beside build/ once the Remix build has bundled this module into build/index.js.
 * `probe` is what must exist inside it (for a folder).
 */
export function dbPath(name: string, probe = ""): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, name), path.join(here, "..", "db", name)];
  const found = candidates.find((candidate) => existsSync(path.join(candidate, probe)));
  if (!found) throw new Error(`delight: db/${name} not found next to ${here}`);
  return found;
}

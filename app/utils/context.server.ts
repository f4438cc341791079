import { randomBytes } from "node:crypto";
import { createDb, type Db, type DbHandle } from "../../db/client";
import { secureDataDir } from "../../db/data-dir";
import { loadOrCreateSecretFile, parseSecretKey } from "../../db/secrets";
import type { Config } from "./env.server";

/** Everything a server or CLI process shares: one database, the secrets, the parsed config. */
export type AppContext = {
  db: Db;
  dbHandle: DbHandle;
  config: Config;
  /** AES-256 key for customer PostHog keys. */
  secretKey: Buffer;
  /** Signs session cookies. */
  sessionSecret: string;
};

function inMemory(config: Config) {
  return config.dataDir.startsWith("memory://");
}

export function resolveSecretKey(config: Config): Buffer {
  if (config.DELIGHT_SECRET_KEY) return parseSecretKey(config.DELIGHT_SECRET_KEY);
  if (inMemory(config)) return randomBytes(32);
  return loadOrCreateSecretFile(config.dataDir, "secret.key");
}

export function resolveSessionSecret(config: Config): string {
  if (config.DELIGHT_SESSION_SECRET) return config.DELIGHT_SESSION_SECRET;
  if (inMemory(config)) return randomBytes(32).toString("hex");
  return loadOrCreateSecretFile(config.dataDir, "session.secret").toString("hex");
}

/** Opens the database and applies pending migrations before anything else touches it. */
export async function openContext(config: Config): Promise<AppContext> {
  // The data folder and its files first: private to this user, or start-up stops here.
  if (!inMemory(config) && (!config.DATABASE_URL || !config.DELIGHT_SECRET_KEY || !config.DELIGHT_SESSION_SECRET)) {
    secureDataDir(config.dataDir);
  }
  // Secrets next: a badly protected key file must stop start-up before any data is opened.
  const secretKey = resolveSecretKey(config);
  const sessionSecret = resolveSessionSecret(config);
  const dbHandle = createDb({
    url: config.DATABASE_URL,
    dataDir: config.dataDir,
    prepare: config.DELIGHT_DB_PREPARE,
    thread: config.DELIGHT_PGLITE_THREAD,
  });
  try {
    await dbHandle.migrate();
  } catch (error) {
    await dbHandle.close().catch(() => {});
    throw error;
  }
  return { db: dbHandle.db, dbHandle, config, secretKey, sessionSecret };
}

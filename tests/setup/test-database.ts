import { randomBytes } from "node:crypto";
import postgres from "postgres";

export type TestDatabase = { env: Record<string, string>; target: "pglite" | "postgres"; drop: () => Promise<void> };

/**
 * A fresh, empty database for one test file: in-memory PGlite, or (DELIGHT_TEST_DB=postgres)
 * a new database on the TEST_DATABASE_URL server, dropped afterwards.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const common = {
    DELIGHT_SECRET_KEY: randomBytes(32).toString("hex"),
    DELIGHT_SESSION_SECRET: randomBytes(32).toString("hex"),
    DELIGHT_REFRESH_INTERVAL: "0",
    // Their customers' hosts are made up; the tests of refresh-on-save turn it back on.
    DELIGHT_REFRESH_ON_SAVE: "false",
    DELIGHT_ALLOW_PRIVATE_HOSTS: "true",
  };
  if (process.env.DELIGHT_TEST_DB !== "postgres") {
    return { env: { ...common, DELIGHT_DATA_DIR: "memory://", DATABASE_URL: "" }, target: "pglite", drop: async () => {} };
  }
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) throw new Error("DELIGHT_TEST_DB=postgres needs TEST_DATABASE_URL");
  const name = `delight_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { ...common, DATABASE_URL: url.toString(), DELIGHT_DATA_DIR: "memory://" },
    target: "postgres",
    drop: async () => {
      const conn = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await conn.unsafe(`drop database if exists ${name} with (force)`);
      await conn.end();
    },
  };
}

/**
 * For the browser tests that run the server on PostgreSQL when the machine has one
 * (TEST_DATABASE_URL): a database of their own there, or undefined (the embedded database).
 */
export async function serverTestDatabase(): Promise<TestDatabase | undefined> {
  if (!process.env.TEST_DATABASE_URL) return undefined;
  process.env.DELIGHT_TEST_DB = "postgres";
  return createTestDatabase();
}

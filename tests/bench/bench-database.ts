import postgres from "postgres";

/**
 * A database of the benchmark's own: with DATABASE_URL, a new database on that server (dropped by
 * `drop`), empty or a copy of `template` (another bench database, by name); otherwise "" (the
 * caller uses the embedded PGlite in its temp dir, and `drop` does nothing).
 */
export async function benchDatabase(
  prefix: string,
  options: { template?: string } = {},
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { url: "", name: "", drop: async () => {} };
  const name = `${prefix}_${process.pid}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}${options.template ? ` template ${options.template}` : ""}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const conn = postgres(server, { max: 1, onnotice: () => {} });
      await conn.unsafe(`drop database if exists ${name} with (force)`);
      await conn.end();
    },
  };
}

import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = { "~": path.resolve(__dirname, "app") };
const integration = (name: string, target: "pglite" | "postgres") => ({
  resolve: { alias },
  test: {
    name,
    include: ["tests/integration/**/*.test.ts"],
    env: { TZ: "UTC", DELIGHT_TEST_DB: target },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

// `npm test`: unit tests, then the integration suite on PGlite and, when TEST_DATABASE_URL is
// set, the same suite again on that PostgreSQL server. Browser tests live in vitest.e2e.config.ts.
export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["checks/**/*.test.ts", "app/**/*.test.ts", "db/**/*.test.ts"],
          env: { TZ: "UTC" },
        },
      },
      integration("integration", "pglite"),
      ...(process.env.TEST_DATABASE_URL ? [integration("integration-postgres", "postgres")] : []),
    ],
  },
});

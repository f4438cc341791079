import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "e2e",
    include: ["tests/e2e/**/*.test.ts"],
    env: { TZ: "UTC" },
    testTimeout: 60_000,
    // A page reacts to a click after a server round trip and a render: on a busy 2-core machine
    // that can take longer than expect.poll's default second.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 120_000,
    // One production server and one browser are shared by the files, so run them in sequence.
    fileParallelism: false,
  },
});

import { defineConfig } from "vitest/config";

// Tests are offline and deterministic; numerical and server tests can take a few seconds each on 2 cores.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});

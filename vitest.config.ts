import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Real-part suites that could not run here are named in one line at the end (test/support/realParts.ts).
    globalSetup: ["test/support/skipped.ts"],
    // A bound for hangs, not a speed check: a loaded 2-core machine runs the built command several times slower.
    testTimeout: 60_000,
    // One file at a time: the latency tests measure real round trips to the millisecond, and a property test
    // hogging the second core would show up in them as noise.
    fileParallelism: false,
  },
});

import { defineConfig } from "vitest/config";

// Two projects: fast pure unit tests, and Docker integration tests that really build
// images (one worker, long timeouts: they share one engine with 2 cores).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          // A few tests expand 100,000 cells or run 150 property cases: seconds when the
          // machine also builds images, never a timing assertion.
          testTimeout: 30_000,
          exclude: ["test/**/*.itg.test.ts"],
          // @actions/workflow-parser imports its schema JSON without `with { type: "json" }`,
          // which Node refuses; through Vite (inlined) the import works.
          server: { deps: { inline: [/@actions\/workflow-parser/] } },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.itg.test.ts"],
          globalSetup: ["test/itg/global-setup.ts"],
          fileParallelism: false,
          testTimeout: 30 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
    ],
  },
});

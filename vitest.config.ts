import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once for the tests that spawn the real auxbus binary (test/cli).
    globalSetup: ['test/cli/global-setup.ts'],
    // The default report, then the plain "N passed, N failed" line CI looks for.
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

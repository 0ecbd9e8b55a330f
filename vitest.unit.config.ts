import { defineConfig } from 'vitest/config';

// The unit tests only (no CLI process, no build): what `npm run mutate` runs
// against each mutant. The end-to-end tests run the built dist/, which a
// mutant in src/ never reaches, so they would only cost time there.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});

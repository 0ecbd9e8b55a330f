import { defineConfig } from 'vitest/config';

// The unit tests only (no CLI process, no build): what `npm run mutate` runs
// against each mutant. The end-to-end tests run the built dist/, which a
// mutant in src/ never reaches, so they would only cost time there. The state
// tests are left out too: src/core/state is not in the mutation scope, they
// need PostgreSQL, and the lock test starts a process on dist/, which
// Stryker's sandbox does not copy (without dist/ that test fails).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/core/state/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});

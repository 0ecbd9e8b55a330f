import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Finds PostgreSQL once for the state backend tests (test/helpers/pg.ts), or says in one line why they are skipped.
    globalSetup: ['test/helpers/pg-global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end tests spawn the CLI; two cores, so keep the parallelism modest.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Slow tests (full training runs) opt in with SYNTHDIFF_SLOW=1; CI keeps to the fast set.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // `npm test` runs everything, as CI does; `npm run test:fast` leaves out the slow files (vitest.fast.ts).
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

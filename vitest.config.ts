import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // `npm test` runs everything, as CI does; `npm run test:fast` (package.json) leaves out the bench smoke
    // test and the 1M-row AER__Fertility memory tests.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

import { defineConfig } from '@playwright/test';

// The Electron end-to-end suite (tests/electron): `npm run test:electron`, which also prints one
// line and skips where no Electron binary exists. Run `npm run build` first.
export default defineConfig({
  testDir: 'tests/electron',
  outputDir: 'test-results/electron',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
});

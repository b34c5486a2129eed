import { defineConfig } from '@playwright/test';

// End-to-end tests for Tenantry. The server is NOT started here: scripts/test starts the
// debug build on an empty, fresh database and passes its address in BASE_URL. Every test
// creates its own data through the REST API under unique names, so tests neither depend
// on each other nor on their order.
export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  // Deterministic or broken: no retries, not even on CI.
  retries: 0,
  workers: 1,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:3100',
    // Signed in as the platform admin (see global-setup.ts).
    storageState: 'playwright/.auth/admin.json',
    // Playwright must never download browsers here: always the system Chromium.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});

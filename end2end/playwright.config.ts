import { defineConfig } from '@playwright/test';
import { chromiumHome } from './lib/paths';

/*
 * Dossier end-to-end suite.
 *
 * Reads:
 *   DOSSIER_BIN                  server binary (required to run tests)
 *   DOSSIER_SITE_ROOT            built site dir served at /pkg (required to run tests)
 *   TEST_POSTGRES_URL            maintenance database URL (default postgres://postgres@127.0.0.1:5432/postgres)
 *   DOSSIER_E2E_SKIP_POSTGRES=1  leave out the "postgres" project
 *   DOSSIER_E2E_INSECURE_COOKIES value for DOSSIER__SECURITY__INSECURE_DEV_COOKIES (default false)
 *   DOSSIER_E2E_CHROMIUM         browser executable (default /usr/bin/chromium)
 *
 * Global setup starts maildev and one server per project, each with a fresh database;
 * specs of a project run in file order against that server.
 */

// Chromium must leave nothing in the real home folder.
const chromeHome = chromiumHome();
process.env.XDG_CONFIG_HOME = chromeHome.config;
process.env.XDG_CACHE_HOME = chromeHome.cache;

const browserEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) browserEnv[k] = v;
browserEnv.HOME = chromeHome.home;
browserEnv.XDG_CONFIG_HOME = chromeHome.config;
browserEnv.XDG_CACHE_HOME = chromeHome.cache;

const skipPostgres = process.env.DOSSIER_E2E_SKIP_POSTGRES === '1';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  // argon2id in a debug build can take seconds per attempt.
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: './test-results/results.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    // The browser that sets the practice up gives it its zone (01-setup); staff then see
    // times in it (15-workspace checks the header names it).
    timezoneId: 'Europe/London',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.DOSSIER_E2E_CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      env: browserEnv,
    },
  },
  // baseURL per project comes from lib/fixtures.ts (the server's port is chosen at run time).
  projects: [{ name: 'sqlite' }, ...(skipPostgres ? [] : [{ name: 'postgres' }])],
});

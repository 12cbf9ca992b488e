import { test as base, expect, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import { maildevUrl, serverUrl, smsUrl } from './runtime';
import { adminStoragePath } from './state';

export type ProjectName = 'sqlite' | 'postgres';

interface Fixtures {
  /** 'sqlite' or 'postgres': which shared server and state file this test uses. */
  project: ProjectName;
  /** maildev web URL, e.g. http://127.0.0.1:41234 */
  maildevUrl: string;
  /** The SMS recorder standing in for Twilio, e.g. http://127.0.0.1:41235 */
  smsUrl: string;
  /** A page in a new, cookie-less browser context (closed after the test). */
  newPage: (opts?: { storageState?: BrowserContextOptions['storageState'] }) => Promise<Page>;
  /** A page signed in as the project's admin (session saved by 02-signin). */
  adminPage: Page;
}

export const test = base.extend<Fixtures>({
  // Each project has its own server, started by global setup on a free port.
  baseURL: async ({}, use, testInfo) => {
    await use(serverUrl(testInfo.project.name));
  },
  project: async ({}, use, testInfo) => {
    await use(testInfo.project.name as ProjectName);
  },
  maildevUrl: async ({}, use) => {
    await use(maildevUrl());
  },
  smsUrl: async ({}, use) => {
    await use(smsUrl());
  },
  newPage: async ({ browser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (opts = {}) => {
      const ctx = await browser.newContext({ baseURL, storageState: opts.storageState });
      contexts.push(ctx);
      return ctx.newPage();
    });
    for (const ctx of contexts) await ctx.close();
  },
  adminPage: async ({ newPage, project }, use) => {
    const storage = adminStoragePath(project);
    if (!fs.existsSync(storage)) {
      throw new Error(`${storage} is missing: 02-signin saves the admin's session`);
    }
    await use(await newPage({ storageState: storage }));
  },
});

export { expect };

import { expect, test, type Locator, type Page } from '@playwright/test';
import { getAccount, putAccount, type Account } from './state';
import { msLeftInStep, totpForStep, totpStep, wrongTotp } from './totp';
import { sleep } from './proc';

export const INCORRECT_CREDENTIALS = 'Email or password is incorrect.';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches an absolute URL whose path is exactly `p` (any query or fragment). */
export function pathRe(p: string): RegExp {
  return new RegExp(`^https?://[^/]+${escapeRe(p)}/?(?:[?#].*)?$`);
}

export async function expectPath(page: Page, p: string): Promise<void> {
  await expect(page, `expected to be on ${p}`).toHaveURL(pathRe(p));
}

/** Matches the pages reached only after a password was accepted. */
const PAST_PASSWORD = /^https?:\/\/[^/]+\/(app|login\/(mfa|enrol|recovery-codes))(?:[/?#].*)?$/;

/**
 * After a refused attempt: no step further than the form. (Where a refused form lands is
 * up to the server, e.g. /login or the POST target, so only "not further" is asserted.)
 */
export async function expectNotPastPassword(page: Page): Promise<void> {
  await expect(page, 'still not past the password step').not.toHaveURL(PAST_PASSWORD);
}

/** After a refused second-factor code: not signed in. */
export async function expectNotInApp(page: Page): Promise<void> {
  await expect(page, 'not in the app').not.toHaveURL(/^https?:\/\/[^/]+\/(app|login\/recovery-codes)(?:[/?#].*)?$/);
}

export function currentProject(): string {
  return test.info().project.name;
}

// Paths whose page never set body[data-hydrated]; waited for once per worker, then skipped.
const pathsWithoutFlag = new Set<string>();

/**
 * Waits until the page has hydrated (body[data-hydrated="true"]) when it loads the app's
 * wasm, so that typing is not raced by hydration. It does not fail: 06-security asserts
 * hydration itself; elsewhere a page that never sets the flag is used as server-rendered.
 */
export async function settle(page: Page, timeoutMs = 8000): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  let usesWasm = false;
  let pathname = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      pathname = new URL(page.url()).pathname;
      usesWasm = await page.evaluate(
        () =>
          document.querySelector('link[href*="/pkg/"],script[src*="/pkg/"]') !== null ||
          Array.from(document.scripts).some((s) => (s.textContent ?? '').includes('/pkg/')),
      );
      break;
    } catch {
      // A navigation replaced the document while we looked; look again.
      await page.waitForLoadState('domcontentloaded');
    }
  }
  if (!usesWasm || pathsWithoutFlag.has(pathname)) return;
  try {
    await page.waitForFunction(() => document.body?.dataset.hydrated === 'true', undefined, {
      timeout: timeoutMs,
    });
  } catch {
    pathsWithoutFlag.add(pathname);
    test.info().annotations.push({
      type: 'warning',
      description: `${pathname}: body[data-hydrated] was not "true" within ${timeoutMs} ms; continued without hydration`,
    });
  }
}

/** goto + settle. Returns the main response. */
export async function visit(page: Page, url: string) {
  const res = await page.goto(url);
  await settle(page);
  return res;
}

/** The role=alert element containing `text`; asserts it is visible and returns its text. */
export async function expectAlert(page: Page, text: string | RegExp): Promise<string> {
  const loc = page.getByRole('alert').filter({ hasText: text });
  await expect(loc).toBeVisible();
  return (await loc.innerText()).trim();
}

export function heading(page: Page, name: string | RegExp): Locator {
  return page.getByRole('heading', typeof name === 'string' ? { name, exact: true } : { name });
}

export function button(page: Page, name: string): Locator {
  return page.getByRole('button', { name, exact: true });
}

/** Opens a fresh /login and submits email and password. Does not wait for the outcome. */
export async function submitCredentials(page: Page, email: string, password: string): Promise<void> {
  await visit(page, '/login');
  await expect(heading(page, 'Sign in')).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await button(page, 'Sign in').click();
}

/** Submits credentials that must be refused and returns the alert text. */
export async function expectSignInRefused(
  page: Page,
  email: string,
  password: string,
  message: string | RegExp = INCORRECT_CREDENTIALS,
): Promise<string> {
  await submitCredentials(page, email, password);
  const text = await expectAlert(page, message);
  await expectNotPastPassword(page);
  return text;
}

/**
 * The TOTP code to submit next for an account. Each time-step is accepted once per
 * account, so this waits for a step later than the last one used, and also skips the
 * last 1.5 s of a step so the code is still current when it reaches the server. The step
 * is recorded as used before it is returned. The test's timeout is extended by the wait.
 */
export async function nextTotp(project: string, alias: string): Promise<{ code: string; step: number }> {
  const acc = getAccount(project, alias);
  if (!acc.totpSecret) throw new Error(`account "${alias}" has no TOTP secret yet`);
  for (;;) {
    const now = Date.now();
    const step = totpStep(now);
    const left = msLeftInStep(now);
    if ((acc.lastTotpStep ?? -1) >= step || left < 1500) {
      const wait = left + 250;
      test.info().setTimeout(test.info().timeout + wait);
      await sleep(wait);
      continue;
    }
    putAccount(project, alias, { lastTotpStep: step });
    return { code: totpForStep(acc.totpSecret, step), step };
  }
}

/** A code that is wrong now for the account's secret. */
export function wrongCodeFor(acc: Account): string {
  if (!acc.totpSecret) throw new Error('account has no TOTP secret');
  return wrongTotp(acc.totpSecret);
}

/** The next unused recovery code of an account, recorded as used. */
export function takeRecoveryCode(project: string, alias: string): string {
  const acc = getAccount(project, alias);
  const used = new Set(acc.usedRecoveryCodes ?? []);
  const code = (acc.recoveryCodes ?? []).find((c) => !used.has(c));
  if (!code) throw new Error(`account "${alias}" has no unused recovery code left`);
  putAccount(project, alias, { usedRecoveryCodes: [...used, code] });
  return code;
}

/**
 * On /login/enrol: reads the secret, (optionally) tries a wrong code, enrols with the
 * right one, checks and stores the recovery codes and continues to /app.
 */
export async function completeEnrolment(
  page: Page,
  project: string,
  alias: string,
  opts: { tryWrongCode?: boolean } = {},
): Promise<{ secret: string; recoveryCodes: string[] }> {
  await expectPath(page, '/login/enrol');
  await settle(page);
  await expect(heading(page, 'Set up two-step verification')).toBeVisible();

  const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
  await expect(qr).toBeVisible();
  await expect
    .poll(() => qr.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0), {
      message: 'the QR code image loads',
    })
    .toBe(true);

  const secret = (await page.getByTestId('totp-secret').innerText()).replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  expect(secret, 'TOTP secret is base32').toMatch(/^[A-Z2-7]+$/);
  expect(secret.length * 5, 'TOTP secret has at least 128 bits').toBeGreaterThanOrEqual(128);
  putAccount(project, alias, { totpSecret: secret, lastTotpStep: undefined, recoveryCodes: [], usedRecoveryCodes: [] });

  const codeField = page.getByLabel('6-digit code', { exact: true });
  if (opts.tryWrongCode) {
    await codeField.fill(wrongTotp(secret));
    await button(page, 'Verify and continue').click();
    await expectAlert(page, 'That code is not correct.');
    await expectNotInApp(page);
  }
  const { code } = await nextTotp(project, alias);
  await codeField.fill(code);
  await button(page, 'Verify and continue').click();

  await expectPath(page, '/login/recovery-codes');
  await settle(page);
  await expect(heading(page, 'Save your recovery codes')).toBeVisible();
  const items = page.getByTestId('recovery-codes').locator('li');
  await expect(items).toHaveCount(10);
  const recoveryCodes = (await items.allInnerTexts()).map((t) => t.trim());
  expect(new Set(recoveryCodes).size, 'recovery codes are distinct').toBe(10);
  for (const c of recoveryCodes) expect(c.replace(/[\s-]/g, '').length, `recovery code ${c} is long enough`).toBeGreaterThanOrEqual(8);
  putAccount(project, alias, { recoveryCodes, usedRecoveryCodes: [] });

  await button(page, 'I have saved my codes').click();
  await expectPath(page, '/app');
  await settle(page);
  return { secret, recoveryCodes };
}

/** On the two-step page (/login/mfa): submits a TOTP or recovery code and expects /app. */
export async function completeMfa(
  page: Page,
  project: string,
  alias: string,
  method: 'totp' | 'recovery' = 'totp',
): Promise<string> {
  await settle(page);
  await expect(heading(page, 'Two-step verification')).toBeVisible();
  const code = method === 'totp' ? (await nextTotp(project, alias)).code : takeRecoveryCode(project, alias);
  await page.getByLabel('Authentication code', { exact: true }).fill(code);
  await button(page, 'Verify').click();
  await expectPath(page, '/app');
  await settle(page);
  return code;
}

/** Full sign-in of an enrolled account: password, then TOTP (or a recovery code), ending on /app. */
export async function signIn(
  page: Page,
  alias: string,
  opts: { method?: 'totp' | 'recovery' } = {},
): Promise<Account> {
  const project = currentProject();
  const acc = getAccount(project, alias);
  await submitCredentials(page, acc.email, acc.password);
  await expectPath(page, '/login/mfa');
  await completeMfa(page, project, alias, opts.method ?? 'totp');
  return getAccount(project, alias);
}

export async function signOut(page: Page): Promise<void> {
  await button(page, 'Sign out').click();
  await expectPath(page, '/login');
  await expect(page.getByText('You have signed out.')).toBeVisible();
}

/** The last path segment of a link (the token of an invite or reset link). */
export function tokenOf(link: string): string {
  const parts = new URL(link).pathname.split('/').filter(Boolean);
  return parts[parts.length - 1];
}

export interface SetupDetails {
  practice: string;
  name: string;
  email: string;
  password: string;
}

/** On /setup: fills the first-run form and submits it. Does not wait for the outcome. */
export async function submitSetup(page: Page, d: SetupDetails): Promise<void> {
  await expect(heading(page, 'Set up your practice')).toBeVisible();
  await page.getByLabel('Practice name', { exact: true }).fill(d.practice);
  await page.getByLabel('Your name', { exact: true }).fill(d.name);
  await page.getByLabel('Email', { exact: true }).fill(d.email);
  await page.getByLabel('Password', { exact: true }).fill(d.password);
  await button(page, 'Create practice').click();
}

/** A fresh installation: / leads to /setup, the practice is created, /login confirms it. */
export async function firstRunSetup(page: Page, d: SetupDetails): Promise<void> {
  await visit(page, '/');
  await expectPath(page, '/setup');
  await settle(page);
  await submitSetup(page, d);
  await expectPath(page, '/login');
  await expect(page.getByText('Practice created. Sign in to continue.')).toBeVisible();
}

/** The <header> that shows the signed-in person's name. */
export function headerWith(page: Page, text: string): Locator {
  return page.locator('header').filter({ hasText: text }).first();
}

/** Collects uncaught page errors and WebAssembly panics into `errors` (specs end with
 * `expect(errors).toEqual([])`). */
export function watchForCrashes(page: Page, errors: string[]): void {
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|unreachable/.test(m.text())) errors.push(m.text().slice(0, 300));
  });
}

import { expect, test } from '../lib/fixtures';
import { extractLink, findMail, waitForMail } from '../lib/mail';
import { getAccount, putAccount } from '../lib/state';
import {
  button,
  expectPath,
  expectSignInRefused,
  heading,
  headerWith,
  settle,
  signIn,
  tokenOf,
  visit,
} from '../lib/ui';
import type { Page } from '@playwright/test';

const SENT = 'If an account exists for that address, we have sent a link';

async function requestReset(page: Page, email: string): Promise<void> {
  await visit(page, '/forgot-password');
  await expect(heading(page, 'Reset your password')).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await button(page, 'Send reset link').click();
  await expect(page.getByText(SENT)).toBeVisible();
}

test('a secretary resets a forgotten password by email', async ({ newPage, project, maildevUrl, baseURL }) => {
  test.setTimeout(90_000);
  const before = getAccount(project, 'secretary');
  const oldPassword = before.password;
  const newPassword = 'secretary passphrase two';
  const unknown = `nobody-reset-${project}@example.test`;
  const page = await newPage();

  await test.step('the sign-in page links to the reset form', async () => {
    await visit(page, '/login');
    await page.getByRole('link', { name: 'Forgot your password?', exact: true }).click();
    await expectPath(page, '/forgot-password');
    await settle(page);
    await expect(heading(page, 'Reset your password')).toBeVisible();
  });

  let link = '';
  await test.step('known and unknown addresses get the same answer; only the known one gets mail', async () => {
    const after = new Date(Date.now() - 1000);
    await requestReset(page, unknown);
    await requestReset(page, before.email);
    const mail = await waitForMail(maildevUrl, { to: before.email, subjectIncludes: 'Reset', after });
    link = extractLink(mail, '/reset/');
    expect(link.startsWith(`${baseURL}/reset/`), `reset link ${link} points at ${baseURL}`).toBe(true);
    expect(await findMail(maildevUrl, { to: unknown })).toHaveLength(0);
  });

  const reset = await newPage();
  await test.step('the link opens the new-password form without the token in the URL', async () => {
    await reset.goto(link);
    await expectPath(reset, '/reset-password');
    expect(reset.url()).not.toContain(tokenOf(link));
    await settle(reset);
    await expect(heading(reset, 'Choose a new password')).toBeVisible();
    await reset.getByLabel('New password', { exact: true }).fill(newPassword);
    await button(reset, 'Save password').click();
    await expectPath(reset, '/login');
    await expect(reset.getByText('Your password has been changed.')).toBeVisible();
    putAccount(project, 'secretary', { password: newPassword });
  });

  await test.step('the old password no longer works', async () => {
    await expectSignInRefused(reset, before.email, oldPassword);
  });

  await test.step('the new password works', async () => {
    // A recovery code instead of TOTP: the secretary used a TOTP step moments ago in 04.
    await signIn(reset, 'secretary', { method: 'recovery' });
    await expect(headerWith(reset, before.name)).toBeVisible();
  });

  await test.step('the reset link cannot be used a second time', async () => {
    const again = await newPage();
    await again.goto(link);
    await settle(again);
    const save = button(again, 'Save password');
    if (await save.isVisible()) {
      await again.getByLabel('New password', { exact: true }).fill('secretary passphrase three');
      await save.click();
      await again.waitForLoadState('networkidle');
    }
    await expect(again.getByText('Your password has been changed.')).toHaveCount(0);
  });
});

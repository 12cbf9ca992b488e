import { expect, test } from '../lib/fixtures';
import { adminStoragePath, getAccount } from '../lib/state';
import {
  button,
  completeEnrolment,
  completeMfa,
  expectAlert,
  expectNotInApp,
  expectPath,
  expectSignInRefused,
  heading,
  headerWith,
  INCORRECT_CREDENTIALS,
  settle,
  signOut,
  submitCredentials,
  visit,
  wrongCodeFor,
} from '../lib/ui';

const NAV_LINKS = ['Overview', 'Clients', 'Contacts', 'Documents', 'Shared', 'Audit log', 'Settings', 'Staff'];

// One journey, in steps: each TOTP sign-in of the same account must wait for a new
// 30-second step, so the admin signs in with TOTP only once after enrolling.
test('admin: enrol two-step verification, then TOTP, replay and recovery codes', async ({ page, newPage, project }) => {
  test.setTimeout(90_000);
  const admin = getAccount(project, 'admin');

  await test.step('the sign-in page', async () => {
    await visit(page, '/login');
    await expect(heading(page, 'Sign in')).toBeVisible();
    await expect(page.getByRole('link', { name: 'Forgot your password?', exact: true })).toBeVisible();
  });

  await test.step('first sign-in: password, then TOTP enrolment and recovery codes', async () => {
    await submitCredentials(page, admin.email, admin.password);
    await completeEnrolment(page, project, 'admin');
  });

  await test.step('the staff shell shows the navigation and who is signed in', async () => {
    await expect(heading(page, 'Overview')).toBeVisible();
    const nav = page.locator('nav');
    for (const name of NAV_LINKS) {
      await expect(nav.getByRole('link', { name, exact: true }).first(), `nav link ${name}`).toBeVisible();
    }
    await expect(headerWith(page, admin.name)).toBeVisible();
    await expect(button(page, 'Sign out')).toBeVisible();
  });

  await test.step('sign out ends the session on the server too', async () => {
    const signedIn = await page.context().storageState();
    await signOut(page);
    await page.goto('/app');
    await expectPath(page, '/login');
    // The cookie from before signing out must no longer open the app.
    const stale = await newPage({ storageState: signedIn });
    await stale.goto('/app');
    await expectPath(stale, '/login');
  });

  await test.step('wrong password and unknown email get the same message', async () => {
    const wrongPassword = await expectSignInRefused(page, admin.email, 'not the right password');
    const unknownEmail = await expectSignInRefused(page, `nobody-${project}@example.test`, admin.password);
    expect(wrongPassword).toBe(INCORRECT_CREDENTIALS);
    expect(unknownEmail).toBe(wrongPassword);
  });

  let usedTotp = '';
  await test.step('a wrong TOTP code is refused, the right one signs in', async () => {
    await submitCredentials(page, admin.email, admin.password);
    await expectPath(page, '/login/mfa');
    await settle(page);
    await expect(heading(page, 'Two-step verification')).toBeVisible();
    await page.getByLabel('Authentication code', { exact: true }).fill(wrongCodeFor(getAccount(project, 'admin')));
    await button(page, 'Verify').click();
    await expectAlert(page, 'not correct');
    await expectNotInApp(page);
    usedTotp = await completeMfa(page, project, 'admin', 'totp');
    await expect(heading(page, 'Overview')).toBeVisible();
  });

  await test.step('a replayed TOTP code is refused; a recovery code signs in', async () => {
    await signOut(page);
    await submitCredentials(page, admin.email, admin.password);
    await expectPath(page, '/login/mfa');
    await settle(page);
    await page.getByLabel('Authentication code', { exact: true }).fill(usedTotp);
    await button(page, 'Verify').click();
    await expectAlert(page, 'not correct');
    await expectNotInApp(page);
    await completeMfa(page, project, 'admin', 'recovery');
  });

  await test.step('a recovery code works only once', async () => {
    const [usedRecovery] = getAccount(project, 'admin').usedRecoveryCodes ?? [];
    expect(usedRecovery).toBeTruthy();
    await signOut(page);
    await submitCredentials(page, admin.email, admin.password);
    await expectPath(page, '/login/mfa');
    await settle(page);
    await page.getByLabel('Authentication code', { exact: true }).fill(usedRecovery);
    await button(page, 'Verify').click();
    await expectAlert(page, 'not correct');
    await expectNotInApp(page);
    await completeMfa(page, project, 'admin', 'recovery');
  });

  // Later specs act as the admin through this session instead of signing in again.
  await page.context().storageState({ path: adminStoragePath(project) });
});

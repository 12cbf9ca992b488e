import { expect, test } from '../lib/fixtures';
import { startDossier } from '../lib/server';
import { putAccount, ADMIN_PASSWORD } from '../lib/state';
import { completeEnrolment, expectPath, firstRunSetup, heading, submitCredentials } from '../lib/ui';

// Runs its own server (fresh database of the project's kind) with a 3-second idle timeout.
test('an idle staff session ends and the next page asks to sign in again', async ({ browser, project }) => {
  test.setTimeout(120_000);
  const server = await startDossier({
    db: project,
    label: `${project}-expiry`,
    env: { DOSSIER__SECURITY__STAFF_IDLE_TIMEOUT_SECS: '3' },
  });
  const context = await browser.newContext({ baseURL: server.url });
  try {
    const page = await context.newPage();
    const who = { name: `Ida Idle ${project}`, email: `admin-expiry-${project}@example.test`, password: ADMIN_PASSWORD };

    await test.step('set up the practice and sign in (enrolling TOTP)', async () => {
      await firstRunSetup(page, { practice: `Idle Practice ${project}`, ...who });
      putAccount(project, 'expiry-admin', who);
      await submitCredentials(page, who.email, who.password);
      await completeEnrolment(page, project, 'expiry-admin');
      await expect(heading(page, 'Overview')).toBeVisible();
    });

    await test.step('after 5 idle seconds the session has ended', async () => {
      await page.waitForTimeout(5_000);
      await page.goto('/app');
      await expectPath(page, '/login');
      await expect(page.getByText('Your session has ended. Please sign in again.')).toBeVisible();
    });
  } finally {
    await context.close();
    await server.stop();
  }
});

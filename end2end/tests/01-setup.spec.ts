import { expect, test } from '../lib/fixtures';
import { identities, putAccount } from '../lib/state';
import { expectAlert, expectPath, heading, settle, submitSetup, visit } from '../lib/ui';

// First spec of each project: the server's database is empty. Later specs rely on the
// practice and admin created here.
test.describe.configure({ mode: 'serial' });

test('first run: setup validates its input and creates the practice', async ({ page, project }) => {
  const id = identities(project);
  const details = { practice: id.practice, name: id.admin.name, email: id.admin.email, password: id.admin.password };

  await test.step('/ leads to /setup while no practice exists', async () => {
    await visit(page, '/');
    await expectPath(page, '/setup');
    await expect(heading(page, 'Set up your practice')).toBeVisible();
  });

  await test.step('a password of 11 characters is refused', async () => {
    await submitSetup(page, { ...details, password: 'elevenchars' });
    await expectAlert(page, 'at least 12 characters');
    await expect(page).not.toHaveURL(/\/login(?:[?#].*)?$/);
  });

  await test.step('the refused attempt created nothing', async () => {
    await visit(page, '/');
    await expectPath(page, '/setup');
  });

  await test.step('valid details create the practice and lead to sign-in', async () => {
    await settle(page);
    await submitSetup(page, details);
    await expectPath(page, '/login');
    await expect(page.getByText('Practice created. Sign in to continue.')).toBeVisible();
    putAccount(project, 'admin', id.admin);
  });
});

test('after setup, /setup and / lead to sign-in', async ({ page }) => {
  await visit(page, '/setup');
  await expectPath(page, '/login');
  await expect(heading(page, 'Sign in')).toBeVisible();

  await visit(page, '/');
  await expectPath(page, '/login');
});


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

  await test.step('a password of 11 characters is refused beside the field, before anything is sent', async () => {
    await submitSetup(page, { ...details, password: 'elevenchars' });
    const password = page.getByLabel('Password', { exact: true });
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveAccessibleDescription(/at least 12 characters/);
    await expect(password).toBeFocused();
    await expect(page).toHaveURL(/\/setup$/);
    // Correcting it clears the message as the person types.
    await password.fill('elevenchars plus more');
    await expect(password).not.toHaveAttribute('aria-invalid', 'true');
  });

  await test.step('without JavaScript the server refuses it with the same message', async ({}) => {
    const ctx = await page.context().browser()!.newContext({
      javaScriptEnabled: false,
      baseURL: new URL(page.url()).origin,
    });
    const nojs = await ctx.newPage();
    await nojs.goto('/setup');
    await submitSetup(nojs, { ...details, password: 'elevenchars' });
    await expectAlert(nojs, 'at least 12 characters');
    await expect(nojs).not.toHaveURL(/\/login(?:[?#].*)?$/);
    await ctx.close();
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


import type { Page } from '@playwright/test';
import { expect, test } from '../lib/fixtures';
import { getAccount } from '../lib/state';
import { button, heading, settle, signIn, visit, watchForCrashes } from '../lib/ui';

async function fillIdentity(page: Page, first: string, last: string, email: string) {
  await page.getByLabel('First name').fill(first);
  await page.getByLabel('Last name').fill(last);
  await page.getByLabel('Date of birth').fill('1991-05-17');
  await page.getByLabel('Email address').fill(email);
}

test('a public intake form creates the client with the right owner', async ({ adminPage, newPage, project }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const paula = getAccount(project, 'paula');
  const pete = getAccount(project, 'pete');
  const question = 'Which practitioner would you like to see?';

  let general = '';
  let paulaLink = '';
  await test.step('the admin publishes the form with a routing rule', async () => {
    await visit(adminPage, '/app/settings');
    await adminPage.getByRole('link', { name: 'Intake form', exact: true }).click();
    await expect(heading(adminPage, 'Intake form')).toBeVisible();
    await settle(adminPage);
    await adminPage.getByLabel('Accept intake forms online').check();
    await button(adminPage, 'Add question').click();
    const last = adminPage.locator('.question-edit').last();
    await last.getByLabel(/^Question \d+$/).fill(question);
    await last.getByLabel('Answer type').selectOption('choice');
    await last.getByLabel('Options, one per line').fill(`${paula.name}\n${pete.name}\nNo preference`);
    await adminPage.getByLabel('Assign by the answer to').selectOption({ label: question });
    await adminPage.getByLabel(pete.name, { exact: true }).selectOption({ label: pete.name });
    await button(adminPage, 'Save intake form').click();
    await expect(adminPage.getByRole('status')).toHaveText('Intake form saved.');
    // A choice with one option is refused with a clear message.
    await last.getByLabel('Options, one per line').fill('Only one');
    await button(adminPage, 'Save intake form').click();
    await expect(adminPage.getByRole('alert')).toContainText('between 2 and 30 options');
    await last.getByLabel('Options, one per line').fill(`${paula.name}\n${pete.name}\nNo preference`);
    await button(adminPage, 'Save intake form').click();
    await expect(adminPage.getByRole('status')).toHaveText('Intake form saved.');
    general = (await adminPage.locator('a[data-link="general"]').getAttribute('href')) ?? '';
    paulaLink = (await adminPage.getByRole('row', { name: new RegExp(paula.name) }).getByRole('link').getAttribute('href')) ?? '';
    expect(general).toMatch(/^\/intake\/[A-Za-z0-9_-]{16}$/);
    expect(paulaLink).toMatch(/^\/intake\/[A-Za-z0-9_-]{16}$/);
  });

  await test.step("on Paula's link: errors beside their fields, answers kept, then sent", async () => {
    const visitor = await newPage();
    await visitor.setViewportSize({ width: 390, height: 844 });
    await visitor.goto(paulaLink);
    await expect(heading(visitor, 'New client intake')).toBeVisible();
    await expect(visitor.getByText(`For ${paula.name}`)).toBeVisible();
    expect(await visitor.locator('script').count()).toBe(0);
    await visitor.getByLabel('Last name').fill('Ivers');
    await visitor.getByLabel('Email address').fill('not-an-email');
    await button(visitor, 'Send my form').click();
    await expect(visitor.getByRole('alert')).toContainText('answers need your attention');
    await expect(visitor.locator('#e-first_name')).toBeVisible();
    await expect(visitor.locator('#e-email')).toContainText('name@example.com');
    await expect(visitor.getByLabel('Last name')).toHaveValue('Ivers');
    await expect(visitor.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
    await visitor.screenshot({ path: test.info().outputPath('intake-errors-phone.png'), fullPage: true });
    await fillIdentity(visitor, 'Iris', 'Ivers', `iris-${project}@example.com`);
    await visitor.getByLabel('What would you like help with?').fill('Anxiety at work');
    await button(visitor, 'Send my form').click();
    await expect(heading(visitor, 'Thank you')).toBeVisible();
    expect(new URL(visitor.url()).pathname).toBe(`${paulaLink}/thanks`);
  });

  await test.step('on the general link, the answer routes the client to Pete', async () => {
    const visitor = await newPage();
    await visitor.goto(general);
    await fillIdentity(visitor, 'Gus', 'Garner', `gus-${project}@example.com`);
    await visitor.getByLabel('What would you like help with?').fill('Low mood');
    await visitor.getByLabel(question).selectOption(pete.name);
    await visitor.screenshot({ path: test.info().outputPath('intake-form-desktop.png'), fullPage: true });
    await button(visitor, 'Send my form').click();
    await expect(heading(visitor, 'Thank you')).toBeVisible();
  });

  await test.step('each practitioner sees exactly their new client, with the answers', async () => {
    const paulaPage = await newPage();
    await visit(paulaPage, '/login');
    await signIn(paulaPage, 'paula');
    watchForCrashes(paulaPage, errors);
    await visit(paulaPage, '/app/intake');
    await expect(heading(paulaPage, 'Intake forms')).toBeVisible();
    await expect(paulaPage.getByRole('link', { name: 'Iris Ivers' })).toBeVisible();
    await expect(paulaPage.getByText('Gus Garner')).toHaveCount(0);
    await paulaPage.getByRole('link', { name: 'answers' }).first().click();
    await expect(paulaPage.getByText('Anxiety at work')).toBeVisible();

    const petePage = await newPage();
    await visit(petePage, '/login');
    await signIn(petePage, 'pete');
    await visit(petePage, '/app/clients');
    await petePage.getByLabel('Search clients').fill('garner');
    await expect(petePage.getByRole('link', { name: 'Garner, Gus' })).toBeVisible();
    await petePage.getByLabel('Search clients').fill('ivers');
    await expect(petePage.getByText('No clients match')).toBeVisible();
  });
  expect(errors).toEqual([]);
});

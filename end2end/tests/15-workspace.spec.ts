import { expect, test } from '../lib/fixtures';
import { hoursFromNow, runSql } from '../lib/db';
import { waitForMail } from '../lib/mail';
import { recipientReading, shareIrisDocument } from '../lib/share';
import { button, heading, settle, signIn, visit, watchForCrashes } from '../lib/ui';

/**
 * The workspace staff live in, on the data the earlier specs made: the practice-wide
 * Documents list (filters, the access rule, documents of one client shared together), the
 * practice-wide Shared list (what needs attention first, bulk revoke that ends each
 * reader's access on their next click), and the Overview that points at both.
 */

function shareLink(text: string): string {
  const m = /https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9_-]{43}/.exec(text);
  if (!m) throw new Error('no share link in the email');
  return m[0];
}

test('Documents: every document of the practice, filtered, and shared together', async ({ adminPage: page }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  watchForCrashes(page, errors);
  await visit(page, '/app/documents');
  await expect(heading(page, 'Documents')).toBeVisible();
  // The practice took the zone of the browser that set it up (01-setup), and every page
  // names it once.
  await expect(page.locator('.topbar .zone')).toHaveText('Times in Europe/London');
  const rows = page.locator('table.documents tbody tr');
  await expect(rows.first()).toBeVisible();

  await test.step('search by the client, then by kind and dates', async () => {
    await page.getByLabel('Search documents').fill('ivers');
    await expect(rows.filter({ hasText: 'Letter to Dr Hale' })).toHaveCount(1);
    await expect(rows.filter({ hasNotText: 'Iris Ivers' })).toHaveCount(0);
    await page.getByLabel('Kind', { exact: true }).selectOption('letter');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Letter to Dr Hale');
    await page.getByLabel('Kind', { exact: true }).selectOption('');
    await page.getByLabel('Dated from').fill('2026-11-20');
    await page.getByLabel('Dated until').fill('2026-11-20');
    await expect(rows.filter({ hasText: 'Session 1' })).toHaveCount(1);
    await expect(rows.filter({ hasText: 'Letter to Dr Hale' })).toHaveCount(0);
    await page.getByLabel('Dated from').fill('');
    await page.getByLabel('Dated until').fill('');
    await expect(rows.filter({ hasText: 'Letter to Dr Hale' })).toHaveCount(1);
  });

  await test.step('two documents of one client open the wizard with both chosen', async () => {
    await page.getByRole('checkbox', { name: 'Select Session 1' }).check();
    await page.getByRole('checkbox', { name: 'Select Letter to Dr Hale' }).check();
    await expect(page.getByText('2 documents chosen.')).toBeVisible();
    await page.getByRole('link', { name: 'Share selected' }).click();
    await expect(heading(page, 'Share documents of Iris Ivers')).toBeVisible();
    await settle(page);
    await expect(page.getByText('2 documents chosen.')).toBeVisible();
    await expect(page.getByRole('checkbox', { name: /Session 1/ })).toBeChecked();
    await expect(page.getByRole('checkbox', { name: /Letter to Dr Hale/ })).toBeChecked();
  });
  expect(errors).toEqual([]);
});

test('a practitioner never finds documents of a client they cannot see', async ({ newPage }) => {
  test.setTimeout(150_000);
  // 08-clients handed Nora Quinn's file to Pete alone: Paula no longer sees it.
  const paula = await newPage();
  await signIn(paula, 'paula');
  await visit(paula, '/app/documents');
  await paula.getByLabel('Search documents').fill('quinn');
  await expect(paula.getByRole('heading', { name: 'No documents match' })).toBeVisible();
  const pete = await newPage();
  await signIn(pete, 'pete');
  await visit(pete, '/app/documents');
  await pete.getByLabel('Search documents').fill('quinn');
  const rows = pete.locator('table.documents tbody tr');
  await expect(rows.filter({ hasText: 'Blood panel' })).toHaveCount(1);
  await expect(rows.filter({ hasNotText: 'Nora Quinn' })).toHaveCount(0);
});

test('Shared: what needs attention first, and a bulk revoke ends each reader\'s access', async ({
  adminPage: page,
  browser,
  project,
  maildevUrl,
}) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  watchForCrashes(page, errors);

  // Two new shares: Uma never opens hers; Rita is reading when hers is revoked.
  const uma = `uma-${project}@example.org`;
  const rita = `rita-${project}@example.org`;
  const passcode = 'a very long passcode';
  await shareIrisDocument(page, [
    { name: 'Uma Unopened', email: uma, method: 'Passcode', passcode },
    { name: 'Rita Reader', email: rita, method: 'Passcode', passcode },
  ], 5);
  await waitForMail(maildevUrl, { to: uma, subjectIncludes: 'shared documents' });
  const ritaMail = await waitForMail(maildevUrl, { to: rita, subjectIncludes: 'shared documents' });
  const ritaPage = await recipientReading(browser, shareLink(ritaMail.text ?? ''), passcode);

  await test.step('locked, undelivered and expiring-unopened shares need attention', async () => {
    // The states, set where the workers leave them alone: a lockout (12-portal's, unlocked
    // by 13), an email the mail server refused for good, and an expiry twelve hours away.
    const by = (name: string) => `(SELECT id FROM share WHERE recipient_name = '${name}')`;
    await runSql(project, `UPDATE share SET status = 'locked' WHERE id = ${by('Stan Stranger')}`);
    await runSql(project, `UPDATE outbox_email SET status = 'failed', attempts = 8 WHERE share_id = ${by('Rosa Ivers')}`);
    await runSql(project, `UPDATE share SET status = 'failed' WHERE id = ${by('Rosa Ivers')}`);
    await runSql(project, `UPDATE share SET expires_at = '${hoursFromNow(12)}' WHERE id = ${by('Uma Unopened')}`);
    await visit(page, '/app/shared');
    await expect(page.getByRole('tab', { name: 'Needs attention' })).toHaveAttribute('aria-selected', 'true');
    const rows = page.locator('table.shares tbody tr');
    await expect(rows.filter({ hasText: 'Stan Stranger' }).locator('[data-status]')).toHaveText('Locked');
    await expect(rows.filter({ hasText: 'Rosa Ivers' }).locator('[data-status]')).toHaveText('Delivery failed');
    await expect(rows.filter({ hasText: 'Uma Unopened' }).locator('[data-status]')).toHaveText('Sent');
    await expect(rows.filter({ hasText: 'Rita Reader' })).toHaveCount(0);
    await expect(rows.first()).toContainText('Iris Ivers');
    await page.screenshot({ path: test.info().outputPath('shared-attention.png'), fullPage: true });
  });

  await test.step('the overview counts them and links to the list', async () => {
    await visit(page, '/app');
    const card = page.getByRole('region', { name: 'Needs attention' });
    await expect(card.locator('[data-count="attention"]')).toHaveText('3');
    await expect(card.getByRole('link', { name: /Stan Stranger/ })).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('overview.png'), fullPage: true });
    await card.getByRole('link', { name: 'All shares' }).click();
    await expect(heading(page, 'Shared')).toBeVisible();
    await settle(page);
  });

  await test.step('bulk revoke: one confirmation, and each reader is refused on the next click', async () => {
    await page.getByRole('tab', { name: 'All shares' }).click();
    const rows = page.locator('table.shares tbody tr');
    await rows.filter({ hasText: 'Rita Reader' }).getByRole('checkbox').check();
    await rows.filter({ hasText: 'Uma Unopened' }).getByRole('checkbox').check();
    await button(page, 'Revoke selected (2)…').click();
    await expect(page.getByText('Revoke 2 selected shares?')).toBeVisible();
    await button(page, 'Revoke them').click();
    await expect(page.getByRole('status').filter({ hasText: '2 shares revoked.' })).toBeVisible();
    await expect(rows.filter({ hasText: 'Rita Reader' }).locator('[data-status]')).toHaveText('Revoked');
    await expect(rows.filter({ hasText: 'Uma Unopened' }).locator('[data-status]')).toHaveText('Revoked');
    await ritaPage.locator('.portal-doc a').first().click();
    await expect(heading(ritaPage, 'This link has been withdrawn')).toBeVisible();
  });

  await test.step('shared by me, and the phone layout', async () => {
    await page.getByLabel('Shared by me').check();
    await expect(page.locator('table.shares tbody tr').first()).toBeVisible();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: test.info().outputPath('shared-phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
  });
  await ritaPage.context().close();
  expect(errors).toEqual([]);
});

test('a secretary sees no control they may not use, and a clean 403 where they may not go', async ({ newPage, project }) => {
  test.setTimeout(120_000);
  // The built-in Secretary role: contacts, letters and invoices; no sharing, settings,
  // audit log or staff. Iris Ivers's file is opened to every member of staff.
  await runSql(project, `UPDATE client SET access_mode = 'all' WHERE first_name = 'Iris' AND last_name = 'Ivers'`);
  const sec = await newPage();
  const errors: string[] = [];
  watchForCrashes(sec, errors);
  const failed: string[] = [];
  sec.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') failed.push(`${r.status()} ${r.url()}`);
  });
  sec.on('console', (m) => {
    if (m.type() === 'error' && !/status of 403/.test(m.text())) errors.push(m.text().slice(0, 300));
  });
  await signIn(sec, 'secretary');

  await test.step('Settings, Audit log and Staff: 403, hydrated, nothing called', async () => {
    for (const path of ['/app/settings', '/app/settings/sharing', '/app/audit', '/app/staff']) {
      const res = await sec.goto(path);
      expect(res?.status(), path).toBe(403);
      await settle(sec);
      await expect(sec.getByRole('heading', { name: /You don.t have access to this page/ })).toBeVisible();
      await expect(sec).toHaveTitle(/You don.t have access/);
      // Hydrated: the navigation works without a full load.
      await sec.getByRole('link', { name: 'Back to the overview' }).click();
      await expect(heading(sec, 'Overview')).toBeVisible();
    }
    expect(failed).toEqual([]);
  });

  await test.step('no Share buttons, no share actions', async () => {
    await visit(sec, '/app/clients');
    await sec.getByLabel('Search clients').fill('ivers');
    await sec.getByRole('link', { name: 'Ivers, Iris' }).click();
    await expect(heading(sec, 'Iris Ivers')).toBeVisible();
    await settle(sec);
    await expect(sec.getByRole('button', { name: 'Edit details' })).toBeVisible();
    await expect(sec.getByRole('link', { name: 'Share documents' })).toHaveCount(0);
    await sec.getByRole('navigation', { name: 'Client file' }).getByRole('link', { name: 'Shared' }).click();
    const rows = sec.locator('table.shares tbody tr');
    await expect(rows.first()).toBeVisible();
    await expect(sec.getByRole('button', { name: /^(Revoke|Extend|Unlock|Resend link)/ })).toHaveCount(0);
    await expect(sec.getByRole('button', { name: 'Revoke all shares…' })).toBeHidden();
    await visit(sec, '/app/shared');
    await sec.getByRole('tab', { name: 'All shares' }).click();
    await expect(sec.locator('table.shares tbody tr').first()).toBeVisible();
    await expect(sec.getByRole('checkbox', { name: /Select the share/ })).toHaveCount(0);
    await expect(sec.getByRole('button', { name: /^(Revoke|Extend|Unlock|Resend link)/ })).toHaveCount(0);
    await visit(sec, '/app/documents');
    const docs = sec.locator('table.documents tbody tr');
    await expect(docs.first()).toBeVisible();
    await expect(sec.getByRole('link', { name: /^Share( |$)/ })).toHaveCount(0);
    await docs.first().getByRole('link').first().click();
    await expect(sec.getByRole('link', { name: 'Download PDF' })).toBeVisible();
    await expect(sec.getByRole('link', { name: 'Share', exact: true })).toHaveCount(0);
  });
  expect(errors).toEqual([]);
});

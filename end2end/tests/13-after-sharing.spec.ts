import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { expect, test } from '../lib/fixtures';
import { hoursFromNow, runSql } from '../lib/db';
import { waitForMail } from '../lib/mail';
import { recipientReading } from '../lib/share';
import { button, heading, settle, visit, watchForCrashes } from '../lib/ui';

/**
 * After sharing, on the shares that 11-share-settings and 12-portal made: the Shared
 * section shows them with their status, the sender's notifications, revoking cuts off a
 * reader at once, unlocking, the accounting of disclosures (page and PDF), and the audit
 * log with its chain check and CSV export.
 */

async function openIris(page: Page) {
  await visit(page, '/app/clients');
  await page.getByLabel('Search clients').fill('ivers');
  await page.getByRole('link', { name: 'Ivers, Iris' }).click();
  await expect(heading(page, 'Iris Ivers')).toBeVisible();
  await settle(page);
  // The Shared tab of the client's file, by its own address.
  await page.getByRole('navigation', { name: 'Client file' }).getByRole('link', { name: 'Shared' }).click();
  await expect(page).toHaveURL(/\/app\/clients\/[0-9a-f-]+\/shared$/);
  await settle(page);
}

test('the Shared section: statuses, notifications, revoke cuts a reader off, unlock', async ({
  adminPage,
  browser,
  project,
  maildevUrl,
}) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const page = adminPage;

  await test.step('the overview tells the sender what happened', async () => {
    await visit(page, '/app');
    // Each line names the client and the documents ("their" when the client opened them).
    await expect(page.getByText(/^Iris Ivers opened their “.+”.*\.$/)).toBeVisible();
    await expect(
      page.getByText(/^A share with Stan Stranger \(.+’s “.+”.*\) was locked after too many failed attempts\.$/),
    ).toBeVisible();
  });

  await test.step('every share of the client, with its status', async () => {
    await openIris(page);
    const shared = page.locator('#shared');
    await expect(shared.getByRole('heading', { name: 'Shared' })).toBeVisible();
    const rowOf = (name: string) => shared.locator('tr', { hasText: name });
    // Iris has two shares (10-share and 11-share-settings); she opened the second.
    await expect(rowOf('Iris Ivers').locator('[data-status]', { hasText: 'Opened' })).toHaveCount(1);
    await expect(rowOf('Stan Stranger').locator('[data-status]')).toHaveText('Locked');
    await expect(rowOf('Dr Hugo Hale').locator('[data-status]')).toHaveText('Opened');
    await page.getByLabel('Status').selectOption('locked');
    await expect(shared.locator('tbody tr')).toHaveCount(1);
    await page.getByLabel('Status').selectOption('');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Sent since').fill(tomorrow);
    await expect(shared.getByText('No shares sent on or after this date.')).toBeVisible();
    await page.getByLabel('Sent since').fill(new Date().toISOString().slice(0, 10));
    await expect(rowOf('Stan Stranger')).toHaveCount(1);
    await page.screenshot({ path: test.info().outputPath('shared-desktop.png'), fullPage: true });
  });

  await test.step('unlock a locked share', async () => {
    const row = page.locator('#shared tr', { hasText: 'Stan Stranger' });
    await row.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.locator('#shared tr', { hasText: 'Stan Stranger' }).locator('[data-status]')).toHaveText('Sent');
  });

  await test.step('an email the mail server has not accepted yet says so', async () => {
    // What an SMTP outage leaves behind (server/tests/reliability.rs makes a real one):
    // the share's email still queued after three tries, the next one an hour away, so the
    // worker leaves it alone while the page is read.
    const stan = "(SELECT id FROM share WHERE recipient_name = 'Stan Stranger')";
    await runSql(project, `UPDATE outbox_email SET status = 'queued', attempts = 3, next_attempt_at = '${hoursFromNow(1)}' WHERE share_id = ${stan}`);
    await runSql(project, `UPDATE share SET status = 'queued' WHERE id = ${stan}`);
    await openIris(page);
    const row = page.locator('#shared tr', { hasText: 'Stan Stranger' });
    await expect(row.locator('[data-status]')).toHaveText('Queued');
    await expect(row.locator('[data-delivery="delayed"]')).toContainText('Delivery delayed: 3 tries so far, next try at');
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.screenshot({ path: test.info().outputPath('shared-delayed-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: test.info().outputPath('shared-delayed-phone.png'), fullPage: true });
    await page.setViewportSize(size);
    await runSql(project, `UPDATE outbox_email SET status = 'sent' WHERE share_id = ${stan}`);
    await runSql(project, `UPDATE share SET status = 'sent' WHERE id = ${stan}`);
    await openIris(page);
    await expect(page.locator('#shared tr', { hasText: 'Stan Stranger' }).locator('[data-delivery]')).toHaveCount(0);
  });

  await test.step('revoke while the recipient reads: refused on the next click', async () => {
    const mail = await waitForMail(maildevUrl, { to: `hugo-${project}@clinic.example`, subjectIncludes: 'shared documents' });
    const link = /https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '')![0];
    const reader = await recipientReading(browser, link, 'harbour lights 1987');
    const row = page.locator('#shared tr', { hasText: 'Dr Hugo Hale' });
    await row.getByRole('button', { name: 'Revoke the share with Dr Hugo Hale' }).click();
    await row.getByRole('button', { name: 'Confirm revoke' }).click();
    await expect(page.locator('#shared tr', { hasText: 'Dr Hugo Hale' }).locator('[data-status]')).toHaveText('Revoked');
    await reader.getByRole('link', { name: 'Session 1', exact: true }).click();
    await expect(heading(reader, 'This link has been withdrawn')).toBeVisible();
    await reader.context().close();
  });
  expect(errors).toEqual([]);
});

test('the accounting of disclosures and the audit log', async ({ adminPage }) => {
  test.setTimeout(90_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const page = adminPage;

  await test.step('accounting of disclosures: a page and a PDF for the client', async () => {
    await openIris(page);
    await page.getByRole('link', { name: 'Accounting of disclosures' }).click();
    await expect(heading(page, 'Accounting of disclosures')).toBeVisible();
    await expect(page.getByRole('cell', { name: /Dr Hugo Hale/ })).toBeVisible();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download PDF for the client' }).click(),
    ]);
    const file = test.info().outputPath('accounting.pdf');
    await download.saveAs(file);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    for (const expected of ['Accounting of disclosures', 'Iris Ivers', 'Dr Hugo Hale', 'Rosa Ivers', 'Treatment']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('Sleeps badly');
  });

  await test.step('the audit log: filter, verify the chain, export', async () => {
    await visit(page, '/app/audit');
    await expect(heading(page, 'Audit log')).toBeVisible();
    await settle(page);
    await page.getByLabel('Events', { exact: true }).selectOption('portal.');
    await expect(page.locator('table.audit code', { hasText: 'portal.viewed' }).first()).toBeVisible();
    await expect(page.locator('table.audit code', { hasText: 'share.created' })).toHaveCount(0);
    await button(page, 'Verify the log').click();
    await expect(page.getByText(/The log is intact: \d+ events checked\./)).toBeVisible();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const file = test.info().outputPath('audit.csv');
    await download.saveAs(file);
    const csv = fs.readFileSync(file, 'utf8');
    expect(csv.split('\n')[0]).toBe('seq,at_utc,actor,action,target,network,user_agent,detail');
    expect(csv).toContain('portal.viewed');
    expect(csv).not.toContain('share.created');
    await page.screenshot({ path: test.info().outputPath('audit-desktop.png'), fullPage: true });
  });
  expect(errors).toEqual([]);
});

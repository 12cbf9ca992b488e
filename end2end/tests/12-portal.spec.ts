import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { expect, test } from '../lib/fixtures';
import { hoursFromNow, runSql } from '../lib/db';
import { waitForMail, type Mail } from '../lib/mail';
import { waitForSms } from '../lib/sms';
import { shareIrisDocument } from '../lib/share';
import { heading } from '../lib/ui';

/**
 * The recipient portal, from the emails that 11-share-settings sent: Iris (date of birth),
 * Rosa (text message code) and Dr Hale (passcode). Each journey starts from the link in the
 * email read from the SMTP server; codes come from the SMS provider stand-in.
 */

function shareLink(mail: Mail): string {
  const m = /https?:\/\/[^\s"<>]+\/s\/[A-Za-z0-9_-]{43}/.exec(mail.text ?? '');
  expect(m, 'a share link in the email').not.toBeNull();
  return m![0];
}

async function axe(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe-core on ${label}`).toEqual([]);
}

/** A recipient's own browser on a phone, optionally with JavaScript switched off. */
async function phone(browser: Browser, js = true): Promise<Page> {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: js,
  });
  return ctx.newPage();
}

async function expectNoToken(page: Page) {
  expect(new URL(page.url()).pathname).toBe('/portal');
  expect(page.url()).not.toMatch(/\/s\//);
}

test('a client opens the link, verifies with her date of birth, reads and downloads', async ({
  browser,
  project,
  maildevUrl,
}) => {
  test.setTimeout(90_000);
  const mail = await waitForMail(maildevUrl, { to: `iris-${project}@example.com`, subjectIncludes: 'shared documents' });
  const page = await phone(browser);
  await page.goto(shareLink(mail));
  await expectNoToken(page);
  await expect(heading(page, 'Verify to view')).toBeVisible();
  await expect(page.getByText('Iris')).toHaveCount(0);
  // One script: the portal island, a module that marks the body once it has run.
  await expect(page.locator('script')).toHaveCount(1);
  await expect(page.locator('script[type="module"][src^="/pkg/portal/portal-island-"]')).toHaveCount(1);
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  await axe(page, 'verify (date of birth)');
  await page.screenshot({ path: test.info().outputPath('portal-verify-phone.png'), fullPage: true });

  await page.getByLabel('Your date of birth').fill('1991-05-18');
  await page.getByRole('button', { name: 'View documents' }).click();
  await expect(page.getByText('That date of birth does not match. You have 4 attempts left.')).toBeVisible();
  await expect(page.getByLabel('Your date of birth')).toHaveAttribute('aria-invalid', 'true');
  await axe(page, 'verify with an error');
  await page.getByLabel('Your date of birth').fill('1991-05-17');
  await page.getByRole('button', { name: 'View documents' }).click();

  await expect(heading(page, 'Your documents')).toBeVisible();
  await expectNoToken(page);
  for (const title of ['New client intake', 'Session 1', 'Letter to Dr Hale']) {
    await expect(page.getByRole('link', { name: title, exact: true })).toBeVisible();
  }
  await axe(page, 'documents');
  await page.screenshot({ path: test.info().outputPath('portal-documents-phone.png'), fullPage: true });

  await page.getByRole('link', { name: 'Session 1', exact: true }).click();
  await expect(heading(page, 'Session 1')).toBeVisible();
  await expect(page.getByText('Sleeps badly before meetings')).toBeVisible();
  await expect(page.getByText('Invoice pending review')).toHaveCount(0);
  await axe(page, 'a document');
  // Printing from the page (a button the island shows; the browser's dialog is stubbed).
  await page.evaluate(() => {
    const w = window as unknown as { printed: number; print: () => void };
    w.printed = 0;
    w.print = () => { w.printed += 1; };
  });
  await page.getByRole('button', { name: 'Print' }).click();
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download Session 1 as PDF' }).click(),
  ]);
  const file = test.info().outputPath('session-1.pdf');
  await download.saveAs(file);
  const text = execFileSync('pdftotext', [file, '-']).toString();
  expect(text).toContain('Sleeps badly before meetings');
  expect(text).not.toContain('Invoice pending review');
  expect(text).toContain('Shared with Iris Ivers');

  await page.goto('/portal');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(heading(page, 'You have signed out')).toBeVisible();
  await page.goto('/portal');
  await expect(heading(page, 'Your documents')).toHaveCount(0);
  await page.context().close();
});

test('a relative verifies with a texted code, wrong then right', async ({
  browser,
  project,
  maildevUrl,
  smsUrl,
}) => {
  test.setTimeout(90_000);
  const mail = await waitForMail(maildevUrl, { to: `rosa-${project}@example.com`, subjectIncludes: 'shared documents' });
  const page = await phone(browser);
  await page.goto(shareLink(mail));
  await expectNoToken(page);
  await expect(page.getByText('ending in 22')).toBeVisible();
  const asked = new Date(Date.now() - 1000);
  await page.getByRole('button', { name: 'Text me a code' }).click();
  const sms = await waitForSms(smsUrl, { to: '+447400111222', after: asked });
  const code = /\d{6}/.exec(sms.text)![0];
  expect(sms.text).not.toContain('Session');
  await expect(page.getByLabel('Enter the 6-digit code')).toBeVisible();
  await axe(page, 'verify (code sent)');

  // Six digits submit the form by themselves (pasted, or typed one by one), once.
  const wrong = code === '000000' ? '111111' : '000000';
  await page.getByLabel('Enter the 6-digit code').fill(wrong);
  await expect(page.getByText('That code is not right. You have 9 attempts left.')).toBeVisible();
  await page.getByLabel('Enter the 6-digit code').pressSequentially(code);
  await expect(heading(page, 'Your documents')).toBeVisible();
  await page.getByRole('link', { name: 'Letter to Dr Hale', exact: true }).click();
  await expect(page.getByText('Referral for cognitive therapy')).toBeVisible();
  await page.context().close();
});

test('a GP verifies with the passcode; wrong passcodes lock a share, with JavaScript off', async ({ browser, adminPage, project, maildevUrl }) => {
  test.setTimeout(120_000);
  const mail = await waitForMail(maildevUrl, { to: `hugo-${project}@clinic.example`, subjectIncludes: 'shared documents' });
  const page = await phone(browser);
  await page.goto(shareLink(mail));
  await page.getByLabel('Passcode').fill('harbour lights 1987');
  await page.getByRole('button', { name: 'View documents' }).click();
  await expect(heading(page, 'Your documents')).toBeVisible();
  await page.context().close();

  // A second share to someone who never gets the passcode right.
  const started = new Date(Date.now() - 1000);
  const stranger = `stranger-${project}@example.net`;
  await shareIrisDocument(adminPage, [
    { name: 'Stan Stranger', email: stranger, method: 'Passcode', passcode: 'a very long passcode' },
  ]);
  const lockMail = await waitForMail(maildevUrl, { to: stranger, subjectIncludes: 'shared documents', after: started });
  // With JavaScript off (no island) every form still works.
  const guesser = await phone(browser, false);
  await guesser.goto(shareLink(lockMail));
  await expect(guesser.locator('body[data-hydrated]')).toHaveCount(0);
  for (let i = 1; i <= 9; i++) {
    await guesser.getByLabel('Passcode').fill(`guess number ${i}`);
    await guesser.getByRole('button', { name: 'View documents' }).click();
    await expect(guesser.getByText(`You have ${10 - i} attempt`)).toBeVisible();
  }
  await guesser.getByLabel('Passcode').fill('last guess');
  await guesser.getByRole('button', { name: 'View documents' }).click();
  await expect(heading(guesser, 'This link is locked')).toBeVisible();
  await guesser.goto(shareLink(lockMail));
  await expect(heading(guesser, 'This link is locked')).toBeVisible();
  await waitForMail(maildevUrl, { to: await adminEmail(adminPage), subjectIncludes: 'was locked', after: started });
  await guesser.context().close();
  const checker = await phone(browser);
  await checker.goto(shareLink(lockMail));
  await expect(heading(checker, 'This link is locked')).toBeVisible();
  await axe(checker, 'locked');
  await checker.context().close();
});

async function adminEmail(page: Page): Promise<string> {
  const me = (await (
    await page.request.post('/api/get_me', { data: {}, headers: { origin: new URL(page.url()).origin } })
  ).json()) as { email: string };
  return me.email;
}

test('the portal stays within its 50 KB first-view budget', async ({ browser, project, maildevUrl }) => {
  const mail = await waitForMail(maildevUrl, { to: `hugo-${project}@clinic.example`, subjectIncludes: 'shared documents' });
  const page = await phone(browser);
  let bytes = 0;
  const seen: string[] = [];
  page.on('requestfinished', async (req) => {
    const sizes = await req.sizes();
    bytes += sizes.responseBodySize + sizes.responseHeadersSize;
    seen.push(`${new URL(req.url()).pathname} ${sizes.responseBodySize}`);
  });
  await page.goto(shareLink(mail), { waitUntil: 'networkidle' });
  await expect(heading(page, 'Verify to view')).toBeVisible();
  const report = `portal first view: ${bytes} bytes over the wire (${seen.join(', ')})`;
  console.log(report);
  fs.writeFileSync(test.info().outputPath('portal-size.txt'), report + '\n');
  expect(bytes).toBeLessThanOrEqual(50 * 1024);
  await page.context().close();
});

test('an expired share says so and names the practice, with nothing else', async ({ browser, project, maildevUrl }) => {
  // The share 10-share sent to Dr Gail Green; time moves on by setting its expiry in the past.
  const mail = await waitForMail(maildevUrl, { to: `gail-${project}@gp.example`, subjectIncludes: 'shared documents' });
  await runSql(project, `UPDATE share SET expires_at = '${hoursFromNow(-1)}' WHERE recipient_email = 'gail-${project}@gp.example'`);
  const page = await phone(browser);
  await page.goto(shareLink(mail));
  await expectNoToken(page);
  await expect(heading(page, 'This link has expired')).toBeVisible();
  await expect(page.getByText(`contact Harbour Therapy ${project}`)).toBeVisible();
  await expect(page.getByLabel('Passcode')).toHaveCount(0);
  await axe(page, 'expired');
  await page.context().close();
});

test('an unused link ages and is renewed by email on request; a used one stays valid', async ({
  browser,
  adminPage,
  project,
  maildevUrl,
}) => {
  test.setTimeout(90_000);
  // Rosa verified with her link (above): once used, a link does not age, however old.
  const rosa = `rosa-${project}@example.com`;
  const used = await waitForMail(maildevUrl, { to: rosa, subjectIncludes: 'shared documents' });
  await runSql(project, `UPDATE share SET link_issued_at = '${hoursFromNow(-48)}' WHERE recipient_email = '${rosa}'`);
  const rosaPage = await phone(browser);
  await rosaPage.goto(shareLink(used));
  await expect(heading(rosaPage, 'Verify to view')).toBeVisible();
  await rosaPage.context().close();

  // A link nobody has used yet, issued two days ago: older than the 24-hour setting.
  const nina = `nina-${project}@example.com`;
  const sent = new Date(Date.now() - 1000);
  await shareIrisDocument(adminPage, [{ name: 'Nina Newlink', email: nina, method: 'Sms', phone: '07400 111222' }]);
  const first = await waitForMail(maildevUrl, { to: nina, subjectIncludes: 'shared documents', after: sent });
  const oldLink = shareLink(first);
  await runSql(project, `UPDATE share SET link_issued_at = '${hoursFromNow(-48)}' WHERE recipient_email = '${nina}'`);
  // Without JavaScript the page offers the button (and the GET changed nothing).
  const plain = await phone(browser, false);
  await plain.goto(oldLink);
  await expectNoToken(plain);
  await expect(heading(plain, 'This link needs renewing')).toBeVisible();
  await expect(plain.getByRole('button', { name: 'Email me a new link' })).toBeVisible();
  await expect(plain.getByText(nina)).toHaveCount(0);
  await plain.context().close();
  // The same with JavaScript on but the island's script blocked (axe-core needs scripts).
  const blocked = await phone(browser);
  await blocked.route('**/pkg/portal/*.js', (r) => r.abort());
  await blocked.goto(oldLink);
  await expect(heading(blocked, 'This link needs renewing')).toBeVisible();
  await axe(blocked, 'renew link');
  await blocked.context().close();
  // In a real browser the page asks for the fresh link by itself once it is shown.
  const asked = new Date(Date.now() - 1000);
  const page = await phone(browser);
  await page.goto(oldLink);
  await expect(heading(page, 'Check your email')).toBeVisible();
  await expect(page.getByText('nina')).toHaveCount(0);
  const renewed = await waitForMail(maildevUrl, { to: nina, subjectIncludes: 'shared documents', after: asked });
  const newLink = shareLink(renewed);
  expect(newLink).not.toBe(oldLink);
  for (const secret of ['Sleeps badly', 'Referral', 'Session 1']) expect(renewed.text ?? '').not.toContain(secret);

  const again = await phone(browser);
  await again.goto(oldLink);
  await expect(heading(again, 'This link is not valid')).toBeVisible();
  await again.goto(newLink);
  await expectNoToken(again);
  await expect(heading(again, 'Verify to view')).toBeVisible();
  await expect(again.getByText('ending in 22')).toBeVisible();
  await page.context().close();
  await again.context().close();
});

test('the code page counts down to the next code the server allows', async ({ browser, adminPage, project, maildevUrl, smsUrl }) => {
  test.setTimeout(90_000);
  const cora = `cora-${project}@example.com`;
  const started = new Date(Date.now() - 1000);
  await shareIrisDocument(adminPage, [{ name: 'Cora Countdown', email: cora, method: 'Sms', phone: '07400 111333' }]);
  const mail = await waitForMail(maildevUrl, { to: cora, subjectIncludes: 'shared documents', after: started });
  const page = await phone(browser);
  await page.goto(shareLink(mail));
  await page.getByRole('button', { name: 'Text me a code' }).click();
  for (let i = 0; i < 2; i++) {
    await expect(page.getByLabel('Enter the 6-digit code')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Text me a new code' })).toBeEnabled();
    await page.getByRole('button', { name: 'Text me a new code' }).click();
  }
  await waitForSms(smsUrl, { to: '+447400111333', after: started });
  // Three codes in 15 minutes is the server's limit: both buttons wait, counting down.
  const send = page.getByRole('button', { name: 'Text me a new code' });
  await expect(send).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Call me instead' })).toBeDisabled();
  const countdown = page.getByText(/^You can ask for another code in \d+:\d\d\.$/);
  await expect(countdown).toBeVisible();
  const shown = await countdown.textContent();
  await expect(countdown).not.toHaveText(shown ?? '');
  await axe(page, 'verify (resend waiting)');
  await page.screenshot({ path: test.info().outputPath('portal-countdown-phone.png'), fullPage: true });
  // When the oldest code leaves the window (time moved on in the database), they come back.
  await runSql(project, `UPDATE share_code SET created_at = '${hoursFromNow(-1)}' WHERE share_id = (SELECT id FROM share WHERE recipient_email = '${cora}')`);
  await page.reload();
  await expect(send).toBeEnabled();
  await expect(page.getByText('You can ask for another code in')).toHaveCount(0);
  await page.context().close();
});

test('an idle session warns first, stays on request, and then ends', async ({ browser, adminPage, project, maildevUrl }) => {
  test.setTimeout(90_000);
  const ida = `ida-${project}@example.net`;
  const passcode = 'quiet afternoon 1234';
  const started = new Date(Date.now() - 1000);
  await shareIrisDocument(adminPage, [{ name: 'Ida Idle', email: ida, method: 'Passcode', passcode }]);
  const mail = await waitForMail(maildevUrl, { to: ida, subjectIncludes: 'shared documents', after: started });
  const page = await phone(browser);
  // The page's clock is Playwright's; the server's is moved in the database to match.
  await page.clock.install();
  await page.goto(shareLink(mail));
  await page.getByLabel('Passcode').fill(passcode);
  await page.getByRole('button', { name: 'View documents' }).click();
  await expect(heading(page, 'Your documents')).toBeVisible();
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  const warning = page.getByRole('dialog', { name: 'Are you still there?' });
  await expect(warning).toBeHidden();

  await page.clock.fastForward('13:05');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(/signed out in 1:\d\d\./);
  await axe(page, 'idle warning');
  await page.screenshot({ path: test.info().outputPath('portal-idle-phone.png') });
  const session = `share_id = (SELECT id FROM share WHERE recipient_email = '${ida}')`;
  await runSql(project, `UPDATE portal_session SET last_seen_at = '${hoursFromNow(-14 / 60)}' WHERE ${session}`);
  const stayed = page.waitForResponse((r) => new URL(r.url()).pathname === '/portal/keepalive');
  await page.getByRole('button', { name: 'Stay signed in' }).click();
  expect((await stayed).status()).toBe(204);
  await expect(warning).toBeHidden();
  await expect(heading(page, 'Your documents')).toBeVisible();

  // Left alone past the limit (on both clocks), the page says the session has ended.
  await runSql(project, `UPDATE portal_session SET last_seen_at = '${hoursFromNow(-16 / 60)}' WHERE ${session}`);
  await page.clock.fastForward('15:30');
  await expect(heading(page, 'Your session has ended')).toBeVisible();
  await page.context().close();
});

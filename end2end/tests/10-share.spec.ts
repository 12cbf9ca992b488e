import { expect, test } from '../lib/fixtures';
import { waitForMail } from '../lib/mail';
import { button, heading, settle, visit, watchForCrashes } from '../lib/ui';

test('the share wizard sends a share to the client and a new third party', async ({ adminPage, project, maildevUrl }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const page = adminPage;
  const gail = `gail-${project}@gp.example`;
  const started = new Date(Date.now() - 1000);

  await test.step('open the wizard from the client made by the intake form', async () => {
    await visit(page, '/app/clients');
    await page.getByLabel('Search clients').fill('ivers');
    await page.getByRole('link', { name: 'Ivers, Iris' }).click();
    await expect(heading(page, 'Iris Ivers')).toBeVisible();
    await page.getByRole('link', { name: 'Share documents' }).click();
    await expect(heading(page, 'Share documents of Iris Ivers')).toBeVisible();
    await settle(page);
  });

  await test.step('documents: nothing chosen is refused, then the intake form', async () => {
    await button(page, 'Next').click();
    await expect(page.getByRole('alert')).toHaveText('Choose at least one document.');
    // Filter by date: a range that ends the day before finds nothing; the date typed in
    // the search finds the document.
    const row = page.locator('.doc-checks li', { hasText: 'New client intake' });
    const date = ((await row.textContent()) ?? '').match(/\d{4}-\d{2}-\d{2}/)?.[0] ?? '';
    expect(date).not.toBe('');
    const dayBefore = new Date(Date.parse(`${date}T00:00:00Z`) - 86400_000).toISOString().slice(0, 10);
    await page.getByLabel('To', { exact: true }).fill(dayBefore);
    await expect(page.getByText('No documents match.')).toBeVisible();
    await page.getByLabel('To', { exact: true }).fill('');
    await page.getByLabel('Search documents').fill(date);
    await expect(row).toBeVisible();
    await page.getByLabel('Search documents').fill('');
    await page.getByRole('checkbox', { name: /New client intake/ }).check();
    await expect(page.getByText('1 document chosen.')).toBeVisible();
    await button(page, 'Next').click();
  });

  await test.step('recipients: the client and someone new, each with their own check', async () => {
    await button(page, 'Add Iris Ivers (client)').click();
    await page.getByLabel('Their name').fill('Dr Gail Green');
    await page.getByLabel('Their email').fill(gail);
    await button(page, 'Add recipient').click();
    const cards = page.locator('.recipient-card');
    await expect(cards).toHaveCount(2);
    await cards.nth(0).getByLabel('Verification').selectOption('date_of_birth');
    await cards.nth(1).getByLabel('Verification').selectOption('sms');
    await button(page, 'Next').click();
    await expect(page.getByRole('alert')).toContainText('Dr Gail Green: add a mobile number');
    // A number of the right shape that the server's rules refuse is named here, not at Send.
    await cards.nth(1).getByLabel('Mobile').fill('+44 20 1');
    await cards.nth(1).getByLabel('Mobile').blur();
    await button(page, 'Next').click();
    await expect(page.getByRole('alert')).toContainText('Dr Gail Green: Enter a phone number with its country code');
    await expect(page.getByRole('heading', { name: 'Who receives them?' })).toBeVisible();
    await cards.nth(1).getByLabel('Mobile').fill('');
    await cards.nth(1).getByLabel('Mobile').blur();
    await cards.nth(1).getByLabel('Verification').selectOption('passcode');
    await cards.nth(1).getByLabel('Secret passcode').fill('tide pool lantern 42');
    await expect(cards.nth(1).getByText('Strength: strong.')).toBeVisible();
    await button(page, 'Next').click();
  });

  await test.step('details: expiry bounded, purpose recorded; the preview shows the answers', async () => {
    const expires = page.getByLabel('Expires on');
    const tooFar = new Date(Date.now() + 20 * 86400_000).toISOString().slice(0, 10);
    const ok = await expires.inputValue();
    await expires.fill(tooFar);
    await expect(page.getByText(/Shares expire within 14 days/).first()).toBeVisible();
    await button(page, 'Next').click();
    await expect(page.getByRole('alert').first()).toContainText('expire within 14 days');
    await expires.fill(ok);
    await page.getByLabel('Purpose of the disclosure').selectOption('patient_request');
    await expect(page.getByLabel('Preview').getByText('Anxiety at work')).toBeVisible();
    await button(page, 'Next').click();
  });

  await test.step('review: a first-time address must be confirmed, then send', async () => {
    await expect(page.getByText(`${gail} has never received anything`)).toBeVisible();
    await page.getByLabel('I have checked these recipients').check();
    await button(page, 'Send').click();
    await expect(heading(page, 'Shared')).toBeVisible();
    await expect(page.getByRole('status')).toContainText('Dr Gail Green');
  });

  await test.step('the email reached the SMTP server, with the link and no clinical data', async () => {
    const mail = await waitForMail(maildevUrl, { to: gail, subjectIncludes: 'shared documents', after: started });
    const text = mail.text ?? '';
    expect(text).toContain('/s/');
    expect(text).toContain('Dr Gail Green');
    // From the practice (its name as the sender), with a clear button to the documents.
    expect(mail.from?.[0]?.name ?? '').toContain('Harbour Therapy');
    expect(mail.html ?? '').toMatch(/<a href="[^"]*\/s\/[^"]+"[^>]*>View documents<\/a>/);
    for (const secret of ['Anxiety at work', 'Ivers', 'intake', 'tide pool lantern']) {
      expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
      expect((mail.html ?? '').toLowerCase()).not.toContain(secret.toLowerCase());
    }
  });
  expect(errors).toEqual([]);
});

import type { Page } from '@playwright/test';
import { expect, test } from '../lib/fixtures';
import { findMail, waitForMail } from '../lib/mail';
import { waitForSms } from '../lib/sms';
import { button, heading, settle, visit, watchForCrashes } from '../lib/ui';

/** Calls a JSON server function as the signed-in page (same cookies, same origin). */
async function api(page: Page, name: string, args: unknown): Promise<unknown> {
  const origin = new URL(page.url()).origin;
  const r = await page.request.post(`/api/${name}`, { data: args, headers: { origin } });
  expect(r.status(), `${name}: ${await r.text()}`).toBe(200);
  return r.json();
}

test('an admin sets the sharing rules, previews the email and tests texts', async ({ adminPage, maildevUrl, smsUrl }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const page = adminPage;
  const started = new Date(Date.now() - 1000);
  await visit(page, '/app/settings');
  await page.getByRole('link', { name: 'Sharing' }).click();
  await expect(heading(page, 'Sharing')).toBeVisible();
  await settle(page);

  await test.step('bad values are refused beside their field', async () => {
    const max = page.getByLabel(/Longest a share may last/);
    await max.fill('30');
    await button(page, 'Save sharing settings').click();
    await expect(page.locator('#max_expiry_days-error')).toHaveText('Choose between 1 and 14 days.');
    await max.fill('10');
    const body = page.getByLabel('Message', { exact: true });
    const original = await body.inputValue();
    await body.fill(`${original}\n{{ diagnosis }}`);
    await button(page, 'Save sharing settings').click();
    await expect(page.locator('#body-error')).toContainText('Unknown placeholder {{ diagnosis }}');
    await body.fill(original);
  });

  await test.step('attachments come with a warning; saving is confirmed', async () => {
    await page.getByLabel('Allow sending documents as email attachments').check();
    await expect(page.getByText('Attachments leave your control')).toBeVisible();
    await button(page, 'Save sharing settings').click();
    await expect(page.getByText('Sharing settings saved.')).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('settings-desktop.png'), fullPage: true });
  });

  await test.step('preview and a test email use the template being edited', async () => {
    await page.getByLabel('Subject').fill('Documents from {{ practice_name }} for {{ recipient_name }}');
    await button(page, 'Preview').click();
    const preview = page.getByRole('figure', { name: 'Email preview' });
    await expect(preview.locator('.email-subject')).toContainText('Documents from ');
    await expect(preview).toContainText('/s/this-is-an-example-link');
    await button(page, 'Send a test to me').click();
    const status = page.getByText(/A test email is on its way to /);
    await expect(status).toBeVisible();
    const to = (await status.textContent())!.replace('A test email is on its way to ', '').replace(/\.$/, '');
    const mail = await waitForMail(maildevUrl, { to, subjectIncludes: 'Documents from', after: started });
    expect(mail.text).toContain('/s/this-is-an-example-link');
    // Back to the default subject for the shares that follow.
    await page.getByLabel('Subject').fill('{{ practice_name }} has shared documents with you');
    await button(page, 'Save sharing settings').click();
    await expect(page.getByText('Sharing settings saved.')).toBeVisible();
  });

  await test.step('a test text and a test call reach the provider', async () => {
    await page.getByLabel('Your mobile number').fill('nonsense');
    await button(page, 'Send a test text').click();
    await expect(page.locator('#s-sms').locator('..').getByRole('alert')).toBeVisible();
    await page.getByLabel('Your mobile number').fill('07400 123456');
    await button(page, 'Send a test text').click();
    await expect(page.getByText('Sent to the number ending ••56.')).toBeVisible();
    const text = await waitForSms(smsUrl, { to: '+447400123456', after: started });
    expect(text.channel).toBe('sms');
    expect(text.authorized).toBe(true);
    expect(text.text).toContain('test message');
    const callStarted = new Date();
    await button(page, 'Call me').click();
    const call = await waitForSms(smsUrl, { to: '+447400123456', after: callStarted });
    expect(call.channel).toBe('voice');
    expect(call.text).toMatch(/^<Response><Say>This is a test call/);
  });
  expect(errors).toEqual([]);
});

test('three documents go to the client and two contacts, each verifying differently', async ({
  adminPage,
  project,
  maildevUrl,
}) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  watchForCrashes(adminPage, errors);
  const page = adminPage;
  const started = new Date(Date.now() - 1000);
  const hugo = `hugo-${project}@clinic.example`;
  const rosa = `rosa-${project}@example.com`;
  const iris = `iris-${project}@example.com`;
  let clientId = '';

  await test.step('a client with a sister, a GP in the contact book, and three documents', async () => {
    await visit(page, '/app/clients');
    await page.getByLabel('Search clients').fill('ivers');
    await page.getByRole('link', { name: 'Ivers, Iris' }).click();
    await expect(heading(page, 'Iris Ivers')).toBeVisible();
    clientId = new URL(page.url()).pathname.split('/').pop()!;
    await api(page, 'save_contact', { name: 'Dr Hugo Hale', organisation: 'Harbour GP', kind: 'gp', email: hugo });
    await api(page, 'add_client_contact', {
      client_id: clientId,
      kind: 'relationship',
      name: 'Rosa Ivers',
      relationship: 'Sister',
      email: rosa,
      phone: '07400 111222',
    });
    await api(page, 'save_document', {
      client_id: clientId,
      id: null,
      draft: {
        kind: 'ConsultationNote', title: 'Session 1', date: '2026-11-20', is_psychotherapy: false,
        body: { type: 'Sections', sections: [
          { title: 'Subjective', text: 'Sleeps badly before meetings', internal: false },
          { title: 'Office use only', text: 'Invoice pending review', internal: true },
        ] },
      },
    });
    await api(page, 'save_document', {
      client_id: clientId,
      id: null,
      draft: {
        kind: 'Letter', title: 'Letter to Dr Hale', date: '2026-11-21', is_psychotherapy: false,
        body: { type: 'Letter', addressee: 'Dr Hugo Hale', body: 'Referral for cognitive therapy' },
      },
    });
  });

  await test.step('documents: all three', async () => {
    await visit(page, `/app/clients/${clientId}/share`);
    await expect(heading(page, 'Share documents of Iris Ivers')).toBeVisible();
    await settle(page);
    for (const name of [/New client intake/, /Session 1/, /Letter to Dr Hale/]) {
      await page.getByRole('checkbox', { name }).check();
    }
    await expect(page.getByText('3 documents chosen.')).toBeVisible();
    await button(page, 'Next').click();
  });

  await test.step('recipients: the client, her sister and the GP found by typing', async () => {
    await button(page, 'Add Iris Ivers (client)').click();
    await button(page, 'Add Rosa Ivers (Sister)').click();
    await page.getByLabel('Find a contact or previous recipient').fill('hal');
    await page.getByRole('option', { name: /Dr Hugo Hale/ }).click();
    const cards = page.locator('.recipient-card');
    await expect(cards).toHaveCount(3);
    await cards.nth(0).getByLabel('Verification').selectOption('date_of_birth');
    await cards.nth(1).getByLabel('Verification').selectOption('sms');
    await cards.nth(2).getByLabel('Verification').selectOption('passcode');
    await cards.nth(2).getByLabel('Secret passcode').fill('harbour lights 1987');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: test.info().outputPath('wizard-recipients-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await button(page, 'Next').click();
  });

  await test.step('details, and a preview that hides internal sections from everyone', async () => {
    await expect(page.getByLabel('Expires on')).toHaveValue(/\d{4}-\d{2}-\d{2}/);
    const preview = page.getByLabel('Preview');
    await preview.getByLabel('As seen by').selectOption({ label: 'Dr Hugo Hale' });
    await expect(preview.getByText('Sleeps badly before meetings')).toBeVisible();
    await expect(preview.getByText('Invoice pending review')).toHaveCount(0);
    await button(page, 'Pop out').click();
    await expect(page.locator('.wizard-preview.popped')).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('wizard-preview-popped.png') });
    await button(page, 'Close the large preview').click();
    await page.screenshot({ path: test.info().outputPath('wizard-details-desktop.png'), fullPage: true });
    await button(page, 'Next').click();
  });

  await test.step('review and send', async () => {
    await expect(page.getByText(`${hugo} has never received anything`)).toBeVisible();
    await page.getByLabel('I have checked these recipients').check();
    await button(page, 'Send').click();
    await expect(heading(page, 'Shared')).toBeVisible();
    for (const name of ['Iris Ivers', 'Rosa Ivers', 'Dr Hugo Hale']) {
      await expect(page.getByRole('status')).toContainText(name);
    }
  });

  await test.step('three emails, each with its own link and no clinical text', async () => {
    const links = new Set<string>();
    for (const to of [iris, rosa, hugo]) {
      const mail = await waitForMail(maildevUrl, { to, subjectIncludes: 'shared documents', after: started });
      const text = mail.text ?? '';
      const link = /\/s\/[A-Za-z0-9_-]{43}/.exec(text);
      expect(link, `a link in the email to ${to}`).not.toBeNull();
      links.add(link![0]);
      for (const secret of ['Sleeps badly', 'Invoice pending', 'Referral', 'Session 1', 'Letter to Dr Hale', 'harbour lights']) {
        expect(text).not.toContain(secret);
        expect(mail.html ?? '').not.toContain(secret);
      }
    }
    expect(links.size).toBe(3);
    for (const to of [iris, rosa, hugo]) {
      expect(await findMail(maildevUrl, { to, subjectIncludes: 'shared documents', after: started })).toHaveLength(1);
    }
  });
  expect(errors).toEqual([]);
});

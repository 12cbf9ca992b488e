import type { Browser, Page } from '@playwright/test';
import { expect } from './fixtures';
import { heading, visit } from './ui';

/** A recipient typed in by hand, with the way they verify. */
export interface TypedRecipient {
  name: string;
  email: string;
  method: 'Passcode' | 'Sms';
  phone?: string;
  passcode?: string;
}

/**
 * Shares Iris Ivers's most recent document with typed-in recipients through the real
 * `create_shares` server function, as the signed-in admin (the wizard's own request).
 */
export async function shareIrisDocument(admin: Page, recipients: TypedRecipient[], expiresInDays = 3): Promise<void> {
  await visit(admin, '/app/clients');
  const origin = new URL(admin.url()).origin;
  const clients = (await (
    await admin.request.post('/api/list_clients', { data: { query: 'ivers' }, headers: { origin } })
  ).json()) as { items: { id: string }[] };
  const clientId = clients.items[0].id;
  const docs = (await (
    await admin.request.post('/api/list_documents', { data: { client_id: clientId, kind: null }, headers: { origin } })
  ).json()) as { items: { id: string }[] };
  const expires = new Date(Date.now() + expiresInDays * 86400_000).toISOString().slice(0, 10);
  const res = await admin.request.post('/api/create_shares', {
    headers: { origin },
    data: {
      request: {
        client_id: clientId, document_ids: [docs.items[0].id], delivery: 'Link', expires_on: expires,
        purpose: 'Treatment', purpose_text: '', message: '', psychotherapy_authorisation: '', confirmed_warnings: true,
        recipients: recipients.map((r) => ({
          kind: 'Other', ref_id: null, name: r.name, email: r.email, phone: r.phone ?? '', method: r.method,
          passcode: r.passcode ?? '', sections: {},
        })),
      },
    },
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** A recipient on a phone who opens `link` and verifies with `passcode`, now reading. */
export async function recipientReading(browser: Browser, link: string, passcode: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(link);
  await page.getByLabel('Passcode').fill(passcode);
  await page.getByRole('button', { name: 'View documents' }).click();
  await expect(heading(page, 'Your documents')).toBeVisible();
  return page;
}

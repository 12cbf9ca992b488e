import { expect, type Locator, type Page } from '@playwright/test';
import { extractLink, waitForMail } from './mail';
import { button, expectPath, heading, settle, tokenOf, visit } from './ui';

export type StaffRole = 'Admin' | 'Practitioner' | 'Secretary';

/** The "Invite staff" form on /app/staff (the form holding the "Send invite" button). */
export function inviteForm(page: Page): Locator {
  return page.locator('form').filter({ has: page.getByRole('button', { name: 'Send invite', exact: true }) });
}

/** As a signed-in admin: invites someone on /app/staff and waits for the confirmation. */
export async function inviteStaff(
  page: Page,
  who: { name: string; email: string; role: StaffRole | string },
): Promise<Date> {
  await visit(page, '/app/staff');
  await expect(heading(page, 'Staff')).toBeVisible();
  const form = inviteForm(page);
  await form.getByLabel('Name', { exact: true }).fill(who.name);
  await form.getByLabel('Email', { exact: true }).fill(who.email);
  // Not exact: a <select> inside its <label> is named after the label plus the chosen option.
  await form.getByLabel('Role').selectOption({ label: who.role });
  // Mail sent after this moment belongs to this invitation (one second of slack for clocks).
  const sentAfter = new Date(Date.now() - 1000);
  await button(page, 'Send invite').click();
  await expect(page.getByRole('status').filter({ hasText: `Invitation sent to ${who.email}.` })).toBeVisible();
  return sentAfter;
}

/** Reads the invitation mail for `email` and returns its /invite/ link. */
export async function invitationLink(maildevUrl: string, email: string, after?: Date): Promise<string> {
  const mail = await waitForMail(maildevUrl, { to: email, subjectIncludes: 'invited', after });
  return extractLink(mail, '/invite/');
}

/** Opens an invitation link, checks the token left the URL, sets a password; ends on /login/enrol. */
export async function acceptInvite(page: Page, link: string, password: string): Promise<void> {
  await page.goto(link);
  await expectPath(page, '/invite');
  expect(page.url(), 'the invite token is no longer in the address bar').not.toContain(tokenOf(link));
  await settle(page);
  await expect(heading(page, 'Set your password')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await button(page, 'Set password').click();
  await expectPath(page, '/login/enrol');
}

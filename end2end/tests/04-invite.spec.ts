import { expect, test } from '../lib/fixtures';
import { extractLink, waitForMail } from '../lib/mail';
import { acceptInvite, inviteForm, inviteStaff } from '../lib/staff';
import { getAccount, identities, putAccount } from '../lib/state';
import { completeEnrolment, expectPath, heading, headerWith, settle, visit } from '../lib/ui';

const INVALID_INVITE = 'This invitation link is not valid or has expired.';

test('an admin invites a secretary, who enrols and cannot manage staff', async ({
  adminPage,
  newPage,
  project,
  maildevUrl,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const admin = getAccount(project, 'admin');
  const who = identities(project).secretary;

  await test.step('the staff page lists the admin and offers the built-in roles', async () => {
    await visit(adminPage, '/app/staff');
    await expect(heading(adminPage, 'Staff')).toBeVisible();
    await expect(adminPage.getByRole('table').filter({ hasText: admin.email })).toBeVisible();
    const options = await inviteForm(adminPage).getByLabel('Role').locator('option').allInnerTexts();
    expect(options.map((o) => o.trim())).toEqual(expect.arrayContaining(['Admin', 'Practitioner', 'Secretary']));
  });

  let link = '';
  await test.step('the invitation is sent by email with a link to this server', async () => {
    const after = await inviteStaff(adminPage, { ...who, role: 'Secretary' });
    const mail = await waitForMail(maildevUrl, { to: who.email, subjectIncludes: 'invited', after });
    link = extractLink(mail, '/invite/');
    expect(link.startsWith(`${baseURL}/invite/`), `invite link ${link} points at ${baseURL}`).toBe(true);
  });

  const secretary = await newPage();
  await test.step('the secretary sets a password and enrols (after one wrong code)', async () => {
    await acceptInvite(secretary, link, who.password);
    putAccount(project, 'secretary', who);
    await completeEnrolment(secretary, project, 'secretary', { tryWrongCode: true });
    await expect(heading(secretary, 'Overview')).toBeVisible();
    await expect(headerWith(secretary, who.name)).toBeVisible();
  });

  await test.step('the secretary gets 403 on /app/staff', async () => {
    const res = await secretary.goto('/app/staff');
    expect(res?.status()).toBe(403);
    await settle(secretary);
    await expect(secretary.getByRole('heading', { name: /You don.t have access to this page/ })).toBeVisible();
    await expect(secretary.getByRole('button', { name: 'Send invite', exact: true })).toHaveCount(0);
  });

  await test.step('a used or unknown invitation link is refused', async () => {
    const other = await newPage();
    await other.goto(link);
    await expect(other.getByText(INVALID_INVITE)).toBeVisible();
    await expect(other.getByRole('button', { name: 'Set password', exact: true })).toHaveCount(0);

    await other.goto(`/invite/${'x'.repeat(43)}`);
    await expect(other.getByText(INVALID_INVITE)).toBeVisible();
    await expect(other.getByRole('button', { name: 'Set password', exact: true })).toHaveCount(0);
  });

  await test.step('the admin now sees the secretary in the staff list', async () => {
    await visit(adminPage, '/app/staff');
    const row = adminPage.getByRole('row').filter({ hasText: who.email });
    await expect(row).toBeVisible();
    await expect(row).toContainText('Secretary');
    await expectPath(adminPage, '/app/staff');
  });
});

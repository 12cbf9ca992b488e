import { expect, test } from '../lib/fixtures';
import { acceptInvite, invitationLink, inviteStaff } from '../lib/staff';
import { identities, putAccount } from '../lib/state';
import { expectAlert, expectNotPastPassword, expectSignInRefused, INCORRECT_CREDENTIALS, submitCredentials } from '../lib/ui';

// Locking the admin would break the later specs, so this uses its own invited account.
test('five wrong passwords lock an account, even against the right password', async ({
  adminPage,
  newPage,
  project,
  maildevUrl,
}) => {
  const who = identities(project).throttle;

  await test.step('the admin invites a practitioner who sets a password', async () => {
    const after = await inviteStaff(adminPage, { ...who, role: 'Practitioner' });
    const link = await invitationLink(maildevUrl, who.email, after);
    const invitee = await newPage();
    await acceptInvite(invitee, link, who.password);
    putAccount(project, 'throttle', who);
  });

  const page = await newPage();
  await test.step('five wrong passwords are each refused as incorrect', async () => {
    for (let i = 1; i <= 5; i++) {
      const text = await expectSignInRefused(page, who.email, `wrong password number ${i}`);
      expect(text, `attempt ${i}`).toBe(INCORRECT_CREDENTIALS);
    }
  });

  await test.step('the sixth attempt, with the right password, is refused as too many', async () => {
    await submitCredentials(page, who.email, who.password);
    await expectAlert(page, 'Too many attempts');
    await expectNotPastPassword(page);
  });
});

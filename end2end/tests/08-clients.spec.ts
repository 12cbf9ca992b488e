import { expect, test } from '../lib/fixtures';
import { acceptInvite, invitationLink, inviteStaff } from '../lib/staff';
import { putAccount } from '../lib/state';
import { button, completeEnrolment, heading, settle, visit, watchForCrashes } from '../lib/ui';

/** Fails the test on any WebAssembly panic or uncaught error (hydration mismatches included). */
test('clients belong to their practitioner until access is shared', async ({ adminPage, newPage, project, maildevUrl }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  const paulaId = { name: `Paula Practitioner ${project}`, email: `paula-${project}@example.test`, password: 'paula passphrase one' };
  const peteId = { name: `Pete Practitioner ${project}`, email: `pete-${project}@example.test`, password: 'pete passphrase one' };

  const paula = await newPage();
  const pete = await newPage();
  watchForCrashes(paula, errors);
  watchForCrashes(pete, errors);
  await test.step('two practitioners join', async () => {
    for (const [alias, who, page] of [['paula', paulaId, paula], ['pete', peteId, pete]] as const) {
      const after = await inviteStaff(adminPage, { ...who, role: 'Practitioner' });
      const link = await invitationLink(maildevUrl, who.email, after);
      await acceptInvite(page, link, who.password);
      putAccount(project, alias, who);
      await completeEnrolment(page, project, alias);
    }
  });

  let profileUrl = '';
  await test.step('Paula adds a client; a bad phone number is refused with a clear message', async () => {
    await visit(paula, '/app/clients');
    await expect(heading(paula, 'Clients')).toBeVisible();
    await expect(paula.getByText('No clients yet')).toBeVisible();
    await paula.getByLabel('First name').fill('Nora');
    await paula.getByLabel('Last name').fill('Quinn');
    await paula.getByLabel('Date of birth').fill('1990-02-03');
    await paula.getByLabel('Mobile phone').fill('12');
    await button(paula, 'Add client').click();
    await expect(paula.getByRole('alert').filter({ hasText: 'phone number' })).toBeVisible();
    await paula.getByLabel('Mobile phone').fill('07400 123456');
    await button(paula, 'Add client').click();
    await expect(heading(paula, 'Nora Quinn')).toBeVisible();
    profileUrl = new URL(paula.url()).pathname;
    expect(profileUrl).toMatch(/^\/app\/clients\/[0-9a-f-]{36}$/);
    await expect(paula.getByText('+447400123456')).toBeVisible();
    await expect(paula.locator('.facts')).toContainText('Owner only');
  });

  await test.step('Pete cannot find, search or open Paula\'s client', async () => {
    await visit(pete, '/app/clients');
    await expect(pete.getByText('No clients yet')).toBeVisible();
    await pete.getByLabel('Search clients').fill('quinn');
    await expect(pete.getByText('No clients match')).toBeVisible();
    await visit(pete, profileUrl);
    await expect(heading(pete, 'Client not found')).toBeVisible();
    await expect(pete.getByText('Quinn')).toHaveCount(0);
  });

  await test.step('Paula shares the client with Pete through Client access control', async () => {
    await visit(paula, profileUrl);
    await button(paula, 'Client access control').click();
    const dialog = paula.getByRole('dialog', { name: 'Client access control' });
    await expect(dialog).toBeVisible();
    await dialog.getByLabel('These practitioners').check();
    await dialog.getByLabel(peteId.name).check();
    await dialog.getByRole('button', { name: 'Save access' }).click();
    await expect(dialog).toBeHidden();
    await expect(paula.locator('.facts')).toContainText(`These practitioners: ${peteId.name}`);
  });

  await test.step('now Pete sees and opens it; an emergency contact is recorded', async () => {
    await visit(pete, '/app/clients');
    await pete.getByRole('link', { name: 'Quinn, Nora' }).click();
    await expect(heading(pete, 'Nora Quinn')).toBeVisible();
    await settle(pete);
    await pete.getByLabel('Contact name').fill('Pat Quinn');
    await pete.getByLabel('Relationship', { exact: true }).fill('Mother');
    await pete.getByLabel('Contact phone').fill('07400 654321');
    await button(pete, 'Add contact').click();
    await expect(pete.getByRole('cell', { name: '+447400654321' })).toBeVisible();
    // Pete is not the owner: he cannot change who has access.
    await expect(button(pete, 'Client access control')).toHaveCount(0);
  });

  await test.step('Pete writes a consultation note, reads it, downloads its PDF and uploads a lab result', async () => {
    await visit(pete, `${profileUrl}/documents`);
    await pete.getByRole('link', { name: 'New document' }).click();
    await expect(heading(pete, 'New document')).toBeVisible();
    await settle(pete);
    await pete.getByLabel('Kind', { exact: true }).selectOption('consultation_note');
    await pete.getByLabel('Title', { exact: true }).fill('Session 1');
    await pete.getByLabel('Date', { exact: true }).fill('2026-11-20');
    await pete.getByLabel('Subjective', { exact: true }).fill('Sleeping better this week.');
    await pete.getByLabel('Plan', { exact: true }).fill('Weekly sessions.');
    await pete.getByLabel('Office use only (never shared)').nth(3).check();
    await button(pete, 'Save document').click();
    await expect(heading(pete, 'Session 1')).toBeVisible();
    await expect(pete.getByText('Sleeping better this week.')).toBeVisible();
    await expect(pete.getByRole('heading', { name: 'Plan (office use only)' })).toBeVisible();
    const [download] = await Promise.all([pete.waitForEvent('download'), pete.getByRole('link', { name: 'Download PDF' }).click()]);
    const pdfPath = await download.path();
    const fs = await import('node:fs');
    const pdf = fs.readFileSync(pdfPath!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');

    await visit(pete, `${profileUrl}/documents/new`);
    await pete.getByLabel('Kind', { exact: true }).selectOption('lab_result');
    await pete.getByLabel('Title', { exact: true }).fill('Blood panel');
    await pete.getByLabel('Date', { exact: true }).fill('2026-11-19');
    await pete.getByLabel('File (PDF, PNG or JPEG, up to 10 MB)').setInputFiles({ name: 'panel.pdf', mimeType: 'application/pdf', buffer: pdf });
    await button(pete, 'Upload').click();
    await expect(heading(pete, 'Blood panel')).toBeVisible();
    await expect(pete.getByRole('link', { name: 'Download original' })).toBeVisible();
    // The Documents tab of the file, by its own address.
    await visit(pete, `${profileUrl}/documents`);
    await expect(pete.getByRole('link', { name: 'Documents', exact: true }).and(pete.locator('[aria-current="page"]'))).toHaveCount(1);
    const docs = pete.getByRole('region', { name: 'Documents' });
    await expect(docs.getByRole('link', { name: 'Session 1' })).toBeVisible();
    await expect(docs.getByRole('link', { name: 'Blood panel' })).toBeVisible();
  });

  await test.step('handing the file to Pete alone takes it away from Paula', async () => {
    await visit(paula, profileUrl);
    await button(paula, 'Client access control').click();
    const dialog = paula.getByRole('dialog', { name: 'Client access control' });
    await dialog.getByLabel('Owner', { exact: true }).selectOption({ label: peteId.name });
    await dialog.getByLabel('Owner only').check();
    await dialog.getByRole('button', { name: 'Save access' }).click();
    await expect(dialog, 'the dialog closes once the change is saved').toBeHidden();
    await visit(paula, '/app/clients');
    await expect(paula.getByText('No clients yet')).toBeVisible();
    await visit(pete, profileUrl);
    await expect(pete.locator('.facts')).toContainText(peteId.name);
    await expect(pete.locator('.facts')).toContainText('Owner only');
  });

  await test.step('the contact book records a GP', async () => {
    await visit(paula, '/app/contacts');
    await paula.getByLabel('Name', { exact: true }).fill('Dr Gail Green');
    await paula.getByLabel('Organisation').fill('Harbour GP');
    await paula.getByLabel('Kind').selectOption('gp');
    await paula.getByLabel('Phone').fill('020 7946 0000');
    await button(paula, 'Add contact').click();
    await expect(paula.getByRole('cell', { name: '+442079460000' })).toBeVisible();
    await expect(paula.getByLabel('Name', { exact: true }), 'the form is cleared after saving').toHaveValue('');
    await paula.getByLabel('Search contacts').fill('harbour');
    await expect(paula.getByRole('cell', { name: 'Dr Gail Green', exact: true })).toBeVisible();
  });

  expect(errors, 'no WebAssembly panics or page errors').toEqual([]);
});

// Inviting a guest in a real browser (Debian's Chromium driven by
// playwright-core): the org admin invites a guest through the admin UI, finds
// the invitation in the outbox (no SMTP is configured, so mail is held
// there), and the guest follows the link in a fresh browser, accepts, and
// lands signed in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifacts, setUpAdmin, startPortico } from '../portico.mjs';

let portico, browser, base, setupLink;

before(async () => {
  portico = await startPortico();
  ({ browser, base, setupLink } = portico);
});

after(async () => {
  await portico?.stop();
});

test('an admin invites a guest, who accepts through the link from the outbox', async () => {
  const admin = await browser.newContext();
  const page = await admin.newPage();
  page.setDefaultTimeout(10_000);
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });

  // First run: the printed link creates the org admin.
  await setUpAdmin(page, setupLink, base);

  // The top bar leads org admins to the admin screens.
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.waitForURL(`${base}/admin`);
  assert.match(await page.locator('main').innerText(), /0 of 5 \(5 per paid seat\)/);

  // Invite a guest, with a hostile personal message.
  await page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name: 'Invitations' }).click();
  await page.getByLabel(/^E-mail addresses/).fill('gwen@partner.example');
  await page.getByLabel(/^Guest/).check();
  await page.getByLabel(/^Personal message/).fill('Welcome! <img src=x onerror=alert(1)>');
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.waitForURL(`${base}/admin/invitations?done=sent`);
  assert.match(await page.getByRole('status').innerText(), /invitations were sent/);
  assert.match(await page.locator('main').innerText(), /gwen@partner\.example/);

  // The outbox holds the mail; open it and copy the link.
  await page.getByRole('link', { name: 'Outbox' }).click();
  await page.waitForURL(`${base}/admin/outbox`);
  await page.getByText("You're invited to Portico").first().click();
  const body = await page.locator('pre.mail-body').first().innerText();
  assert.match(body, /as a guest/);
  assert.match(body, /Welcome! <img src=x onerror=alert\(1\)>/, 'the message shows as text');
  const link = body.match(/(http\S+\/invitations\/accept\?token=\S+)/)?.[1];
  assert.ok(link, `an invitation link in: ${body}`);
  assert.ok(link.startsWith(base), 'the link points at this Portico');
  await page.screenshot({ path: join(artifacts, 'outbox.png'), fullPage: true });

  // The guest, in a browser of their own.
  const guest = await browser.newContext();
  const guestPage = await guest.newPage();
  guestPage.setDefaultTimeout(10_000);
  guestPage.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  await guestPage.goto(link);
  const invitation = await guestPage.locator('main').innerText();
  assert.match(invitation, /gwen@partner\.example/);
  assert.match(invitation, /guest/);
  await guestPage.getByLabel('Your name').fill('Gwen Guest');
  await guestPage.getByLabel(/^Password/).fill('a guest passphrase');
  await guestPage.getByLabel('Repeat the password').fill('a guest passphrase');
  await guestPage.getByRole('button', { name: 'Accept invitation' }).click();

  // Guests confirm a code mailed to them before anything opens.
  await guestPage.waitForURL(/\/login\/verify\?next=/);
  assert.match(await guestPage.locator('main').innerText(), /Check your e-mail[\s\S]*g•••@partner\.example/);
  await page.goto(`${base}/admin/outbox`);
  await page.getByText('Your Portico sign-in code').first().click();
  const codeMail = await page.locator('pre.mail-body').first().innerText();
  const code = codeMail.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `a code in: ${codeMail}`);
  await guestPage.getByLabel('Code').fill(code);
  await guestPage.screenshot({ path: join(artifacts, 'guest-code.png'), fullPage: true });
  await guestPage.getByRole('button', { name: 'Continue' }).click();
  await guestPage.waitForURL(`${base}/wiki/spaces`);
  assert.match(await guestPage.locator('header').innerText(), /Signed in as Gwen Guest/);
  assert.equal(await guestPage.getByRole('link', { name: 'Admin', exact: true }).count(), 0, 'guests see no admin link');

  // The link worked once.
  const again = await guest.newPage();
  const response = await again.goto(link);
  assert.equal(response.status(), 410);

  // The admin sees the new guest.
  await page.goto(`${base}/admin/users?role=guest`);
  assert.match(await page.locator('main').innerText(), /Gwen Guest/);
  assert.deepEqual(dialogs, [], 'no injected script ever ran');
  await guest.close();
  await admin.close();
});

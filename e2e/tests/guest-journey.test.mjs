// The whole guest journey in a real browser (Debian's Chromium driven by
// playwright-core): an admin invites a guest and assigns them a space; the
// guest accepts through the outbox link, sets a password, enters the mailed
// code, sees only that space, edits a page there and comments on it through
// the page's comment form; a member sees the Guest badge (in the byline and
// beside the guest's comment) and the "shared with guests" banner; the admin removes the guest and
// the guest's next click lands on the sign-in page. Screenshots go to
// target/e2e (CI keeps them).
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


/// The newest mail with this subject in the admin's outbox.
async function mailBody(page, subject) {
  await page.goto(`${base}/admin/outbox`);
  await page.getByText(subject).first().click();
  return page.locator('pre.mail-body').first().innerText();
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `guest-journey-${name}.png`), fullPage: true });
}

test('a guest is invited, assigned, works in their one space, and is removed', async () => {
  const admin = await browser.newContext();
  const page = await admin.newPage();
  page.setDefaultTimeout(10_000);
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });

  // The first administrator, two spaces and a page in each.
  await setUpAdmin(page, setupLink, base);
  for (const [name, key, title] of [['Client project', 'CLIENT', 'Project plan'], ['Internal only', 'INT', 'Salaries']]) {
    await page.goto(`${base}/wiki/spaces/create`);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel(/^Key/).fill(key);
    await page.getByRole('button', { name: 'Create space' }).click();
    await page.waitForURL(`${base}/wiki/spaces/${key}`);
    await page.getByRole('link', { name: 'Create page' }).first().click();
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Content').fill(`<p>${title} for ${name}</p>`);
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(/\/pages\/\d+\//);
  }

  // Invite the guest; the link comes from the outbox.
  await page.goto(`${base}/admin/invitations`);
  await page.getByLabel(/^E-mail addresses/).fill('gil@partner.example');
  await page.getByLabel(/^Guest/).check();
  await page.getByRole('button', { name: 'Send invitations' }).click();
  await page.waitForURL(`${base}/admin/invitations?done=sent`);
  const invitation = await mailBody(page, "You're invited to Portico");
  const link = invitation.match(/(http\S+\/invitations\/accept\?token=\S+)/)?.[1];
  assert.ok(link, `an invitation link in: ${invitation}`);

  // The guest accepts, sets a password and enters the mailed code.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  guest.setDefaultTimeout(10_000);
  guest.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });
  await guest.goto(link);
  await guest.getByLabel('Your name').fill('Gil Guest');
  await guest.getByLabel(/^Password/).fill('a guest passphrase');
  await guest.getByLabel('Repeat the password').fill('a guest passphrase');
  await guest.getByRole('button', { name: 'Accept invitation' }).click();
  await guest.waitForURL(/\/login\/verify/);
  const codeMail = await mailBody(page, 'Your Portico sign-in code');
  const code = codeMail.match(/\b(\d{6})\b/)?.[1];
  assert.ok(code, `a code in: ${codeMail}`);
  await guest.getByLabel('Code').fill(code);
  await shot(guest, '1-code');
  await guest.getByRole('button', { name: 'Continue' }).click();
  await guest.waitForURL(`${base}/wiki/spaces`);

  // Step one alone shares nothing.
  assert.match(await guest.locator('main').innerText(), /Nothing has been shared with you yet/);
  await shot(guest, '2-nothing-yet');

  // Step two: the admin assigns the guest to the client space.
  await page.goto(`${base}/admin/users?q=gil`);
  await page.locator('main table a').first().click();
  const guestId = (await page.locator('dt:has-text("Account id") + dd code').innerText()).trim();
  await page.goto(`${base}/wiki/spaces/CLIENT/access`);
  await page.getByLabel(/Guest's user id/).fill(guestId);
  await page.getByRole('button', { name: 'Assign guest' }).click();
  await page.waitForURL(/done=assigned/);
  await shot(page, '3-assigned');

  await guest.reload();
  // Only the client space exists for them.
  const directory = await guest.locator('main').innerText();
  assert.match(directory, /Client project/);
  assert.doesNotMatch(directory, /Internal only/);
  const internal = await guest.goto(`${base}/wiki/spaces/INT`);
  assert.equal(internal.status(), 404, 'the other space is not there at all');
  await shot(guest, '4-directory');

  // The guest edits the page in their space.
  await guest.goto(`${base}/wiki/spaces/CLIENT`);
  await guest.getByRole('link', { name: 'Project plan' }).first().click();
  await guest.getByRole('link', { name: 'Edit', exact: true }).click();
  await guest.getByLabel('Content').fill('<p>Project plan, reviewed by the client.</p>');
  await guest.getByRole('button', { name: 'Save', exact: true }).click();
  await guest.waitForURL(/\/pages\/\d+\//);
  assert.match(await guest.locator('main').innerText(), /reviewed by the client/);
  await shot(guest, '5-edited');

  // The guest comments on the page through its form (no JavaScript needed).
  await guest.getByLabel('Add a comment').fill('Looks **good** from our side.');
  await guest.getByRole('button', { name: 'Post comment' }).click();
  await guest.waitForURL(/\/pages\/\d+\/.*#comment-\d+$/);
  const commentAnchor = new URL(guest.url()).hash;
  const guestComment = guest.locator(`li${commentAnchor}`);
  assert.match(await guestComment.innerText(), /Looks good from our side/);
  assert.equal(await guestComment.locator('strong').innerText(), 'good', 'Markdown is accepted');
  await shot(guest, '5b-commented');

  // Internal people see who is a guest, and that the space is shared.
  await page.goto(guest.url());
  const byline = await page.locator('p.byline').innerText();
  assert.match(byline, /last updated[\s\S]*Gil Guest\s*Guest/i, 'the byline carries the Guest badge');
  assert.match(await page.locator('#guest-banner').innerText(), /shared with 1 guest/);
  const seen = page.locator(`li${commentAnchor}`);
  assert.match(await seen.locator('.comment-author').innerText(), /^Gil Guest\s*Guest$/i,
    'the comment carries the Guest badge beside the guest\'s name');
  assert.equal(await seen.locator('.comment-author .badge-guest').count(), 1);
  assert.match(await seen.innerText(), /Looks good from our side/);
  await seen.scrollIntoViewIfNeeded();
  await shot(page, '6-member-view');

  // The admin removes the guest's access; their next click goes to sign-in.
  await page.goto(`${base}/admin/guests`);
  await page.getByRole('link', { name: 'Remove access…' }).first().click();
  await page.locator('main form button.danger').click();
  await page.waitForURL(/\/admin\/guests/);
  await guest.getByRole('link', { name: 'Project plan' }).first().click();
  await guest.waitForURL(/\/login/);
  await shot(guest, '7-signed-out');

  assert.deepEqual(dialogs, [], 'no injected script ever ran');
  await guestContext.close();
  await admin.close();
});

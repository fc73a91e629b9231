// The main journey through the UI in a real browser (Debian's Chromium driven
// by playwright-core): first-run setup through the printed link, create a
// space, write a page in Markdown with a preview, edit it, compare versions,
// restore — and hostile input never runs as script.
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

test('set up, write, edit, compare and restore a page', async () => {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  const dialogs = [];
  page.on('dialog', async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });

  // First run: the printed link creates the first admin and signs them in.
  await setUpAdmin(page, setupLink, base);

  // A space.
  await page.getByRole('link', { name: 'Create space' }).first().click();
  await page.getByLabel('Name').fill('Engineering');
  await page.getByLabel(/^Key/).fill('ENG');
  await page.getByRole('button', { name: 'Create space' }).click();
  await page.waitForURL(/\/wiki\/spaces\/ENG/);

  // A page written in Markdown, previewed, then published. The title is hostile.
  await page.getByRole('link', { name: 'Create page' }).first().click();
  await page.getByLabel('Title').fill('Runbook <img src=x onerror=alert(1)>');
  await page.getByLabel('Format').selectOption('markdown');
  await page.getByLabel('Content').fill('# Deploy\n\nRun `make deploy`.\n\n<script>alert(2)</script>');
  await page.getByRole('button', { name: 'Preview' }).click();
  await assert.doesNotReject(page.getByRole('heading', { name: 'Deploy' }).waitFor());
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.waitForURL(/\/wiki\/spaces\/ENG\/pages\/\d+\//);
  assert.equal(await page.getByRole('heading', { name: 'Deploy' }).count(), 1);
  const crumbs = await page.getByRole('navigation', { name: 'Breadcrumbs' }).innerText();
  assert.match(crumbs, /Engineering/);
  assert.match(await page.locator('h1').first().innerText(), /Runbook <img src=x onerror=alert\(1\)>/, 'the title shows as text');
  await page.screenshot({ path: join(artifacts, 'page.png'), fullPage: true });

  // Edit: a second version.
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await page.getByLabel('Content').fill('<h1>Deploy</h1><p>Run <code>make release</code> instead.</p>');
  await page.getByLabel('Format').selectOption('storage');
  await page.getByLabel(/What did you change/).fill('new command');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\/wiki\/spaces\/ENG\/pages\/\d+\//);
  assert.match(await page.locator('main').innerText(), /make release/);

  // History and a diff between the two versions.
  await page.getByRole('link', { name: 'History' }).click();
  assert.match(await page.locator('main').innerText(), /new command/);
  await page.getByRole('button', { name: 'Compare selected versions' }).click();
  const diff = await page.locator('main').innerText();
  assert.match(diff, /make deploy/);
  assert.match(diff, /make release/);
  await page.screenshot({ path: join(artifacts, 'diff.png'), fullPage: true });

  // Restore version 1 as version 3.
  await page.goBack();
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await page.waitForURL(/\/wiki\/spaces\/ENG\/pages\/\d+/);
  assert.match(await page.locator('main').innerText(), /make deploy/);

  assert.deepEqual(dialogs, [], 'no injected script ever ran');
});

test('anonymous visitors are sent to sign in and come back', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${base}/wiki/spaces/ENG`);
  assert.match(page.url(), /\/login\?next=/);
  await page.getByLabel('E-mail').fill('ada@example.com');
  await page.getByLabel('Password').fill('wrong password!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.locator('main').innerText(), /Invalid e-mail or password/);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/wiki/spaces/ENG`);
  await context.close();
});

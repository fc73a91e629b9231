// What every browser journey shares: a fresh Portico on a free loopback port
// (its own data folder, mail held in the outbox), the first-run setup link it
// prints, and Debian's Chromium launched with the flags this network needs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const binary = process.env.PORTICO_BIN ?? join(here, '../target/debug/portico');
/** Screenshots go here; CI keeps the folder. */
export const artifacts = join(here, '../target/e2e');
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// A free port, so the public address (used in mailed links) is known up front.
async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts Portico and a browser. Resolves to `{ base, setupLink, browser, stop }`;
 * `stop()` closes the browser, ends the server and removes its data.
 */
export async function startPortico() {
  const dataDir = mkdtempSync(join(tmpdir(), 'portico-e2e-'));
  const port = await freePort();
  const publicBase = `http://127.0.0.1:${port}`;
  const server = spawn(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--data', join(dataDir, 'data')], {
    cwd: dataDir,
    env: { PATH: process.env.PATH, PORTICO_LOG: 'warn', PORTICO_PUBLIC_BASE_URL: publicBase },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout });
  let base;
  const setupLink = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in 20 s')), 20_000);
    lines.on('line', (line) => {
      const running = line.match(/^Portico is running at (\S+)\//);
      if (running) base = running[1];
      const link = line.match(/(http\S+\/setup\?token=\S+)/);
      if (link) { clearTimeout(timer); resolve(link[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  assert.equal(base, publicBase);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  mkdirSync(artifacts, { recursive: true });
  const stop = async () => {
    await browser.close();
    server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, setupLink, browser, stop };
}

/** Creates the first administrator through the printed setup link. */
export async function setUpAdmin(page, setupLink, base) {
  await page.goto(setupLink);
  await page.getByLabel('Your name').fill('Ada Admin');
  await page.getByLabel('E-mail').fill('ada@example.com');
  await page.getByLabel(/^Password/).fill('correct horse battery');
  await page.getByLabel('Repeat the password').fill('correct horse battery');
  await page.getByRole('button', { name: /create/i }).click();
  await page.waitForURL(`${base}/wiki/spaces`);
}

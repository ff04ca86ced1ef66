// Billfold in real Electron: the window, its security settings under the CSP, demo accounts,
// switching accounts and saving a PDF. Runs wherever an Electron binary exists (see
// electron-target.ts); elsewhere every test is skipped with the reason. `npm run test:electron`.
import { _electron as electron, expect, test, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appEntryUrl } from '../../main/security/app-origin';
import { contentSecurityPolicy } from '../../main/security/csp';
import { billingApiMembers } from '../../preload/client';
import { findElectronTarget } from './electron-target';

const root = fileURLToPath(new URL('../../', import.meta.url));
const target = findElectronTarget();

test.describe.configure({ mode: 'serial' });
test.skip(target.kind === 'missing', target.kind === 'missing' ? target.reason : '');

interface Running {
  app: ElectronApplication;
  page: Page;
  /** The app's HOME: user data, keychain-free config and Documents live below it. */
  home: string;
}

let running: Running | undefined;

/** Starts Billfold with its own HOME, so every test begins from a first run. */
async function launch(testInfo: TestInfo, args: string[] = []): Promise<Running> {
  const home = testInfo.outputPath('home');
  await fs.mkdir(path.join(home, 'Documents'), { recursive: true });
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && name !== 'ELECTRON_RUN_AS_NODE') env[name] = value;
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DOCUMENTS_DIR: path.join(home, 'Documents') });
  const app =
    target.kind === 'packaged'
      ? await electron.launch({ executablePath: target.executablePath, args, env, cwd: home })
      : await electron.launch({ args: [root, ...args], env, cwd: root });
  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
  running = { app, page, home };
  return running;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const accounts = (page: Page) => page.getByRole('navigation', { name: 'Accounts' }).getByRole('listitem').getByRole('button');

test.afterEach(async () => {
  await running?.app.close();
  running = undefined;
});

// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the first parameter; these tests use none
test('opens one window on app://billfold, isolated and sandboxed, under the CSP', async ({}, testInfo) => {
  const { app, page } = await launch(testInfo);
  expect(page.url()).toBe(appEntryUrl);
  await expect(page).toHaveTitle('Billfold');

  // The CSP arrives as a header of Billfold's own protocol, and it is enforced.
  const header = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
  expect(header).toBe(contentSecurityPolicy);
  const inline = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const script = document.createElement('script');
    script.textContent = 'document.body.dataset.inlineRan = "yes";';
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { ran: document.body.dataset['inlineRan'] === 'yes', violations };
  });
  expect(inline.ran).toBe(false);
  expect(inline.violations.filter((d) => d.startsWith('script-src'))).not.toEqual([]);

  // No Node.js in the page (no integration, isolated context); only window.billing crosses the bridge.
  const globals = await page.evaluate(() => ['require', 'process', 'module', 'Buffer', 'ipcRenderer'].map((name) => typeof (globalThis as Record<string, unknown>)[name]));
  expect(globals).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
  expect(await page.evaluate(() => Object.keys((window as unknown as { billing: object }).billing).sort())).toEqual([...billingApiMembers].sort());
  // A File the page makes has no path on disk: the preload's drop channel refuses it, and no channel takes a path.
  const made = await page.evaluate(async () => {
    const billing = (window as unknown as { billing: { openDropped(f: File[]): Promise<unknown>; invoke(c: string, a: unknown): Promise<unknown> } }).billing;
    return {
      dropped: await billing.openDropped([new File(['date,amount\n'], 'passwd.csv')]),
      byPath: await billing.invoke('review.openPath', { path: '/etc/passwd' }),
    };
  });
  expect(made.dropped).toMatchObject({ ok: true, value: { files: [], refused: [{ fileName: 'passwd.csv' }] } });
  expect(made.byPath).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

  // Permission checks and requests are denied by the session's handlers.
  const permissions = await page.evaluate(async () => ({
    geolocation: (await navigator.permissions.query({ name: 'geolocation' })).state,
    notifications: await Notification.requestPermission(),
  }));
  expect(permissions).toEqual({ geolocation: 'denied', notifications: 'denied' });

  // New windows and navigation away are refused.
  expect(await page.evaluate(() => window.open('https://example.invalid/') === null)).toBe(true);
  await page.evaluate(() => {
    window.location.href = 'https://example.invalid/';
  });
  await page.waitForTimeout(300);
  expect(page.url()).toBe(appEntryUrl);
  expect(app.windows()).toHaveLength(1);
});

// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the first parameter; these tests use none
test('first run: try the demo accounts, switch account, save an invoice PDF', async ({}, testInfo) => {
  const { page, home } = await launch(testInfo);
  await page.getByRole('button', { name: 'Try with demo accounts' }).click();
  await expect(accounts(page)).not.toHaveCount(0, { timeout: 20_000 });
  expect(await accounts(page).count()).toBeGreaterThanOrEqual(2);
  await expect(accounts(page).first()).toContainText('demo');

  // Switch between two accounts.
  for (const index of [1, 0]) {
    const button = accounts(page).nth(index);
    const name = (await button.locator('.name').textContent())?.trim() ?? '';
    await button.click();
    await expect(button).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  }

  // Save a SpatialFlow invoice as PDF: it lands as a real PDF file below Documents.
  await accounts(page).filter({ hasText: 'SpatialFlow' }).first().click();
  await page.getByRole('button', { name: /save (invoice )?pdf/i }).first().click();
  await expect(page.getByText(/saved/i).first()).toBeVisible({ timeout: 20_000 });
  await expect(async () => {
    const pdfs = (await filesUnder(path.join(home, 'Documents'))).filter((f) => f.toLowerCase().endsWith('.pdf'));
    expect(pdfs.length).toBeGreaterThan(0);
    const head = (await fs.readFile(pdfs[0]!)).subarray(0, 5).toString('latin1');
    expect(head).toBe('%PDF-');
  }).toPass({ timeout: 20_000 });
});

// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the first parameter; these tests use none
test('starts with the demo accounts when launched with --demo', async ({}, testInfo) => {
  const { page } = await launch(testInfo, ['--demo']);
  await expect(accounts(page)).not.toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Try with demo accounts' })).toHaveCount(0);
  await expect(accounts(page).first()).toContainText('demo');
});

/** Runs the app as `Billfold --cli …` and collects what it prints and its exit code. */
function runCli(home: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && name !== 'ELECTRON_RUN_AS_NODE') env[name] = value;
  Object.assign(env, { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DOCUMENTS_DIR: path.join(home, 'Documents') });
  const argv = target.kind === 'packaged' ? ['--cli', ...args] : [root, '--cli', ...args];
  const executable = target.kind === 'missing' ? '' : target.executablePath;
  return new Promise((resolve, reject) => {
    const child = spawn(executable, argv, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// eslint-disable-next-line no-empty-pattern -- Playwright reads fixtures from the first parameter; these tests use none
test('Billfold --cli runs a command without a window and exits with its code', async ({}, testInfo) => {
  const home = testInfo.outputPath('cli-home');
  await fs.mkdir(path.join(home, 'Documents'), { recursive: true });
  const list = await runCli(home, ['accounts', 'list', '--json']);
  expect(list.code, list.stderr).toBe(0);
  expect(JSON.parse(list.stdout)).toMatchObject({ accounts: [] });
  const usage = await runCli(home, ['frobnicate']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("unknown command 'frobnicate'");
});

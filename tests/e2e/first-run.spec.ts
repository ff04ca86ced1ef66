import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { BrowserContext, Page } from '@playwright/test';
import type { AccountList } from '../../contract/models/app';
import type { SavedFile } from '../../contract/models/files';
import { expect, test, type Harness, screenshotPath, shotsOf } from './fixtures';

// What a new user meets with `npm run web`: the harness with --web serves the page the way a
// browser gets it (the bridge comes from the page, the token from the address), so these tests
// open their own page instead of the fixture's, which has the bridge injected already.

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const noKeychain = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/billfold-e2e-bus' };

async function openInBrowser(context: BrowserContext, harness: Harness): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(`${harness.url}/#token=${harness.token}`);
  return page;
}

test.describe('npm run web on a machine without a keychain', () => {
  test.use({ harnessArgs: ['--web'], harnessEnv: noKeychain });

  test('the demo starts and works, and an account of one’s own is refused, saying why', async ({ context, harness }) => {
    const page = await openInBrowser(context, harness);
    await expect(page.getByRole('heading', { name: 'Welcome to Billfold' })).toBeVisible();
    const banner = page.getByTestId('keychain-banner');
    await expect(banner).toContainText('No keychain service is running');
    await expect(banner).toContainText('Demo accounts work without it');
    await page.screenshot({ path: screenshotPath('web-first-run-1200-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: screenshotPath('web-first-run-1200-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Try with demo accounts' }).click();
    await expect(sidebar(page).getByRole('button', { name: /demo/ })).toHaveCount(3);
    await expect(page.getByTestId('plan-name')).toBeVisible();

    await sidebar(page).getByRole('button', { name: '+ Add account' }).click();
    await page.getByLabel('Account name').fill('Fleet');
    await page.getByLabel('AuthKey ID (keyId-…)').fill('keyId-abc');
    await page.getByLabel('AuthKey secret (secret-…)').fill('secret-xyz');
    await page.getByRole('button', { name: 'Save without testing' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'keychain_unavailable' })).toContainText('only in your keychain');
    const list = await harness.call<AccountList>('accounts.list', {});
    expect(list.accounts.map((a) => a.demo)).toEqual([true, true, true]);
  });
});

test.describe('npm run web: files in a browser', () => {
  test.use({ harnessArgs: ['--web', '--demo'] });

  test('Open… and Open several… in the review upload the chosen files', async ({ context, harness }) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-web-review-'));
    const file = path.join(dir, 'billing-detail-202410.csv');
    await fs.copyFile(path.join('tests', 'fixtures', 'review', 'quirks.csv'), file);
    const page = await openInBrowser(context, harness);
    await page.getByRole('button', { name: 'Review a bill CSV' }).click();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Open…' }).click();
    await (await chooser).setFiles(file);
    await expect(page.getByTestId('review-file-name')).toHaveText('billing-detail-202410.csv');
    await expect(page.getByTestId('review-total')).toBeVisible({ timeout: 20_000 });

    // Open several… picks more than one, and they are reviewed together.
    const other = path.join(dir, 'billing-detail-202411.csv');
    await fs.copyFile(file, other);
    const several = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Open several…' }).click();
    const chosen = await several;
    expect(chosen.isMultiple()).toBe(true);
    await chosen.setFiles([file, other]);
    await expect(page.getByTestId('review-set-view')).toBeVisible({ timeout: 45_000 });
    await expect(page.getByRole('alert')).toHaveCount(0);
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('the Library downloads a saved file, and offers no folder choice', async ({ context, harness }) => {
    const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
    const soracom = accounts.find((a) => a.provider === 'soracom')!.id;
    const saved = await harness.call<SavedFile>('files.saveTableCsv', { accountId: soracom, title: 'Soracom daily charges', columns: ['Date', 'Amount'], rows: [['2024-05-01', 120]] });
    const page = await openInBrowser(context, harness);
    await sidebar(page).getByRole('button', { name: 'Library' }).click();
    const row = page.getByTestId('library-row').filter({ hasText: saved.fileName });
    await expect(row).toBeVisible();
    await expect(row.getByRole('button', { name: `Open ${saved.fileName}` })).toHaveCount(0);
    await expect(row.getByRole('button', { name: `Show ${saved.fileName} in folder` })).toHaveCount(0);

    const download = page.waitForEvent('download');
    await row.getByRole('button', { name: `Download ${saved.fileName}` }).click();
    const got = await download;
    expect(got.suggestedFilename()).toBe(saved.fileName);
    expect(await fs.readFile((await got.path())!)).toEqual(await fs.readFile(saved.path));
    // The address was good once.
    const again = await fetch(new URL(got.url(), harness.url));
    expect(again.status).toBe(404);
    expect(await harness.shellLog()).toEqual([]);

    await expect(page.getByRole('button', { name: 'Change folder…' })).toHaveCount(0);
    await expect(page.getByTestId('downloads-folder-fixed')).toContainText('A browser cannot choose a folder');
    await page.screenshot({ path: screenshotPath('web-library-1200-light.png') });
  });

  test('a period pack’s zip and a FOCUS export are downloaded, and a pack folder is not', async ({ context, harness }) => {
    test.setTimeout(90_000);
    const now = new Date();
    const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    const label = `${last.getUTCFullYear()}-${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
    const page = await openInBrowser(context, harness);
    await sidebar(page).getByRole('button', { name: 'Library' }).click();
    const panel = page.getByRole('region', { name: 'For your accountant' });
    const packForm = panel.getByRole('form', { name: 'Period pack' });
    await packForm.getByLabel('Month', { exact: true }).fill(label);
    await packForm.getByRole('button', { name: 'Write period pack' }).click();
    const result = panel.getByTestId('pack-result');
    await expect(result).toContainText(`The ${label} pack is written`, { timeout: 30_000 });
    // A folder cannot be downloaded: the result says how to get one file instead.
    await expect(result).toContainText('A browser downloads a pack as one zip: write it again with “Also as one zip” ticked.');
    await expect(result.getByRole('button')).toHaveCount(0);

    await packForm.getByLabel('Also as one zip').check();
    await packForm.getByRole('button', { name: 'Write period pack' }).click();
    await expect(result.getByRole('button', { name: 'Download zip' })).toBeVisible({ timeout: 30_000 });
    await expect(result.getByRole('button', { name: /Show/ })).toHaveCount(0);
    const zip = page.waitForEvent('download');
    await result.getByRole('button', { name: 'Download zip' }).click();
    const gotZip = await zip;
    expect(gotZip.suggestedFilename()).toBe(`${label}.zip`);
    expect((await fs.readFile((await gotZip.path())!)).subarray(0, 2).toString()).toBe('PK');

    const focusForm = panel.getByRole('form', { name: 'Export FOCUS' });
    await focusForm.getByLabel('From').fill(label);
    await focusForm.getByLabel('To').fill(label);
    await focusForm.getByRole('button', { name: 'Export FOCUS' }).click();
    const focus = panel.getByTestId('focus-result');
    await expect(focus.getByRole('button', { name: 'Download the FOCUS file' })).toBeVisible({ timeout: 30_000 });
    const cost = page.waitForEvent('download');
    await focus.getByRole('button', { name: 'Download the FOCUS file' }).click();
    const gotCost = await cost;
    expect(gotCost.suggestedFilename()).toMatch(new RegExp(`^FOCUS ${label}\\.(csv|parquet)$`));
    const usage = page.waitForEvent('download');
    await focus.getByRole('button', { name: 'Download the usage file' }).click();
    expect((await usage).suggestedFilename()).toMatch(/usage/);
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(await harness.shellLog()).toEqual([]);
    await shotsOf(page, result, 'web-archive-download');

    // Asked straight, by a pack folder's id: refused, nothing handed out.
    const written = await harness.call<{ id: string }>('archive.pack', { period: label });
    expect(await harness.rawCall('archive.download', JSON.stringify({ id: written.id }))).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
  });
});

test('the desktop keeps Open…, Open, Show in folder and Change folder…', async ({ page, harness }) => {
  const info = await harness.call<{ capabilities: { fileDialogs: boolean; openFiles: boolean } }>('app.info', {});
  expect(info.capabilities).toEqual({ fileDialogs: true, openFiles: true });
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('button', { name: 'Change folder…' })).toBeVisible();
  // Without --web no one may fetch a file by address.
  const reply = await harness.rawCall('library.download', JSON.stringify({ id: 'abc' }));
  expect(reply).toMatchObject({ ok: false });
  expect(await harness.rawCall('archive.download', JSON.stringify({ id: 'a'.repeat(24) }))).toMatchObject({ ok: false, error: { code: 'not_allowed' } });
});

/** Starts `npm run web`'s server as the script does (no --test, no --user-data unless given) and reads what it prints. */
async function startWeb(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [path.resolve('dist/harness/server.cjs'), '--web', '--dist', path.resolve('dist'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const out: string[] = [];
  const err: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => err.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<boolean>((resolve) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      out.push(line);
      if (line.startsWith('Press Ctrl+C')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  const info = ready ? (JSON.parse(out[0]!) as { url: string; token: string }) : undefined;
  return {
    ready,
    out,
    err,
    exited,
    rpc: async (channel: string, body: unknown) =>
      (await fetch(`${info!.url}/rpc/${channel}`, { method: 'POST', headers: { 'X-Billfold-Token': info!.token }, body: JSON.stringify(body) })).json() as Promise<{ ok: boolean; value: unknown }>,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

test('npm run web keeps its data in a per-user folder it names, holds its lock, and --user-data moves it', async () => {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-web-home-'));
  const env = { HOME: home, XDG_DATA_HOME: path.join(home, 'data'), ...noKeychain };
  const folder = path.join(home, 'data', 'billfold-web');

  const first = await startWeb([], env);
  expect(first.ready, first.err.join('\n')).toBe(true);
  expect(first.out.join('\n')).toContain(`kept in:\n  ${folder}\n`);
  expect(await first.rpc('demo.start', {})).toMatchObject({ ok: true });
  // A second one on the same folder is refused, naming the holder.
  const second = await startWeb([], env);
  expect(second.ready).toBe(false);
  expect(await second.exited).toBe(3);
  expect(second.err.join('\n')).toContain('npm run web');
  await first.stop();

  const again = await startWeb([], env);
  expect(again.ready, again.err.join('\n')).toBe(true);
  const list = (await again.rpc('accounts.list', {})).value as AccountList;
  expect(list.accounts.map((a) => a.name).sort()).toEqual(['Agilicus (demo)', 'Soracom (demo)', 'SpatialFlow (demo)']);
  await again.stop();

  const elsewhere = path.join(home, 'elsewhere');
  const moved = await startWeb(['--user-data', elsewhere], env);
  expect(moved.ready, moved.err.join('\n')).toBe(true);
  expect(moved.out.join('\n')).toContain(`kept in:\n  ${elsewhere}\n`);
  expect(((await moved.rpc('accounts.list', {})).value as AccountList).accounts).toEqual([]);
  await moved.stop();
  await fs.rm(home, { recursive: true, force: true });
});

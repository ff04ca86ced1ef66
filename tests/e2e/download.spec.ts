import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { UnfinishedDownload } from '../../contract/models/download';
import type { LibraryList } from '../../contract/models/files';
import { bridgePage, expect, screenshotPath, startHarness, test, type Harness } from './fixtures';

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function openLibrary(browser: Browser, harness: Harness): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await bridgePage(page, harness);
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
  return page;
}

const month = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;

/** The files Billfold saved under the downloads folder, one folder per account. */
async function filesOnDisk(documents: string): Promise<string[]> {
  const root = path.join(documents, 'Billfold');
  const found: string[] = [];
  for (const folder of await fs.readdir(root)) {
    for (const name of await fs.readdir(path.join(root, folder))) if (!name.startsWith('.')) found.push(`${folder}/${name}`);
  }
  return found.sort();
}

test('download everything for the demo accounts: quit half-way, resume, and every document is there once', async ({ browser }) => {
  test.setTimeout(240_000);
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-download-'));
  const userData = path.join(base, 'user-data');
  const documents = path.join(base, 'Documents');
  const args = ['--demo', '--documents', documents];
  const now = new Date();
  const from = month(new Date(now.getFullYear(), now.getMonth() - 2, 1));
  const to = month(now);

  // First run: Soracom never finishes preparing an export, so the run is still going while the
  // other providers' documents are saved; then the app is killed, as a crash would.
  const first = await startHarness(args, {}, { userDataDir: userData });
  const page1 = await openLibrary(browser, first.harness);
  try {
    await first.harness.setFaults('soracom', [{ kind: 'hang', method: 'POST', path: '/v1/bills/' }]);
    const panel = page1.getByTestId('download-everything');
    await panel.getByText('Download everything').click();
    await panel.getByLabel('From').fill(from);
    await panel.getByLabel('To').fill(to);
    await panel.getByRole('button', { name: 'Download' }).click();
    await expect(panel.getByTestId('download-progress')).toContainText(/\d+ of \d+ documents/);
    await expect
      .poll(async () => (await first.harness.call<LibraryList>('library.list', {})).total, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(5);
    await page1.screenshot({ path: screenshotPath('library-download-everything.png') });
  } finally {
    await page1.close();
    await first.crash();
  }
  const beforeResume = await filesOnDisk(documents);
  expect(beforeResume.length).toBeGreaterThanOrEqual(5);

  // Second run: the window offers to resume; resuming fetches what is missing and skips the rest.
  const second = await startHarness(args, {}, { userDataDir: userData });
  const page2 = await openLibrary(browser, second.harness);
  try {
    const unfinished = await second.harness.call<UnfinishedDownload>('download.unfinished', {});
    expect(unfinished).toMatchObject({ from, to });
    expect(unfinished.done).toBeGreaterThanOrEqual(1);
    const panel = page2.getByTestId('download-everything');
    const banner = panel.getByTestId('download-unfinished');
    await expect(banner).toContainText(`A download of ${from} to ${to} for all accounts stopped after`);
    await banner.getByRole('button', { name: 'Resume' }).click();
    const summary = panel.getByTestId('download-summary');
    await expect(summary).toContainText('Resumed and finished.', { timeout: 180_000 });
    await expect(summary).toContainText(' 0 failed');
    await expect(panel.getByTestId('download-unfinished')).toHaveCount(0);

    // Each provider document is in the library once, and on disk once.
    const library = await second.harness.call<LibraryList>('library.list', {});
    const keys = library.files.map((f) => `${f.accountId}/${f.source?.key}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(library.files.every((f) => f.source !== undefined && /^[0-9a-f]{64}$/.test(f.sha256 ?? ''))).toBe(true);
    const kinds = new Set(library.files.map((f) => f.source?.key.split(':').slice(0, 2).join(':')));
    expect([...kinds].sort()).toEqual(['agilicus:usage-statement', 'soracom:bill-csv', 'soracom:statement', 'spatialflow:invoice']);
    const onDisk = await filesOnDisk(documents);
    expect(onDisk).toHaveLength(library.total);
    expect(onDisk.filter((name) => / \(\d+\)\.[a-z]+$/.test(name))).toEqual([]);
    for (const saved of beforeResume) expect(onDisk).toContain(saved);
    // The rows the window lists are the same files.
    await expect(page2.getByTestId('library-row')).toHaveCount(library.total);

    // A second run of the same period finds everything already there.
    const again = await second.harness.call<{ fetched: number; skipped: number; failed: number; resumed: boolean }>('download.everything', { from, to });
    expect(again).toMatchObject({ fetched: 0, failed: 0, resumed: false });
    expect(again.skipped).toBe(library.total);
    expect(await filesOnDisk(documents)).toEqual(onDisk);
  } finally {
    await page2.close();
    await second.stop();
    await fs.rm(base, { recursive: true, force: true });
  }
});

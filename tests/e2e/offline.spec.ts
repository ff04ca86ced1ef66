import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const views = ['SpatialFlow (demo)', 'Agilicus (demo)', 'Soracom (demo)'] as const;
const offlineBanner = (page: Page) => page.getByRole('status').filter({ hasText: /^Offline: data as of / });

/** What the view shows of the provider's data: the pane's text, without the lines that say how fresh it is or that changes are off. */
async function shownData(page: Page): Promise<string[]> {
  const text = await page.getByRole('main').innerText();
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '' && !/^(Updated |Refreshing|Refresh$|Offline: data as of |Changes are off: )/.test(line));
}

async function openView(page: Page, name: string) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

test('every view renders its last snapshot with "Offline: data as of" when the providers are down, and syncs again when they are back', async ({ page, harness }) => {
  test.setTimeout(120_000);
  await page.goto(harness.url);

  // Online: each view loads from its provider, which keeps a snapshot.
  const online = new Map<string, string[]>();
  for (const name of views) {
    await openView(page, name);
    await expect(page.getByText(/^\s*Updated /).first()).toBeVisible({ timeout: 15_000 });
    await expect(page.locator('.skeleton')).toHaveCount(0);
    online.set(name, await shownData(page));
    expect(online.get(name)!.length).toBeGreaterThan(4);
  }

  // The providers go away, and the app starts again while they are away.
  await harness.setSandboxesReachable(false);
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  for (const name of views) {
    await openView(page, name);
    await expect(offlineBanner(page).first()).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.skeleton')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
    expect(await shownData(page)).toEqual(online.get(name));
  }

  // They come back on the same addresses: the open view syncs by itself, the banner goes.
  await harness.setSandboxesReachable(true);
  await expect(offlineBanner(page)).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible();
  for (const name of views) {
    await openView(page, name);
    await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible({ timeout: 15_000 });
    await expect(offlineBanner(page)).toHaveCount(0);
  }
});

test('a damaged snapshot is discarded with a notice and never breaks a view', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const { accounts } = ((await harness.rawCall('accounts.list', '{}')) as { value: { accounts: { id: string; name: string }[] } }).value;
  const soracom = accounts.find((a) => a.name === 'Soracom (demo)')!;
  const dir = path.join(harness.userDataDir, 'snapshots');
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, `${encodeURIComponent(soracom.id)}.json`), '{"version":1,"entries":{"soracom.getBillingHistory []":');

  await harness.setSandboxesReachable(false);
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  await openView(page, 'Soracom (demo)');
  await expect(page.getByText(/could not be read and was discarded/)).toBeVisible({ timeout: 30_000 });
  // Nothing to show offline: the view says it cannot reach the provider and offers to try again.
  await expect(page.getByRole('alert').first()).toContainText(/Could not/, { timeout: 30_000 });
  await expect(page.getByRole('button', { name: 'Try again' }).first()).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: 'Soracom (demo)' })).toBeVisible();
  // It keeps trying in the background and fills in by itself once the provider is back.
  await harness.setSandboxesReachable(true);
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(fs.readFile(path.join(dir, `${encodeURIComponent(soracom.id)}.json`), 'utf8')).resolves.toMatch(/^\{"version":1,"entries":\{"soracom\./);
});

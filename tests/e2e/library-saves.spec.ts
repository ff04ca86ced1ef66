import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { previousMonth } from './soracom-export';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function openAccount(page: Page, name: string) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
}

async function openLibrary(page: Page) {
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();
}

const rows = (page: Page) => page.getByTestId('library-row');

test('a statement saved from a Soracom month is skipped by Download everything, not saved again as "(2)"', async ({ page, harness }) => {
  test.setTimeout(120_000);
  const yyyyMM = previousMonth();
  const month = `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}`;
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  await page.locator(`[data-month-details="${yyyyMM}"]`).click();
  const head = page.locator('.soracom-month .section-head');
  await head.getByRole('button', { name: 'Save statement PDF', exact: true }).click();
  await expect(head.getByRole('status').filter({ hasText: /^Saved / })).toBeVisible({ timeout: 15_000 });

  await openLibrary(page);
  const panel = page.getByTestId('download-everything');
  await panel.getByText('Download everything').click();
  await panel.getByLabel('From').fill(month);
  await panel.getByLabel('To').fill(month);
  await panel.getByLabel('Account').selectOption({ label: 'Soracom (demo)' });
  await panel.getByRole('button', { name: 'Download' }).click();
  const summary = panel.getByTestId('download-summary');
  await expect(summary).toContainText('Finished.', { timeout: 60_000 });
  await expect(summary).toContainText('1 fetched, 1 already in the library, 0 failed');
  // The statement once, beside the month's bill export.
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).filter({ hasText: 'Soracom statement' })).toHaveCount(1);
  await expect(page.getByRole('main')).not.toContainText('(2)');
});

test('exporting the month so far twice keeps one file when nothing changed', async ({ page, harness }) => {
  test.setTimeout(120_000);
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  const exportLatest = page.getByRole('button', { name: 'Export CSV for this month so far' });
  for (let i = 0; i < 2; i++) {
    await exportLatest.click();
    await expect(page.getByTestId('export-saved')).toBeVisible({ timeout: 30_000 });
  }
  await openLibrary(page);
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByRole('main')).not.toContainText('(2)');
});

import type { Page } from '@playwright/test';
import type { SpatialFlowInvoicePage } from '../../contract/models/spatialflow';
import { expect, screenshotPath, test } from './fixtures';
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

async function shots(page: Page, name: string) {
  for (const [width, height] of [
    [1200, 760],
    [900, 600],
  ] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: screenshotPath(`${name}-${width}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('a statement saved from a Soracom month is skipped by Download everything, not saved again as "(2)"', async ({ page, harness }) => {
  test.setTimeout(120_000);
  const yyyyMM = previousMonth();
  const month = `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}`;
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  await page.locator(`[data-month-details="${yyyyMM}"]`).click();
  // The month's buttons, and under them what they report.
  const head = page.locator('.soracom-month');
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
  await exportLatest.click();
  await expect(page.getByTestId('export-saved')).toContainText(/^\s*Saved billing-detail-/, { timeout: 30_000 });
  await exportLatest.click();
  await expect(page.getByTestId('export-saved')).toContainText('Unchanged since it was saved: already in the Library as billing-detail-', { timeout: 30_000 });
  await openLibrary(page);
  await expect(rows(page)).toHaveCount(1);
  await expect(page.getByRole('main')).not.toContainText('(2)');
});

test('an invoice PDF shows its billing period in the Library, on one line even at 900 px', async ({ page, harness }) => {
  await page.setViewportSize({ width: 900, height: 600 });
  const accountId = (await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {})).accounts.find((a) => a.provider === 'spatialflow')!.id;
  const invoices = await harness.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId });
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  await page.getByTestId('invoice-list').focus();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('invoice-detail');
  await detail.getByRole('button', { name: 'Download PDF' }).click();
  await expect(detail.getByTestId('saved-file').locator('.title')).toHaveText(/^Saved /, { timeout: 15_000 });
  const fileName = ((await detail.getByTestId('saved-file').locator('.title').textContent()) ?? '').replace(/^Saved /, '').trim();
  const invoice = invoices.invoices.find((i) => fileName.includes(i.number))!;

  await openLibrary(page);
  // The cells: the tick box, kind, account, period…
  const period = rows(page).first().locator('td').nth(3);
  await expect(period).toHaveText(invoice.periodStart.slice(0, 7));
  const lines = await period.evaluate((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
  expect(lines).toBe(1);
  await shots(page, 'library-invoice-period');
});

test('while Download everything runs, the list shows the files saved so far', async ({ page, harness }) => {
  test.setTimeout(120_000);
  // Soracom never finishes preparing an export: the run goes on while the others' documents are saved.
  await harness.setFaults('soracom', [{ kind: 'hang', method: 'POST', path: '/v1/bills/' }]);
  await page.goto(harness.url);
  await openLibrary(page);
  await expect(page.getByTestId('library-empty')).toBeVisible();
  const panel = page.getByTestId('download-everything');
  await panel.getByText('Download everything').click();
  const now = new Date();
  const from = new Date(now.getFullYear(), now.getMonth() - 2, 1);
  await panel.getByLabel('From').fill(`${from.getFullYear()}-${String(from.getMonth() + 1).padStart(2, '0')}`);
  await panel.getByRole('button', { name: 'Download' }).click();
  await expect(panel.getByTestId('download-progress')).toContainText(/\d+ of \d+ documents/);
  // Rows appear while the run is still going, not only when it ends.
  const savedWhileRunning = async () => (await panel.getByTestId('download-progress').isVisible()) && (await rows(page).count()) >= 3;
  await expect.poll(savedWhileRunning, { timeout: 60_000 }).toBe(true);
  await expect(page.getByTestId('library-empty')).toHaveCount(0);
  await expect(page.getByText('Nothing saved yet')).toHaveCount(0);
  await shots(page, 'library-download-running');
  await panel.getByRole('button', { name: 'Cancel' }).click();
  await expect(panel.getByTestId('download-summary')).toContainText('Cancelled.', { timeout: 30_000 });
});

test('keyboard: Rebuild from folders and Download keep the focus while they work', async ({ page, harness }) => {
  test.setTimeout(120_000);
  await page.goto(harness.url);
  await openLibrary(page);
  const rebuild = page.getByRole('button', { name: /^(Rebuild from folders|Rebuilding…)$/ });
  await rebuild.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: 'The library was rebuilt from your folders' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Rebuild from folders' })).toBeFocused();

  const panel = page.getByTestId('download-everything');
  await panel.getByText('Download everything').click();
  const month = new Date().toISOString().slice(0, 7);
  await panel.getByLabel('From').fill(month);
  await panel.getByLabel('Account').selectOption({ label: 'SpatialFlow (demo)' });
  const download = panel.getByRole('button', { name: /^(Download|Downloading…)$/ });
  await download.focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('download-summary')).toContainText('Finished.', { timeout: 60_000 });
  await expect(download).toBeFocused();
  // Enter again runs it again (nothing new), from where the focus stayed.
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('download-summary')).toContainText('0 fetched', { timeout: 60_000 });
  await expect(download).toBeFocused();
});

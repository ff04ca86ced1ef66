import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import Papa from 'papaparse';
import type { SavedFile } from '../../contract/models/files';
import type { SoracomBillingHistory, SoracomExportResult } from '../../contract/models/soracom';
import type { SpatialFlowInvoicePage } from '../../contract/models/spatialflow';
import { expect, test, type Harness, screenshotPath } from './fixtures';

const run = promisify(execFile);

test.use({ harnessArgs: ['--demo'], locale: 'en-US' });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

/** Syncs the demo accounts and saves one closed month's documents, through the channels the views call. */
async function saveMonth(harness: Harness) {
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
  const id = (p: string) => accounts.find((a) => a.provider === p)!.id;
  const history = await harness.call<SoracomBillingHistory>('soracom.getBillingHistory', { accountId: id('soracom') });
  // Two months back: a closed month whose CSV is small (the previous month's is the 50,000-row one).
  const bill = history.bills.filter((b) => b.state === 'closed')[1]!;
  const exported = await harness.call<SoracomExportResult>('soracom.exportBilling', { accountId: id('soracom'), yyyyMM: bill.yearMonth });
  await harness.call<SavedFile>('files.saveSoracomExport', { accountId: id('soracom'), exportedFileId: exported.exportedFileId });
  const label = `${bill.yearMonth.slice(0, 4)}-${bill.yearMonth.slice(4)}`;
  const page = await harness.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: id('spatialflow'), limit: 24 });
  const invoices = page.invoices.filter((i) => i.periodStart.slice(0, 7) === label && i.hasPdf);
  for (const inv of invoices) await harness.call('files.saveInvoicePdf', { accountId: id('spatialflow'), invoiceId: inv.id });
  const billingAccounts = await harness.call<{ accounts: { id: string }[] }>('agilicus.listBillingAccounts', { accountId: id('agilicus') });
  for (const ba of billingAccounts.accounts) await harness.call('agilicus.getUsageRecords', { accountId: id('agilicus'), billingAccountId: ba.id });
  return { bill, label, invoices };
}

test('a period pack and a FOCUS export from the Library, with progress, checks and where the files are', async ({ page, harness }) => {
  test.setTimeout(120_000);
  const { bill, label, invoices } = await saveMonth(harness);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  const panel = page.getByRole('region', { name: 'For your accountant' });
  const packForm = panel.getByRole('form', { name: 'Period pack' });
  await packForm.getByLabel('Month', { exact: true }).fill(label);
  await packForm.getByLabel('Also as one zip').check();
  await packForm.getByRole('button', { name: 'Write period pack' }).click();

  const result = panel.getByTestId('pack-result');
  // Reading the month's CSV and hashing every file takes a few seconds on a busy machine.
  await expect(result).toContainText(`The ${label} pack is written: ${1 + invoices.length} documents`, { timeout: 30_000 });
  await expect(result).toContainText(`${1 + invoices.length} of ${1 + invoices.length} checks match`);
  const location = (await result.locator('.archive-location code').textContent())!.trim();
  expect(path.basename(location)).toBe(label);
  // The pack verifies with the standard tool, and its index totals are the bill and the invoices.
  const { stdout } = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: location });
  expect(stdout.trim().split('\n').every((l) => l.endsWith(': OK'))).toBe(true);
  const index = Papa.parse<Record<string, string>>(await fs.readFile(path.join(location, 'index.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
  const digits = bill.amount!.currency === 'JPY' ? 0 : 2;
  expect(index.find((r) => r['document kind'] === 'Bill export CSV')?.['amount']).toBe((bill.amount!.minor / 10 ** digits).toFixed(digits));
  for (const inv of invoices) expect(index.find((r) => r['provider id'] === inv.number)?.['amount']).toBe((inv.amountDue.minor / 100).toFixed(2));
  await result.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(() => harness.shellLog()).toEqual([{ action: 'showItemInFolder', path: location }]);

  const focusForm = panel.getByRole('form', { name: 'Export FOCUS' });
  await focusForm.getByLabel('From').fill(label);
  await focusForm.getByLabel('To').fill(label);
  await focusForm.getByRole('button', { name: 'Export FOCUS' }).click();
  const focus = panel.getByTestId('focus-result');
  await expect(focus).toContainText(`FOCUS ${label}:`, { timeout: 30_000 });
  await expect(focus).toContainText(`from ${1 + invoices.length} bills and invoices, each adding up to its total`);
  await expect(focus).toContainText('Agilicus usage');
  const focusFile = (await focus.locator('.archive-location code').first().textContent())!.trim();
  expect((await fs.readFile(focusFile)).subarray(0, 4).toString()).toBe('PAR1');

  await panel.scrollIntoViewIfNeeded();
  for (const [width, height] of [[1200, 760], [900, 600]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await panel.getByRole('heading', { name: 'For your accountant' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath(`library-archive-${width}-${scheme}.png`) });
    }
  }
});

test('a pack of a period with nothing saved says what is missing; a bad range cannot be sent', async ({ page, harness }) => {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  const panel = page.getByRole('region', { name: 'For your accountant' });
  const packForm = panel.getByRole('form', { name: 'Period pack' });
  await packForm.getByLabel('Period').selectOption({ label: 'A quarter' });
  await packForm.getByRole('button', { name: 'Write period pack' }).click();
  await expect(panel.getByTestId('pack-result')).toContainText('0 documents', { timeout: 30_000 });
  await expect(panel.getByTestId('pack-findings')).toContainText('detailed CSV');

  const focusForm = panel.getByRole('form', { name: 'Export FOCUS' });
  await focusForm.getByLabel('From').fill('2026-05');
  await focusForm.getByLabel('To').fill('2026-03');
  await expect(focusForm.getByText('The period ends before it starts.')).toBeVisible();
  await expect(focusForm.getByRole('button', { name: 'Export FOCUS' })).toBeDisabled();

  // A month that has not begun cannot be packed or exported.
  await packForm.getByLabel('Period').selectOption({ label: 'A month' });
  await packForm.getByLabel('Month', { exact: true }).fill('2099-01');
  await expect(packForm.getByText('2099-01 has not begun: there is nothing to pack yet.')).toBeVisible();
  await expect(packForm.getByRole('button', { name: 'Write period pack' })).toBeDisabled();
  await focusForm.getByLabel('From').fill('2099-01');
  await focusForm.getByLabel('To').fill('2099-02');
  await expect(focusForm.getByText('2099-01 has not begun: there is nothing to export yet.')).toBeVisible();
  await expect(focusForm.getByRole('button', { name: 'Export FOCUS' })).toBeDisabled();
});

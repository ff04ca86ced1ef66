import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import Papa from 'papaparse';
import type { LibraryList } from '../../contract/models/files';
import { expect, test, type Harness } from './fixtures';
import { downloadSoracomExport, previousMonth } from './soracom-export';

// Statements are written in en-US; the page uses the same locale so its figures compare directly.
test.use({ harnessArgs: ['--demo'], locale: 'en-US' });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function openAccount(page: Page, harness: Harness, name: string) {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: new RegExp(`${name} \\(demo\\)`) }).click();
  await expect(page.getByRole('heading', { name: `${name} (demo)`, level: 1 })).toBeVisible();
}

/** Clicks a save button, waits for "Saved <name>" and returns where the library says the file is. */
async function save(harness: Harness, scope: Locator, label: string): Promise<string> {
  await scope.getByRole('button', { name: label, exact: true }).click();
  const done = scope.getByRole('status').filter({ hasText: /^Saved / });
  await expect(done).toBeVisible({ timeout: 15_000 });
  const fileName = ((await done.textContent()) ?? '').replace(/^Saved /, '').replace(/Show in folder$/, '').trim();
  const reply = (await harness.rawCall('library.list', '{}')) as { ok: boolean; value: LibraryList };
  const file = reply.value.files.find((f) => f.fileName === fileName);
  expect(file, `${fileName} is in the library`).toBeDefined();
  return file!.path;
}

const pdfText = (file: string) => execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });

async function readCsv(file: string): Promise<{ bom: boolean; fields: string[]; rows: Record<string, string>[] }> {
  const text = await fs.readFile(file, 'utf8');
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return { bom: text.startsWith('\uFEFF'), fields: parsed.meta.fields ?? [], rows: parsed.data };
}

const money = (amount: string, currency: string) => new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(amount as `${number}`);

test('a Soracom month is saved as a statement PDF with the month total, and its history as a CSV', async ({ page, harness }) => {
  await openAccount(page, harness, 'Soracom');
  const table = page.getByTestId('history-table');
  const rows = table.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const shownRows = await rows.count();
  const firstAmount = (await rows.first().locator('td').first().textContent())!.trim();

  // The 18-month history as CSV: the rows and amounts the table shows, BOM first, ISO months.
  const historyFile = await save(harness, page.locator('.soracom-history'), 'Export table as CSV');
  const history = await readCsv(historyFile);
  expect(history.bom).toBe(true);
  expect(history.fields).toEqual(['Month', 'Amount', 'Currency', 'Coupon applied', 'State', 'Payment']);
  expect(history.rows).toHaveLength(shownRows);
  const newest = history.rows[0]!;
  expect(newest['Month']).toMatch(/^\d{4}-\d{2}$/);
  expect(newest['Amount']).toMatch(/^-?\d+(\.\d+)?$/);
  expect(money(newest['Amount']!, newest['Currency']!)).toBe(firstAmount);
  await expect(rows.first()).toHaveAttribute('data-month', newest['Month']!.replace('-', ''));

  // A closed month's statement: the month's total is in the PDF's text.
  const closed = history.rows[1]!;
  const yyyyMM = closed['Month']!.replace('-', '');
  await page.locator(`[data-month-details="${yyyyMM}"]`).click();
  const total = (await page.getByTestId('month-amount').textContent())!.trim();
  expect(total).toBe(money(closed['Amount']!, closed['Currency']!));
  // The month's buttons, and under them what they report.
  const head = page.locator('.soracom-month');
  const statement = await save(harness, head, 'Save statement PDF');
  expect(statement).toMatch(/\.pdf$/);
  const text = pdfText(statement);
  expect(text).toContain('Soracom statement');
  expect(text).toContain(total);
  await expect(head.getByRole('button', { name: 'Show in folder' })).toBeVisible();
  await head.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(() => harness.shellLog()).toEqual([{ action: 'showItemInFolder', path: statement }]);

  // The month's daily table as CSV: one row per day, summing to the daily total shown.
  const details = page.locator('details.daily-table');
  await details.locator('summary').click();
  const daily = await readCsv(await save(harness, details, 'Export table as CSV'));
  expect(daily.bom).toBe(true);
  expect(daily.fields).toEqual(['Date', 'Amount', 'Currency']);
  await expect(details.locator('tbody tr')).toHaveCount(daily.rows.length);
  expect(daily.rows.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r['Date']!))).toBe(true);
  const currency = daily.rows[0]!['Currency']!;
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 0;
  const sumMinor = daily.rows.reduce((s, r) => s + Math.round(Number(r['Amount']) * 10 ** digits), 0);
  await expect(page.getByTestId('daily-total')).toHaveText(money((sumMinor / 10 ** digits).toFixed(digits), currency));
});

test('an Agilicus billing account is saved as a usage statement, its usage and the accounts list as CSV', async ({ page, harness }) => {
  await openAccount(page, harness, 'Agilicus');
  const accounts = page.getByRole('table', { name: 'Billing accounts' });
  await expect(accounts.getByRole('button').first()).toBeVisible();
  const list = page.locator('section.ag-list');
  const listCsv = await readCsv(await save(harness, list, 'Export table as CSV'));
  expect(listCsv.bom).toBe(true);
  expect(listCsv.rows).toHaveLength(await accounts.locator('tbody tr').count());
  expect(listCsv.rows.map((r) => r['Customer'])).toEqual(await accounts.getByRole('button').allTextContents());
  expect(listCsv.rows.every((r) => r['Created'] === '' || /^\d{4}-\d{2}-\d{2}$/.test(r['Created']!))).toBe(true);

  const name = 'Northwind Logistics Inc.';
  await accounts.getByRole('button', { name }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  const usageTotal = (await page.getByTestId('ag-usage-total').textContent())!.trim();
  expect(usageTotal).toMatch(/^[\d,]+$/);

  const head = page.locator('.ag-detail');
  const statement = await save(harness, head, 'Save usage statement');
  const text = pdfText(statement);
  expect(text).toContain(`Agilicus usage statement: ${name}`);
  expect(text).toMatch(new RegExp(`Total quantity\\s+${usageTotal}`));

  const usage = page.locator('section.ag-usage');
  const usageCsv = await readCsv(await save(harness, usage, 'Export table as CSV'));
  expect(usageCsv.bom).toBe(true);
  expect(usageCsv.fields).toEqual(['Day (UTC)', 'Timestamp', 'Quantity']);
  const summary = (await page.getByTestId('ag-usage-summary').textContent()) ?? '';
  expect(summary).toContain(`${usageCsv.rows.length.toLocaleString('en-US')} records`);
  expect(usageCsv.rows.reduce((s, r) => s + Number(r['Quantity']), 0).toLocaleString('en-US')).toBe(usageTotal);
});

test('the SpatialFlow invoices table is exported as CSV, filtered as shown', async ({ page, harness }) => {
  await openAccount(page, harness, 'SpatialFlow');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  const list = page.getByTestId('invoice-list');
  await expect(list).toBeVisible();
  const totals = page.getByTestId('invoice-totals');
  const loaded = Number(/(\d+) invoices loaded/.exec((await page.getByTestId('invoice-count').textContent()) ?? '')![1]);

  const all = await readCsv(await save(harness, totals, 'Export table as CSV'));
  expect(all.bom).toBe(true);
  expect(all.fields).toEqual(['Number', 'Status', 'Period start', 'Period end', 'Amount due', 'Amount paid', 'Currency']);
  expect(all.rows).toHaveLength(loaded);
  const first = all.rows[0]!;
  const firstRow = list.getByRole('row').nth(1);
  await expect(firstRow).toContainText(first['Number']!);
  await expect(firstRow).toContainText(money(first['Amount due']!, first['Currency']!));
  expect(first['Period start']).toMatch(/^\d{4}-\d{2}-\d{2}$/);

  // Only the invoices the filter leaves are written.
  await page.getByRole('combobox', { name: 'Status' }).selectOption('paid');
  const match = Number(/(\d+) of \d+ loaded invoices match/.exec((await page.getByTestId('invoice-count').textContent()) ?? '')![1]);
  const paid = await readCsv(await save(harness, totals, 'Export table as CSV'));
  expect(paid.rows).toHaveLength(match);
  expect(paid.rows.every((r) => r['Status'] === 'Paid')).toBe(true);
  expect(match).toBeLessThan(loaded);
});

/** Writes a month's detailed CSV from the demo Soracom sandbox to a temporary file. */
async function exportedMonth(harness: Harness, yyyyMM: string): Promise<string> {
  const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-saving-e2e-')), `billing-detail-${yyyyMM}.csv`);
  await fs.writeFile(file, await downloadSoracomExport(harness, yyyyMM));
  return file;
}

test('a review totals table is exported as CSV with exact amounts, under All accounts', async ({ page, harness }) => {
  const file = await exportedMonth(harness, previousMonth());
  await page.goto(harness.url);
  await page.getByRole('button', { name: 'Review a bill CSV' }).click();
  await harness.answerDialog('file', file);
  await page.getByRole('button', { name: 'Open…' }).click();
  const table = page.getByTestId('review-by-item');
  await expect(page.getByTestId('review-total')).toHaveAttribute('data-amount', /\d/, { timeout: 20_000 });
  const amounts = await table.locator('tbody td[data-amount]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-amount')));
  // The file has no currency of its own: it is the demo Soracom account's bill currency, once that bill is found.
  await expect(page.getByText(/Amounts in JPY/)).toBeVisible();

  const saved = await save(harness, page.locator('.totals-export'), 'Export table as CSV');
  expect(saved).toBe(path.join(harness.userDataDir, 'Documents', 'Billfold', 'All accounts', path.basename(saved)));
  const csv = await readCsv(saved);
  expect(csv.bom).toBe(true);
  expect(csv.fields).toEqual(['Bill item', 'Rows', 'Amount', 'Currency']);
  expect(csv.rows.map((r) => r['Amount'])).toEqual(amounts);
  expect(csv.rows.every((r) => r['Currency'] === 'JPY')).toBe(true);
});

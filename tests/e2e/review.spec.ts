import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';
import { independentSummary, decimalText } from '../unit/review/independent';
import { downloadSoracomExport, previousMonth } from './soracom-export';

test.use({ harnessArgs: ['--demo'] });

async function openReview(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await page.getByRole('button', { name: 'Review a bill CSV' }).click();
  await expect(page.getByRole('heading', { name: 'Review a bill CSV', level: 1 })).toBeVisible();
}

test('the views a review opens from have the main process ready its review threads', async ({ page, harness }) => {
  const prepared = (view: string) =>
    page.waitForResponse((r) => r.url().endsWith('/rpc/review.prepare'), { timeout: 10_000 }).then(async (r) => ({ view, reply: (await r.json()) as unknown }));
  const onReview = prepared('Review a bill CSV');
  await openReview(page, harness);
  expect(await onReview).toEqual({ view: 'Review a bill CSV', reply: { ok: true, value: { threads: true } } });
  const onLibrary = prepared('Library');
  await page.getByRole('button', { name: 'Library' }).click();
  expect(await onLibrary).toEqual({ view: 'Library', reply: { ok: true, value: { threads: true } } });
});

test('opens an exported month with Open…, checks its totals, filters its rows and reconciles it with the bill', async ({ page, harness }) => {
  const month = previousMonth();
  const bytes = await downloadSoracomExport(harness, month);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-review-e2e-'));
  const file = path.join(dir, `billing-detail-${month}.csv`);
  await fs.writeFile(file, bytes);
  const expected = independentSummary(bytes, ['tag:name', 'tag:location', 'group']);

  await openReview(page, harness);
  await harness.answerDialog('file', file);
  await page.getByRole('button', { name: 'Open…' }).click();
  await expect(page.getByTestId('review-file-name')).toHaveText(`billing-detail-${month}.csv`);

  // Totals, exact to the last digit.
  await expect(page.getByTestId('review-total')).toHaveAttribute('data-amount', decimalText(expected.total), { timeout: 20_000 });
  await expect(page.getByTestId('review-rows-counted')).toHaveText(expected.rows.length.toLocaleString('en-US'));
  await expect(page.getByTestId('review-malformed-counted')).toHaveText('0');
  const items = page.getByTestId('review-by-item').locator('tbody tr');
  await expect(items).toHaveCount(expected.byItem.size);
  for (const [item, amount] of expected.byItem) {
    await expect(page.getByTestId('review-by-item').locator(`tr[data-key="${item.replace(/"/g, '\\"')}"] td[data-amount]`)).toHaveAttribute('data-amount', decimalText(amount));
  }
  await page.getByTestId('review-breakdown').selectOption('day');
  await expect(page.getByTestId('review-by-day').locator('tbody tr')).toHaveCount(expected.byDay.size);
  await page.getByTestId('review-breakdown').selectOption('device');
  await expect(page.getByTestId('review-by-device').locator('tbody tr')).toHaveCount(20);
  await page.getByTestId('review-breakdown').selectOption({ label: 'group' });
  await expect(page.getByTestId('review-by-group').locator('tbody tr')).toHaveCount(expected.byColumn.get('group')?.size ?? 0);

  // The demo account's bill for that month is the CSV's total.
  const match = page.getByTestId('review-match');
  await expect(match).toContainText('Soracom (demo)');
  await expect(page.getByTestId('review-match-difference')).toHaveText('None: the file adds up to the bill.');
  await expect(page.getByTestId('review-currency')).toContainText('Amounts in JPY, the currency of');
  await page.getByTestId('review-breakdown').selectOption('item');
  await page.getByRole('heading', { name: 'Review a bill CSV', level: 1 }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('review.png') });

  // The table shows rows at once and filters all of them.
  const table = page.getByTestId('review-rows');
  await expect(table.getByRole('row').nth(1)).toContainText(expected.rows[0]?.cells[2] ?? '');
  const sms = expected.rows.filter((r) => r.cells.some((c) => c.toLowerCase().includes('sms fee')));
  expect(sms.length).toBeGreaterThan(0);
  await page.getByTestId('review-filter').fill('sms fee');
  await expect(page.getByTestId('review-row-count')).toHaveText(`${sms.length.toLocaleString('en-US')} of ${expected.rows.length.toLocaleString('en-US')} rows match.`);
  await expect(table.getByRole('row').nth(1)).toContainText('SMS fee');
  await expect(table.getByRole('row').nth(1)).toContainText(String(sms[0]?.line));
  // Scrolling far down reads rows from the middle of the file on demand.
  await table.focus();
  await page.keyboard.press('End');
  await expect(table.getByRole('row').last()).toContainText(String(sms.at(-1)?.line));

  await fs.rm(dir, { recursive: true, force: true });
});

test('opens a dropped file with every quirk and lists its malformed rows', async ({ page, harness }) => {
  const fixture = path.resolve('tests/fixtures/review/quirks.csv');
  const bytes = await fs.readFile(fixture);
  const expected = independentSummary(bytes, ['tag:name', 'tag:location', 'tag:owner', 'group']);
  await openReview(page, harness);

  const dataTransfer = await page.evaluateHandle(
    ({ b64, name }) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type: 'text/csv' }));
      return dt;
    },
    { b64: bytes.toString('base64'), name: 'quirks.csv' },
  );
  await page.dispatchEvent('[data-testid=review-view]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[data-testid=review-view]', 'drop', { dataTransfer });

  await expect(page.getByTestId('review-file-name')).toHaveText('quirks.csv');
  await expect(page.getByTestId('review-total')).toHaveAttribute('data-amount', decimalText(expected.total));
  await expect(page.getByTestId('review-rows-counted')).toHaveText(String(expected.rows.length));
  await expect(page.getByTestId('review-malformed-count')).toContainText(`${expected.malformed.length} records are malformed and left out of every total.`);

  await page.getByTestId('review-malformed-toggle').click();
  const listed = page.getByTestId('review-malformed-list').locator('tbody tr');
  await expect(listed).toHaveCount(expected.malformed.length);
  for (const [i, m] of expected.malformed.entries()) await expect(listed.nth(i).locator('td').first()).toHaveText(String(m.line));
  await expect(listed.last()).toContainText('Unclosed quote');

  // IMSIs keep their leading zeros; the two months in the file mean no single bill to compare with.
  await page.getByTestId('review-breakdown').selectOption('device');
  await expect(page.getByTestId('review-by-device')).toContainText('001010123456789');
  await expect(page.getByTestId('review-reconciliation')).toContainText('several months');

  // Clicking a total filters the table to its rows.
  await page.getByTestId('review-breakdown').selectOption('item');
  await page.getByTestId('review-by-item').getByRole('button', { name: 'Free tier (data, 1 GB/month)' }).click();
  await expect(page.getByTestId('review-row-count')).toHaveText(`1 of ${expected.rows.length} rows match.`);
  await expect(page.getByTestId('review-rows').getByRole('row').nth(1)).toContainText('-0.3719134');
});

test('says why a file cannot be reviewed', async ({ page, harness }) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-review-e2e-'));
  const file = path.join(dir, 'notes.csv');
  await fs.writeFile(file, 'name,value\n1,2\n');
  await openReview(page, harness);
  await harness.answerDialog('file', file);
  await page.getByRole('button', { name: 'Open…' }).click();
  await expect(page.getByRole('alert')).toContainText('not a Soracom detailed billing CSV');
  // Nothing of the file is repeated (its header was `name,value`).
  await expect(page.getByRole('alert')).not.toContainText('value');
  // A file that is not there reads exactly the same: nothing tells a missing file from one that is not a bill.
  await harness.answerDialog('file', path.join(dir, 'missing.csv'));
  await page.getByRole('button', { name: 'Open…' }).click();
  const refusals = async () =>
    (await fs.readFile(harness.recordFile, 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"code":"validation"'))
      .map((line) => JSON.parse(line) as unknown);
  await expect.poll(async () => (await refusals()).length).toBe(2);
  const [notABill, missing] = await refusals();
  expect(missing).toEqual(notABill);
  // No channel takes a path from the page any more.
  expect(await harness.rawCall('review.openPath', JSON.stringify({ path: file }))).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  await fs.rm(dir, { recursive: true, force: true });
});

test('a file saved as Latin-1 is reviewed with a note that its names may be garbled', async ({ page, harness }) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-review-e2e-'));
  const file = path.join(dir, 'Export_202405.csv');
  await fs.writeFile(file, Buffer.from('imsi,date,billItemName,amount\r\n001010123456789,20240501,Grundgeb\xfchr,10\r\n001010123456789,20240501,Data fee,2.5\r\n', 'latin1'));
  await openReview(page, harness);
  await harness.answerDialog('file', file);
  await page.getByRole('button', { name: 'Open…' }).click();
  await expect(page.getByTestId('review-total')).toHaveAttribute('data-amount', '12.5', { timeout: 20_000 });
  await expect(page.getByTestId('review-file-note')).toHaveText('This file is not UTF-8: names may be garbled; save it as CSV UTF-8 and review it again.');
  await fs.rm(dir, { recursive: true, force: true });
});

test('keyboard and a narrow window: Open… keeps the keyboard, every IMSI is shown whole, and a failed open says which file the review below is of', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const month = previousMonth();
  const bytes = await downloadSoracomExport(harness, month);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-review-e2e-'));
  const file = path.join(dir, `billing-detail-${month}.csv`);
  await fs.writeFile(file, bytes);
  await page.setViewportSize({ width: 900, height: 600 });
  await openReview(page, harness);

  await harness.answerDialog('file', file);
  const openButton = page.getByRole('button', { name: /^(Open…|Opening…)$/ });
  await openButton.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('review-file-name')).toHaveText(`billing-detail-${month}.csv`);
  await expect(openButton).toHaveText('Open…');
  await expect(openButton).toBeFocused();

  // The SIM column fits its 15 digits: no IMSI is cut to "4401031172…".
  const rows = page.getByTestId('review-rows');
  await expect(rows.getByRole('row').nth(1)).toBeVisible({ timeout: 20_000 });
  const imsiCells = rows.getByRole('row').locator('[role="gridcell"]:nth-child(2)');
  await expect(imsiCells.first()).toHaveText(/^\d{15}$/);
  const cut = await imsiCells.evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent));
  expect(cut).toEqual([]);

  // A second file that cannot be opened: the error says the review below is still the first file's.
  await harness.answerDialog('file', path.join(dir, 'missing.csv'));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toContainText('Could not open the file.');
  await expect(page.getByTestId('review-still-open')).toHaveText(`The review below is still of billing-detail-${month}.csv.`);
  await expect(openButton).toBeFocused();
});

test('a file with more bill items than a review keeps says so, and the items it lists have their whole amounts', async ({ page, harness }) => {
  // 10,001 items, each three times, over a file large enough to be read by several threads.
  const items = 10_001;
  const lines = ['imsi,date,billItemName,amount'];
  for (let i = 0; i < items * 3; i++) lines.push(`440103000000001,20240501,Item ${String(i % items).padStart(5, '0')},1`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-review-e2e-'));
  const file = path.join(dir, 'many-items.csv');
  await fs.writeFile(file, `${lines.join('\r\n')}\r\n`);
  await openReview(page, harness);
  await harness.answerDialog('file', file);
  await page.getByRole('button', { name: 'Open…' }).click();
  await expect(page.getByTestId('review-cap')).toHaveText('More than 10,000 bill items: the rest are counted under (other).', { timeout: 30_000 });
  // Every item listed by name has its three rows, though the threads each met the cap in their own order.
  const rows = page.getByTestId('review-by-item').locator('tbody tr');
  await expect(rows.first()).toHaveAttribute('data-key', '(other)');
  const listed = await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-key'), tr.querySelector('[data-amount]')?.getAttribute('data-amount')]));
  const named = listed.filter(([key]) => key !== '(other)');
  expect(named.length).toBeGreaterThan(9_000);
  expect(named.filter(([, amount]) => amount !== '3')).toEqual([]);
  expect(listed.find(([key]) => key === '(other)')?.[1]).toBe(String(items * 3 - named.length * 3));
  await fs.rm(dir, { recursive: true, force: true });
});

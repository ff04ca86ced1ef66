import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import Papa from 'papaparse';
import type { AccountList } from '../../contract/models/app';
import type { LibraryList, SavedFile } from '../../contract/models/files';
import { expectAccessible } from './a11y';
import { bridgePage, expect, startHarness, test, type Harness, screenshotPath } from './fixtures';
import { independentSummary, SCALE, decimalText } from '../unit/review/independent';
import { downloadSoracomExport, previousMonth } from './soracom-export';

test.use({ harnessArgs: ['--demo'], locale: 'en-US' });

const monthBefore = (yyyyMM: string) => {
  const d = new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)) - 2, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

const monthName = (yyyyMM: string) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)) - 1, 1)));

/** Drops the files (contents in base64) on the review view, as from the file manager. */
async function dropFiles(page: Page, files: { name: string; b64: string }[]) {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'text/csv' }));
    return dt;
  }, files);
  await page.dispatchEvent('[data-testid=review-view]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[data-testid=review-view]', 'drop', { dataTransfer });
}

async function soracomAccount(harness: Harness) {
  const list = await harness.call<AccountList>('accounts.list', {});
  const account = list.accounts.find((a) => a.provider === 'soracom');
  expect(account).toBeDefined();
  return account!;
}

/** The saved bill exports of the account, and per month the independent total and totals by item (papaparse, BigInt). */
async function expectedFromLibrary(harness: Harness, accountId: string) {
  const list = await harness.call<LibraryList>('library.list', { accountId, kind: 'bill-csv' });
  const totals = new Map<string, bigint>();
  const items = new Map<string, bigint>();
  const devices = new Set<string>();
  /** Each SIM's group in the latest month's export: the one on most of its rows there (then the first in text order). */
  const groupOf = new Map<string, string>();
  for (const f of [...list.files].sort((a, b) => (a.period ?? '').localeCompare(b.period ?? ''))) {
    const e = independentSummary(await fs.readFile(f.path), []);
    const col = (name: string) => e.header.indexOf(name);
    const groupRows = new Map<string, Map<string, number>>();
    for (const r of e.rows) {
      const m = (r.cells[col('date')] as string).slice(0, 6);
      const v = scaledOf(r.cells[col('amount')] as string);
      totals.set(m, (totals.get(m) ?? 0n) + v);
      const key = `${m} ${r.cells[col('billItemName')]}`;
      items.set(key, (items.get(key) ?? 0n) + v);
      devices.add(r.cells[col('imsi')] as string);
      const counts = groupRows.get(r.cells[col('imsi')] as string) ?? new Map<string, number>();
      counts.set(r.cells[col('group')] as string, (counts.get(r.cells[col('group')] as string) ?? 0) + 1);
      groupRows.set(r.cells[col('imsi')] as string, counts);
    }
    for (const [sim, counts] of groupRows) {
      const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0];
      groupOf.set(sim, best?.[0] ?? '');
    }
  }
  return { files: list.files, totals, items, devices, groupOf };
}

function scaledOf(amount: string): bigint {
  const m = /^([+-])?(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new Error(`not a decimal: ${amount}`);
  const v = BigInt((m[2] ?? '') + (m[3] ?? '').padEnd(SCALE, '0'));
  return m[1] === '-' ? -v : v;
}

async function openSoracomMonth(page: Page, harness: Harness, yyyyMM: string) {
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /Soracom \(demo\)/ }).click();
  await expect(page.getByRole('heading', { name: 'Soracom (demo)', level: 1 })).toBeVisible();
  await page.locator(`[data-month-details="${yyyyMM}"]`).click();
  await expect(page.getByRole('heading', { name: monthName(yyyyMM), level: 2 })).toBeVisible();
}

test('Compare with the previous month fetches and saves both exports, then shows what changed, adding up to the difference', async ({ page, harness }) => {
  test.setTimeout(90_000);
  const to = previousMonth();
  const from = monthBefore(to);
  const account = await soracomAccount(harness);
  await openSoracomMonth(page, harness, to);

  await page.getByRole('button', { name: 'Compare with the previous month' }).click();
  await expect(page.getByTestId('review-set-view')).toBeVisible({ timeout: 45_000 });
  // Both files are read before the tabs appear.
  await expect(page.getByRole('tab', { name: 'What changed' })).toHaveAttribute('aria-selected', 'true', { timeout: 45_000 });
  await expect(page.getByTestId('compare-from')).toHaveValue(from);
  await expect(page.getByTestId('compare-to')).toHaveValue(to);

  // Both exports are in the library now, once each.
  const expected = await expectedFromLibrary(harness, account.id);
  expect(expected.files.map((f: SavedFile) => f.period).sort()).toEqual([from, to].map((m) => `${m.slice(0, 4)}-${m.slice(4)}`));
  const difference = (expected.totals.get(to) ?? 0n) - (expected.totals.get(from) ?? 0n);
  await expect(page.getByTestId('compare-from-total')).toHaveAttribute('data-amount', decimalText(expected.totals.get(from) ?? 0n), { timeout: 20_000 });
  await expect(page.getByTestId('compare-to-total')).toHaveAttribute('data-amount', decimalText(expected.totals.get(to) ?? 0n));
  await expect(page.getByTestId('compare-difference')).toHaveAttribute('data-amount', decimalText(difference));
  // The equation on screen: the sum of the changes by item equals the difference, and so do the others.
  await expect(page.getByTestId('compare-equation').locator('strong')).toHaveAttribute('data-amount', decimalText(difference));
  await expect(page.getByTestId('compare-check')).toContainText('add up to the same');
  await expect(page.getByTestId('compare-by-item-sum')).toHaveAttribute('data-amount', decimalText(difference));
  const itemChanges = await page.getByTestId('compare-by-item').locator('tbody td.set-change').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-amount') ?? ''));
  expect(itemChanges.reduce((a, v) => a + scaledOf(v), 0n)).toBe(difference);
  for (const key of new Set([...expected.items.keys()].map((k) => k.slice(7)))) {
    const change = (expected.items.get(`${to} ${key}`) ?? 0n) - (expected.items.get(`${from} ${key}`) ?? 0n);
    await expect(page.getByTestId('compare-by-item').locator(`tr[data-key="${key.replace(/"/g, '\\"')}"] td.set-change`)).toHaveAttribute('data-amount', decimalText(change));
  }
  await expect(page.getByTestId('compare-movers').locator('tbody tr')).toHaveCount(10);
  await expect(page.getByTestId('compare-sims-sum')).toHaveAttribute('data-amount', decimalText(difference));
  // The tabs at the top of the pane: the two months, the difference and the equation in view.
  await page.getByRole('tablist', { name: 'Views of the review' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshotPath('review-compare.png') });
  await expectAccessible(page, 'What changed between two months');

  // A second comparison reuses the saved exports instead of exporting again.
  await openSoracomMonth(page, harness, to);
  await page.getByRole('button', { name: 'Compare with the previous month' }).click();
  await expect(page.getByTestId('compare-difference')).toHaveAttribute('data-amount', decimalText(difference), { timeout: 45_000 });
  const again = await harness.call<LibraryList>('library.list', { accountId: account.id, kind: 'bill-csv' });
  expect(again.files).toHaveLength(2);
});

test('Compare on the current month exports it again each time and marks it as still open wherever its figures are shown', async ({ page, harness }) => {
  test.setTimeout(120_000);
  const now = new Date();
  const to = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  const from = previousMonth(now);
  const account = await soracomAccount(harness);
  const compare = async () => {
    await openSoracomMonth(page, harness, to);
    await page.getByRole('button', { name: 'Compare with the previous month' }).click();
    await expect(page.getByRole('tab', { name: 'What changed' })).toHaveAttribute('aria-selected', 'true', { timeout: 60_000 });
  };
  await compare();
  const first = (await harness.call<LibraryList>('library.list', { accountId: account.id, kind: 'bill-csv' })).files.find((f) => f.period === `${to.slice(0, 4)}-${to.slice(4)}`);
  expect(first).toBeDefined();
  // The month is marked above the tabs, on its total and in the change tables, with the export it was read from.
  const note = page.getByTestId('set-open-month');
  await expect(note).toHaveCount(1);
  await expect(note).toHaveAttribute('data-month', to);
  await expect(note).toContainText(`${monthName(to)} is still open: the bill of Soracom (demo) is preliminary`);
  await expect(note).toContainText(`${first?.fileName ?? ''}, saved`);
  await expect(page.getByTestId('compare-to-total').locator('xpath=..')).toContainText(`${monthName(to)} (preliminary)`);
  await expect(page.getByTestId('compare-from-total').locator('xpath=..')).not.toContainText('preliminary');
  await expect(page.getByTestId('compare-open-month')).toContainText(`${monthName(to)} is still open`);
  await expect(page.getByTestId('compare-by-item').locator('thead')).toContainText('preliminary');
  await page.getByRole('tab', { name: 'By month' }).click();
  await expect(page.getByTestId('set-by-item').locator(`th[data-month="${to}"]`)).toContainText('preliminary');
  await expect(page.getByTestId('set-by-item').locator(`th[data-month="${from}"]`)).not.toContainText('preliminary');
  await expectAccessible(page, 'a review with a month still open');

  // A second comparison exports the open month again; the closed one is reused.
  const again = `Exporting ${to.slice(0, 4)}-${to.slice(4)} again, as it is now (2 of 2)`;
  expect(await fs.readFile(harness.recordFile, 'utf8')).not.toContain(again);
  await compare();
  await expect(page.getByTestId('set-open-month')).toHaveCount(1);
  const recorded = await fs.readFile(harness.recordFile, 'utf8');
  expect(recorded).toContain(again);
  expect(recorded).toContain(`${from.slice(0, 4)}-${from.slice(4)} is already in the library (1 of 2)`);
});

test('Review all exports of the demo Soracom account: months × items, every SIM per month, tags and groups, by keyboard', async ({ page, harness }) => {
  test.setTimeout(180_000);
  const last = previousMonth();
  const months = [monthBefore(monthBefore(last)), monthBefore(last), last];
  const account = await soracomAccount(harness);
  // Three months exported and saved through the app's own export path.
  await harness.call('reviewSet.fetchMonths', { accountId: account.id, months });
  const expected = await expectedFromLibrary(harness, account.id);

  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
  await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Soracom (demo)' });
  await expectAccessible(page, 'the Library with bill exports to review together');
  await page.getByRole('button', { name: 'Review all exports of Soracom (demo) (3)' }).click();
  await expect(page.getByRole('heading', { name: 'All exports of Soracom (demo)', level: 1 })).toBeVisible();

  // Totals by month × item, exact, from the rows' dates.
  const total = [...expected.totals.values()].reduce((a, b) => a + b, 0n);
  await expect(page.getByTestId('set-total')).toHaveAttribute('data-amount', decimalText(total), { timeout: 30_000 });
  await expect(page.getByTestId('set-files')).toHaveText('3 of 3 counted');
  const table = page.getByTestId('set-by-item');
  for (const [key, amount] of expected.items) {
    const [m, item] = [key.slice(0, 6), key.slice(7)];
    await expect(table.locator(`tr[data-key="${item.replace(/"/g, '\\"')}"] td[data-month="${m}"]`)).toHaveAttribute('data-amount', decimalText(amount));
  }
  for (const m of months) await expect(table.locator(`tfoot td[data-month="${m}"]`)).toHaveAttribute('data-amount', decimalText(expected.totals.get(m) ?? 0n));
  await page.screenshot({ path: screenshotPath('review-set-months.png') });
  await expectAccessible(page, 'the multi-file review by month');

  // Every SIM per month, by keyboard: the tabs move with the arrow keys.
  await page.getByRole('tab', { name: 'By month' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'SIMs' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: 'SIMs' })).toBeFocused();
  await expect(page.getByTestId('set-devices')).toHaveText(expected.devices.size.toLocaleString('en-US'));
  await expect(page.getByTestId('set-sims-count')).toContainText(`${expected.devices.size.toLocaleString('en-US')} SIMs`);
  const grid = page.getByRole('grid', { name: 'Cost per SIM and month' });
  await expect(grid.getByRole('img').first()).toBeVisible(); // a trend line per SIM
  const totals = await grid.locator('.set-total').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-amount') ?? ''));
  expect(totals.length).toBeGreaterThan(5);
  const sorted = [...totals].sort((a, b) => (scaledOf(b) > scaledOf(a) ? 1 : scaledOf(b) < scaledOf(a) ? -1 : 0));
  expect(totals).toEqual(sorted);
  // A tag value cut to fit its column is whole in the cell's title.
  const tagCell = grid.getByTestId('set-sims-group').first();
  await expect(tagCell).toHaveAttribute('title', (await tagCell.textContent())!.trim());
  await page.screenshot({ path: screenshotPath('review-set-sims.png') });
  await expectAccessible(page, 'every SIM per month');
  // Sorted by the last month instead, largest first.
  const shortMonth = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(4)) - 1, 1)));
  await grid.getByRole('columnheader').getByRole('button', { name: shortMonth }).click();
  await expect(grid.getByRole('columnheader', { name: `${shortMonth} ↓` })).toHaveAttribute('aria-sort', 'descending');
  // The rows come back from the main process in the new order.
  const lastAmounts = () => grid.locator(`[data-month="${last}"]`).evaluateAll((cells) => cells.map((c) => c.getAttribute('data-amount') ?? ''));
  const descending = (list: string[]) => list.length > 5 && list.every((v, i) => i === 0 || scaledOf(list[i - 1]!) >= scaledOf(v));
  await expect.poll(async () => descending(await lastAmounts())).toBe(true);
  // Filter by IMSI.
  const first = (await grid.getByTestId('set-sims-key').first().textContent())!.trim();
  await page.getByTestId('set-sims-filter').fill(first);
  await expect(page.getByTestId('set-sims-count')).toContainText(`1 SIM match “${first}”`);
  await page.getByTestId('set-sims-filter').fill('no such SIM');
  await expect(page.getByTestId('set-sims-empty')).toHaveText('No SIM matches “no such SIM”.');
  // Filter by group: the SIMs whose group (on their latest row) holds the text.
  const group = [...expected.groupOf.values()].find((v) => v !== '')!;
  const inGroup = [...expected.groupOf.values()].filter((v) => v.toLowerCase().includes(group.toLowerCase())).length;
  await page.getByTestId('set-sims-filter-column').selectOption('group');
  await page.getByTestId('set-sims-filter').fill(group);
  await expect(page.getByTestId('set-sims-count')).toContainText(`${inGroup.toLocaleString('en-US')} ${inGroup === 1 ? 'SIM' : 'SIMs'} match “${group}”`);
  await page.getByTestId('set-sims-filter').fill('');

  // Tags and groups per month.
  await page.getByRole('tab', { name: 'Tags and groups' }).click();
  await page.getByTestId('set-group-column').selectOption('group');
  await expect(page.getByTestId('set-by-group').locator('tbody tr').first()).toBeVisible();
  for (const m of months) await expect(page.getByTestId('set-by-group').locator(`tfoot td[data-month="${m}"]`)).toHaveAttribute('data-amount', decimalText(expected.totals.get(m) ?? 0n));
  await expectAccessible(page, 'tag and group totals per month');

  // What changed between the first and the last month.
  await page.getByRole('tab', { name: 'What changed' }).click();
  await page.getByTestId('compare-from').selectOption(months[0]!);
  const difference = (expected.totals.get(last) ?? 0n) - (expected.totals.get(months[0]!) ?? 0n);
  await expect(page.getByTestId('compare-difference')).toHaveAttribute('data-amount', decimalText(difference));
  await expect(page.getByTestId('compare-by-item-sum')).toHaveAttribute('data-amount', decimalText(difference));
  await page.getByTestId('compare-group-column').selectOption('group');
  await expect(page.getByTestId('compare-by-group-sum')).toHaveAttribute('data-amount', decimalText(difference));
});

test('the month × item and SIM tables are exported as CSV by the main process, with exact amounts in the account’s currency', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const last = previousMonth();
  const account = await soracomAccount(harness);
  const fetched = await harness.call<{ libraryIds: string[] }>('reviewSet.fetchMonths', { accountId: account.id, months: [monthBefore(last), last] });
  expect(fetched.libraryIds).toHaveLength(2);
  const expected = await expectedFromLibrary(harness, account.id);

  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
  // A chosen set: tick both exports.
  for (const f of expected.files) await page.getByRole('checkbox', { name: `Choose ${f.fileName} for a review together` }).check();
  await page.getByRole('button', { name: 'Open ticked exports in one review (2)' }).click();
  await expect(page.getByTestId('set-total')).toBeVisible({ timeout: 30_000 });
  // Money in the currency of the account's bills (the demo Soracom account bills in yen).
  await expect(page.getByTestId('set-total')).toHaveAttribute('data-currency', 'JPY');
  await expect(page.getByTestId('set-total')).toHaveText(/^¥/);
  await expect(page.getByTestId('set-currency')).toContainText('Amounts in JPY, the currency of each month’s bill of Soracom (demo).');
  await expect(page.getByTestId('set-by-item').locator('tfoot td.set-total')).toHaveText(/^-?¥[\d,]+/);
  await page.getByRole('button', { name: 'Export table as CSV' }).click();
  const done = page.getByRole('status').filter({ hasText: /^Saved / });
  await expect(done).toBeVisible({ timeout: 15_000 });
  const tables = await harness.call<LibraryList>('library.list', { kind: 'table-csv' });
  expect(tables.files).toHaveLength(1);
  expect(tables.files[0]?.accountId).toBe(account.id);
  const text = (await fs.readFile(tables.files[0]!.path, 'utf8')).replace(/^\uFEFF/, '');
  const [head, ...lines] = text.trim().split(/\r?\n/);
  const iso = (m: string) => `${m.slice(0, 4)}-${m.slice(4)}`;
  expect(head).toBe(`Bill item,${iso(monthBefore(last))} (JPY),${iso(last)} (JPY),Total (JPY),Rows`);
  expect(lines.length).toBe(new Set([...expected.items.keys()].map((k) => k.slice(7))).size);

  // The SIM table: written by the main process from the review it holds, every SIM, in the list's order.
  await page.getByRole('tab', { name: 'SIMs' }).click();
  await expect(page.getByTestId('set-sims-count')).toContainText(`${expected.devices.size.toLocaleString('en-US')} SIMs`);
  await page.getByRole('tabpanel').getByRole('button', { name: 'Export table as CSV' }).click();
  await expect(page.getByRole('tabpanel').getByRole('status').filter({ hasText: /^Saved Cost per SIM and month/ })).toBeVisible({ timeout: 15_000 });
  const after = await harness.call<LibraryList>('library.list', { kind: 'table-csv' });
  const simsFile = after.files.find((f) => f.fileName.startsWith('Cost per SIM and month'))!;
  const [simHead = [], ...simRows] = Papa.parse<string[]>((await fs.readFile(simsFile.path, 'utf8')).replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
  expect(simHead[0]).toBe('imsi');
  expect(simHead).toContain(`${iso(last)} (JPY)`);
  expect(simRows).toHaveLength(expected.devices.size);
  const totalAt = simHead.indexOf('Total (JPY)');
  const sumOfSims = simRows.reduce((a, r) => a + scaledOf(r[totalAt] ?? '0'), 0n);
  expect(sumOfSims).toBe([...expected.totals.values()].reduce((a, b) => a + b, 0n));
});

test('a closed month whose export was saved before the month ended says it may not hold the whole month', async ({ browser }) => {
  test.setTimeout(90_000);
  const month = previousMonth();
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-early-export-'));
  try {
    const first = await startHarness(['--demo'], {}, { userDataDir });
    let saved: SavedFile;
    try {
      const account = await soracomAccount(first.harness);
      const fetched = await first.harness.call<{ libraryIds: string[] }>('reviewSet.fetchMonths', { accountId: account.id, months: [month] });
      const list = await first.harness.call<LibraryList>('library.list', { accountId: account.id, kind: 'bill-csv' });
      saved = list.files.find((f) => f.id === fetched.libraryIds[0])!;
    } finally {
      await first.stop();
    }
    // As if it had been saved on the 20th of that month: the index and the folder's manifest say so.
    const early = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4)) - 1, 20, 9, 30)).toISOString();
    for (const file of [path.join(userDataDir, 'library.json'), path.join(path.dirname(saved.path), '.billfold-folder.json')]) {
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) await fs.writeFile(file, text.split(saved.savedAt).join(early));
    }
    const second = await startHarness(['--demo'], {}, { userDataDir });
    try {
      const page = await browser.newPage({ locale: 'en-US' });
      await bridgePage(page, second.harness);
      await page.goto(second.harness.url);
      await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
      await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Soracom (demo)' });
      await page.getByRole('button', { name: 'Review all exports of Soracom (demo) (1)' }).click();
      const note = page.getByTestId('set-early-export');
      await expect(note).toHaveAttribute('data-month', month, { timeout: 30_000 });
      await expect(note).toContainText(`${monthName(month)}: ${saved.fileName} was saved `);
      await expect(note).toContainText(', before the month ended, so it may not hold the whole month. Export the month again for its final figures.');
      await expect(page.getByTestId('set-open-month')).toHaveCount(0);
      await page.close();
    } finally {
      await second.stop();
    }
  } finally {
    await fs.rm(userDataDir, { recursive: true, force: true });
  }
});

test('a set whose months have a gap names the month no file holds', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const last = previousMonth();
  const gap = monthBefore(last);
  const first = monthBefore(gap);
  const [a, b] = await Promise.all([downloadSoracomExport(harness, first), downloadSoracomExport(harness, last)]);
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Review a bill CSV' }).click();
  await dropFiles(page, [
    { name: `billing-${first}.csv`, b64: a.toString('base64') },
    { name: `billing-${last}.csv`, b64: b.toString('base64') },
  ]);
  await expect(page.getByTestId('set-months')).toHaveText(`${monthName(first)} – ${monthName(last)}`, { timeout: 30_000 });
  await expect(page.getByTestId('set-months-missing')).toHaveText(`Not in these files: ${monthName(gap)}`);
  await expectAccessible(page, 'a review with a month missing');
});

test('several files dropped on the review open as one; the same file twice is named and counted once, the currency is unknown, malformed rows are listed', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const last = previousMonth();
  const before = monthBefore(last);
  const [exportA, b] = await Promise.all([downloadSoracomExport(harness, before), downloadSoracomExport(harness, last)]);
  // One malformed record at the end of the first file: listed with its file, line and reason.
  const a = Buffer.concat([exportA, Buffer.from('440100000000001,20240931,Broken row\r\n')]);
  const brokenLine = a.toString('utf8').replace(/\r?\n$/, '').split(/\r?\n/).length;
  const total = (bytes: Buffer) => independentSummary(bytes, []).total;
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Review a bill CSV' }).click();
  const files = [
    { name: `billing-${before}.csv`, b64: a.toString('base64') },
    { name: `billing-${last}.csv`, b64: b.toString('base64') },
    { name: `billing-${last} copy.csv`, b64: b.toString('base64') },
  ];
  await dropFiles(page, files);

  await expect(page.getByRole('heading', { name: 'Several bill exports', level: 1 })).toBeVisible();
  await expect(page.getByTestId('set-total')).toHaveAttribute('data-amount', decimalText(total(a) + total(b)), { timeout: 30_000 });
  await expect(page.getByTestId('set-files')).toHaveText('2 of 3 counted');
  const copy = page.getByTestId('set-file').filter({ hasText: `billing-${last} copy.csv` });
  await expect(copy).toContainText(`Not added: the same file as billing-${last}.csv`);
  await expect(copy).toHaveAttribute('data-state', 'duplicate');
  // Files of no account: the currency is unknown, and said so.
  await expect(page.getByTestId('set-currency')).toContainText('These files belong to no account in Billfold and do not say their currency: amounts are plain decimals, currency unknown.');
  await expect(page.getByTestId('set-total').locator('..')).toContainText('Total (currency unknown)');
  await expect(page.getByTestId('set-total')).toHaveText(/^[\d,.-]+$/);
  await expect(page.getByTestId('review-malformed-count')).toContainText('1 record is malformed and left out of every total.');
  await page.getByTestId('review-malformed-toggle').click();
  const malformed = page.getByTestId('review-malformed-list').locator('tbody tr');
  await expect(malformed).toHaveCount(1);
  await expect(malformed.locator('td').nth(0)).toHaveText(`billing-${before}.csv`);
  await expect(malformed.locator('td').nth(1)).toHaveText(String(brokenLine));
  await expect(malformed.locator('td').nth(2)).toContainText('Wrong number of fields');
  await expect(malformed.locator('td').nth(3)).toHaveText('440100000000001,20240931,Broken row');
  await page.screenshot({ path: screenshotPath('review-set-dropped.png') });
  await expectAccessible(page, 'the files of a dropped review');
});

test.describe('in a browser (npm run web)', () => {
  test.use({ harnessArgs: ['--web', '--demo'] });

  test('a table of the review, saved by the main process, comes down as a download', async ({ page, harness }) => {
    test.setTimeout(90_000);
    const last = previousMonth();
    const account = await soracomAccount(harness);
    await harness.call('reviewSet.fetchMonths', { accountId: account.id, months: [monthBefore(last), last] });
    const expected = await expectedFromLibrary(harness, account.id);
    await page.goto(harness.url);
    await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
    await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Soracom (demo)' });
    await page.getByRole('button', { name: 'Review all exports of Soracom (demo) (2)' }).click();
    await page.getByRole('tab', { name: 'SIMs' }).click({ timeout: 30_000 });
    await page.getByRole('tabpanel').getByRole('button', { name: 'Export table as CSV' }).click();
    const saved = page.getByRole('tabpanel').getByRole('status').filter({ hasText: /^Saved Cost per SIM and month/ });
    await expect(saved).toBeVisible({ timeout: 15_000 });
    const download = page.waitForEvent('download');
    await saved.getByRole('button', { name: 'Download' }).click();
    const file = await (await download).path();
    const [head = [], ...rows] = Papa.parse<string[]>((await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
    expect(head[0]).toBe('imsi');
    expect(rows).toHaveLength(expected.devices.size);
    expect(new Set(rows.map((r) => (r[0] === '(account-level)' ? '' : r[0])))).toEqual(expected.devices);
  });
});

test('a set with a file saved as Latin-1 names it: its names may be garbled', async ({ page, harness }) => {
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Review a bill CSV' }).click();
  const header = 'imsi,date,billItemName,amount\r\n';
  const files = [
    { name: 'billing-202405.csv', b64: Buffer.from(`${header}001010123456789,20240501,基本料金,10\r\n`).toString('base64') },
    { name: 'billing-202406.csv', b64: Buffer.from(`${header}001010123456789,20240601,Grundgeb\xfchr,2.5\r\n`, 'latin1').toString('base64') },
  ];
  await dropFiles(page, files);
  await expect(page.getByTestId('set-total')).toHaveAttribute('data-amount', '12.5', { timeout: 30_000 });
  await expect(page.getByTestId('set-note')).toHaveText('billing-202406.csv is not UTF-8: names may be garbled; save it as CSV UTF-8 and review it again.');
});

test('keyboard: ticked exports open in one review with the keyboard in it; a deleted file’s Delete leaves it on the row in its place', async ({ page, harness }) => {
  test.setTimeout(60_000);
  const last = previousMonth();
  const account = await soracomAccount(harness);
  const months = [monthBefore(monthBefore(last)), monthBefore(last), last];
  await harness.call('reviewSet.fetchMonths', { accountId: account.id, months });
  const saved = (await harness.call<LibraryList>('library.list', { kind: 'bill-csv' })).files;
  expect(saved).toHaveLength(3);

  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
  const rows = page.getByTestId('library-row');
  await expect(rows).toHaveCount(3);
  const names = await rows.locator('th').allInnerTexts();

  // Delete the middle file by keyboard: the keyboard lands on the next row's Delete.
  await page.getByRole('button', { name: `Delete ${names[1]}` }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Delete ${names[1]}?` });
  await dialog.getByRole('button', { name: 'Move to trash' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: `Moved ${names[1]} to the trash.` })).toBeVisible();
  await expect(rows).toHaveCount(2);
  await expect(page.getByRole('button', { name: `Delete ${names[2]}` })).toBeFocused();

  // Tick the two left and open them together: the keyboard is in the review, not back at the top of the page.
  for (const name of [names[0], names[2]]) {
    await page.getByRole('checkbox', { name: `Choose ${name} for a review together` }).focus();
    await page.keyboard.press('Space');
  }
  await page.getByRole('button', { name: 'Open ticked exports in one review (2)' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('set-total')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('main')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('main').locator(':focus')).toHaveCount(1);
});

test('exports with more bill items than a review keeps: the review says which, and the items it lists have their whole amounts', async ({ page, harness }) => {
  test.setTimeout(60_000);
  // May and June with 10,001 items each, June in the reverse order: each export names 10,000 of them.
  const items = [...Array(10_001).keys()].map((i) => `Item ${String(i).padStart(5, '0')}`);
  const month = (yyyyMM: string, names: string[]) => Buffer.from(`imsi,date,billItemName,amount\r\n${names.map((n) => `440103000000001,${yyyyMM}01,${n},1\r\n`).join('')}`);
  const files = [
    { name: 'billing-2024-05.csv', b64: month('202405', items).toString('base64') },
    { name: 'billing-2024-06.csv', b64: month('202406', [...items].reverse()).toString('base64') },
  ];
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Review a bill CSV' }).click();
  await dropFiles(page, files);
  await expect(page.getByTestId('set-cap')).toHaveText([
    'billing-2024-05.csv: More than 10,000 bill items: the rest are counted under (other).',
    'billing-2024-06.csv: More than 10,000 bill items: the rest are counted under (other).',
  ], { timeout: 30_000 });
  await expect(page.getByTestId('set-total')).toHaveAttribute('data-amount', '20002');
  // Items 0 and 10,000 were each past the cap in one export: both months of both are under "(other)".
  const table = page.getByTestId('set-by-item');
  await expect(table.locator('tr[data-key="(other)"] td[data-month="202405"]')).toHaveAttribute('data-amount', '2');
  await expect(table.locator('tr[data-key="(other)"] td[data-month="202406"]')).toHaveAttribute('data-amount', '2');
  await expect(table.locator('tr[data-key="Item 00000"]')).toHaveCount(0);
  for (const m of ['202405', '202406']) await expect(table.locator(`tr[data-key="Item 00001"] td[data-month="${m}"]`)).toHaveAttribute('data-amount', '1');
});

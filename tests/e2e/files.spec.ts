import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { LibraryList, SavedFile } from '../../contract/models/files';
import { expect, test, type Harness, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function demoIds(harness: Harness) {
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string; name: string }[] }>('accounts.list', {});
  const of = (p: string) => accounts.find((a) => a.provider === p)!.id;
  return { spatialflow: of('spatialflow'), agilicus: of('agilicus'), soracom: of('soracom') };
}

/** Saves one file of each kind through the channels the views call. */
async function saveSome(harness: Harness) {
  const ids = await demoIds(harness);
  const invoices = await harness.call<{ invoices: { id: string; hasPdf: boolean }[] }>('spatialflow.listInvoices', { accountId: ids.spatialflow });
  const invoice = await harness.call<SavedFile>('files.saveInvoicePdf', { accountId: ids.spatialflow, invoiceId: invoices.invoices.find((i) => i.hasPdf)!.id });
  const history = await harness.call<{ bills: { yearMonth: string }[] }>('soracom.getBillingHistory', { accountId: ids.soracom });
  const statement = await harness.call<SavedFile>('files.saveSoracomStatement', { accountId: ids.soracom, yyyyMM: history.bills[1]!.yearMonth });
  const table = await harness.call<SavedFile>('files.saveTableCsv', { accountId: ids.soracom, title: 'Soracom daily charges', columns: ['Date', 'Amount'], rows: [['2024-05-01', 120]] });
  const overview = await harness.call<SavedFile>('files.saveTableCsv', { title: 'Overview', columns: ['Account', 'Due'], rows: [['SpatialFlow (demo)', '€12.00']] });
  return { ids, invoice, statement, table, overview };
}

test('the library lists saved files across accounts, filters them, opens, reveals and deletes them', async ({ page, harness }) => {
  const saved = await saveSome(harness);
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { name: 'Library', level: 1 })).toBeVisible();

  const rows = page.getByTestId('library-row');
  await expect(rows).toHaveCount(4);
  // Newest first, with kind, account, period and size.
  await expect(rows.first()).toContainText('Overview');
  await expect(rows.first()).toContainText('All accounts');
  const statementRow = rows.filter({ hasText: saved.statement.fileName });
  await expect(statementRow).toContainText('Statement PDF');
  await expect(statementRow).toContainText('Soracom (demo)');
  await expect(statementRow).toContainText(saved.statement.period!);
  await expect(statementRow).toContainText(/\d+(\.\d)? KB/);

  await page.getByRole('searchbox', { name: 'Search' }).fill('invoice');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(saved.invoice.fileName);
  await expect(page.getByText('1 of 4 files')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search' }).fill('');
  await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Soracom (demo)' });
  await expect(rows).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'Table CSV' });
  await expect(rows).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'All accounts' });
  await page.getByRole('combobox', { name: 'Kind' }).selectOption({ label: 'All kinds' });
  await expect(rows).toHaveCount(4);
  await page.getByRole('searchbox', { name: 'Search' }).blur();
  await page.screenshot({ path: screenshotPath('library.png') });

  await page.getByRole('button', { name: `Open ${saved.invoice.fileName}` }).click();
  await page.getByRole('button', { name: `Show in folder: ${saved.statement.fileName}` }).click();
  await expect.poll(() => harness.shellLog()).toEqual([
    { action: 'openPath', path: saved.invoice.path },
    { action: 'showItemInFolder', path: saved.statement.path },
  ]);

  await page.getByRole('button', { name: `Delete ${saved.table.fileName}` }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${saved.table.fileName}?` });
  await expect(dialog).toContainText(saved.table.path);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(rows).toHaveCount(4);
  await page.getByRole('button', { name: `Delete ${saved.table.fileName}` }).click();
  await expect(dialog).toContainText('system trash');
  await dialog.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page.getByText(`Moved ${saved.table.fileName} to the trash.`)).toBeVisible();
  await expect(rows).toHaveCount(3);
  await expect(fs.stat(saved.table.path)).rejects.toThrow();
  // Gone from its folder into the trash, where it can be got back, through the platform's trash.
  const trashed = (await harness.shellLog()).find((e) => e.action === 'trashItem');
  expect(trashed?.path).toBe(saved.table.path);
  expect(await fs.readFile(trashed!.trashedTo!, 'utf8')).toContain(',');
});

test('a lost library index is rebuilt from the folders; the downloads folder can be changed', async ({ page, harness }) => {
  const saved = await saveSome(harness);
  await fs.rm(path.join(harness.userDataDir, 'library.json'));
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  const rows = page.getByTestId('library-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.filter({ hasText: saved.invoice.fileName })).toContainText('Invoice PDF');
  await page.getByRole('button', { name: 'Rebuild from folders' }).click();
  await expect(page.getByText('The library was rebuilt from your folders: 4 files.')).toBeVisible();

  const elsewhere = path.join(harness.userDataDir, 'Elsewhere');
  await expect(page.getByTestId('downloads-folder')).toHaveText(path.join(harness.userDataDir, 'Documents', 'Billfold'));
  await harness.answerDialog('folder', null);
  await page.getByRole('button', { name: 'Change folder…' }).click();
  await expect(page.getByTestId('downloads-folder')).toHaveText(path.join(harness.userDataDir, 'Documents', 'Billfold'));
  await harness.answerDialog('folder', elsewhere);
  await page.getByRole('button', { name: 'Change folder…' }).click();
  await expect(page.getByTestId('downloads-folder')).toHaveText(elsewhere);
  const next = await harness.call<SavedFile>('files.saveTableCsv', { accountId: saved.ids.agilicus, title: 'Usage', columns: ['a'], rows: [[1]] });
  expect(next.path).toBe(path.join(elsewhere, 'Agilicus (demo)', next.fileName));
  // Files saved before the change stay listed.
  await page.getByRole('searchbox', { name: 'Search' }).fill('usage');
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Use the default folder' }).click();
  await expect(page.getByTestId('downloads-folder')).toHaveText(path.join(harness.userDataDir, 'Documents', 'Billfold'));
});

test('removing an account asks before deleting its saved files', async ({ page, harness }) => {
  const saved = await saveSome(harness);
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ }).click();
  await page.getByRole('button', { name: 'Remove account' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove Soracom (demo)?' });
  const choice = dialog.getByRole('checkbox', { name: 'Also delete the 2 files saved from this account' });
  await expect(choice).not.toBeChecked();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await sidebar(page).getByRole('button', { name: /SpatialFlow \(demo\)/ }).click();
  await page.getByRole('button', { name: 'Remove account' }).click();
  const sfDialog = page.getByRole('dialog', { name: 'Remove SpatialFlow (demo)?' });
  await expect(sfDialog.getByRole('checkbox', { name: 'Also delete the 1 file saved from this account' })).not.toBeChecked();
  await sfDialog.getByRole('button', { name: 'Remove account' }).click();
  await expect(sidebar(page).getByRole('button', { name: /SpatialFlow \(demo\)/ })).toHaveCount(0);
  expect((await fs.stat(saved.invoice.path)).isFile()).toBe(true);

  await sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ }).click();
  await page.getByRole('button', { name: 'Remove account' }).click();
  await choice.check();
  await expect(dialog).toContainText('The files you saved from it are deleted too.');
  await dialog.getByRole('button', { name: 'Remove account' }).click();
  await expect(sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ })).toHaveCount(0);
  for (const f of [saved.statement, saved.table]) await expect(fs.stat(f.path)).rejects.toThrow();
  const left = await harness.call<LibraryList>('library.list', {});
  expect(left.files.map((f) => f.fileName).sort()).toEqual([saved.invoice.fileName, saved.overview.fileName].sort());
});

test('a saved Soracom bill export opens from the library into the review', async ({ page, harness }) => {
  const { ids } = await saveSome(harness);
  const history = await harness.call<{ bills: { yearMonth: string; amount: { minor: number } }[] }>('soracom.getBillingHistory', { accountId: ids.soracom });
  const month = history.bills[2]!.yearMonth;
  const exported = await harness.call<{ exportedFileId: string; rows?: number }>('soracom.exportBilling', { accountId: ids.soracom, yyyyMM: month });
  const saved = await harness.call<SavedFile>('files.saveSoracomExport', { accountId: ids.soracom, exportedFileId: exported.exportedFileId, yyyyMM: month });
  expect(saved.kind).toBe('bill-csv');

  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  // Five files, of which only the bill export can be reviewed.
  await expect(page.getByTestId('library-row')).toHaveCount(5);
  await expect(page.getByRole('main').getByRole('button', { name: /^Review / })).toHaveCount(1);
  await page.getByRole('button', { name: `Review ${saved.fileName}` }).click();
  await expect(page.getByRole('heading', { name: 'Review a bill CSV', level: 1 })).toBeVisible();
  await expect(page.getByText(saved.fileName).first()).toBeVisible();
  await expect(page.getByText(`${exported.rows!.toLocaleString('en-US')}`).first()).toBeVisible();
});

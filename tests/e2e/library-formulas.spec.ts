import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

// A Soracom export whose cells hold spreadsheet formulas is the provider's record: it stays byte
// for byte, the library marks it, and Open asks before a spreadsheet program gets it.
test('a bill CSV with formulas is marked in the library, and Open warns before opening it', async ({ page, harness }) => {
  const folder = path.join(harness.userDataDir, 'Documents', 'Billfold', 'Soracom');
  await fs.mkdir(folder, { recursive: true });
  const withFormulas = 'imsi,date,billItemName,amount\r\n001,20240501,"=HYPERLINK(""http://evil.example"",""x"")",1.5\r\n';
  await fs.writeFile(path.join(folder, 'Soracom billing 2024-05.csv'), withFormulas);
  await fs.writeFile(path.join(folder, 'Soracom billing 2024-04.csv'), 'imsi,date,billItemName,amount\r\n001,20240401,Data,-0.37\r\n');
  await fs.writeFile(
    path.join(folder, '.billfold-folder.json'),
    JSON.stringify({
      version: 1,
      accountName: 'Soracom',
      files: {
        'Soracom billing 2024-05.csv': { kind: 'bill-csv', period: '2024-05', savedAt: '2024-06-01T00:00:00.000Z', formulas: true },
        'Soracom billing 2024-04.csv': { kind: 'bill-csv', period: '2024-04', savedAt: '2024-05-01T00:00:00.000Z' },
      },
    }),
  );

  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: 'Library' }).click();
  const rows = page.getByTestId('library-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: '2024-05.csv' }).getByTestId('library-formulas')).toHaveText('Has formulas');
  await expect(rows.filter({ hasText: '2024-04.csv' }).getByTestId('library-formulas')).toHaveCount(0);

  // Open asks first; cancelling hands nothing to the OS.
  await page.getByRole('button', { name: 'Open Soracom billing 2024-05.csv' }).click();
  const dialog = page.getByRole('dialog', { name: 'Open Soracom billing 2024-05.csv?' });
  await expect(dialog).toContainText('may run them as formulas');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await harness.shellLog()).toEqual([]);

  await page.getByRole('button', { name: 'Open Soracom billing 2024-05.csv' }).click();
  await dialog.getByRole('button', { name: 'Open anyway' }).click();
  await expect.poll(() => harness.shellLog()).toEqual([{ action: 'openPath', path: path.join(folder, 'Soracom billing 2024-05.csv') }]);
  // A file without formulas opens at once; the file with them was left as it was.
  await page.getByRole('button', { name: 'Open Soracom billing 2024-04.csv' }).click();
  await expect.poll(async () => (await harness.shellLog()).length).toBe(2);
  expect(await fs.readFile(path.join(folder, 'Soracom billing 2024-05.csv'), 'utf8')).toBe(withFormulas);
});

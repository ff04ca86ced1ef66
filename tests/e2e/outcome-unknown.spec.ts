import { expect, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

test('a usage record whose answer is lost says Billfold cannot tell, shows the refreshed list, and is not offered again until it answers', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /Agilicus \(demo\)/ }).click();
  await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Northwind Logistics Inc.' }).click();
  const summary = page.getByTestId('ag-usage-summary');
  await expect(summary).toContainText('365 records');

  // Agilicus records the usage, then the connection drops; the refresh that follows is slow.
  await harness.setFaults('agilicus', [
    { kind: 'apply_then_reset', method: 'POST', path: '/v1/billing_accounts/', times: 1 },
    { kind: 'latency', method: 'GET', path: '/v1/billing_accounts/', latencyMs: 2500, times: 1 },
  ]);
  await page.getByRole('checkbox', { name: /Dry run/ }).uncheck();
  await page.getByRole('button', { name: 'Record usage now' }).click();
  await page.getByRole('dialog', { name: 'Record usage now?' }).getByRole('button', { name: 'Record usage' }).click();

  const unknown = page.getByRole('alert').filter({ hasText: 'Could not confirm the usage record.' });
  await expect(unknown).toContainText('Billfold cannot tell whether Agilicus recorded it');
  await unknown.getByText('Details').click();
  await expect(unknown).toContainText('outcome_unknown');
  // Until the list answers, the same write is not offered again.
  await expect(page.getByRole('button', { name: 'Working…' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Record usage now' })).toHaveCount(0);
  // The list shows what happened: it was recorded.
  await expect(summary).toContainText('366 records', { timeout: 15_000 });
  await expect(page.getByRole('button', { name: 'Record usage now' })).toBeEnabled();
});

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

test('a default card whose answer is lost twice says Billfold cannot tell, and the list read again shows it happened', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /SpatialFlow \(demo\)/ }).click();
  const list = page.getByRole('list', { name: 'Payment methods on file' });
  await expect(list.getByTestId('payment-method').first()).toContainText('Default');
  const makeDefault = page.getByRole('button', { name: /^Make default: / }).first();
  const card = (await makeDefault.getAttribute('aria-label'))!.replace('Make default: ', '');

  // SpatialFlow applies the change both times Billfold sends it (the second with the same key), and neither answer arrives.
  await harness.setFaults('spatialflow', [
    { kind: 'apply_then_reset', method: 'PUT', path: '/api/v1/billing/payment-methods/', times: 2 },
    { kind: 'latency', method: 'GET', path: '/api/v1/billing/payment-methods', latencyMs: 2500, times: 1 },
  ]);
  await makeDefault.click();
  await expect(page.getByRole('alert').filter({ hasText: 'Billfold cannot tell whether SpatialFlow' })).toBeVisible();
  // Until the list answers, no card is offered as the default.
  for (const button of await page.getByRole('button', { name: /^(Make default|Saving…): / }).all()) await expect(button).toBeDisabled();
  await expect(list.getByTestId('payment-method').first()).toContainText(card, { timeout: 15_000 });
  await expect(list.getByTestId('payment-method').first()).toContainText('Default');
  await expect(page.getByRole('button', { name: /^Make default: / }).first()).toBeEnabled();
});

test('a cancellation whose answer is lost closes its dialog, says so beside the plan, and shows the plan as SpatialFlow has it', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /SpatialFlow \(demo\)/ }).click();
  await expect(page.getByTestId('subscription-status')).toHaveText('Active');
  await harness.setFaults('spatialflow', [
    { kind: 'apply_then_reset', method: 'POST', path: '/api/v1/billing/cancel-subscription', times: 2 },
    { kind: 'latency', method: 'GET', path: '/api/v1/subscriptions/current', latencyMs: 2500, times: 1 },
  ]);
  await page.getByRole('button', { name: 'Cancel at period end…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel at period end' }).click();
  // Until the plan is read again, the cancellation is not offered again.
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Working…' })).toBeDisabled();
  const unknown = page.getByRole('alert').filter({ hasText: 'Could not confirm the cancellation.' });
  await expect(unknown).toContainText('Billfold cannot tell whether SpatialFlow', { timeout: 15_000 });
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByTestId('subscription-status')).toHaveText('Cancelling at period end');
  await expect(page.getByRole('button', { name: 'Reactivate subscription…' })).toBeEnabled();
});

test('an organisation removal whose answer is lost shows the list Agilicus has, and says why', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /Agilicus \(demo\)/ }).click();
  await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Northwind Logistics Inc.' }).click();
  const orgs = page.getByRole('table', { name: 'Organisations' });
  const remove = orgs.getByRole('button', { name: /^Remove / }).first();
  const org = (await remove.getAttribute('aria-label'))!.replace(/^Remove /, '');
  const before = await orgs.getByRole('row').count();

  await harness.setFaults('agilicus', [
    { kind: 'apply_then_reset', method: 'DELETE', path: '/v1/billing_accounts/', times: 1 },
    { kind: 'latency', method: 'GET', path: '/v1/billing_accounts/', latencyMs: 2500, times: 1 },
  ]);
  await remove.click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove organisation' }).click();
  // Until the list answers, the removal is not offered again.
  await expect(page.getByRole('dialog').getByRole('button', { name: 'Working…' })).toBeDisabled();
  await expect(page.getByRole('alert').filter({ hasText: 'Billfold cannot tell whether Agilicus' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(orgs.getByRole('row')).toHaveCount(before - 1, { timeout: 15_000 });
  await expect(orgs).not.toContainText(org);
});

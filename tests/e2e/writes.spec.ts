import type { Locator, Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { expect, test, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const orgsTable = (page: Page) => page.getByRole('table', { name: 'Organisations' });
const accountsTable = (page: Page) => page.getByRole('table', { name: 'Billing accounts' });

async function openAccount(page: Page, name: string) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

async function openBillingAccount(page: Page, name: string) {
  await accountsTable(page).getByRole('button', { name }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
  await expect(page.getByTestId('ag-mode')).toBeVisible();
}

test('adding an Agilicus organisation billed by another billing account names that account and its mode, and asks first', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');

  // Brightline's organisation is billed through Brightline's own billing account, in dev mode.
  await openBillingAccount(page, 'Brightline Engineering Ltd.');
  const brightlineAccountId = (await page.getByRole('term').filter({ hasText: 'Billing account id' }).locator('+ dd').textContent())!.trim();
  const orgId = (await orgsTable(page).getByRole('row', { name: /Brightline Engineering/ }).getByRole('cell').first().textContent())!.trim();
  await page.getByRole('button', { name: '← All billing accounts' }).click();

  await openBillingAccount(page, 'Northwind Logistics Inc.');
  await expect(page.getByTestId('ag-mode')).toHaveText('Live');
  await expect(orgsTable(page).getByRole('row')).toHaveCount(3);
  await page.getByRole('textbox', { name: 'Organisation id' }).fill(orgId);
  await page.getByRole('button', { name: 'Add organisation' }).click();

  const dialog = page.getByRole('dialog', { name: 'Move Brightline Engineering to this billing account?' });
  await expect(dialog.getByTestId('ag-move-from')).toContainText(`Brightline Engineering is billed through Brightline Engineering Ltd. (billing account ${brightlineAccountId}, dev mode).`);
  await expect(dialog).toContainText('Adding it here takes it out of that account.');
  await expect(dialog).toContainText('count towards this account instead (live).');
  await expect(dialog).toContainText('It leaves dev mode: its users are charged from then on.');
  await page.screenshot({ path: screenshotPath('agilicus-move-org.png') });
  await expectAccessible(page, 'the dialog that asks before an organisation moves');

  // Keeping it there changes nothing, here or there.
  await dialog.getByRole('button', { name: 'Keep it there' }).click();
  await expect(dialog).toBeHidden();
  await expect(orgsTable(page).getByRole('row')).toHaveCount(3);
  await expect(page.getByRole('status').filter({ hasText: /^Added / })).toHaveCount(0);
  const { agilicus } = await harness.sandboxes();
  const billedBy = async () => {
    const res = await fetch(`${agilicus.apiUrl}/v1/billing_accounts?org_id=${orgId}`, { headers: { Authorization: `Bearer ${agilicus.credentials['accessToken']!}` } });
    return ((await res.json()) as { billing_accounts: { metadata: { id: string } }[] }).billing_accounts.map((a) => a.metadata.id);
  };
  expect(await billedBy()).toEqual([brightlineAccountId]);

  // Moving it, once confirmed.
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await dialog.getByRole('button', { name: 'Move organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added Brightline Engineering to this billing account.' })).toBeVisible();
  await expect(orgsTable(page).getByRole('row')).toHaveCount(4);
  expect(await billedBy()).not.toContain(brightlineAccountId);

  // Adding it again: it is already here, so nothing is asked and nothing moves.
  await page.getByRole('textbox', { name: 'Organisation id' }).fill(orgId);
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Brightline Engineering is already billed through this account.' })).toBeVisible();
  await expect(dialog).toBeHidden();
});

test('buttons that change an account are off while its provider cannot be reached, with the reason, and come back when it answers', async ({ page, harness }) => {
  test.setTimeout(120_000);
  const reason = (provider: string) => `Changes are off: ${provider} cannot be reached. They come back when it answers again.`;
  const expectOff = async (buttons: Locator[], provider: string) => {
    for (const button of buttons) {
      await expect(button).toBeDisabled();
      await expect(button).toHaveAttribute('title', reason(provider));
      await expect(button).toHaveAccessibleDescription(reason(provider));
    }
  };
  const expectOn = async (buttons: Locator[]) => {
    for (const button of buttons) await expect(button).toBeEnabled({ timeout: 20_000 });
  };

  const spatialflowWrites = (page: Page) => [
    page.getByRole('button', { name: 'Change plan…' }),
    page.getByRole('button', { name: 'Cancel at period end…' }),
    page.getByRole('button', { name: /^Make default: / }).first(),
    page.getByRole('button', { name: /^Remove .*•/ }).first(),
    page.getByRole('button', { name: 'Add payment method…' }),
  ];
  const agilicusWrites = (page: Page) => [
    page.getByRole('button', { name: 'Edit billing account' }),
    page.getByRole('button', { name: 'Delete billing account' }),
    page.getByRole('button', { name: 'Add organisation' }),
    page.getByRole('button', { name: 'Remove Northwind Logistics' }),
    page.getByRole('button', { name: 'Preview usage record' }),
  ];
  const soracomWrites = (page: Page) => [page.getByRole('button', { name: 'Export CSV for this month so far' })];

  // Online, every one of them works.
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  await openAccount(page, 'SpatialFlow (demo)');
  await expectOn(spatialflowWrites(page));
  await expect(page.getByTestId('writes-off')).toHaveCount(0);
  await openAccount(page, 'Agilicus (demo)');
  await openBillingAccount(page, 'Northwind Logistics Inc.');
  await expectOn(agilicusWrites(page));
  await openAccount(page, 'Soracom (demo)');
  await expectOn(soracomWrites(page));

  // The providers go away while the window is open: the next call that cannot reach one turns its changes off.
  await harness.setSandboxesReachable(false);
  await page.reload();
  await openAccount(page, 'SpatialFlow (demo)');
  await expect(page.getByTestId('writes-off')).toHaveText(reason('SpatialFlow'), { timeout: 30_000 });
  await expectOff(spatialflowWrites(page), 'SpatialFlow');
  await page.screenshot({ path: screenshotPath('writes-off-offline.png') });
  await expectAccessible(page, 'a view whose changes are off');

  await openAccount(page, 'Agilicus (demo)');
  await expect(page.getByTestId('writes-off')).toHaveText(reason('Agilicus'), { timeout: 30_000 });
  await expectOff([page.getByRole('button', { name: 'New billing account' })], 'Agilicus');
  await openBillingAccount(page, 'Northwind Logistics Inc.');
  await expectOff(agilicusWrites(page), 'Agilicus');

  await openAccount(page, 'Soracom (demo)');
  await expect(page.getByTestId('writes-off')).toHaveText(reason('Soracom'), { timeout: 30_000 });
  await expectOff(soracomWrites(page), 'Soracom');

  // Back online: the views' own retries reach the provider again and the buttons come back by themselves.
  await harness.setSandboxesReachable(true);
  await expect(page.getByTestId('writes-off')).toHaveCount(0, { timeout: 30_000 });
  await expectOn(soracomWrites(page));
  await openAccount(page, 'SpatialFlow (demo)');
  await expectOn(spatialflowWrites(page));
});

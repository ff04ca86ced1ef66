import type { Locator, Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const accountsTable = (page: Page) => page.getByRole('table', { name: 'Billing accounts' });
const orgsTable = (page: Page) => page.getByRole('table', { name: 'Organisations' });
const detailHeading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 2, name });

async function openAgilicus(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /Agilicus \(demo\)/ }).click();
  await expect(page.getByRole('heading', { name: 'Agilicus (demo)', level: 1 })).toBeVisible();
}

async function openBillingAccount(page: Page, name: string) {
  await accountsTable(page).getByRole('button', { name }).click();
  await expect(detailHeading(page, name)).toBeVisible();
  await expect(page.getByRole('term').filter({ hasText: 'Billing account id' })).toBeVisible();
}

/** Calls the demo sandbox directly, as another admin would, behind the app's back. */
async function sandboxApi(harness: Harness, method: string, apiPath: string): Promise<{ status: number; body: unknown }> {
  const { agilicus } = await harness.sandboxes();
  const res = await fetch(`${agilicus.apiUrl}${apiPath}`, {
    method,
    headers: { Authorization: `Bearer ${agilicus.credentials['accessToken']!}` },
  });
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
}

async function sandboxAccounts(harness: Harness) {
  const { body } = await sandboxApi(harness, 'GET', '/v1/billing_accounts?get_customer_data=true');
  return (body as { billing_accounts: { metadata: { id: string }; spec: { customer_id: string; dev_mode: boolean }; status: { customer?: { name: string }; orgs: { id: string }[] } }[] }).billing_accounts;
}

/** Presses Tab until `target` has the focus; fails when it never does. */
async function tabTo(page: Page, target: Locator, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

test('billing accounts: list, detail, orgs, usage, edit, create and delete through the UI', async ({ page, harness }) => {
  await openAgilicus(page, harness);

  // listBillingAccounts, with the customer and subscription toggles.
  const table = accountsTable(page);
  await expect(table.getByRole('button')).toHaveText(['Northwind Logistics Inc.', 'Brightline Engineering Ltd.', 'Cedar Valley School District No. 42']);
  await expect(table.getByRole('columnheader', { name: 'Subscription' })).toBeVisible();
  await expect(table).toContainText('Trial');
  await expect(table).toContainText('Dev mode');
  await page.getByRole('checkbox', { name: 'Subscription data' }).uncheck();
  await expect(table.getByRole('columnheader', { name: 'Subscription' })).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Customer data' }).uncheck();
  await expect(table.getByRole('columnheader', { name: 'Customer id' })).toBeVisible();
  await expect(table.getByRole('button', { name: /^cus_/ })).toHaveCount(3);
  await page.getByRole('checkbox', { name: 'Customer data' }).check();
  await page.getByRole('checkbox', { name: 'Subscription data' }).check();
  await expect(table.getByRole('button', { name: 'Northwind Logistics Inc.' })).toBeVisible();

  // getBillingAccount + getBillingAccountOrgs: read Brightline's org id to move it later.
  await openBillingAccount(page, 'Brightline Engineering Ltd.');
  await expect(page.getByTestId('ag-mode')).toContainText('Dev mode');
  const brightlineRow = orgsTable(page).getByRole('row', { name: /Brightline Engineering/ });
  const brightlineOrgId = (await brightlineRow.getByRole('cell').first().textContent())!.trim();
  expect(brightlineOrgId).toMatch(/^[A-Za-z0-9]{22}$/);
  await page.getByRole('button', { name: '← All billing accounts' }).click();
  // Focus comes back to the account the user came from.
  await expect(table.getByRole('button', { name: 'Brightline Engineering Ltd.' })).toBeFocused();

  await openBillingAccount(page, 'Northwind Logistics Inc.');
  await expect(page.getByTestId('ag-customer-name')).toHaveText('Northwind Logistics Inc.');
  await expect(page.getByTestId('ag-mode')).toHaveText('Live');
  await expect(page.getByRole('list', { name: 'Products' }).getByRole('listitem')).toHaveText(['Agilicus AnyX Zero Trust - Business', 'Agilicus Priority Support']);
  const subs = page.getByRole('table', { name: 'Subscriptions' });
  await expect(subs).toContainText('AnyX Business (per user, monthly)');
  await expect(subs).toContainText('Active');
  await expect(subs).toContainText(/CA\$|\$/);
  await expect(orgsTable(page).getByRole('row')).toHaveCount(3);

  // getUsageRecords: a year of daily records, shown compactly with a total.
  const summary = page.getByTestId('ag-usage-summary');
  await expect(summary).toContainText('365 records');
  // Virtualized: all 365 are counted (plus the header row), only the visible ones are in the page.
  const usageGrid = page.getByRole('grid', { name: 'Usage records, newest first' });
  await expect(usageGrid).toHaveAttribute('aria-rowcount', String(365 + 1));
  expect(await usageGrid.getByRole('row').count()).toBeLessThan(60);
  const total = Number((await page.getByTestId('ag-usage-total').textContent())!.replace(/\D/g, ''));
  expect(total).toBeGreaterThan(365 * 10);

  // addBillingUsageRecord, dry run first: nothing recorded.
  await expect(page.getByRole('checkbox', { name: /Dry run/ })).toBeChecked();
  await page.getByRole('button', { name: 'Preview usage record' }).click();
  const result = page.getByTestId('ag-usage-result');
  await expect(result).toContainText('Dry run: nothing was recorded.');
  await expect(result).toContainText(/would record a quantity of 63 at /);
  await expect(summary).toContainText('365 records');

  // ... then for real, after a confirmation.
  await page.getByRole('checkbox', { name: /Dry run/ }).uncheck();
  await page.getByRole('button', { name: 'Record usage now' }).click();
  const recordDialog = page.getByRole('dialog', { name: 'Record usage now?' });
  await expect(recordDialog).toContainText('billed with the subscription');
  await recordDialog.getByRole('button', { name: 'Record usage' }).click();
  await expect(result).toContainText('Usage recorded.');
  await expect(summary).toContainText('366 records');
  // Only the newest records when asked for fewer, and the view says the total is partial.
  await page.getByRole('combobox', { name: 'Show up to' }).selectOption('100');
  await expect(summary).toContainText('100 records');
  await expect(page.getByText('These are the newest 100')).toBeVisible();

  // addOrgToBillingAccount: moves Brightline's org here, once the move is confirmed.
  await page.getByRole('textbox', { name: 'Organisation id' }).fill(brightlineOrgId);
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await page.getByRole('dialog', { name: 'Move Brightline Engineering to this billing account?' }).getByRole('button', { name: 'Move organisation' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Added Brightline Engineering to this billing account.' })).toBeVisible();
  await expect(orgsTable(page).getByRole('row')).toHaveCount(4);

  // removeOrgFromBillingAccount, confirmed.
  await page.getByRole('button', { name: 'Remove Brightline Engineering' }).click();
  const removeDialog = page.getByRole('dialog', { name: 'Remove Brightline Engineering from this billing account?' });
  await expect(removeDialog).toContainText('stays in Agilicus');
  await removeDialog.getByRole('button', { name: 'Remove organisation' }).click();
  await expect(removeDialog).toBeHidden();
  await expect(orgsTable(page).getByRole('row')).toHaveCount(3);
  await expect(orgsTable(page)).not.toContainText('Brightline');

  // replaceBillingAccount: switch on dev mode.
  await page.getByRole('button', { name: 'Edit billing account' }).click();
  await expect(page.getByRole('heading', { name: 'Edit billing account' })).toBeVisible();
  const customerId = await page.getByRole('textbox', { name: 'Customer id' }).inputValue();
  expect(customerId).toMatch(/^cus_/);
  await page.getByRole('checkbox', { name: 'Dev mode' }).check();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved:' })).toContainText('dev mode');
  await expect(page.getByTestId('ag-mode')).toContainText('Dev mode');
  expect((await sandboxAccounts(harness)).find((a) => a.spec.customer_id === customerId)?.spec.dev_mode).toBe(true);

  // createBillingAccount: a new account starts empty.
  await page.getByRole('button', { name: '← All billing accounts' }).click();
  await page.getByRole('button', { name: 'New billing account' }).click();
  await page.getByRole('button', { name: 'Create billing account' }).click();
  await expect(page.getByText('Enter the customer id')).toBeVisible();
  await page.getByRole('textbox', { name: 'Customer id' }).fill('cus_E2eNewCustomer01');
  await page.getByRole('button', { name: 'Create billing account' }).click();
  await expect(detailHeading(page, 'cus_E2eNewCustomer01')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Billing account created for customer cus_E2eNewCustomer01.' })).toBeVisible();
  await expect(page.getByText('No organisations are billed through this account.')).toBeVisible();
  await expect(page.getByText('No usage has been recorded for this account yet.')).toBeVisible();
  await expect(page.getByText('No subscriptions: usage cannot be recorded')).toBeVisible();
  // Without a subscription Agilicus refuses usage; its own words are shown.
  await page.getByRole('button', { name: 'Preview usage record' }).click();
  const refused = page.getByRole('alert').filter({ hasText: 'Could not add a usage record.' });
  await expect(refused).toContainText('active or trialing subscription');
  await expect(refused).toContainText('The provider said:');

  // deleteBillingAccount, after a confirmation that says what happens.
  await page.getByRole('button', { name: 'Delete billing account' }).click();
  const deleteDialog = page.getByRole('dialog', { name: 'Delete the billing account of cus_E2eNewCustomer01?' });
  await expect(deleteDialog).toContainText('for customer cus_E2eNewCustomer01. This cannot be undone.');
  await deleteDialog.getByRole('button', { name: 'Delete billing account' }).click();
  await expect(page.getByTestId('ag-notice')).toHaveText('Deleted the billing account of cus_E2eNewCustomer01.');
  await expect(table.getByRole('button')).toHaveCount(3);
  expect((await sandboxAccounts(harness)).some((a) => a.spec.customer_id === 'cus_E2eNewCustomer01')).toBe(false);
});

test('a customer that already has a billing account is explained (409)', async ({ page, harness }) => {
  await openAgilicus(page, harness);
  const northwind = (await sandboxAccounts(harness)).find((a) => a.status.customer?.name === 'Northwind Logistics Inc.')!;
  await page.getByRole('button', { name: 'New billing account' }).click();
  await page.getByRole('textbox', { name: 'Customer id' }).fill(northwind.spec.customer_id);
  await page.getByRole('button', { name: 'Create billing account' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not create the billing account.' });
  await expect(alert).toContainText(`A billing account for customer “${northwind.spec.customer_id}” already exists.`);
  await expect(alert.getByTestId('error-code')).toHaveText('conflict');
  await expect(alert).toContainText('The provider said:');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(accountsTable(page).getByRole('button')).toHaveCount(3);
});

test('a billing account deleted elsewhere, and an unknown organisation, are explained (404)', async ({ page, harness }) => {
  await openAgilicus(page, harness);
  await openBillingAccount(page, 'Cedar Valley School District No. 42');

  // An organisation id that does not exist: the account is still there, so the org is what is missing.
  await page.getByRole('textbox', { name: 'Organisation id' }).fill('NoSuchOrg0000000000000');
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not add the organisation.' })).toContainText('No organisation with id “NoSuchOrg0000000000000” exists');
  // An id with characters Agilicus ids never have is caught before any request.
  await page.getByRole('textbox', { name: 'Organisation id' }).fill('../etc');
  await page.getByRole('button', { name: 'Add organisation' }).click();
  await expect(page.getByText('An organisation id has only letters')).toBeVisible();

  // Someone else deletes the account; the next change here meets a 404.
  const cedar = (await sandboxAccounts(harness)).find((a) => a.status.customer?.name === 'Cedar Valley School District No. 42')!;
  expect((await sandboxApi(harness, 'DELETE', `/v1/billing_accounts/${cedar.metadata.id}`)).status).toBe(204);
  await page.getByRole('button', { name: 'Edit billing account' }).click();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('ag-notice')).toHaveText('This billing account no longer exists; the list was refreshed.');
  await expect(accountsTable(page).getByRole('button')).toHaveText(['Northwind Logistics Inc.', 'Brightline Engineering Ltd.']);
});

test('provider failures show its message and recover with "Try again"', async ({ page, harness }) => {
  await harness.setFaults('agilicus', [{ kind: 'status', status: 503, path: '/v1/billing_accounts', method: 'GET' }]);
  await openAgilicus(page, harness);
  const alert = page.getByRole('alert').filter({ hasText: 'Could not load the billing accounts.' });
  await expect(alert).toBeVisible({ timeout: 15_000 });
  await expect(alert).toContainText('The provider said: “The service is temporarily unavailable”');
  await harness.setFaults('agilicus', []);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(accountsTable(page).getByRole('button')).toHaveCount(3);

  // A write is never retried on its own: one 500 fails the create, pressing it again succeeds.
  await harness.setFaults('agilicus', [{ kind: 'status', status: 500, path: '/v1/billing_accounts', method: 'POST', times: 1 }]);
  await page.getByRole('button', { name: 'New billing account' }).click();
  await page.getByRole('textbox', { name: 'Customer id' }).fill('cus_AfterAFault');
  await page.getByRole('button', { name: 'Create billing account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not create the billing account.' }).getByTestId('error-code')).toHaveText('server');
  await page.getByRole('button', { name: 'Create billing account' }).click();
  await expect(detailHeading(page, 'cus_AfterAFault')).toBeVisible();
});

test('keyboard only: create a billing account, open it and delete it', async ({ page, harness }) => {
  await openAgilicus(page, harness);
  await expect(accountsTable(page).getByRole('button')).toHaveCount(3);

  const newButton = page.getByRole('button', { name: 'New billing account' });
  await tabTo(page, newButton);
  // The focus is visible.
  expect(await newButton.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Customer id' })).toBeFocused();
  await page.keyboard.type('cus_KeyboardOnly');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('checkbox', { name: 'Dev mode' })).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  await expect(detailHeading(page, 'cus_KeyboardOnly')).toBeFocused();
  await expect(page.getByTestId('ag-mode')).toContainText('Dev mode');

  const deleteButton = page.getByRole('button', { name: 'Delete billing account' });
  await tabTo(page, deleteButton);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete the billing account of cus_KeyboardOnly?' });
  await expect(dialog).toBeVisible();
  // Escape cancels.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await tabTo(page, dialog.getByRole('button', { name: 'Delete billing account' }), 5);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ag-notice')).toHaveText('Deleted the billing account of cus_KeyboardOnly.');
  await expect(newButton).toBeFocused();
});

test('screenshot of a billing account', async ({ page, harness }) => {
  await openAgilicus(page, harness);
  await expect(accountsTable(page).getByRole('button')).toHaveCount(3);
  await page.screenshot({ path: screenshotPath('agilicus-accounts.png') });
  await openBillingAccount(page, 'Northwind Logistics Inc.');
  await expect(page.getByTestId('ag-usage-summary')).toContainText('365 records');
  await expect(orgsTable(page).getByRole('row')).toHaveCount(3);
  await page.screenshot({ path: screenshotPath('agilicus-account.png') });

  await page.getByRole('button', { name: 'Preview usage record' }).click();
  await expect(page.getByTestId('ag-usage-result')).toContainText('Dry run');
  await page.getByRole('heading', { name: 'Usage records' }).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshotPath('agilicus-usage.png') });
});

test('saving a usage statement leaves the detail buttons where they were: the outcome shows on a line below', async ({ page, harness }) => {
  await openAgilicus(page, harness);
  const name = 'Northwind Logistics Inc.';
  await openBillingAccount(page, name);
  const buttons = ['Save usage statement', 'Edit billing account', 'Delete billing account'].map((label) => page.getByRole('button', { name: label, exact: true }));
  const places = () => Promise.all(buttons.map(async (b) => b.boundingBox()));
  const before = await places();

  await buttons[0]!.click();
  const saved = page.getByTestId('saved-file');
  await expect(saved).toContainText(`Saved Agilicus usage statement ${name}`, { timeout: 15_000 });
  await expect(saved.getByRole('button', { name: 'Show in folder' })).toBeVisible();
  expect(await places()).toEqual(before);
  expect((await saved.boundingBox())!.y).toBeGreaterThanOrEqual(Math.max(...before.map((b) => b!.y + b!.height)));
});

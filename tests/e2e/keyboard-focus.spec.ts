import type { Page } from '@playwright/test';
import { expect, screenshotPath, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function openAccount(page: Page, name: string) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** Where the next Tab goes: the keyboard did not drop back to the top of the page. */
async function nextTabIsNot(page: Page, name: string) {
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
  expect(focused).not.toBe(name);
}

test('buttons that work keep the keyboard: Test connection, Load more, Load all, Export table as CSV', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');

  const testButton = page.getByRole('button', { name: /^(Test connection|Testing…)$/ });
  await testButton.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('.banner.success, [role="alert"]')).toBeVisible();
  await expect(testButton).toHaveText('Test connection');
  await expect(testButton).toBeFocused();

  await page.getByRole('tab', { name: 'Invoices' }).click();
  const count = page.getByTestId('invoice-count');
  await expect(count).toContainText('25 invoices loaded');
  const more = page.getByRole('button', { name: 'Load more invoices' });
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(count).toContainText('50 invoices loaded');
  await expect(more).toBeFocused();
  await nextTabIsNot(page, 'Skip to content');
  await expect(page.getByRole('button', { name: 'Load all' })).toBeFocused();

  // Load all: the button stays (as "Stop loading") while it works; once every invoice is in and the
  // buttons go, the keyboard is on the list.
  await page.keyboard.press('Enter');
  await expect(page.getByText(/^All \d+ invoices are loaded\.$/)).toBeVisible();
  await expect(page.getByTestId('invoice-list')).toBeFocused();

  const exportButton = page.getByRole('button', { name: 'Export table as CSV', exact: true });
  await exportButton.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('saved-file').filter({ hasText: /^Saved / })).toBeVisible({ timeout: 15_000 });
  await expect(exportButton).toBeFocused();
});

test('the account form gives the keyboard back: Cancel and Esc to "Edit account"', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');
  const edit = page.getByRole('button', { name: 'Edit account' });

  await edit.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Edit Agilicus (demo)' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Agilicus (demo)' })).toBeVisible();
  await expect(edit).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Remove account' })).toBeFocused();

  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Edit Agilicus (demo)' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { level: 1, name: 'Agilicus (demo)' })).toBeVisible();
  await expect(edit).toBeFocused();

  // The add form, opened from the sidebar and cancelled, gives it back to "+ Add account".
  const add = sidebar(page).getByRole('button', { name: '+ Add account' });
  await add.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Add an account' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(add).toBeFocused();
});

test('after removing an account the keyboard is in the sidebar; Ctrl+1–3 put it in the account shown', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');

  // Ctrl+N from a button in the pane (which is drawn afresh): the keyboard goes into the new account's pane.
  await page.getByRole('button', { name: 'Edit account' }).focus();
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('heading', { level: 1, name: 'Soracom (demo)' })).toBeVisible();
  await expect(page.getByRole('main')).toBeFocused();
  await nextTabIsNot(page, 'Skip to content');
  await expect(page.getByRole('main').locator(':focus')).toHaveCount(1);
  // From the sidebar too.
  await sidebar(page).getByRole('button', { name: /^Agilicus/ }).focus();
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible();
  await expect(page.getByRole('main')).toBeFocused();

  await page.keyboard.press('Control+2');
  await expect(page.getByRole('heading', { level: 1, name: 'Agilicus (demo)' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove account' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Remove Agilicus (demo)?' });
  await dialog.getByRole('button', { name: 'Remove account' }).focus();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(sidebar(page).getByRole('button', { name: /^Agilicus/ })).toHaveCount(0);
  await expect(sidebar(page).locator(':focus')).toHaveCount(1);
  await expect(sidebar(page).locator(':focus')).toHaveAttribute('aria-current', 'page');
});

test('a typo in the account form is named at its field, not reported as a failed connection', async ({ page, harness }) => {
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: '+ Add account' }).click();
  await page.getByRole('radio', { name: 'Soracom' }).check();
  await page.getByLabel('Account name').fill('Fleet');
  await page.getByRole('radio', { name: 'SAM user' }).check();
  await page.getByLabel('Operator ID').fill('x1');
  await page.getByLabel('SAM user name').fill('ops');
  await page.getByLabel('Password', { exact: true }).fill('secret');
  await page.getByRole('button', { name: 'Test connection and save' }).click();

  const operator = page.getByLabel('Operator ID');
  await expect(operator).toHaveAttribute('aria-invalid', 'true');
  await expect(operator).toHaveAccessibleDescription(/OP0012345678/);
  await expect(operator).toBeFocused();
  await expect(page.getByText('Could not connect')).toHaveCount(0);
  await expect(page.getByText(/accounts\.add|credentials\.operatorId|Invalid arguments/)).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('account-form-field-error-900.png') });

  // What only the main process checks (the email's shape) comes back named as the form names it.
  await page.getByRole('radio', { name: 'Root account email and password' }).check();
  await page.getByRole('textbox', { name: /^Email/ }).fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('secret');
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Could not add the account.');
  await expect(alert).toContainText('Email: Enter an email address like name@example.com.');
  await expect(alert).not.toContainText('connect');
  await expect(page.getByText(/accounts\.add|account\.credentials|Invalid arguments/)).toHaveCount(0);
  await expect(page.getByRole('textbox', { name: /^Email/ })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('textbox', { name: /^Email/ })).toBeFocused();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('account-form-rejected-email-900-dark.png') });
});

for (const scheme of ['light', 'dark'] as const) {
  for (const [width, height] of [
    [900, 600],
    [1200, 760],
  ] as const) {
    test(`an open invoice leaves every amount and number in the list readable (${width}x${height}, ${scheme})`, async ({ page, harness }) => {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(harness.url);
      await openAccount(page, 'SpatialFlow (demo)');
      await page.getByRole('tab', { name: 'Invoices' }).click();
      const grid = page.getByTestId('invoice-list');
      await expect(grid.getByRole('row').nth(3)).toBeVisible();
      await grid.focus();
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('invoice-detail')).toBeVisible();
      await expect(page.getByTestId('invoice-detail')).toBeInViewport();
      // No cell is cut: each shows all of its text inside the list.
      const clipped = await grid.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return [...el.querySelectorAll<HTMLElement>('[role="gridcell"]')]
          .filter((cell) => cell.scrollWidth > cell.clientWidth + 1 || cell.getBoundingClientRect().right > box.right + 1)
          .map((cell) => cell.textContent);
      });
      expect(clipped).toEqual([]);
      await page.screenshot({ path: screenshotPath(`invoice-detail-${width}-${scheme}.png`) });
    });
  }
}

test('a confirm dialog whose action fails keeps the keyboard on its button, and Enter tries again', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');
  await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Northwind Logistics Inc.' }).click();
  const orgs = page.getByRole('table', { name: 'Organisations' });
  const remove = orgs.getByRole('button', { name: /^Remove / }).first();
  const org = (await remove.getAttribute('aria-label'))!.replace(/^Remove /, '');

  // Slow enough for the button to be seen working, then refused.
  await harness.setFaults('agilicus', [
    { kind: 'latency', method: 'DELETE', path: '/v1/billing_accounts/', latencyMs: 300 },
    { kind: 'status', status: 500, method: 'DELETE', path: '/v1/billing_accounts/' },
  ]);
  await remove.click();
  const dialog = page.getByRole('dialog');
  const confirm = dialog.getByRole('button', { name: /^(Remove organisation|Working…)$/ });
  await confirm.focus();
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveText('Working…');
  await expect(confirm).toBeFocused();
  await expect(dialog.getByRole('alert').filter({ hasText: 'Could not remove the organisation.' })).toBeVisible();
  await expect(confirm).toHaveText('Remove organisation');
  await expect(confirm).toBeFocused();

  await harness.setFaults('agilicus', []);
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(orgs).not.toContainText(org);
});

test('Refresh, Make default (done or refused), Preview usage record and Dismiss keep the keyboard', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  const methods = page.getByRole('region', { name: 'Payment methods' });
  await expect(methods.getByTestId('payment-method').first()).toBeVisible();

  // Refresh, slow enough to be seen refreshing.
  await harness.setFaults('spatialflow', [{ kind: 'latency', method: 'GET', path: '/api/v1/billing/payment-methods', latencyMs: 600, times: 1 }]);
  const refresh = methods.getByRole('button', { name: 'Refresh' });
  await refresh.focus();
  await page.keyboard.press('Enter');
  await expect(methods.getByText('Refreshing…')).toBeVisible();
  await expect(refresh).toBeFocused();
  await expect(methods.getByText(/^Updated /)).toBeVisible();
  await expect(refresh).toBeFocused();

  // Make default, refused: the keyboard stays on the button, to try again.
  const makeDefault = methods.getByRole('button', { name: /^(Make default|Saving…): / }).first();
  const card = (await makeDefault.getAttribute('aria-label'))!.replace(/^Make default: /, '');
  const sameButton = methods.getByRole('button', { name: new RegExp(`^(Make default|Saving…): ${card.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
  await harness.setFaults('spatialflow', [{ kind: 'status', status: 500, method: 'PUT', path: '/api/v1/billing/payment-methods' }]);
  await sameButton.focus();
  await page.keyboard.press('Enter');
  await expect(methods.getByRole('alert').filter({ hasText: 'Could not change the default payment method.' })).toBeVisible();
  await expect(sameButton).toBeFocused();
  // Done: the card has no "Make default" any more; the keyboard goes to the section's heading.
  await harness.setFaults('spatialflow', []);
  await page.keyboard.press('Enter');
  await expect(methods.getByText(`${card} is now the default payment method.`)).toBeVisible();
  await expect(methods.getByRole('heading', { name: 'Payment methods' })).toBeFocused();

  // Agilicus: a dry run's preview.
  await openAccount(page, 'Agilicus (demo)');
  await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Northwind Logistics Inc.' }).click();
  const preview = page.getByRole('button', { name: /^(Preview usage record|Working…)$/ });
  await preview.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('ag-usage-result')).toContainText('Dry run: nothing was recorded.');
  await expect(preview).toBeFocused();

  // Budgets crossed, so there are alerts: dismissing the first puts the keyboard on the next one's Dismiss.
  const accounts = (await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {})).accounts;
  const spatialflow = accounts.find((a) => a.provider === 'spatialflow')!;
  await harness.call('insight.setBudgets', { accounts: [{ accountId: spatialflow.id, amount: { minor: 100, currency: 'USD' } }], currencies: [{ currency: 'JPY', amount: { minor: 1, currency: 'JPY' } }] });
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  const dismiss = page.getByTestId('alerts-panel').getByRole('button', { name: /^Dismiss: / });
  await expect(dismiss.nth(1)).toBeVisible({ timeout: 20_000 });
  const [first, second] = [(await dismiss.nth(0).getAttribute('aria-label'))!, (await dismiss.nth(1).getAttribute('aria-label'))!];
  await dismiss.first().focus();
  await page.keyboard.press('Enter');
  // (More alerts may still arrive meanwhile: the dismissed one is looked for by name, not counted.)
  await expect(page.getByTestId('alerts-panel').getByRole('button', { name: first, exact: true })).toHaveCount(0);
  await expect(page.getByTestId('alerts-panel').getByRole('button', { name: second, exact: true })).toBeFocused();
});

test('opening the account form and the payment-method form puts the keyboard in them; Cancel gives it back', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  await page.getByRole('button', { name: 'Edit account' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Edit Soracom (demo)' })).toBeVisible();
  await expect(page.getByLabel('Account name')).toBeFocused();
  await page.keyboard.press('Escape');

  const add = sidebar(page).getByRole('button', { name: '+ Add account' });
  await add.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Add an account' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Soracom' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(add).toBeFocused();

  await openAccount(page, 'SpatialFlow (demo)');
  const methods = page.getByRole('region', { name: 'Payment methods' });
  await expect(methods.getByTestId('payment-method').first()).toBeVisible();
  const open = methods.getByRole('button', { name: 'Add payment method…' });
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(methods.getByRole('heading', { name: 'Add a payment method' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(methods.getByRole('button', { name: 'Create setup intent' })).toBeFocused();
  await methods.getByRole('button', { name: 'Cancel', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(methods.getByRole('heading', { name: 'Add a payment method' })).toHaveCount(0);
  await expect(open).toBeFocused();
});

test('Cancel in Download everything leaves the keyboard on Download', async ({ page, harness }) => {
  test.setTimeout(60_000);
  // Soracom never finishes preparing an export, so the run is still going when it is cancelled.
  await harness.setFaults('soracom', [{ kind: 'hang', method: 'POST', path: '/v1/bills/' }]);
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  const panel = page.getByTestId('download-everything');
  await panel.getByText('Download everything').click();
  await panel.getByLabel('From').fill(new Date().toISOString().slice(0, 7));
  await panel.getByLabel('Account').selectOption({ label: 'Soracom (demo)' });
  const download = panel.getByRole('button', { name: /^(Download|Downloading…)$/ });
  await download.focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('download-progress')).toContainText(/\d+ of \d+ documents/);
  const cancel = panel.getByTestId('download-progress').getByRole('button', { name: 'Cancel' });
  await cancel.focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('download-summary')).toContainText('Cancelled.', { timeout: 30_000 });
  await expect(download).toBeFocused();
  await harness.setFaults('soracom', []);
});

test('deleting the last file a search shows leaves the keyboard in the search', async ({ page, harness }) => {
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
  const soracom = accounts.find((a) => a.provider === 'soracom')!.id;
  const saved = await harness.call<{ fileName: string }>('files.saveTableCsv', { accountId: soracom, title: 'Soracom daily charges', columns: ['Date', 'Amount'], rows: [['2024-05-01', 120]] });
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill(saved.fileName);
  await expect(page.getByTestId('library-row')).toHaveCount(1);
  await page.getByRole('button', { name: `Delete ${saved.fileName}` }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Delete ${saved.fileName}?` });
  await dialog.getByRole('button', { name: 'Move to trash' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').filter({ hasText: `Moved ${saved.fileName} to the trash.` })).toBeVisible();
  await expect(page.getByTestId('library-empty')).toContainText('No saved file matches.');
  await expect(search).toBeFocused();
});

test.describe('on first run', () => {
  test.use({ harnessArgs: [] });

  test('Try with demo accounts puts the keyboard in the account it opens', async ({ page, harness }) => {
    await page.goto(harness.url);
    await page.getByRole('button', { name: 'Try with demo accounts' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('main')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('main').locator(':focus')).toHaveCount(1);
  });
});

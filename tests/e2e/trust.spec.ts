import type { Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const accountButton = (page: Page, name: string) => sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) });

async function openAccount(page: Page, name: string) {
  await accountButton(page, name).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

/** Every demo sandbox answers every request with `status` (401 also fails the sign-in, so it stays a credentials error). */
async function failEverything(harness: Harness, status: number) {
  for (const provider of ['spatialflow', 'agilicus', 'soracom'] as const) await harness.setFaults(provider, [{ kind: 'status', status }]);
}

test('views keep their last data under a credentials error, with the error and "Enter new credentials" above it', async ({ page, harness }) => {
  test.setTimeout(90_000);
  await page.goto(harness.url);

  // Soracom: this month and the bill history.
  await openAccount(page, 'Soracom (demo)');
  const amount = await page.getByTestId('latest-amount').textContent();
  await expect(page.getByTestId('history-table').getByRole('row')).not.toHaveCount(0);
  await failEverything(harness, 401);
  await page.getByRole('button', { name: 'Refresh' }).first().click();
  const latestError = page.getByRole('alert').filter({ hasText: 'Could not refresh the latest bill.' });
  await expect(latestError).toBeVisible();
  await expect(page.getByTestId('latest-amount')).toHaveText(amount!);
  await expect(page.getByText(/^\s*Showing data as of /).first()).toBeVisible();
  await expect(latestError.getByRole('button', { name: 'Retry' })).toBeVisible();
  // The error sits above the data it concerns.
  const errorBox = (await latestError.boundingBox())!;
  const amountBox = (await page.getByTestId('latest-amount').boundingBox())!;
  expect(errorBox.y + errorBox.height).toBeLessThanOrEqual(amountBox.y);
  await page.getByRole('button', { name: 'Refresh' }).nth(1).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not refresh the bill history.' })).toBeVisible();
  await expect(page.getByTestId('history-table')).toBeVisible();
  await expect(page.getByTestId('history-chart')).toBeVisible();

  // Agilicus: the billing accounts, and starting again shows the offline copy under the error.
  await harness.setFaults('agilicus', []);
  await openAccount(page, 'Agilicus (demo)');
  const accounts = page.getByRole('table', { name: 'Billing accounts' });
  await expect(accounts.getByRole('row')).not.toHaveCount(0);
  const rows = await accounts.getByRole('row').count();
  await failEverything(harness, 401);
  await page.reload();
  await openAccount(page, 'Agilicus (demo)');
  const listError = page.getByRole('alert').filter({ hasText: 'Could not refresh the billing accounts.' });
  await expect(listError).toBeVisible();
  await expect(accounts.getByRole('row')).toHaveCount(rows);
  await page.screenshot({ path: screenshotPath('error-keeps-data.png') });

  // The fix is one click away: the account form opens at its sign-in fields.
  await listError.getByRole('button', { name: 'Enter new credentials' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit Agilicus (demo)' })).toBeVisible();
  await expect(page.getByRole('checkbox', { name: 'Enter new credentials' })).toBeChecked();
  await expect(page.getByLabel('Bearer token')).toBeVisible();
});

test('a forbidden or unreadable answer also leaves the data on screen, with "Try again"', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  const amount = await page.getByTestId('latest-amount').textContent();
  for (const fault of [{ kind: 'status', status: 403 }, { kind: 'malformed_json' }]) {
    await harness.setFaults('soracom', [{ ...fault, path: '/v1/bills/latest' }]);
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not refresh the latest bill.' });
    await expect(alert).toBeVisible();
    await expect(alert.getByRole('button', { name: /^(Try again|Retry)$/ })).toBeVisible();
    await expect(page.getByTestId('latest-amount')).toHaveText(amount!);
  }
  // Once the provider answers, the error goes and the time is current again.
  await harness.setFaults('soracom', []);
  await page.getByRole('alert').filter({ hasText: 'Could not refresh the latest bill.' }).getByRole('button', { name: /^(Try again|Retry)$/ }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible();
});

test('an error reads as one plain sentence; codes and the provider’s words wait behind Details', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');
  await expect(page.getByRole('table', { name: 'Billing accounts' })).toBeVisible();
  await harness.setFaults('agilicus', [{ kind: 'status', status: 401 }]);
  await page.getByRole('button', { name: 'Refresh' }).first().click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not refresh the billing accounts.' });
  await expect(alert).toBeVisible();
  // What the user reads at once: the sentence, not the code nor the provider's message.
  const sentence = alert.locator('p').first();
  await expect(sentence).toBeVisible();
  await expect(alert.getByText('auth_failed')).toBeHidden();
  await expect(alert.getByText(/temporarily unavailable/)).toBeHidden();
  const visibleText = await alert.innerText();
  expect(visibleText).not.toMatch(/auth_failed|HTTP_401|The provider said/);
  // Details has them.
  await alert.getByText('Details').click();
  await expect(alert.getByTestId('error-code')).toHaveText('auth_failed');
  await expect(alert).toContainText('HTTP_401');
  await expect(alert.getByText(/temporarily unavailable/)).toBeVisible();
});

test('the account form shows its error right under the button that caused it, inside the window', async ({ page, harness }) => {
  await page.setViewportSize({ width: 900, height: 600 });
  const { agilicus } = await harness.sandboxes();
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: '+ Add account' }).click();
  await page.getByRole('radio', { name: 'Agilicus' }).check();
  await page.getByLabel('Account name').fill('Corp');
  await page.getByRole('combobox', { name: 'API address' }).selectOption('custom');
  await page.getByLabel('Custom API address').fill(agilicus.apiUrl);
  await page.getByLabel('Bearer token').fill('expired-or-wrong-token');
  const button = page.getByRole('button', { name: 'Test connection and save' });
  await button.click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not connect' });
  await expect(alert).toBeInViewport({ ratio: 1 });
  const a = (await alert.boundingBox())!;
  const b = (await button.boundingBox())!;
  expect(a.y).toBeGreaterThanOrEqual(b.y + b.height);
  expect(a.y - (b.y + b.height)).toBeLessThan(40);
});

test('relative times move on while the window stays open', async ({ page, harness }) => {
  await page.clock.install();
  await page.goto(harness.url);
  await openAccount(page, 'Soracom (demo)');
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible();
  await expect(accountButton(page, 'Soracom (demo)')).toContainText('Synced just now');
  await page.clock.fastForward('05:00');
  await expect(page.getByText(/^\s*Updated 5 minutes ago/).first()).toBeVisible();
  await expect(accountButton(page, 'Soracom (demo)')).toContainText('Synced 5 minutes ago');
});

test('a background account whose sync failed clears by itself once its provider answers', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.goto(`${harness.url}?offlineRetryMs=300`);
  await harness.setFaults('agilicus', [{ kind: 'status', status: 503 }]);
  await openAccount(page, 'Agilicus (demo)');
  await expect(accountButton(page, 'Agilicus (demo)')).toContainText('Sync failed', { timeout: 20_000 });
  // Away from it, the provider comes back; the sidebar catches up without the account being opened.
  await openAccount(page, 'Soracom (demo)');
  await harness.setFaults('agilicus', []);
  await expect(accountButton(page, 'Agilicus (demo)')).toContainText('Synced just now', { timeout: 20_000 });
  await expect(page.getByRole('heading', { level: 1, name: 'Soracom (demo)' })).toBeVisible();
});

test('a status banner goes when the state it describes changes', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const connected = page.getByRole('status').filter({ hasText: 'Connected to SpatialFlow: plan Pro' });
  await expect(connected).toBeVisible();
  await page.getByRole('button', { name: 'Change plan…' }).click();
  await page.getByRole('radio', { name: /^Business/ }).check();
  await page.getByTestId('plan-preview').getByRole('button', { name: 'Change to Business…' }).click();
  await page.getByRole('dialog', { name: 'Change to Business?' }).getByRole('button', { name: /change plan$/ }).click();
  await expect(page.getByTestId('plan-name')).toHaveText('Business');
  await expect(connected).toHaveCount(0);
  await expect(page.getByText(/plan Pro/)).toHaveCount(0);
});

test('success messages replace each other instead of piling up', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');
  await page.getByRole('button', { name: 'New billing account' }).click();
  await page.getByRole('textbox', { name: 'Customer id' }).fill('cus_FirstId0001');
  await page.getByRole('button', { name: 'Create billing account' }).click();
  const successes = page.locator('.banner.success');
  await expect(successes).toHaveCount(1);
  await expect(successes).toContainText('cus_FirstId0001');
  await page.getByRole('button', { name: 'Edit billing account' }).click();
  await page.getByRole('textbox', { name: 'Customer id' }).fill('cus_SecondId0002');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('ag-customer-id')).toHaveText('cus_SecondId0002');
  await expect(successes).toHaveCount(1);
  await expect(successes).toContainText('cus_SecondId0002');
  await expect(page.getByText('cus_FirstId0001')).toHaveCount(0);
});

test('one unreadable item in a list leaves the others on screen and says which field and value failed', async ({ page, harness }) => {
  test.setTimeout(90_000);
  await harness.setFaults('spatialflow', [
    { kind: 'patch', method: 'GET', path: '/api/v1/billing/invoices', pointer: '/invoices/1/amount_due', value: 'twelve dollars' },
    { kind: 'patch', method: 'GET', path: '/api/v1/billing/payment-methods', pointer: '/0/exp_month', value: 13 },
  ]);
  await harness.setFaults('soracom', [{ kind: 'patch', method: 'GET', path: '/v1/bills', pointer: '/billList/2/amount', value: 'lots' }]);
  await harness.setFaults('agilicus', [{ kind: 'patch', method: 'GET', path: '/v1/billing_accounts', pointer: '/billing_accounts/0/metadata/id', value: 42 }]);
  await page.goto(harness.url);

  const note = page.getByTestId('unreadable-note');
  async function expectNote(text: string, field: string, value: string) {
    const one = note.filter({ hasText: text });
    await expect(one).toBeVisible();
    await one.getByText('Details').click();
    await expect(one).toContainText(field);
    await expect(one).toContainText(value);
  }

  // SpatialFlow: the payment methods and the invoices.
  await openAccount(page, 'SpatialFlow (demo)');
  await expectNote('1 payment method could not be read', 'exp_month', '13');
  await expect(page.getByTestId('payment-method')).not.toHaveCount(0);
  await page.getByRole('tab', { name: 'Invoices' }).click();
  await expectNote('1 invoice could not be read', 'amount_due', '"twelve dollars"');
  await expect(page.getByRole('grid', { name: 'Invoices' }).getByRole('row')).not.toHaveCount(0);
  await page.screenshot({ path: screenshotPath('unreadable-item.png') });

  // Soracom: 17 of the 18 bills.
  await openAccount(page, 'Soracom (demo)');
  await expectNote('1 bill could not be read', 'amount', '"lots"');
  await expect(page.getByTestId('history-table').locator('tbody tr')).toHaveCount(17);

  // Agilicus: the other billing accounts.
  await openAccount(page, 'Agilicus (demo)');
  await expectNote('1 billing account could not be read', 'metadata.id', '42');
  await expect(page.getByRole('table', { name: 'Billing accounts' }).locator('tbody tr')).toHaveCount(2);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a Soracom bill without an amount reads "No amount", never 0; an Agilicus org without an id is counted, not hidden', async ({ page, harness }) => {
  test.setTimeout(90_000);
  // Fields every provider may leave out, taken out of otherwise normal answers.
  await harness.setFaults('soracom', [
    { kind: 'patch', method: 'GET', path: '/v1/bills/', pointer: '/amount' },
    { kind: 'patch', method: 'GET', path: '/v1/bills', pointer: '/billList/1/amount' },
  ]);
  await harness.setFaults('agilicus', [
    { kind: 'patch', method: 'GET', path: '/v1/billing_accounts', pointer: '/billing_accounts/0/status/orgs/0/id' },
    { kind: 'patch', method: 'GET', path: '/v1/billing_accounts', pointer: '/orgs/0/id' },
  ]);
  await page.goto(harness.url);

  await openAccount(page, 'Soracom (demo)');
  await expect(page.getByTestId('latest-amount')).toHaveText('No amount');
  await expect(page.getByTestId('latest-no-amount')).toBeVisible();
  const rows = page.getByTestId('history-table').locator('tbody tr');
  await expect(rows).toHaveCount(18);
  await expect(rows.filter({ hasText: 'No amount' })).toHaveCount(1);
  await expect(page.getByTestId('history-no-amount')).toHaveText('1 bill came without an amount and is left out of the chart and the total.');
  await expect(page.getByTestId('history-total')).not.toHaveText(/^\D*0$/);
  await page.screenshot({ path: test.info().outputPath('soracom-no-amount.png'), fullPage: true });
  await rows.filter({ hasText: 'No amount' }).getByRole('button', { name: /^Details for/ }).click();
  await expect(page.getByTestId('month-amount')).toHaveText('No amount');
  await expect(page.getByTestId('unreadable-note').filter({ hasText: '1 day could not be read' })).toBeVisible();
  await expect(page.getByTestId('monthly-remainder')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('soracom-month-no-amount.png'), fullPage: true });

  await openAccount(page, 'Agilicus (demo)');
  const accounts = page.getByRole('table', { name: 'Billing accounts' }).locator('tbody tr');
  await expect(accounts).toHaveCount(3);
  await expect(accounts.first()).toContainText('1 organisation could not be read');
  await page.screenshot({ path: test.info().outputPath('agilicus-org-unreadable.png'), fullPage: true });
  await accounts.first().locator('[data-ag-open]').click();
  await expect(page.getByTestId('unreadable-note').filter({ hasText: '1 organisation could not be read' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('agilicus-orgs-unreadable.png'), fullPage: true });
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('money reads as people read it: the next invoice as an amount, a free plan as $0.00 / month, plain cancel buttons', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('button', { name: 'Change plan…' }).click();
  await expect(page.getByRole('radio', { name: /^Free \$0\.00 \/ month/ })).toBeVisible();

  // Up: the next invoice is the new amount, with the old one beside it; never "+$150.00".
  await page.getByRole('radio', { name: /^Business/ }).check();
  await expect(page.getByTestId('preview-next')).toHaveText('$199.00 (was $49.00)');
  await expect(page.getByTestId('preview-prorated')).toHaveText(/^\$[\d,.]+ to pay$/);
  // Down to free: a credit is called one, and no price reads "Free" where an amount belongs.
  await page.getByRole('radio', { name: /^Free/ }).check();
  await expect(page.getByTestId('preview-next')).toHaveText(/^\$0\.00 \(was \$49\.00\); \$[\d.]+ of credit carries over$/);
  await expect(page.getByTestId('preview-prorated')).toHaveText(/^\$[\d,.]+ credit$/);
  const preview = page.getByTestId('plan-preview');
  await expect(preview).toContainText('each period costs $0.00 / month');
  await expect(preview).not.toContainText('costs Free');
  // One way to write a negative amount everywhere: no U+2212 minus beside the tables' "-".
  expect(await page.getByRole('main').innerText()).not.toContain('\u2212');
  await page.screenshot({ path: screenshotPath('plan-change-preview.png') });

  await page.getByRole('button', { name: 'Keep Pro' }).click();
  await page.getByRole('button', { name: 'Cancel at period end…' }).click();
  const dialog = page.getByRole('dialog', { name: /^Cancel Pro at the end of the period/ });
  await expect(dialog.getByRole('button')).toHaveText(['Keep plan', 'Cancel at period end']);
  await dialog.getByRole('button', { name: 'Keep plan' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('subscription-status')).toHaveText('Active');
});

test('keyboard: Esc and Close return to the invoice row, Esc leaves the account form, a skip link, place shortcuts', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  const grid = page.getByTestId('invoice-list');
  await expect(grid.getByRole('row').nth(3)).toBeVisible();
  await grid.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const third = await grid.getAttribute('aria-activedescendant');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('invoice-detail')).toBeVisible();
  await page.getByTestId('invoice-detail').getByRole('button', { name: /^Close invoice/ }).focus();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('invoice-detail')).toHaveCount(0);
  await expect(grid).toBeFocused();
  await expect(grid).toHaveAttribute('aria-activedescendant', third!);
  // The Close button does the same.
  await page.keyboard.press('Enter');
  await page.getByTestId('invoice-detail').getByRole('button', { name: /^Close invoice/ }).click();
  await expect(grid).toBeFocused();
  await expect(grid).toHaveAttribute('aria-activedescendant', third!);

  // Esc leaves the account form.
  await page.getByRole('button', { name: 'Edit account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Edit SpatialFlow (demo)' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible();

  // The first Tab reaches "Skip to content", which moves the keyboard past the sidebar.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  // Shortcuts to the places, announced on their buttons.
  const nav = sidebar(page);
  for (const [name, keys, heading] of [
    ['Library', 'Control+Shift+L', 'Library'],
    ['Review a bill CSV', 'Control+Shift+O', 'Review a bill CSV'],
    ['All accounts', 'Control+0', 'All accounts'],
  ] as const) {
    await expect(nav.getByRole('button', { name, exact: true })).toHaveAttribute('aria-keyshortcuts', keys);
    await expect(nav.getByRole('button', { name, exact: true })).toHaveAttribute('title', new RegExp(keys.replace('Control', 'Ctrl').replace(/\+/g, '\\+')));
    await page.keyboard.press(keys);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  }
});

test('switching away from an account and back keeps its tab and the invoices already loaded', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  const count = page.getByTestId('invoice-count');
  await expect(count).toContainText('25 invoices loaded');
  await page.getByRole('button', { name: 'Load more invoices' }).click();
  await expect(count).toContainText('50 invoices loaded');
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('heading', { level: 1, name: 'Soracom (demo)' })).toBeVisible();
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { level: 1, name: 'SpatialFlow (demo)' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Invoices' })).toHaveAttribute('aria-selected', 'true');
  await expect(count).toContainText('50 invoices loaded');
});

test('saving a document already in the Library offers to open it instead of writing a second copy', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'SpatialFlow (demo)');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  await page.getByTestId('invoice-list').focus();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('invoice-detail');
  await detail.getByRole('button', { name: 'Download PDF' }).click();
  const saved = detail.getByTestId('saved-file');
  await expect(saved.locator('.title')).toHaveText(/^Saved /, { timeout: 15_000 });
  const first = (await saved.locator('.path').textContent())!.split(' · ')[0]!;

  await detail.getByRole('button', { name: 'Download PDF' }).click();
  await expect(saved.locator('.title')).toHaveText(/^Already in the Library as /, { timeout: 15_000 });
  expect((await saved.locator('.path').textContent())!.split(' · ')[0]).toBe(first);
  await saved.getByRole('button', { name: 'Open' }).click();
  await expect.poll(async () => (await harness.shellLog()).filter((e) => e.action === 'openPath').map((e) => e.path)).toEqual([first]);

  // One file in the Library, none named "(2)".
  await sidebar(page).getByRole('button', { name: 'Library' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
  await expect(page.getByRole('main')).not.toContainText('(2)');
});

test('switching a billing account from dev mode to live asks first', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openAccount(page, 'Agilicus (demo)');
  await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Brightline Engineering Ltd.' }).click();
  await expect(page.getByTestId('ag-mode')).toContainText('Dev mode');
  await page.getByRole('button', { name: 'Edit billing account' }).click();
  await page.getByRole('checkbox', { name: 'Dev mode' }).uncheck();
  await page.getByRole('button', { name: 'Save changes' }).click();
  const dialog = page.getByRole('dialog', { name: 'Switch to live billing?' });
  await expect(dialog).toContainText('charged to customer');
  await dialog.getByRole('button', { name: 'Stay in dev mode' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('ag-mode')).toContainText('Dev mode');
  await page.getByRole('button', { name: 'Edit billing account' }).click();
  await page.getByRole('checkbox', { name: 'Dev mode' }).uncheck();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await dialog.getByRole('button', { name: 'Switch to live' }).click();
  await expect(page.getByTestId('ag-mode')).toHaveText('Live');
});

import type { Page } from '@playwright/test';
import { expectAccessible } from './a11y';
import { expect, test } from './fixtures';

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

async function open(page: Page, name: string) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page.locator('.skeleton')).toHaveCount(0);
}

test('the first screen and the account form have no accessibility violations', async ({ page, harness }) => {
  test.setTimeout(90_000);
  await page.goto(harness.url);
  await expect(page.getByRole('heading', { name: 'Welcome to Billfold' })).toBeVisible();
  await expectAccessible(page, 'the first screen');
  await sidebar(page).getByRole('button', { name: '+ Add account' }).click();
  await page.getByRole('button', { name: 'Test connection and save' }).click();
  await expect(page.getByText('Give the account a name.')).toBeVisible();
  await expectAccessible(page, 'the account form with its errors');
});

test.describe('with the demo accounts', () => {
  test.use({ harnessArgs: ['--demo'] });

  test('every view has no accessibility violations, light and dark', async ({ page, harness }) => {
    test.setTimeout(180_000);
    await page.goto(harness.url);

    await open(page, 'SpatialFlow (demo)');
    await expectAccessible(page, 'SpatialFlow plan and payment');
    await page.getByRole('button', { name: 'Change plan…' }).click();
    await page.getByRole('radio', { name: /^Business/ }).check();
    await expect(page.getByTestId('plan-preview')).toBeVisible();
    await expectAccessible(page, 'the plan change preview');
    await page.getByRole('tab', { name: 'Invoices' }).click();
    await expect(page.getByTestId('invoice-list')).toBeVisible();
    await page.getByTestId('invoice-list').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('invoice-detail')).toBeVisible();
    await expectAccessible(page, 'SpatialFlow invoices and an invoice');

    await open(page, 'Agilicus (demo)');
    await expectAccessible(page, 'Agilicus billing accounts');
    await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button').first().click();
    await expect(page.getByRole('term').filter({ hasText: 'Billing account id' })).toBeVisible();
    await expect(page.locator('.skeleton')).toHaveCount(0);
    await expectAccessible(page, 'an Agilicus billing account');

    await open(page, 'Soracom (demo)');
    await expectAccessible(page, 'Soracom bills');
    await page.getByRole('button', { name: /^Details for/ }).first().click();
    await expect(page.getByTestId('month-amount')).toBeVisible();
    await expect(page.locator('.skeleton')).toHaveCount(0);
    await expectAccessible(page, 'a Soracom month');

    await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'All accounts' })).toBeVisible();
    await expect(page.locator('.skeleton')).toHaveCount(0);
    await expectAccessible(page, 'All accounts');

    await sidebar(page).getByRole('button', { name: 'Library' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Library' })).toBeVisible();
    await expectAccessible(page, 'the Library');

    await sidebar(page).getByRole('button', { name: 'Review a bill CSV' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Review a bill CSV' })).toBeVisible();
    await expectAccessible(page, 'Review');
  });

  test('errors, notes and dialogs have no accessibility violations', async ({ page, harness }) => {
    // Four axe runs (two views, light and dark): more than the default 30 s on a busy machine.
    test.setTimeout(90_000);
    await page.goto(harness.url);
    await open(page, 'Soracom (demo)');
    await harness.setFaults('soracom', [{ kind: 'status', status: 401 }]);
    await page.getByRole('button', { name: 'Refresh' }).first().click();
    await expect(page.getByRole('alert').first()).toBeVisible();
    await page.getByRole('alert').first().getByText('Details').click();
    await expectAccessible(page, 'an error above kept data');
    await open(page, 'SpatialFlow (demo)');
    await page.getByRole('button', { name: 'Cancel at period end…' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, 'a confirmation dialog');
  });
});

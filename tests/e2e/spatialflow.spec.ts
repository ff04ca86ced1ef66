import fs from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });


async function openSpatialFlow(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /SpatialFlow \(demo\)/ }).click();
  await expect(page.getByRole('heading', { name: 'SpatialFlow (demo)', level: 1 })).toBeVisible();
}

/** The names of the payment methods as listed, default first. */
async function cardNames(list: Locator): Promise<string[]> {
  return list.getByTestId('payment-method').locator('.card-name').allTextContents();
}

interface Focused {
  role: string | null;
  text: string;
}

/** Presses Tab until the focused element satisfies `check` (keyboard only, no clicks). */
async function tabUntil(page: Page, check: (el: Focused) => boolean, what: string) {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      role: document.activeElement?.getAttribute('role') ?? null,
      text: document.activeElement?.textContent?.trim() ?? '',
    }));
    if (check(focused)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

test('plan and payment: payment methods, setup intent, plan change with preview, cancel and reactivate', async ({ page, harness }) => {
  await openSpatialFlow(page, harness);
  await expect(page.getByTestId('plan-name')).toHaveText('Pro');
  await expect(page.getByTestId('subscription-status')).toHaveText('Active');

  // spatialflow.listPaymentMethods
  const list = page.getByRole('list', { name: 'Payment methods on file' });
  await expect(list.getByTestId('payment-method').first()).toContainText('Default');
  const initial = await cardNames(list);
  expect(initial.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByText(/Expires \d\d\/\d{4}/).first()).toBeVisible();
  await page.screenshot({ path: screenshotPath('spatialflow-account.png') });

  // spatialflow.createSetupIntent, then spatialflow.addPaymentMethod
  await page.getByRole('button', { name: 'Add payment method…' }).click();
  const attach = page.getByRole('button', { name: 'Attach payment method' });
  await expect(attach).toBeDisabled();
  await page.getByRole('button', { name: 'Create setup intent' }).click();
  await expect(page.getByTestId('setup-intent')).toContainText(/Setup intent seti_\w+ created/);
  await expect(page.getByTestId('setup-intent')).not.toContainText('_secret_');
  await page.getByLabel('Payment method id').fill('card_visa');
  await attach.click();
  await expect(page.getByText('A payment-method id starts with pm_')).toBeVisible();
  await page.getByLabel('Payment method id').fill('pm_card_mastercard');
  await attach.click();
  await expect(page.getByTestId('payment-message')).toHaveText('Mastercard •••• 4444 was added.');
  await expect(list.getByTestId('payment-method')).toHaveCount(initial.length + 1);

  // The provider's own message when it refuses: the same card twice.
  await page.getByRole('button', { name: 'Add payment method…' }).click();
  await page.getByRole('button', { name: 'Create setup intent' }).click();
  await page.getByLabel('Payment method id').fill('pm_card_mastercard');
  await page.getByRole('button', { name: 'Attach payment method' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not attach the payment method.' })).toContainText('already attached');
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();

  // spatialflow.setDefaultPaymentMethod
  await page.getByRole('button', { name: 'Make default: Mastercard •••• 4444' }).click();
  await expect(page.getByTestId('payment-message')).toHaveText('Mastercard •••• 4444 is now the default payment method.');
  await expect(list.getByTestId('payment-method').first()).toContainText('Mastercard •••• 4444');
  await expect(list.getByTestId('payment-method').first()).toContainText('Default');

  // spatialflow.removePaymentMethod: the default is refused with the provider's 400 message, explained first.
  await page.getByRole('button', { name: 'Remove Mastercard •••• 4444' }).click();
  let dialog = page.getByRole('dialog', { name: 'Remove Mastercard •••• 4444?' });
  await expect(dialog).toContainText('This is your default payment method');
  await dialog.getByRole('button', { name: 'Remove payment method' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Cannot remove the default payment method');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // ... and another card goes.
  const victim = initial[0]!;
  await page.getByRole('button', { name: `Remove ${victim}` }).click();
  dialog = page.getByRole('dialog', { name: `Remove ${victim}?` });
  await expect(dialog).toContainText('Nothing is charged');
  await dialog.getByRole('button', { name: 'Remove payment method' }).click();
  await expect(page.getByTestId('payment-message')).toHaveText(`${victim} was removed.`);
  await expect(list.getByTestId('payment-method')).toHaveCount(initial.length);
  expect(await cardNames(list)).not.toContain(victim);

  // spatialflow.listPlans, spatialflow.previewPlanChange, spatialflow.changePlan
  await page.getByRole('button', { name: 'Change plan…' }).click();
  await expect(page.getByRole('radio', { name: /^Pro/ })).toBeDisabled();
  await page.getByRole('radio', { name: /^Business/ }).check();
  const preview = page.getByTestId('plan-preview');
  await expect(preview).toContainText('Pro → Business');
  await expect(page.getByTestId('preview-immediate')).toHaveText(/\$\d/);
  const charge = (await page.getByTestId('preview-immediate').textContent())!;
  await expect(preview).toContainText('to Mastercard •••• 4444 when you confirm');
  await preview.getByRole('button', { name: 'Change to Business…' }).click();
  dialog = page.getByRole('dialog', { name: 'Change to Business?' });
  await expect(dialog).toContainText(`Charged now: ${charge} to Mastercard •••• 4444`);
  await dialog.getByRole('button', { name: `Pay ${charge} and change plan` }).click();
  await expect(page.getByTestId('plan-name')).toHaveText('Business');
  await expect(page.getByTestId('subscription-message')).toBeVisible();

  // spatialflow.cancelSubscription
  await page.getByRole('button', { name: 'Cancel at period end…' }).click();
  dialog = page.getByRole('dialog', { name: 'Cancel Business at the end of the period?' });
  await expect(dialog).toContainText('Nothing changes today');
  await dialog.getByRole('button', { name: 'Cancel at period end' }).click();
  await expect(page.getByTestId('subscription-status')).toHaveText('Cancelling at period end');
  await expect(page.getByTestId('subscription-message')).toContainText('canceled at the end of the current billing period');
  await expect(page.getByRole('button', { name: 'Change plan…' })).toHaveCount(0);

  // spatialflow.reactivateSubscription
  await page.getByRole('button', { name: 'Reactivate subscription…' }).click();
  dialog = page.getByRole('dialog', { name: 'Reactivate Business?' });
  await expect(dialog).toContainText('Nothing is charged today');
  await dialog.getByRole('button', { name: 'Reactivate', exact: true }).click();
  await expect(page.getByTestId('subscription-status')).toHaveText('Active');
  await expect(page.getByTestId('subscription-message')).toContainText('reactivated');

  // What the provider holds now, after a reload: getSubscription and listPaymentMethods again.
  await page.reload();
  await expect(page.getByTestId('plan-name')).toHaveText('Business');
  await expect(list.getByTestId('payment-method').first()).toContainText('Mastercard •••• 4444');
});

test('invoices: pages while scrolling, filters with totals per currency, detail, PDF and signed link', async ({ page, harness }) => {
  await openSpatialFlow(page, harness);
  await page.getByRole('tab', { name: 'Invoices' }).click();

  // spatialflow.listInvoices, first page, then the second one by scrolling to the end.
  const grid = page.getByRole('grid', { name: 'Invoices' });
  const count = page.getByTestId('invoice-count');
  await expect(count).toHaveText('25 invoices loaded; more on SpatialFlow');
  await expect(grid.getByRole('columnheader')).toHaveText(['Number', 'Billing month', 'Status', 'Amount due']);
  // Virtualized: far fewer rows in the DOM than loaded.
  expect(await grid.getByRole('row').count()).toBeLessThan(25);
  await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(count).toHaveText('50 invoices loaded; more on SpatialFlow');
  await grid.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(count).toHaveText('60 invoices loaded');
  await expect(page.getByText('All 60 invoices are loaded.')).toBeVisible();
  // A refresh that brings the same first page keeps the pages already loaded.
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/rpc/spatialflow.listInvoices'));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await refreshed;
  await expect(page.getByRole('button', { name: 'Refresh' })).toBeEnabled();
  await expect(count).toHaveText('60 invoices loaded');
  await grid.evaluate((el) => el.scrollTo(0, 0));

  // Filters and totals.
  await expect(page.getByTestId('total-billed')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await page.getByRole('combobox', { name: 'Status' }).selectOption('void');
  await expect(count).toHaveText('1 of 60 loaded invoices match');
  await expect(page.getByTestId('total-billed')).toHaveText('—');
  await page.getByRole('combobox', { name: 'Status' }).selectOption('open');
  await expect(count).toHaveText('1 of 60 loaded invoices match');
  await expect(page.getByTestId('total-open')).toHaveText(/^\$[\d,]+\.\d\d$/);
  await page.getByRole('searchbox', { name: 'Number' }).fill('no-such-invoice');
  await expect(page.getByTestId('invoices-no-match')).toBeVisible();
  await page.getByTestId('invoices-no-match').getByRole('button', { name: 'Clear filters' }).click();
  await expect(count).toHaveText('60 invoices loaded');

  // spatialflow.getInvoice
  const firstRow = grid.getByRole('row').nth(1);
  const number = (await firstRow.getByRole('gridcell').first().textContent())!;
  await firstRow.click();
  const detail = page.getByTestId('invoice-detail');
  await expect(detail.getByRole('heading', { name: `Invoice ${number}` })).toBeVisible();
  await expect(detail.getByTestId('invoice-lines')).toContainText('plan');
  await expect(detail.getByTestId('invoice-lines')).toContainText('Total');
  await page.screenshot({ path: screenshotPath('spatialflow-invoices.png') });

  // spatialflow.downloadInvoice: a signed link, with no credentials in it.
  await detail.getByRole('button', { name: 'Show download link' }).click();
  const link = detail.getByTestId('download-link').getByRole('textbox');
  await expect(link).toHaveValue(/^https?:\/\/127\.0\.0\.1:\d+\/.+\.pdf/);
  const url = await link.inputValue();
  const sandboxes = await harness.sandboxes();
  expect(url.includes(sandboxes.spatialflow.credentials['password']!)).toBe(false);
  expect(url.startsWith(sandboxes.spatialflow.apiUrl)).toBe(false);

  // files.saveInvoicePdf, with progress, then the saved file's name.
  await detail.getByRole('button', { name: 'Download PDF' }).click();
  const saved = detail.getByTestId('saved-file');
  const escaped = number.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(saved.locator('.title')).toHaveText(new RegExp(`^Saved \\S*${escaped}\\S*\\.pdf$`), { timeout: 15_000 });
  const fileName = (await saved.locator('.title').textContent())!.replace(/^Saved /, '');
  const shown = (await saved.locator('.path').textContent())!.split(' · ')[0]!;
  expect(path.basename(shown)).toBe(fileName);
  const pdf = await fs.readFile(shown);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  // The progress the page followed: task.progress events for the task id it passed.
  const events = (await fs.readFile(harness.recordFile, 'utf8'))
    .split('\n')
    .filter((line) => line.includes('task.progress') && line.includes('sf-pdf:in_'));
  expect(events.some((line) => line.includes('"done"'))).toBe(true);
});

test('a provider failure on invoices shows its message, and retry works once the fault is gone', async ({ page, harness }) => {
  await harness.setFaults('spatialflow', [{ kind: 'status', status: 503, path: '/api/v1/billing/invoices' }]);
  await openSpatialFlow(page, harness);
  // Only the invoices fail: the subscription still loads.
  await expect(page.getByTestId('plan-name')).toHaveText('Pro');
  await page.getByRole('tab', { name: 'Invoices' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Could not load the invoices.' });
  await expect(alert).toBeVisible({ timeout: 20_000 });
  await expect(alert).toContainText('The provider said: “Internal server error”');
  await expect(alert).toContainText('INTERNAL_ERROR');
  await expect(page.getByRole('grid', { name: 'Invoices' })).toHaveCount(0);

  await harness.setFaults('spatialflow', []);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('invoice-count')).toHaveText('25 invoices loaded; more on SpatialFlow');
  await expect(alert).toHaveCount(0);
});

test('keyboard only: reach the invoices, move through them, open one and load more', async ({ page, harness }) => {
  await page.goto(harness.url);
  await expect(page.getByRole('navigation', { name: 'Accounts' }).getByRole('button', { name: /SpatialFlow \(demo\)/ })).toBeVisible();
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { name: 'SpatialFlow (demo)', level: 1 })).toBeVisible();

  await tabUntil(page, (el) => el.role === 'tab', 'the tabs');
  const invoicesTab = page.getByRole('tab', { name: 'Invoices' });
  await page.keyboard.press('ArrowRight');
  await expect(invoicesTab).toBeFocused();
  await expect(invoicesTab).toHaveAttribute('aria-selected', 'true');

  const grid = page.getByRole('grid', { name: 'Invoices' });
  await expect(grid).toBeVisible();
  await tabUntil(page, (el) => el.role === 'grid', 'the invoice list');
  await expect(grid).toBeFocused();
  // Focus is visible: the list's outline, and the active row's own outline.
  await expect(grid).toHaveCSS('outline-style', 'solid');

  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const active = grid.locator(`[id="${await grid.getAttribute('aria-activedescendant')}"]`);
  await expect(active).toHaveAttribute('aria-rowindex', '4');
  await expect(active).toHaveCSS('outline-style', 'solid');
  const number = (await active.getByRole('gridcell').first().textContent())!;
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('invoice-detail').getByRole('heading', { name: `Invoice ${number}` })).toBeVisible();
  await expect(page.getByTestId('invoice-lines')).toBeVisible();
  await expect(grid).toBeFocused();

  // End goes to the last loaded row, which brings in the next page.
  await page.keyboard.press('End');
  await expect(page.getByTestId('invoice-count')).toHaveText('50 invoices loaded; more on SpatialFlow');
  await page.keyboard.press('End');
  await expect(grid.locator(`[id="${await grid.getAttribute('aria-activedescendant')}"]`)).toHaveAttribute('aria-rowindex', '51');

  // On to the detail's actions by keyboard, and get the link there.
  await tabUntil(page, (el) => el.text === 'Show download link', 'the link button');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('download-link').getByRole('textbox')).toBeFocused();
});

import type { Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const card = (page: Page, name: string) => page.getByRole('article', { name });

interface Money {
  minor: number;
  currency: string;
}

/** Calls a channel the way the page does and unwraps the envelope. */
async function channel<T>(harness: Harness, name: string, args: Record<string, unknown>): Promise<T> {
  const reply = (await harness.rawCall(name, JSON.stringify(args))) as { ok: boolean; value: T };
  expect(reply.ok, name).toBe(true);
  return reply.value;
}

function formatIn(page: Page) {
  return (m: Money) =>
    page.evaluate(({ minor, currency }) => {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
      return new Intl.NumberFormat(navigator.language, { style: 'currency', currency }).format(minor / 10 ** digits);
    }, m);
}

const yyyyMM = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

async function openOverview(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  await expect(page.getByRole('heading', { name: 'All accounts', level: 1 })).toBeVisible();
}

test('the overview lists every account with its spend in its own currency and opens an account', async ({ page, harness, cspViolations }) => {
  const { accounts } = await channel<{ accounts: { id: string; name: string; provider: string }[] }>(harness, 'accounts.list', {});
  const byProvider = (p: string) => accounts.find((a) => a.provider === p)!;
  const format = formatIn(page);
  await openOverview(page, harness);
  await expect(page.getByTestId('overview-card')).toHaveCount(3);

  // Soracom: this month is the latest (preliminary) bill, last month comes from the history; yen.
  const soracom = byProvider('soracom');
  const latest = await channel<{ amount: Money }>(harness, 'soracom.getLatestBilling', { accountId: soracom.id });
  const history = await channel<{ bills: { yearMonth: string; amount: Money }[] }>(harness, 'soracom.getBillingHistory', { accountId: soracom.id });
  const now = new Date();
  const last = yyyyMM(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
  const lastBill = history.bills.find((b) => b.yearMonth === last)!;
  expect(latest.amount.currency).toBe('JPY');
  const soracomCard = card(page, soracom.name);
  await expect(soracomCard.getByTestId('this-month')).toContainText(await format(latest.amount));
  await expect(soracomCard.getByTestId('this-month')).toContainText('preliminary');
  await expect(soracomCard.getByTestId('last-month')).toContainText(await format(lastBill.amount));
  await expect(soracomCard).toContainText('¥');

  // SpatialFlow: the first page of invoices summed per month they were issued; dollars.
  const sf = byProvider('spatialflow');
  const page1 = await channel<{ invoices: { createdAt: string; status: string; amountDue: Money }[] }>(harness, 'spatialflow.listInvoices', { accountId: sf.id });
  const sfCard = card(page, sf.name);
  for (const [testid, month] of [
    ['this-month', yyyyMM(now)],
    ['last-month', last],
  ] as const) {
    const issued = page1.invoices.filter((i) => yyyyMM(new Date(i.createdAt)) === month && i.status !== 'void');
    if (issued.length === 0) {
      await expect(sfCard.getByTestId(testid)).toContainText('No invoice');
    } else {
      expect(issued.every((i) => i.amountDue.currency === 'USD')).toBe(true);
      const sum = issued.reduce((s, i) => s + i.amountDue.minor, 0);
      await expect(sfCard.getByTestId(testid)).toContainText(await format({ minor: sum, currency: 'USD' }));
    }
  }
  await expect(sfCard).toContainText('$');

  // Agilicus: no amounts in its API, so subscription status instead, and it says so.
  const agCard = card(page, byProvider('agilicus').name);
  await expect(agCard).toContainText('reports no amounts');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Active');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Trial');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Cancelled');
  await expect(agCard).not.toContainText(/[$¥€£]/);

  await page.screenshot({ path: screenshotPath('overview.png') });

  // Open an account from its card, by keyboard.
  await soracomCard.getByRole('button', { name: `Open ${soracom.name}` }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: soracom.name, level: 1 })).toBeVisible();
  await expect(sidebar(page).getByRole('button', { name: new RegExp(soracom.name.replace(/[()]/g, '\\$&')) })).toHaveAttribute('aria-current', 'page');
  expect(cspViolations).toEqual([]);
});

test('one failing account does not blank the others, and its retry works', async ({ page, harness }) => {
  await harness.setFaults('soracom', [{ kind: 'status', status: 500, path: '/v1/bills' }]);
  const { accounts } = await channel<{ accounts: { id: string; name: string; provider: string }[] }>(harness, 'accounts.list', {});
  const name = (p: string) => accounts.find((a) => a.provider === p)!.name;
  await openOverview(page, harness);

  const soracomCard = card(page, name('soracom'));
  const alert = soracomCard.getByRole('alert').filter({ hasText: 'Could not load the latest bill.' });
  await expect(alert).toContainText('Service temporarily unavailable (HTTP 500)', { timeout: 20_000 });
  await expect(card(page, name('spatialflow')).getByTestId('this-month')).toBeVisible();
  await expect(card(page, name('spatialflow')).getByRole('alert')).toHaveCount(0);
  await expect(card(page, name('agilicus')).getByTestId('agilicus-subscriptions')).toBeVisible();

  await harness.setFaults('soracom', []);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(soracomCard.getByTestId('this-month')).toContainText('¥');
});

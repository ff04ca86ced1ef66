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

interface SandboxInvoice {
  status: string;
  amount_due: number;
  currency: string;
  /** Unix seconds. */
  created_at: number;
}

/** The demo SpatialFlow account's invoices straight from its sandbox API, signed in with its credentials. */
async function sandboxInvoices(harness: Harness): Promise<SandboxInvoice[]> {
  const { spatialflow } = await harness.sandboxes();
  const login = await fetch(`${spatialflow.apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: spatialflow.credentials['email'], password: spatialflow.credentials['password'] }),
  });
  expect(login.status, 'sandbox login').toBe(200);
  const { access_token } = (await login.json()) as { access_token: string };
  const res = await fetch(`${spatialflow.apiUrl}/api/v1/billing/invoices?limit=100`, { headers: { Authorization: `Bearer ${access_token}` } });
  expect(res.status, 'sandbox invoices').toBe(200);
  const { invoices } = (await res.json()) as { invoices: SandboxInvoice[] };
  expect(invoices.length).toBeGreaterThan(0);
  return invoices;
}

const yyyyMM = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

async function openOverview(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  await expect(page.getByRole('heading', { name: 'All accounts', level: 1 })).toBeVisible();
}

test('the overview lists every account with its spend in its own currency and opens an account', async ({ page, harness }) => {
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
  // Months are the providers' (UTC) months: the view says so, and the time of this month's figure is in UTC too.
  await expect(page.getByText('Months are the providers’ billing months, in UTC.')).toBeVisible();
  await expect(soracomCard.getByTestId('this-month')).toContainText(/as of .+ UTC/);
  await expect(soracomCard.getByTestId('last-month')).toContainText(await format(lastBill.amount));
  await expect(soracomCard).toContainText('¥');

  // SpatialFlow: the invoices summed per month they were issued; dollars. The expected sums come
  // from the sandbox's API itself, not from the app's channels under test.
  const sf = byProvider('spatialflow');
  const sfInvoices = await sandboxInvoices(harness);
  const sfCard = card(page, sf.name);
  let issuedInTwoMonths = 0;
  for (const [testid, month] of [
    ['this-month', yyyyMM(now)],
    ['last-month', last],
  ] as const) {
    const issued = sfInvoices.filter((i) => yyyyMM(new Date(i.created_at * 1000)) === month && i.status !== 'void');
    issuedInTwoMonths += issued.length;
    if (issued.length === 0) {
      await expect(sfCard.getByTestId(testid)).toContainText('No invoice');
    } else {
      expect(issued.every((i) => i.currency.toUpperCase() === 'USD')).toBe(true);
      const sum = issued.reduce((s, i) => s + i.amount_due, 0);
      await expect(sfCard.getByTestId(testid)).toContainText(await format({ minor: sum, currency: 'USD' }));
    }
  }
  // The demo account is invoiced monthly: the two months cannot both be empty.
  expect(issuedInTwoMonths).toBeGreaterThan(0);
  await expect(sfCard).toContainText('$');

  // Agilicus: no amounts in its API, so subscription status instead, and it says so.
  const agCard = card(page, byProvider('agilicus').name);
  await expect(agCard).toContainText('reports no amounts');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Active');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Trial');
  // A trial does not renew: it ends and billing starts, as the payment calendar says.
  await expect(agCard.getByTestId('agilicus-subscriptions').locator('li').filter({ hasText: 'Trial' })).toContainText('trial ends, billing starts');
  await expect(agCard.getByTestId('agilicus-subscriptions').locator('li').filter({ hasText: 'Trial' })).not.toContainText('renews');
  await expect(agCard.getByTestId('agilicus-subscriptions')).toContainText('Cancelled');
  await expect(agCard.getByTestId('agilicus-subscriptions')).not.toContainText(/[$¥€£]/);
  // Its only amounts are the forecast's, an estimate from prices × quantities, and labelled so.
  await expect(agCard.getByTestId('forecast')).toContainText('estimate');
  // One amount per currency, set apart so two currencies never read as one figure.
  const amounts = await agCard.getByTestId('forecast').locator('.amount').allInnerTexts();
  expect(amounts.length).toBeGreaterThan(1);
  await expect(agCard.getByTestId('forecast').locator('.separator')).toHaveCount(amounts.length - 1);
  await expect(agCard.getByTestId('forecast').locator('.separator').first()).toBeVisible();

  await page.screenshot({ path: screenshotPath('overview.png') });

  // Open an account from its card, by keyboard.
  await soracomCard.getByRole('button', { name: `Open account: ${soracom.name}` }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: soracom.name, level: 1 })).toBeVisible();
  await expect(sidebar(page).getByRole('button', { name: new RegExp(soracom.name.replace(/[()]/g, '\\$&')) })).toHaveAttribute('aria-current', 'page');
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

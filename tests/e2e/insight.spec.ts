import type { Browser, Page } from '@playwright/test';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expectAccessible } from './a11y';
import { expect, pauseClock, screenshotPath, shotsOf, startHarness, test, type Harness } from './fixtures';

test.use({ harnessArgs: ['--demo'] });
// These tests sync every demo account (and one starts Billfold twice), which takes a while on a busy machine.
test.describe.configure({ timeout: 90_000 });

interface Money {
  minor: number;
  currency: string;
}

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const card = (page: Page, name: string) => page.getByRole('article', { name });
const yyyyMM = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;

function formatIn(page: Page) {
  return (m: Money) =>
    page.evaluate(({ minor, currency }) => {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
      return new Intl.NumberFormat(navigator.language, { style: 'currency', currency }).format(minor / 10 ** digits);
    }, m);
}

async function channel<T>(harness: Pick<Harness, 'rawCall'>, name: string, args: Record<string, unknown>): Promise<T> {
  const reply = (await harness.rawCall(name, JSON.stringify(args))) as { ok: boolean; value: T };
  expect(reply.ok, name).toBe(true);
  return reply.value;
}

async function accountsByProvider(harness: Harness) {
  const { accounts } = await channel<{ accounts: { id: string; name: string; provider: string }[] }>(harness, 'accounts.list', {});
  return (p: string) => accounts.find((a) => a.provider === p)!;
}

async function notifications(harness: Pick<Harness, 'url' | 'token'>): Promise<{ title: string; body: string }[]> {
  const res = await fetch(`${harness.url}/__harness/notifications`, { headers: { 'X-Billfold-Token': harness.token } });
  return (await res.json()) as { title: string; body: string }[];
}

// ---------------------------------------------------------------- the sandboxes, asked directly

async function soracomForecast(harness: Harness, now: Date): Promise<Money> {
  const { soracom } = await harness.sandboxes();
  const login = await fetch(`${soracom.apiUrl}/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ authKeyId: soracom.credentials['authKeyId'], authKey: soracom.credentials['authKey'] }),
  });
  const { apiKey, token } = (await login.json()) as { apiKey: string; token: string };
  const headers = { 'X-Soracom-API-Key': apiKey, 'X-Soracom-Token': token };
  const latest = (await (await fetch(`${soracom.apiUrl}/bills/latest`, { headers })).json()) as { amount: number; currency: string };
  const month = yyyyMM(now);
  const daily = (await (await fetch(`${soracom.apiUrl}/bills/${month}/daily`, { headers })).json()) as { billList: { amount: number; date: string }[] };
  // The demo answers in yen (the seed-era shapes carry no currency): major units are minor units.
  const today = `${month}${String(now.getUTCDate()).padStart(2, '0')}`;
  const closed = daily.billList.filter((d) => d.date < today);
  const all = daily.billList.reduce((n, d) => n + d.amount, 0);
  const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const closedSum = closed.reduce((n, d) => n + d.amount, 0);
  const notBegun = days - now.getUTCDate();
  const todaySoFar = all - closedSum;
  // The month so far plus the run rate of the closed days (half away from zero) for the days not
  // yet begun, today counted as a whole day at that rate while it is below it.
  const rest = todaySoFar * closed.length < closedSum ? Math.round((closedSum * (notBegun + 1)) / closed.length) - todaySoFar : Math.round((closedSum * notBegun) / closed.length);
  return { minor: latest.amount + rest, currency: 'JPY' };
}

async function spatialflowForecast(harness: Harness, now: Date): Promise<Money> {
  const { spatialflow } = await harness.sandboxes();
  const login = await fetch(`${spatialflow.apiUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: spatialflow.credentials['email'], password: spatialflow.credentials['password'] }),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  const headers = { Authorization: `Bearer ${access_token}` };
  const { invoices } = (await (await fetch(`${spatialflow.apiUrl}/api/v1/billing/invoices?limit=100`, { headers })).json()) as {
    invoices: { status: string; amount_due: number; created_at: number }[];
  };
  const sub = (await (await fetch(`${spatialflow.apiUrl}/api/v1/subscriptions/current`, { headers })).json()) as {
    plan: { price: number };
    current_period_end: string;
    cancel_at_period_end: boolean;
  };
  const month = yyyyMM(now);
  const issued = invoices.filter((i) => i.status !== 'void' && yyyyMM(new Date(i.created_at * 1000)) === month).reduce((n, i) => n + i.amount_due, 0);
  const renews = Date.parse(sub.current_period_end);
  const monthEnd = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const upcoming = !sub.cancel_at_period_end && renews > now.getTime() && renews < monthEnd ? Math.round(sub.plan.price * 100) : 0;
  return { minor: issued + upcoming, currency: 'USD' };
}

async function agilicusEstimate(harness: Harness): Promise<Money[]> {
  const { agilicus } = await harness.sandboxes();
  const res = await fetch(`${agilicus.apiUrl}/v1/billing_accounts?get_subscription_data=true`, { headers: { Authorization: `Bearer ${agilicus.credentials['accessToken']!}` } });
  const body = (await res.json()) as { billing_accounts: { status: { subscriptions?: { status: string; quantity: number; plan: { amount: number; currency: string; interval: string } }[] } }[] };
  const byCurrency = new Map<string, number>();
  for (const ba of body.billing_accounts) {
    for (const s of ba.status.subscriptions ?? []) {
      if (!['active', 'trialing', 'past_due'].includes(s.status) || s.plan.interval !== 'month') continue;
      const c = s.plan.currency.toUpperCase();
      byCurrency.set(c, (byCurrency.get(c) ?? 0) + s.plan.amount * s.quantity);
    }
  }
  return [...byCurrency].map(([currency, minor]) => ({ minor, currency }));
}

/** A page wired to a harness started by the test itself (the `page` fixture belongs to the fixture's harness). */
async function pageFor(browser: Browser, harness: Pick<Harness, 'token'>): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript((token) => {
    (window as unknown as { __billfoldHarness: { token: string } }).__billfoldHarness = { token };
  }, harness.token);
  await page.addInitScript({ path: path.resolve('dist/harness-bridge/bridge.js') });
  return page;
}

async function openOverview(page: Page, harness: Pick<Harness, 'url'>) {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  await expect(page.getByRole('heading', { name: 'All accounts', level: 1 })).toBeVisible();
}

/** Waits until the overview's insight has every account's data (the overview syncs what is missing). */
async function waitForInsight(page: Page) {
  await expect(page.getByTestId('account-insight')).toHaveCount(3);
  await expect(page.getByText(/^Not synced yet:/)).toHaveCount(0, { timeout: 20_000 });
}

test('the overview’s forecast, change and totals equal a computation made straight from the sandboxes', async ({ page, harness }) => {
  const byProvider = await accountsByProvider(harness);
  const format = formatIn(page);
  await openOverview(page, harness);
  await waitForInsight(page);
  const now = new Date();

  const soracom = await soracomForecast(harness, now);
  const soracomCard = card(page, byProvider('soracom').name);
  await expect(soracomCard.getByTestId('forecast')).toContainText(await format(soracom));
  await expect(soracomCard.getByTestId('forecast')).toContainText('estimate');
  await expect(soracomCard.getByTestId('forecast')).toContainText(/The month so far, .* plus the daily run rate of the \d+ closed days/);
  // Change from last month: the forecast minus last month's bill, in yen, with its percentage.
  const history = await channel<{ bills: { yearMonth: string; amount: Money }[] }>(harness, 'soracom.getBillingHistory', { accountId: byProvider('soracom').id });
  const last = history.bills.find((b) => b.yearMonth === yyyyMM(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))))!;
  const diff = soracom.minor - last.amount.minor;
  const percent = ((Math.sign(diff) * Math.round((Math.abs(diff) * 1000) / last.amount.minor)) / 10).toFixed(1);
  await expect(soracomCard.getByTestId('change')).toContainText(`${diff > 0 ? '+' : ''}${await format({ minor: diff, currency: 'JPY' })} (${diff < 0 ? '' : '+'}${percent}%)`);

  const spatialflow = await spatialflowForecast(harness, now);
  await expect(card(page, byProvider('spatialflow').name).getByTestId('forecast')).toContainText(await format(spatialflow));

  const agilicus = await agilicusEstimate(harness);
  expect(agilicus.map((m) => m.currency).sort()).toEqual(['CAD', 'USD']);
  const agilicusCard = card(page, byProvider('agilicus').name);
  for (const m of agilicus) await expect(agilicusCard.getByTestId('forecast')).toContainText(await format(m));
  await expect(agilicusCard.getByTestId('forecast')).toContainText('estimate');
  await expect(agilicusCard.getByTestId('change')).toContainText('Agilicus reports no billed amounts');

  // Totals per currency: never added across currencies.
  const totals = page.getByTestId('currency-totals');
  await expect(totals.locator('tbody tr')).toHaveCount(3);
  await expect(totals.locator('tr[data-currency="JPY"] [data-testid="total-forecast"]')).toContainText(await format(soracom));
  const usd = spatialflow.minor + (agilicus.find((m) => m.currency === 'USD')?.minor ?? 0);
  await expect(totals.locator('tr[data-currency="USD"] [data-testid="total-forecast"]')).toContainText(await format({ minor: usd, currency: 'USD' }));
  await expect(totals.locator('tr[data-currency="CAD"] [data-testid="total-forecast"]')).toContainText(await format(agilicus.find((m) => m.currency === 'CAD')!));

  // The calendar lists the renewals and Soracom's month close in the next 60 days; the help text gives the rule.
  await page.getByRole('button', { name: '60 days' }).click();
  const calendar = page.getByTestId('payment-calendar');
  await expect(calendar.locator('li[data-kind="month-close"]')).toContainText(await format(soracom));
  await expect(calendar.locator('li[data-kind="renewal"]').first()).toBeVisible();
  // SpatialFlow's open invoice, and Soracom's last month, still being charged.
  await expect(calendar.locator('li[data-kind="invoice-open"]')).toHaveCount(2);
  await expect(calendar.locator('li[data-kind="invoice-open"]').filter({ hasText: byProvider('spatialflow').name })).toContainText(/Invoice .+ is open/);
  await expect(calendar.locator('li[data-kind="invoice-open"]').filter({ hasText: byProvider('soracom').name })).toContainText('is being charged');
  await expect(page.getByTestId('insight-help')).toContainText('median absolute deviation');

  // The demo's true anomaly: last month's rollout, flagged on the overview with how far.
  const flag = soracomCard.getByTestId('anomaly-flag');
  await expect(flag).toHaveCount(1);
  await expect(flag).toContainText(/\d+× the median of the last 6 months/);
  await expect(page.getByTestId('anomaly-flag')).toHaveCount(1);

  await page.setViewportSize({ width: 1200, height: 760 });
  await page.locator('main.pane').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('insight-overview.png') });
  await calendar.screenshot({ path: screenshotPath('insight-calendar.png') });
});

test('the payment calendar follows a SpatialFlow plan change at once, gives the credit of a change back, and puts no $0.00 on a trial', async ({ page, harness }) => {
  const byProvider = await accountsByProvider(harness);
  const spatialflow = byProvider('spatialflow');
  const format = formatIn(page);
  await openOverview(page, harness);
  await waitForInsight(page);
  await page.getByRole('button', { name: '60 days' }).click();
  const calendar = page.getByTestId('payment-calendar');
  const renewal = calendar.locator('li[data-kind="renewal"]').filter({ hasText: spatialflow.name });
  await expect(renewal).toContainText('Pro renews');
  await expect(renewal.locator('.how-much')).toContainText(await format({ minor: 4900, currency: 'USD' }));
  const soFar = page.getByTestId('currency-totals').locator('tr[data-currency="USD"] [data-testid="total-so-far"]');
  const soFarBefore = await soFar.textContent();

  // Up to Business: the upgrade's invoice in the figures and the new plan in the calendar, with no sync.
  await harness.call('spatialflow.changePlan', { accountId: spatialflow.id, newPlanId: 'plan_business' });
  await expect(renewal).toContainText('Business renews');
  await expect(renewal.locator('.how-much')).toContainText(await format({ minor: 19900, currency: 'USD' }));
  await expect(soFar).not.toHaveText(soFarBefore!);

  // Back to Pro: SpatialFlow's own preview says the credit leaves nothing to pay on the next invoice.
  const preview = await harness.call<{ proratedAmount: Money; nextInvoiceChange: Money }>('spatialflow.previewPlanChange', { accountId: spatialflow.id, newPlanId: 'plan_pro' });
  expect(19900 + preview.nextInvoiceChange.minor).toBeLessThan(0);
  await harness.call('spatialflow.changePlan', { accountId: spatialflow.id, newPlanId: 'plan_pro' });
  await expect(renewal).toContainText('Pro renews, less a credit');
  await expect(renewal.locator('.how-much .amount')).toHaveText(await format({ minor: 0, currency: 'USD' }));
  // What it is made of: the plan's price, the credit (SpatialFlow's, to the cent), and what carries over.
  const madeFrom = (await renewal.locator('.made-from').textContent())!;
  expect(madeFrom).toContain(`The Pro plan’s price per month, $49.00, less $`);
  expect(madeFrom).toContain('of credit left over carries to later invoices');
  const credit = Math.round(Number(/less \$([\d,]+\.\d\d) of credit/.exec(madeFrom)![1]!.replace(/,/g, '')) * 100);
  expect(Math.abs(credit + preview.proratedAmount.minor)).toBeLessThanOrEqual(1);

  // A trial's first billed period: no "$0.00 estimate", but words.
  const trial = calendar.locator('li[data-kind="renewal"]').filter({ hasText: 'trial ends' });
  await expect(trial.locator('.how-much')).toHaveText('Amount not known yet');
  await expect(trial).toContainText('not known yet');

  // Budgets passed, marked in the totals and on the card, read well for everyone.
  await harness.call('insight.setBudgets', { accounts: [{ accountId: spatialflow.id, amount: { minor: 100, currency: 'USD' } }], currencies: [{ currency: 'JPY', amount: { minor: 1, currency: 'JPY' } }] });
  await expect(page.getByTestId('currency-totals').locator('tr[data-currency="JPY"] [data-testid="total-budget"]')).toContainText('Over');
  await expect(card(page, spatialflow.name).getByTestId('account-budget')).toContainText('Over budget');
  await expectAccessible(page, 'the overview with budgets passed and the payment calendar');

  for (const [width, height] of [
    [1200, 760],
    [900, 600],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await calendar.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join('test-results', 'screenshots', `calendar-plan-change-${width}x${height}-${scheme}.png`) });
    }
  }
});

test('an anomaly is flagged on the bill-history chart, and its flag and bar open the month', async ({ page, harness }) => {
  const byProvider = await accountsByProvider(harness);
  const now = new Date();
  const lastMonth = yyyyMM(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
  await openOverview(page, harness);
  await waitForInsight(page);
  // From the overview's flag straight into the month.
  await card(page, byProvider('soracom').name).getByTestId('anomaly-flag').getByRole('button').click();
  await expect(page.locator('#soracom-month-title')).toBeVisible();
  await page.getByRole('button', { name: '← All bills' }).click();

  // The account's own compact calendar.
  await page.getByText('Payments coming up').click();
  await expect(page.getByTestId('account-calendar').locator('li[data-kind="month-close"]')).toContainText('Month closes');
  await expect(page.getByTestId('account-calendar')).not.toContainText(byProvider('spatialflow').name);

  const chart = page.getByTestId('history-chart');
  await expect(chart.locator(`[data-flag="${lastMonth}"]`)).toBeVisible();
  await expect(chart.locator('[data-flag]')).toHaveCount(1);
  await expect(page.getByTestId('anomaly-list')).toContainText(/the median of the last 6 months/);
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.locator('.soracom-history').screenshot({ path: screenshotPath('insight-flagged-chart.png') });
  // A bar opens its month.
  await chart.locator(`rect.bar[data-key="${lastMonth}"]`).click({ force: true });
  await expect(page.locator('#soracom-month-title')).toBeVisible();
  await expect(page.getByTestId('daily-chart')).toBeVisible();
  // A day's bar opens that day in the table.
  const firstDay = page.getByTestId('daily-chart').locator('rect.bar').first();
  const day = await firstDay.getAttribute('data-key');
  await firstDay.click({ force: true });
  await expect(page.locator(`tr[data-day="${day}"]`)).toBeFocused();
});

test('a budget crossed by the demo data raises one alert and one notification, and not again after a restart', async ({ browser }) => {
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-restart-'));
  try {
    const first = await startHarness(['--demo'], {}, { userDataDir });
    let soracomName: string;
    try {
      const byProvider = await accountsByProvider(first.harness);
      const soracom = byProvider('soracom');
      soracomName = soracom.name;
      const page = await pageFor(browser, first.harness);
      // The page's clock is paused while the alert is looked at, so its toast stays (toasts step back after 8 s).
      await page.clock.install();
      await openOverview(page, first.harness);
      await waitForInsight(page);
      await pauseClock(page);
      const overview = await channel<{ accounts: { accountId: string; forecast: { amounts: Money[] } }[] }>(first.harness, 'insight.overview', {});
      const forecast = overview.accounts.find((a) => a.accountId === soracom.id)!.forecast.amounts[0]!;
      // A budget the forecast fills to about 90%: past 80%, not 100%.
      const budget = Math.ceil((forecast.minor * 100) / 90);
      await page.getByText('Budgets and background sync').click();
      await page.getByLabel(`Monthly budget for ${soracom.name} in JPY`).fill(String(budget));
      await page.getByRole('button', { name: 'Save budgets' }).click();
      const banner = page.getByTestId('alert-banner').filter({ hasText: 'budget' });
      await expect(banner).toHaveCount(1);
      await expect(banner).toContainText(`${soracom.name}: 80% of the monthly budget`);
      await expect
        .poll(async () => (await notifications(first.harness)).filter((n) => n.title.includes('budget')))
        .toEqual([{ title: `${soracom.name}: 80% of the monthly budget`, body: expect.stringContaining('80%') as unknown as string }]);
      await banner.getByRole('button', { name: /^Dismiss/ }).click();
      await expect(banner).toHaveCount(0);
      await expect(page.getByTestId('alerts-panel').locator('[data-kind="budget"]')).toContainText('dismissed');
      await page.close();
    } finally {
      await first.stop();
    }

    // Billfold starts again on the same data and syncs again: no second alert, no second notification.
    const second = await startHarness(['--demo'], {}, { userDataDir });
    try {
      const page = await pageFor(browser, second.harness);
      await openOverview(page, second.harness);
      await waitForInsight(page);
      await channel(second.harness, 'sync.runNow', {});
      await expect(page.getByTestId('alerts-panel').locator('[data-kind="budget"]')).toHaveCount(1);
      await expect(page.getByTestId('alerts-panel').locator('[data-kind="budget"]')).toContainText(`${soracomName}: 80% of the monthly budget`);
      await expect(page.getByTestId('alert-banner')).toHaveCount(0);
      expect((await notifications(second.harness)).filter((n) => n.title.includes('budget'))).toEqual([]);
      await page.close();
    } finally {
      await second.stop();
    }
  } finally {
    await fs.rm(userDataDir, { recursive: true, force: true });
  }
});

test('a budget is saved as typed or refused with the reason: no decimals in yen, no comma but between thousands, at least ¥1, not too large', async ({ page, harness }) => {
  const soracom = (await accountsByProvider(harness))('soracom');
  await openOverview(page, harness);
  await waitForInsight(page);
  await page.getByText('Budgets and background sync').click();
  const panel = page.getByTestId('budgets-panel');
  const field = page.getByLabel(`Monthly budget for ${soracom.name} in JPY`);
  const save = panel.getByRole('button', { name: 'Save budgets' });
  const stored = async () => (await channel<{ accounts: { accountId: string; amount: Money }[] }>(harness, 'insight.getBudgets', {})).accounts;
  for (const [typed, reason] of [
    ['10.5', 'has decimals, and JPY amounts have none: use a whole number.'],
    ['10,50', 'has a comma that does not separate thousands (as in 1,234), and JPY amounts have no decimals: use a whole number.'],
    ['0', `must be at least ${await formatIn(page)({ minor: 1, currency: 'JPY' })}.`],
    ['12345678901234567890', 'is too large: Billfold keeps amounts up to'],
  ] as [string, string][]) {
    await field.fill(typed);
    await save.click();
    await expect(panel).toContainText(`The budget for ${soracom.name} ${reason}`);
    await expect(panel).not.toContainText('out of range');
    expect(await stored()).toEqual([]);
  }
  // Saved, the field shows the amount as stored.
  await field.fill('7,500');
  await save.click();
  await expect(panel.getByRole('status').filter({ hasText: 'Budgets saved.' })).toBeVisible();
  await expect(field).toHaveValue('7500');
  expect(await stored()).toEqual([{ accountId: soracom.id, amount: { minor: 7500, currency: 'JPY' } }]);
});

test.describe('background sync', () => {
  test.use({ harnessArgs: ['--demo', '--sync-first-run-ms', '300'] });

  test('a synced account updates its sidebar badge without being opened', async ({ page, harness }) => {
    const { accounts, activeAccountId } = await channel<{ accounts: { id: string; name: string; provider: string }[]; activeAccountId?: string }>(harness, 'accounts.list', {});
    const spatialflow = accounts.find((a) => a.provider === 'spatialflow')!;
    const soracom = accounts.find((a) => a.provider === 'soracom')!;
    // Whichever of the two is not the open one.
    const target = activeAccountId === spatialflow.id ? soracom : spatialflow;
    await page.goto(harness.url);
    const button = sidebar(page).getByRole('button', { name: new RegExp(`^${target.name.replace(/[()]/g, '\\$&')}`) });
    const badge = target.provider === 'spatialflow' ? '[data-badge="open"]' : '[data-badge="preliminary"]';
    await expect(button.locator(badge)).toBeVisible({ timeout: 20_000 });
    await expect(button.locator(badge)).toHaveText(target.provider === 'spatialflow' ? '1 open invoice' : 'month preliminary');
    await expect(button).toContainText('Synced just now');
    const status = () => channel<{ enabled: boolean; intervalMinutes: number; accounts: { accountId: string; nextRunAt?: string }[] }>(harness, 'sync.status', {});
    expect(await status()).toMatchObject({ enabled: true, intervalMinutes: 60 });
    // Once the background sync of the account has ended (the sidebar's "just now" can come from a
    // view's own read before it), the next run is an hour away, give or take the jitter.
    const next = async () => Date.parse((await status()).accounts.find((a) => a.accountId === target.id)!.nextRunAt!) - Date.now();
    await expect.poll(next, { timeout: 20_000 }).toBeGreaterThan(50 * 60_000);
    expect(await next()).toBeLessThan(67 * 60_000);

    // The settings say when, as a sentence of its own.
    await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
    await page.getByText('Budgets and background sync').click();
    await expect(page.getByTestId('budgets-panel')).toContainText(/one request at a time, and less often while its provider fails or asks to wait\. Next sync (in \d+ \w+|just now)\./);
  });
});

test('a provider answering with a server error is not called offline on the overview: its figures stay, and it says so', async ({ page, harness }) => {
  const soracom = (await accountsByProvider(harness))('soracom');
  await openOverview(page, harness);
  await waitForInsight(page);
  const forecast = await card(page, soracom.name).getByTestId('forecast').locator('.amount').first().textContent();
  await harness.setFaults('soracom', [{ kind: 'status', status: 500, path: '/v1/bills/latest' }]);
  // By keyboard: Sync now keeps the focus while it works.
  const syncNow = page.getByRole('button', { name: /^(Sync now|Syncing…)$/ });
  await syncNow.focus();
  await page.keyboard.press('Enter');
  const status = page.getByTestId('insight-status');
  await expect(status).toContainText('Some providers answered the last sync with an error', { timeout: 20_000 });
  await expect(syncNow).toHaveText('Sync now');
  await expect(syncNow).toBeFocused();
  await expect(status).not.toContainText('Offline');
  await expect(card(page, soracom.name).getByText(/^Not refreshed: the provider answered the last sync with an error\. Figures from data as of/)).toBeVisible();
  await expect(card(page, soracom.name).getByText(/^Offline/)).toHaveCount(0);
  await expect(card(page, soracom.name).getByTestId('forecast').locator('.amount').first()).toHaveText(forecast!);
  await shotsOf(page, card(page, soracom.name).getByText(/^Not refreshed/), 'overview-refresh-failed');
  await harness.setFaults('soracom', []);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(status).not.toContainText('answered the last sync with an error', { timeout: 20_000 });
});

test('with the providers unreachable the overview keeps its figures and says it is offline', async ({ page, harness }) => {
  const byProvider = await accountsByProvider(harness);
  await openOverview(page, harness);
  await waitForInsight(page);
  const forecast = await card(page, byProvider('soracom').name).getByTestId('forecast').locator('.amount').first().textContent();
  await harness.setSandboxesReachable(false);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('insight-status')).toContainText('Offline', { timeout: 20_000 });
  await expect(card(page, byProvider('soracom').name).getByText(/^Offline: figures from data as of/)).toBeVisible();
  await expect(card(page, byProvider('soracom').name).getByTestId('forecast').locator('.amount').first()).toHaveText(forecast!);
  await expect(page.getByTestId('currency-totals').locator('tbody tr')).toHaveCount(3);
  await harness.setSandboxesReachable(true);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('insight-status')).not.toContainText('Offline', { timeout: 20_000 });
});

/**
 * Waits until the overview is read again for nothing but what a test does next: the Alerts panel
 * marks the alerts on screen as read after 1.5 s, and that re-evaluates the insight once more.
 */
async function settle(page: Page, harness: Pick<Harness, 'rawCall'>) {
  await expect.poll(async () => (await channel<{ alerts: { read: boolean }[] }>(harness, 'insight.listAlerts', {})).alerts.every((a) => a.read), { timeout: 10_000 }).toBe(true);
  await page.waitForTimeout(1000);
}

test('the overview’s ages move on while the window stays open, as the sidebar’s do', async ({ page, harness }) => {
  await page.clock.install();
  await openOverview(page, harness);
  await waitForInsight(page);
  await settle(page, harness);
  await expect(page.getByTestId('insight-status')).toContainText('from data synced just now or later');
  const forecasts = page.getByTestId('forecast');
  await expect(forecasts).toHaveCount(3);
  for (const f of await forecasts.all()) await expect(f).toContainText('Data as of just now.');
  await page.clock.fastForward('40:00');
  await expect(sidebar(page).getByText('Synced 40 minutes ago')).toHaveCount(3);
  await expect(page.getByTestId('insight-status')).toContainText('from data synced 40 minutes ago or later');
  for (const f of await forecasts.all()) await expect(f).toContainText('Data as of 40 minutes ago.');
});

test('a card’s Refresh reads again everything its figures and its forecast are made of', async ({ page, harness }) => {
  const byProvider = await accountsByProvider(harness);
  await openOverview(page, harness);
  await waitForInsight(page);
  await settle(page, harness);
  for (const provider of ['soracom', 'spatialflow', 'agilicus']) {
    const account = byProvider(provider);
    const asOf = async () => (await channel<{ accounts: { accountId: string; asOf?: string }[] }>(harness, 'insight.overview', {})).accounts.find((a) => a.accountId === account.id)?.asOf ?? '';
    const before = new Date().toISOString();
    expect(await asOf(), provider).not.toBe('');
    expect(await asOf() < before, provider).toBe(true);
    await card(page, account.name).getByRole('button', { name: 'Refresh' }).click();
    // The forecast's "Data as of" is the oldest of what it is made of: all of it was read again.
    await expect.poll(async () => (await asOf()) >= before, { message: provider, timeout: 10_000 }).toBe(true);
  }
});

test('an Agilicus card’s Refresh reads again the usage a subscription without a quantity is estimated from', async ({ page, harness }) => {
  const agilicus = (await accountsByProvider(harness))('agilicus');
  // Agilicus may leave a subscription's quantity out: the forecast then takes the newest usage record.
  await harness.setFaults('agilicus', [{ kind: 'patch', method: 'GET', path: '/v1/billing_accounts', pointer: '/billing_accounts/0/status/subscriptions/0/quantity', value: null }]);
  await openOverview(page, harness);
  await waitForInsight(page);
  await settle(page, harness);
  const { accounts } = await channel<{ accounts: { id: string; subscriptions: { quantity: number | null }[] | null }[] }>(harness, 'agilicus.listBillingAccounts', {
    accountId: agilicus.id,
    includeSubscriptions: true,
    includeCustomer: true,
  });
  expect(accounts[0]!.subscriptions![0]!.quantity).toBeNull();
  const usageSyncedAt = async () =>
    (await channel<{ syncedAt: string } | null>(harness, 'snapshots.get', { accountId: agilicus.id, channel: 'agilicus.getUsageRecords', args: { accountId: agilicus.id, billingAccountId: accounts[0]!.id } }))?.syncedAt ?? '';
  const before = new Date().toISOString();
  expect(await usageSyncedAt()).not.toBe('');
  expect((await usageSyncedAt()) < before).toBe(true);
  await card(page, agilicus.name).getByRole('button', { name: 'Refresh' }).click();
  await expect.poll(async () => (await usageSyncedAt()) >= before, { timeout: 10_000 }).toBe(true);
});

test('once the providers answer again, the overview stops saying offline when the sidebar shows them synced', async ({ page, harness }) => {
  // The sidebar checks accounts whose sync failed every half second instead of every 15 s.
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  await waitForInsight(page);
  await settle(page, harness);
  await harness.setSandboxesReachable(false);
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('insight-status')).toContainText('Offline', { timeout: 20_000 });
  await expect(sidebar(page).getByText(/^Sync failed/)).toHaveCount(3);
  await harness.setSandboxesReachable(true);
  // No Sync now: the background sync waits a minute after a failure, the sidebar's check does not.
  await expect(sidebar(page).getByText(/^Synced/)).toHaveCount(3, { timeout: 10_000 });
  await expect(page.getByTestId('insight-status')).not.toContainText('Offline', { timeout: 5_000 });
  await expect(page.getByText(/^Offline: figures from data as of/)).toHaveCount(0);
});

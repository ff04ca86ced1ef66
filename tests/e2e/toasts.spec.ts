import type { Locator, Page } from '@playwright/test';
import path from 'node:path';
import { expect, pauseClock, test, type Harness } from './fixtures';

// Alert toasts step back into the overview's Alerts panel after 8 s. The page's clock is
// Playwright's (installed before the page loads and paused once the demo data is in), so every
// step of those 8 s is the test's to take.
test.use({ harnessArgs: ['--demo'] });
test.describe.configure({ timeout: 90_000 });

interface Money {
  minor: number;
  currency: string;
}
interface AlertInfo {
  id: string;
  kind: string;
  title: string;
  read: boolean;
  dismissed: boolean;
}

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });
const toasts = (page: Page) => page.getByTestId('alert-banner');

async function channel<T>(harness: Harness, name: string, args: Record<string, unknown>): Promise<T> {
  const reply = (await harness.rawCall(name, JSON.stringify(args))) as { ok: boolean; value: T };
  expect(reply.ok, name).toBe(true);
  return reply.value;
}

const alertList = async (harness: Harness) => (await channel<{ alerts: AlertInfo[] }>(harness, 'insight.listAlerts', {})).alerts;

async function accountOf(harness: Harness, provider: string) {
  const { accounts } = await channel<{ accounts: { id: string; name: string; provider: string }[] }>(harness, 'accounts.list', {});
  return accounts.find((a) => a.provider === provider)!;
}

/**
 * Opens the overview with the page's clock installed, waits until every demo account is synced and
 * the demo's unusual bill has raised its alert, lets whatever toast that showed step back, and
 * pauses the clock.
 */
async function ready(page: Page, harness: Harness) {
  await page.clock.install();
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  await expect(page.getByTestId('account-insight')).toHaveCount(3);
  await expect(page.getByText(/^Not synced yet:/)).toHaveCount(0, { timeout: 20_000 });
  await expect.poll(async () => (await alertList(harness)).filter((a) => a.kind === 'anomaly').length, { timeout: 20_000 }).toBe(1);
  await pauseClock(page);
  await page.clock.runFor(9_000);
  await expect(toasts(page)).toHaveCount(0);
}

/** A budget for the account that its forecast fills to about 90%: one alert, at 80%. */
async function budgetAt90(harness: Harness, accountId: string) {
  const overview = await channel<{ accounts: { accountId: string; forecast: { amounts: Money[] } }[] }>(harness, 'insight.overview', {});
  const forecast = overview.accounts.find((a) => a.accountId === accountId)!.forecast.amounts[0]!;
  return { minor: Math.ceil((forecast.minor * 100) / 90), currency: forecast.currency };
}

async function setBudgets(harness: Harness, accounts: { accountId: string; amount: Money }[], currencies: { currency: string; amount: Money }[] = []) {
  await channel(harness, 'insight.setBudgets', { accounts, currencies });
}

/** Sets a budget the account's forecast fills to about 90% and waits for the toast of its alert at 80%. */
async function budgetToast(page: Page, harness: Harness, account: { id: string; name: string }): Promise<Locator> {
  await setBudgets(harness, [{ accountId: account.id, amount: await budgetAt90(harness, account.id) }]);
  const toast = toasts(page).filter({ hasText: `${account.name}: 80% of the monthly budget` });
  await expect(toast).toHaveCount(1);
  return toast;
}

/** What is painted at the middle of `target`: the target itself (or inside it), or whatever covers it. */
async function coveredBy(target: Locator): Promise<string> {
  return target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (top && el.contains(top)) return 'nothing';
    return top?.closest('.alert-toasts') ? 'toasts' : (top?.tagName ?? 'none');
  });
}

test('a toast steps back into the Alerts panel after 8 seconds, still unread, and is announced once', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  await ready(page, harness);
  // Away from the overview, whose Alerts panel marks what it shows as read.
  await sidebar(page).getByRole('button', { name: /^Agilicus/ }).click();
  const toast = await budgetToast(page, harness, soracom);
  const announcer = page.getByTestId('alert-announcer');
  await expect(announcer.getByText(`New alert: ${soracom.name}: 80% of the monthly budget.`)).toHaveCount(1);

  await page.clock.runFor(7_000);
  await expect(toast).toBeVisible();
  await page.clock.runFor(1_500);
  await expect(toasts(page)).toHaveCount(0);
  // Said once: stepping back says nothing more.
  await expect(announcer.getByText(`New alert: ${soracom.name}: 80% of the monthly budget.`)).toHaveCount(1);

  // Still new, not dismissed: counted on the account's badge and listed in the panel.
  const budget = (await alertList(harness)).find((a) => a.kind === 'budget')!;
  expect(budget).toMatchObject({ read: false, dismissed: false });
  await expect(sidebar(page).getByRole('button', { name: /^Soracom/ }).locator('[data-badge="alerts"]')).toContainText('new alert');
  await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
  const listed = page.getByTestId('alerts-panel').locator('[data-kind="budget"]');
  await expect(listed).toContainText(`${soracom.name}: 80% of the monthly budget`);
  await expect(listed).toContainText('new');
  await expect(listed).not.toContainText('dismissed');
});

test('a toast stays while the window is hidden, the pointer is over it or it has keyboard focus, and Escape dismisses it', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  await ready(page, harness);
  const first = await budgetToast(page, harness, soracom);

  // While the window is hidden (minimised, say) it stays.
  const setHidden = (hidden: boolean) =>
    page.evaluate((h) => {
      Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
  await setHidden(true);
  await page.clock.runFor(30_000);
  await expect(first).toBeVisible();
  await setHidden(false);

  // Under the pointer, it stays; once the pointer leaves, it gets its full 8 s again.
  await first.hover();
  await page.clock.runFor(30_000);
  await expect(first).toBeVisible();
  await page.mouse.move(300, 100);
  await page.clock.runFor(7_000);
  await expect(first).toBeVisible();
  await page.clock.runFor(1_500);
  await expect(first).toHaveCount(0);

  // A second alert (the JPY budget over all accounts); the keyboard reaches its toast from the pane's end.
  const jpy = await budgetAt90(harness, soracom.id);
  await setBudgets(harness, [{ accountId: soracom.id, amount: jpy }], [{ currency: 'JPY', amount: jpy }]);
  const second = toasts(page).filter({ hasText: 'All JPY accounts: 80% of the monthly budget' });
  await expect(second).toHaveCount(1);
  const lastInPane = page.locator('main.pane summary').last();
  await lastInPane.focus();
  await page.keyboard.press('Tab');
  await expect(second.getByRole('button', { name: /^Dismiss/ })).toBeFocused();
  await page.clock.runFor(30_000);
  await expect(second).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(second).toHaveCount(0);
  await expect(page.getByTestId('alerts-panel').locator('[data-kind="budget"]').filter({ hasText: 'All JPY accounts' })).toContainText('dismissed');
  // Focus goes back where it came from.
  await expect(lastInPane).toBeFocused();

  // A toast dismissed with the mouse leaves no hold behind: the next ones step back as usual.
  await setBudgets(harness, [{ accountId: soracom.id, amount: jpy }], [{ currency: 'JPY', amount: { minor: 1, currency: 'JPY' } }]);
  const third = toasts(page).filter({ hasText: 'All JPY accounts: 100% of the monthly budget' });
  await third.getByRole('button', { name: /^Dismiss/ }).click();
  await expect(toasts(page)).toHaveCount(0);
  await page.mouse.move(300, 100);
  await setBudgets(harness, [{ accountId: soracom.id, amount: jpy }], [
    { currency: 'JPY', amount: { minor: 1, currency: 'JPY' } },
    { currency: 'CAD', amount: { minor: 1, currency: 'CAD' } },
    { currency: 'USD', amount: { minor: 1, currency: 'USD' } },
  ]);
  await expect(toasts(page)).toHaveCount(2);
  await page.clock.runFor(8_500);
  await expect(toasts(page)).toHaveCount(0);
});

test('at most three toasts at once, the rest behind "+N more in Alerts", which opens the Alerts panel', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  const spatialflow = await accountOf(harness, 'spatialflow');
  await ready(page, harness);
  await sidebar(page).getByRole('button', { name: /^Agilicus/ }).click();
  // Budgets of a cent (a yen) everywhere: five budgets passed at once, one alert each (at 100%).
  const tiny = (currency: string) => ({ minor: 1, currency });
  await setBudgets(
    harness,
    [
      { accountId: soracom.id, amount: tiny('JPY') },
      { accountId: spatialflow.id, amount: tiny('USD') },
    ],
    ['JPY', 'USD', 'CAD'].map((currency) => ({ currency, amount: tiny(currency) })),
  );
  await expect.poll(async () => (await alertList(harness)).filter((a) => a.kind === 'budget').length).toBe(5);
  await expect(page.getByTestId('alerts-more')).toHaveText('+2 more in Alerts');
  await expect(toasts(page)).toHaveCount(3);
  for (const toast of await toasts(page).all()) await expect(toast).toBeInViewport({ ratio: 1 });

  await page.getByTestId('alerts-more').click();
  await expect(page.getByRole('heading', { name: 'All accounts', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Alerts' })).toBeFocused();
  await expect(page.getByTestId('alerts-panel').locator('[data-kind="budget"]')).toHaveCount(5);
  // The three on screen step back as usual (once the pointer has left them), and the "more" with them.
  await page.mouse.move(300, 100);
  await page.clock.runFor(8_500);
  await expect(toasts(page)).toHaveCount(0);
  await expect(page.getByTestId('alerts-more')).toHaveCount(0);
});

test('budgets already passed raise one toast each, at 100%, and the overview says they are over budget', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  const spatialflow = await accountOf(harness, 'spatialflow');
  await page.setViewportSize({ width: 1200, height: 760 });
  await ready(page, harness);
  const overview = await channel<{ accounts: { accountId: string; soFar: { amounts: Money[] } }[] }>(harness, 'insight.overview', {});
  const spent = (id: string) => overview.accounts.find((a) => a.accountId === id)!.soFar.amounts[0]!;
  // Budgets the spend so far already passes, as ¥9,000 beside ¥9,319 and $40.00 beside $49.00, typed as a user types them.
  const below = (m: Money) => (m.currency === 'JPY' ? String(Math.floor((m.minor * 100) / 103)) : (Math.floor((m.minor * 100) / 120) / 100).toFixed(2));
  const format = (m: Money) =>
    page.evaluate(({ minor, currency }) => new Intl.NumberFormat(navigator.language, { style: 'currency', currency }).format(currency === 'JPY' ? minor : minor / 100), m);
  const usdBudget = below(spent(spatialflow.id));

  await page.getByText('Budgets and background sync').click();
  const panel = page.getByTestId('budgets-panel');
  await page.getByLabel(`Monthly budget for ${soracom.name} in JPY`).fill(below(spent(soracom.id)));
  await page.getByLabel(`Monthly budget for ${spatialflow.name} in USD`).fill(usdBudget);
  const save = page.getByRole('button', { name: 'Save budgets' });
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('status')).toHaveText('Budgets saved.');
  // Focus stays on the button, where the keyboard was, instead of dropping to the page.
  await expect(save).toBeFocused();

  // One toast per budget, each saying it is passed; no 80% toast, nothing left over behind "+1 more".
  await expect(toasts(page)).toHaveCount(2);
  await expect(toasts(page).filter({ hasText: `${soracom.name}: 100% of the monthly budget` })).toContainText('is over the budget');
  await expect(toasts(page).filter({ hasText: `${spatialflow.name}: 100% of the monthly budget` })).toContainText('is over the budget');
  await expect(toasts(page).filter({ hasText: '80%' })).toHaveCount(0);
  await expect(page.getByTestId('alerts-more')).toHaveCount(0);
  expect((await alertList(harness)).filter((a) => a.kind === 'budget').map((a) => a.title).sort()).toEqual(
    [`${soracom.name}: 100% of the monthly budget`, `${spatialflow.name}: 100% of the monthly budget`].sort(),
  );

  // The overview follows the change: the budget beside the figures, and "over budget" in words.
  await page.clock.runFor(500);
  const usdRow = page.getByTestId('currency-totals').locator('tr[data-currency="USD"] [data-testid="total-budget"]');
  await expect(usdRow).toContainText(await format({ minor: Math.round(Number(usdBudget) * 100), currency: 'USD' }));
  await expect(usdRow).toContainText('one account’s budget');
  await expect(usdRow).toContainText('Over');
  await expect(page.getByTestId('currency-totals').locator('tr[data-currency="JPY"] [data-testid="total-budget"]')).toContainText('Over');
  await expect(page.getByTestId('currency-totals').locator('tr[data-currency="CAD"] [data-testid="total-budget"]')).toHaveText('—');
  for (const account of [soracom, spatialflow]) {
    await expect(page.getByRole('article', { name: account.name }).getByTestId('account-budget')).toContainText('Over budget');
  }
  await expect(page.getByRole('article', { name: (await accountOf(harness, 'agilicus')).name }).getByTestId('account-budget')).toHaveCount(0);

  for (const [width, height] of [
    [1200, 760],
    [900, 600],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator('main.pane').evaluate((el) => el.scrollTo(0, 0));
      await page.screenshot({ path: path.join('test-results', 'screenshots', `budget-over-${width}x${height}-${scheme}.png`) });
      await page.getByRole('article', { name: spatialflow.name }).getByTestId('account-budget').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join('test-results', 'screenshots', `budget-over-card-${width}x${height}-${scheme}.png`) });
    }
  }
});

test('a card’s button at the bottom right is never hidden when focused, and clickable once the toast stepped back', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  await page.setViewportSize({ width: 1200, height: 760 });
  await ready(page, harness);
  const cards = page.getByTestId('overview-card');
  const open = cards.nth((await cards.count()) - 1).getByRole('button', { name: /^Open account/ });
  // The last card's button just above the status bar, where the toasts are.
  await open.evaluate((el) => {
    const pane = el.closest('main')!;
    pane.scrollBy(0, el.getBoundingClientRect().bottom - (window.innerHeight - 60));
  });
  await setBudgets(harness, [{ accountId: soracom.id, amount: await budgetAt90(harness, soracom.id) }]);
  await expect(toasts(page)).toHaveCount(1);
  expect(await coveredBy(open)).toBe('toasts');

  // Focused from the keyboard, the button is not hidden: the toasts move to the top.
  await open.focus();
  expect(await coveredBy(open)).toBe('nothing');
  await expect(toasts(page)).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: path.join('test-results', 'screenshots', 'alert-toasts-focus.png') });
  await page.locator('main.pane').focus();
  expect(await coveredBy(open)).toBe('toasts');

  await page.clock.runFor(8_500);
  await expect(toasts(page)).toHaveCount(0);
  await open.click();
  await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('All accounts');
});

test('a failed payment’s toast stays until its account is opened, from the toast itself', async ({ page, harness }) => {
  const spatialflow = await accountOf(harness, 'spatialflow');
  await ready(page, harness);
  await harness.setFaults('spatialflow', [{ kind: 'patch', path: '/api/v1/subscriptions/current', method: 'GET', pointer: '/status', value: 'past_due' }]);
  await channel(harness, 'sync.runNow', { accountId: spatialflow.id });
  const toast = toasts(page).filter({ hasText: `${spatialflow.name}: a payment failed` });
  await expect(toast).toHaveCount(1, { timeout: 20_000 });
  await page.clock.runFor(60_000);
  await expect(toast).toBeVisible();

  await toast.getByRole('button', { name: 'Open account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: spatialflow.name })).toBeVisible();
  await page.mouse.move(300, 100);
  await page.clock.runFor(8_500);
  await expect(toasts(page)).toHaveCount(0);
  const alert = (await alertList(harness)).find((a) => a.kind === 'payment-failed')!;
  expect(alert.dismissed).toBe(false);
});

test('the toasts fit the window at 1200×760, 900×600 and 1920×1080, light and dark', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  const spatialflow = await accountOf(harness, 'spatialflow');
  await page.setViewportSize({ width: 1200, height: 760 });
  await ready(page, harness);
  // Four budgets passed: four alerts (one each, at 100%), three toasts and one more.
  await setBudgets(
    harness,
    [
      { accountId: soracom.id, amount: { minor: 1, currency: 'JPY' } },
      { accountId: spatialflow.id, amount: { minor: 1, currency: 'USD' } },
    ],
    [
      { currency: 'JPY', amount: { minor: 1, currency: 'JPY' } },
      { currency: 'USD', amount: { minor: 1, currency: 'USD' } },
    ],
  );
  await expect(page.getByTestId('alerts-more')).toHaveText('+1 more in Alerts');
  for (const [width, height] of [
    [1200, 760],
    [900, 600],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const toast of await toasts(page).all()) await expect(toast).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('alerts-more')).toBeInViewport({ ratio: 1 });
      await page.screenshot({ path: path.join('test-results', 'screenshots', `alert-toasts-${width}x${height}-${scheme}.png`) });
    }
  }
});

test('a list of alerts read before a dismissal, answered after it, does not bring the dismissed alert back', async ({ page, harness }) => {
  const soracom = await accountOf(harness, 'soracom');
  await ready(page, harness);
  const toast = await budgetToast(page, harness, soracom);

  // The overview's next refresh reads the alerts now, while the alert is still new, and its answer is held back.
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let read = false;
  await page.route(
    '**/rpc/insight.listAlerts',
    async (route) => {
      const response = await route.fetch();
      read = true;
      await released;
      await route.fulfill({ response });
    },
    { times: 1 },
  );
  await expect
    .poll(async () => {
      await page.clock.runFor(200);
      return read;
    })
    .toBe(true);

  await toast.getByRole('button', { name: /^Dismiss/ }).click();
  const listed = page.getByTestId('alerts-panel').locator('[data-kind="budget"]');
  await expect(listed).toContainText('dismissed');

  const answered = page.waitForResponse('**/rpc/insight.listAlerts');
  release();
  await (await answered).finished();
  // Past the tasks that hand the answer to the page (a message port's, as the page's timers are the test's).
  const nextTask = () =>
    new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      channel.port2.postMessage(0);
    });
  for (let i = 0; i < 5; i++) await page.evaluate(nextTask);
  await expect(listed).toContainText('dismissed');
  expect((await alertList(harness)).find((a) => a.kind === 'budget')).toMatchObject({ dismissed: true });
});

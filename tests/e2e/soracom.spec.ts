import fs from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath, shotsOf } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

/** What the sandbox itself answers, fetched directly with the demo credentials. */
async function soracomApi(harness: Harness) {
  const { soracom } = await harness.sandboxes();
  const auth = await fetch(`${soracom.apiUrl}/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ authKeyId: soracom.credentials['authKeyId'], authKey: soracom.credentials['authKey'] }),
  });
  expect(auth.ok).toBe(true);
  const { apiKey, token } = (await auth.json()) as { apiKey: string; token: string };
  return async <T>(p: string): Promise<T> => {
    const res = await fetch(`${soracom.apiUrl}${p}`, { headers: { 'X-Soracom-API-Key': apiKey, 'X-Soracom-Token': token } });
    expect(res.ok, `GET ${p}`).toBe(true);
    return (await res.json()) as T;
  };
}

interface ApiBill {
  yearMonth: string;
  amount: number;
  currency: string;
  state: string;
  paymentStatus?: string;
  appliedCouponAmount?: number;
}

async function openSoracom(page: Page, harness: Harness) {
  await page.goto(harness.url);
  await sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ }).click();
  await expect(page.getByRole('heading', { name: 'Soracom (demo)', level: 1 })).toBeVisible();
}

/** The page's own formatting (its locale), so the test compares like with like. */
function moneyIn(page: Page) {
  return async (amount: number, currency: string) => page.evaluate(([a, c]) => new Intl.NumberFormat(navigator.language, { style: 'currency', currency: c }).format(a), [amount, currency] as const);
}

function monthName(page: Page, yyyyMM: string) {
  return page.evaluate(
    (m) => new Intl.DateTimeFormat(navigator.language, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(4, 6)) - 1, 1))),
    yyyyMM,
  );
}

test('latest bill, 18-month chart and table, a month with its daily bills, by keyboard', async ({ page, harness }) => {
  const api = await soracomApi(harness);
  const latest = await api<{ amount: number; currency: string; lastEvaluatedTime: string }>('/bills/latest');
  const { billList } = await api<{ billList: ApiBill[] }>('/bills');
  const money = moneyIn(page);

  await openSoracom(page, harness);

  // Latest (preliminary) bill with its last evaluated time.
  await expect(page.getByTestId('latest-amount')).toHaveText(await money(latest.amount, latest.currency));
  await expect(page.getByTestId('latest-evaluated')).toContainText('Preliminary');
  await expect(page.getByTestId('latest-evaluated')).toContainText('Last evaluated');

  // The sidebar counts the bills still being paid in Soracom's own word.
  const open = billList.filter((b) => b.paymentStatus === 'paying' || b.paymentStatus === 'charging').length;
  expect(open).toBeGreaterThan(0);
  const openBadge = sidebar(page).getByRole('button', { name: /^Soracom \(demo\)/ }).locator('[data-badge="open"]');
  await expect(openBadge).toHaveText(`${open} open bill${open === 1 ? '' : 's'}`, { timeout: 20_000 });

  // History: chart bars oldest first with the sandbox's amounts, table newest first.
  const chart = page.getByTestId('history-chart');
  const bars = chart.locator('rect.bar');
  await expect(bars).toHaveCount(18);
  const oldestFirst = [...billList].sort((a, b) => a.yearMonth.localeCompare(b.yearMonth));
  expect(await bars.evaluateAll((els) => els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-value'))]))).toEqual(
    oldestFirst.map((b) => [b.yearMonth, b.amount]), // JPY: minor units are yen
  );
  // The screen-reader table of the chart carries the same numbers.
  const chartTable = page.getByRole('table', { name: /Monthly bills in JPY/ });
  await expect(chartTable.getByRole('row')).toHaveCount(19);
  await expect(chartTable.getByRole('row').nth(1)).toContainText(await money(oldestFirst[0]!.amount, 'JPY'));

  const table = page.getByTestId('history-table');
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(18);
  const newestFirst = [...billList].sort((a, b) => b.yearMonth.localeCompare(a.yearMonth));
  const words: Record<string, string> = { paid: 'Paid', paying: 'Payment in progress', lessThanMinimumCharge: 'Below the minimum charge (not billed)' };
  for (const [i, bill] of newestFirst.entries()) {
    const row = rows.nth(i);
    await expect(row.getByRole('rowheader')).toHaveText(await monthName(page, bill.yearMonth));
    await expect(row.getByRole('cell').nth(0)).toHaveText(await money(bill.amount, bill.currency));
    await expect(row.getByRole('cell').nth(2)).toHaveText(bill.state === 'temporary' ? 'Preliminary' : 'Closed');
    if (bill.paymentStatus) {
      await expect(row.getByRole('cell').nth(3)).toHaveText(words[bill.paymentStatus] ?? bill.paymentStatus);
    } else {
      // Only the current, preliminary month comes without a payment status.
      expect(bill.state, bill.yearMonth).toBe('temporary');
      await expect(row.getByRole('cell').nth(3)).toHaveText('Not billed yet');
    }
  }
  const total = billList.reduce((s, b) => s + b.amount, 0);
  await expect(page.getByTestId('history-total')).toHaveText(await money(total, 'JPY'));
  // The total holds the preliminary month (and any month below the minimum charge), and says so.
  const preliminary = newestFirst.find((b) => b.state === 'temporary')!;
  await expect(page.getByTestId('history-total-made-of')).toContainText(`All ${billList.length} months above, including ${await monthName(page, preliminary.yearMonth)} (preliminary, may still change)`);
  await page.getByRole('heading', { name: 'This month so far' }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: screenshotPath('soracom-bills.png') });

  // Keyboard: Tab from the latest bill's export button reaches the newest month's details.
  const month = newestFirst[3]!; // closed and paid
  const name = await monthName(page, month.yearMonth);
  await page.getByRole('button', { name: 'Export CSV for this month so far' }).focus();
  const firstDetails = page.getByRole('button', { name: `Details for ${await monthName(page, newestFirst[0]!.yearMonth)}` });
  for (let i = 0; i < 12 && !(await firstDetails.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(firstDetails).toBeFocused();
  // ...and on through the rows to the month we want; Enter opens it.
  const details = page.getByRole('button', { name: `Details for ${name}` });
  for (let i = 0; i < 12 && !(await details.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(details).toBeFocused();
  await page.keyboard.press('Enter');

  const heading = page.getByRole('heading', { name, level: 2 });
  await expect(heading).toBeFocused();
  const monthly = await api<ApiBill>(`/bills/${month.yearMonth}`);
  const daily = await api<{ billList: { amount: number; date: string }[] }>(`/bills/${month.yearMonth}/daily`);
  await expect(page.getByTestId('month-amount')).toHaveText(await money(monthly.amount, 'JPY'));
  await expect(page.getByTestId('month-state')).toHaveText('Closed');
  await expect(page.getByTestId('month-payment')).toHaveText('Paid');

  const dayBars = page.getByTestId('daily-chart').locator('rect.bar');
  await expect(dayBars).toHaveCount(daily.billList.length);
  const daysOldestFirst = [...daily.billList].sort((a, b) => a.date.localeCompare(b.date));
  expect(await dayBars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))).toEqual(daysOldestFirst.map((d) => d.amount));
  const dailySum = daily.billList.reduce((s, d) => s + d.amount, 0);
  await expect(page.getByTestId('daily-total')).toHaveText(await money(dailySum, 'JPY'));
  expect(monthly.amount).toBeGreaterThan(dailySum);
  await expect(page.getByTestId('monthly-remainder')).toHaveText(await money(monthly.amount - dailySum, 'JPY'));
  await expect(page.getByText('Daily bills leave out what Soracom charges or takes off once a month')).toBeVisible();
  await heading.evaluate((el) => el.blur());
  await page.screenshot({ path: screenshotPath('soracom-month.png') });

  // The daily table opens from the keyboard too.
  await page.getByText('Daily bills as a table').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('details.daily-table tbody tr')).toHaveCount(daily.billList.length);
  await expect(page.locator('details.daily-table tbody tr').first()).toBeVisible();

  // Back returns focus to the button that opened the month.
  await page.getByRole('button', { name: '← All bills' }).focus();
  await page.keyboard.press('Enter');
  await expect(details).toBeFocused();
});

test('export CSV for a month and for the latest, with progress, saved locally', async ({ page, harness }) => {
  test.setTimeout(90_000);
  const api = await soracomApi(harness);
  const { billList } = await api<{ billList: ApiBill[] }>('/bills');
  const month = [...billList].sort((a, b) => b.yearMonth.localeCompare(a.yearMonth))[4]!;
  const name = await (async () => {
    await openSoracom(page, harness);
    return monthName(page, month.yearMonth);
  })();

  const exportMonth = page.getByRole('button', { name: `Export CSV for ${name}` });
  await exportMonth.click();
  // While it runs every export button is off and the progress shows Soracom's polling.
  await expect(page.getByRole('button', { name: `Exporting CSV for ${name}` })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Export CSV for this month so far' })).toBeDisabled();
  await expect(page.getByTestId('export-progress-label')).toContainText('being prepared by Soracom');
  await expect(page.getByRole('progressbar', { name: 'Export progress' })).toBeVisible();
  // Where the user asked for it: under the month's row, in view.
  const row = page.locator(`tr[data-month="${month.yearMonth}"]`);
  await expect(page.getByTestId('export-progress-label')).toBeInViewport();

  const saved = page.getByTestId('export-saved');
  // Either outcome ends the run; asserting on the whole area shows the error when there is one.
  await expect(page.getByTestId('export-status')).toContainText(/Saved|Could not/, { timeout: 30_000 });
  await expect(page.getByTestId('export-status')).toContainText(/Saved \S+\.csv/);
  // The file name, its rows and its size read as words, with a space between them.
  await expect(saved).toContainText(/Saved billing-detail-\d{6}\.csv \(\d[\d,]* rows, [\d.,]+ (B|KB|MB)\)/);
  const savedPath = (await saved.locator('.saved-path').textContent())!.replace(/^in /, '').trim();
  const csv = await fs.readFile(savedPath, 'utf8');
  const rowsShown = Number((/\(([\d,.\s]+) rows/.exec((await saved.textContent())!)?.[1] ?? '').replace(/\D/g, ''));
  expect(rowsShown).toBeGreaterThan(0);
  expect(csv.trim().split('\n').length - 1).toBe(rowsShown);
  // The outcome too is right under the row and in view, and the row now says the month is saved.
  await expect(saved).toBeInViewport();
  const rowBox = (await row.boundingBox())!;
  const savedBox = (await saved.boundingBox())!;
  expect(savedBox.y).toBeGreaterThanOrEqual(rowBox.y + rowBox.height - 1);
  expect(savedBox.y - (rowBox.y + rowBox.height)).toBeLessThan(40);
  await expect(page.getByTestId('export-announcement')).toHaveText(/^Saved billing-detail-\d{6}\.csv/);
  await expect(row.getByTestId('row-saved')).toContainText('Saved');
  await row.getByRole('button', { name: `Show in folder: the bill CSV for ${name}` }).click();
  await expect.poll(() => harness.shellLog()).toContainEqual({ action: 'showItemInFolder', path: savedPath });

  // The latest (current month so far).
  await page.getByRole('button', { name: 'Export CSV for this month so far' }).click();
  await expect(page.getByRole('button', { name: 'Exporting CSV for this month so far' })).toBeDisabled();
  await expect(saved).toContainText(/Saved \S+\.csv/, { timeout: 30_000 });
  const latestPath = (await saved.locator('.saved-path').textContent())!.replace(/^in /, '').trim();
  expect(latestPath).not.toBe(savedPath);
  // The month so far has rows (one day at least), and the file holds exactly the rows announced.
  const latestCsv = await fs.readFile(latestPath, 'utf8');
  const latestRowsShown = Number((/\(([\d,.\s]+) rows/.exec((await saved.textContent())!)?.[1] ?? '').replace(/\D/g, ''));
  expect(latestRowsShown).toBeGreaterThan(0);
  expect(latestCsv.trim().split('\n').length - 1).toBe(latestRowsShown);
});

test('a slow export can be cancelled from the keyboard: the main process stops it and the buttons come back', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await openSoracom(page, harness);
  // Soracom takes 4 s to answer each poll of the file it prepares.
  await harness.setFaults('soracom', [{ kind: 'latency', latencyMs: 4000, path: '/v1/files' }]);
  const exportLatest = page.getByRole('button', { name: /^(Export|Exporting) CSV for this month so far$/ });
  await exportLatest.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('export-progress-label')).toContainText('being prepared by Soracom');
  await expect(exportLatest).toBeFocused();
  await page.keyboard.press('Tab');
  const cancel = page.getByTestId('export-status').getByRole('button', { name: 'Cancel' });
  await expect(cancel).toBeFocused();
  const asked = Date.now();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('export-status')).toHaveCount(0);
  // Sooner than Soracom's next answer: the wait itself was stopped.
  expect(Date.now() - asked).toBeLessThan(3500);
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Export CSV for this month so far' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Export CSV for this month so far' })).toBeFocused();
  await expect(page.getByRole('button', { name: /^Export CSV for / }).nth(1)).toBeEnabled();
  const recorded = await fs.readFile(harness.recordFile, 'utf8');
  expect(recorded).toContain('{"cancelled":true}');
  expect(recorded).toMatch(/"label":"Soracom billing CSV \(current month\): cancelled"[^\n]*"state":"cancelled"/);
  await harness.setFaults('soracom', []);
});

test('a failing provider shows its own message and a retry that works', async ({ page, harness }) => {
  await harness.setFaults('soracom', [{ kind: 'status', status: 500, path: '/v1/bills' }]);
  await openSoracom(page, harness);

  const historyError = page.getByRole('alert').filter({ hasText: 'Could not load the bill history.' });
  await expect(historyError).toContainText('Service temporarily unavailable (HTTP 500)', { timeout: 20_000 });
  await expect(historyError.getByTestId('error-code')).toHaveText('server');
  await expect(page.getByRole('alert').filter({ hasText: 'Could not load the latest bill.' })).toBeVisible();

  await harness.setFaults('soracom', []);
  await historyError.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('history-table').locator('tbody tr')).toHaveCount(18);
  await page.getByRole('alert').filter({ hasText: 'Could not load the latest bill.' }).getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('latest-amount')).toBeVisible();

  // An export the provider refuses: the message, a retry, and the buttons back on.
  await harness.setFaults('soracom', [{ kind: 'status', status: 503, path: '/v1/bills/latest/export', times: 1 }]);
  await page.getByRole('button', { name: 'Export CSV for this month so far' }).click();
  const exportError = page.getByRole('alert').filter({ hasText: 'Could not export the bill CSV for this month so far.' });
  await expect(exportError).toContainText('Service temporarily unavailable (HTTP 503)');
  await expect(page.getByRole('button', { name: 'Export CSV for this month so far' })).toBeEnabled();
  await exportError.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('export-progress-label')).toBeVisible();
});

test('a server error reads as Soracom answering with an error, not as offline, and changes stay on', async ({ page, harness }) => {
  test.setTimeout(90_000);
  await openSoracom(page, harness);
  await expect(page.getByTestId('history-table').locator('tbody tr')).toHaveCount(18);
  await expect(page.getByTestId('latest-amount')).toBeVisible();

  // Soracom answers every call with a 500: the view keeps what it has, says what Soracom answered, and keeps trying.
  await harness.setFaults('soracom', [{ kind: 'status', status: 500 }]);
  await page.goto(`${harness.url}?offlineRetryMs=500`);
  await sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ }).click();
  const historyError = page.getByRole('alert').filter({ hasText: 'Could not refresh the bill history.' });
  await expect(historyError).toContainText('Soracom had a server problem (HTTP 500)', { timeout: 30_000 });
  await expect(page.getByRole('alert').filter({ hasText: 'Could not refresh the latest bill.' })).toContainText('Soracom had a server problem');
  await expect(page.getByText(/^Showing data as of /).first()).toBeVisible();
  await expect(page.getByText(/Offline: data as of/)).toHaveCount(0);
  await expect(page.getByTestId('history-table').locator('tbody tr')).toHaveCount(18);
  // Soracom can be reached, so changes are not off: an export is Soracom's to refuse, and it says so.
  await expect(page.getByTestId('writes-off')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Export CSV for this month so far' })).toBeEnabled();
  await page.getByRole('button', { name: 'Export CSV for this month so far' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not export the bill CSV for this month so far.' })).toContainText('HTTP 500', { timeout: 30_000 });

  // Once Soracom answers again the view catches up by itself.
  await harness.setFaults('soracom', []);
  await expect(historyError).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByText(/^\s*Updated just now/).first()).toBeVisible();
});

test('a month’s buttons keep their places while their progress and outcome show on a line below them', async ({ page, harness }) => {
  test.setTimeout(90_000);
  const api = await soracomApi(harness);
  const { billList } = await api<{ billList: ApiBill[] }>('/bills');
  const month = [...billList].sort((a, b) => b.yearMonth.localeCompare(a.yearMonth))[1]!;
  await openSoracom(page, harness);
  const name = await monthName(page, month.yearMonth);
  await page.getByRole('button', { name: `Details for ${name}` }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();

  const buttons = [
    page.getByRole('button', { name: `Export CSV for ${name}` }),
    // (their names change while they work)
    page.getByTestId('compare-previous'),
    page.locator('.month-actions .save-button button'),
  ];
  const places = () => Promise.all(buttons.map(async (b) => b.boundingBox()));
  const before = await places();
  const lowest = Math.max(...before.map((b) => b!.y + b!.height));

  await buttons[2]!.click();
  const saved = page.getByTestId('saved-file');
  await expect(saved).toContainText(/^Saved Soracom statement .+\.pdf/, { timeout: 15_000 });
  expect(await places()).toEqual(before);
  expect((await saved.boundingBox())!.y).toBeGreaterThanOrEqual(lowest);

  // The comparison takes a while (Soracom is slow to answer the exports): its progress shows under the buttons too.
  await harness.setFaults('soracom', [{ kind: 'latency', latencyMs: 3000, path: '/v1/bills/', method: 'POST' }]);
  await buttons[1]!.click();
  const progress = page.getByTestId('compare-progress');
  await expect(progress).toBeVisible();
  await expect(buttons[1]!).toBeDisabled();
  expect(await places()).toEqual(before);
  expect((await progress.boundingBox())!.y).toBeGreaterThanOrEqual(lowest);
  await harness.setFaults('soracom', []);
});

test('a month whose daily bills add up to more than its bill names the difference so that a negative amount reads right', async ({ page, harness }) => {
  const api = await soracomApi(harness);
  const { billList } = await api<{ billList: ApiBill[] }>('/bills');
  const money = moneyIn(page);
  // The demo's rollout month: its free tiers and volume discount outweigh the monthly fees.
  let found: { bill: ApiBill; dailySum: number } | undefined;
  for (const bill of billList.filter((b) => b.state === 'closed')) {
    const daily = await api<{ billList: { amount: number }[] }>(`/bills/${bill.yearMonth}/daily`);
    const dailySum = daily.billList.reduce((n, d) => n + d.amount, 0);
    if (dailySum > bill.amount) found = { bill, dailySum };
  }
  expect(found).toBeDefined();
  const { bill, dailySum } = found!;
  await openSoracom(page, harness);
  await page.getByRole('button', { name: `Details for ${await monthName(page, bill.yearMonth)}` }).click();
  const remainder = page.getByTestId('monthly-remainder');
  await expect(remainder).toHaveText(await money(bill.amount - dailySum, 'JPY'));
  await expect(page.getByTestId('daily-sums').locator('dt').nth(1)).toHaveText('Monthly fees less free tiers and discounts');
  await expect(page.getByText(/so their sum\s+can be below or above the month's bill/)).toBeVisible();
  await expect(page.getByText(/usually below/)).toHaveCount(0);
  await shotsOf(page, remainder, 'soracom-month-below-days');
});

test.describe('on a computer in another time zone than UTC', () => {
  test.use({ timezoneId: 'America/Los_Angeles' });

  test('the time of this month’s bill reads the same on the overview and in the account, with its zone, and local times name theirs', async ({ page, harness }) => {
    await page.goto(harness.url);
    await sidebar(page).getByRole('button', { name: 'All accounts' }).click();
    const onOverview = page.getByRole('article', { name: 'Soracom (demo)' }).getByTestId('this-month');
    await expect(onOverview).toContainText(/as of .+ UTC/);
    const time = /as of (.+ UTC)/.exec((await onOverview.textContent()) ?? '')![1]!;
    // Alerts are dated in the computer's zone, and say so.
    await expect(page.getByTestId('alert').first()).toContainText(/\d{2}:\d{2} [AP]M P[SD]T/, { timeout: 20_000 });

    await sidebar(page).getByRole('button', { name: /Soracom \(demo\)/ }).click();
    await expect(page.getByTestId('latest-evaluated')).toContainText(`Last evaluated ${time}.`);
  });
});

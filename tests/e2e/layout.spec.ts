import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test, type Harness, screenshotPath } from './fixtures';
import { downloadSoracomExport, previousMonth } from './soracom-export';

test.use({ harnessArgs: ['--demo'] });

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Accounts' });

/** A few saved files, so the Library has rows with actions. */
async function saveSome(harness: Harness): Promise<void> {
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
  const of = (p: string) => accounts.find((a) => a.provider === p)!.id;
  const invoices = await harness.call<{ invoices: { id: string; hasPdf: boolean }[] }>('spatialflow.listInvoices', { accountId: of('spatialflow') });
  await harness.call('files.saveInvoicePdf', { accountId: of('spatialflow'), invoiceId: invoices.invoices.find((i) => i.hasPdf)!.id });
  const history = await harness.call<{ bills: { yearMonth: string }[] }>('soracom.getBillingHistory', { accountId: of('soracom') });
  await harness.call('files.saveSoracomStatement', { accountId: of('soracom'), yyyyMM: history.bills[1]!.yearMonth });
  await harness.call('files.saveTableCsv', { accountId: of('soracom'), title: 'Soracom daily charges with a rather long title for a table', columns: ['Date', 'Amount'], rows: [['2024-05-01', 120]] });
}

/** A Soracom month's detailed CSV on disk, for Review. */
async function exportedCsv(harness: Harness): Promise<string> {
  const month = previousMonth();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-layout-'));
  const file = path.join(dir, `billing-detail-${month}.csv`);
  await fs.writeFile(file, await downloadSoracomExport(harness, month));
  return file;
}

async function openPlace(page: Page, name: string, heading: string = name) {
  await sidebar(page).getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')}`) }).click();
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
}

async function settled(page: Page) {
  await expect(page.locator('.skeleton')).toHaveCount(0, { timeout: 20_000 });
}

interface View {
  name: string;
  open: (page: Page, harness: Harness) => Promise<void>;
}

/** Every main view, each reached the way a user would. */
const views: View[] = [
  {
    name: 'overview',
    open: async (page) => {
      await openPlace(page, 'All accounts');
      await expect(page.getByRole('button', { name: /^Open account: / })).toHaveCount(3);
      await settled(page);
    },
  },
  {
    name: 'spatialflow-plan',
    open: async (page) => {
      await openPlace(page, 'SpatialFlow (demo)');
      await page.getByRole('tab', { name: 'Plan and payment' }).click();
      await expect(page.getByTestId('plan-name')).toBeVisible();
      await settled(page);
    },
  },
  {
    name: 'spatialflow-invoices',
    open: async (page) => {
      await openPlace(page, 'SpatialFlow (demo)');
      await page.getByRole('tab', { name: 'Invoices' }).click();
      await settled(page);
      await expect(page.getByRole('grid').first()).toBeVisible();
    },
  },
  {
    name: 'agilicus-list',
    open: async (page) => {
      await openPlace(page, 'Agilicus (demo)');
      await expect(page.getByRole('table', { name: 'Billing accounts' }).getByRole('button')).toHaveCount(3);
      await settled(page);
    },
  },
  {
    name: 'agilicus-detail',
    open: async (page) => {
      await openPlace(page, 'Agilicus (demo)');
      await page.getByRole('table', { name: 'Billing accounts' }).getByRole('button', { name: 'Northwind Logistics Inc.' }).click();
      await expect(page.getByTestId('ag-usage-summary')).toContainText('records');
      await settled(page);
    },
  },
  {
    name: 'soracom-bills',
    open: async (page) => {
      await openPlace(page, 'Soracom (demo)');
      await expect(page.getByTestId('history-chart')).toBeVisible({ timeout: 20_000 });
      await settled(page);
    },
  },
  {
    name: 'soracom-month',
    open: async (page) => {
      await openPlace(page, 'Soracom (demo)');
      await page.getByRole('button', { name: /^Details for / }).nth(1).click();
      await expect(page.getByTestId('daily-chart')).toBeVisible({ timeout: 20_000 });
      await settled(page);
    },
  },
  {
    name: 'library',
    open: async (page) => {
      await openPlace(page, 'Library');
      await expect(page.getByRole('button', { name: /^Delete / }).first()).toBeVisible();
    },
  },
  {
    name: 'review',
    open: async (page, harness) => {
      await openPlace(page, 'Review a bill CSV');
      await harness.answerDialog('file', await exportedCsv(harness));
      await page.getByRole('button', { name: 'Open…' }).click();
      await expect(page.getByTestId('review-total')).toBeVisible({ timeout: 30_000 });
    },
  },
];

/** Two months of the demo Soracom account saved as bill exports, once per run. */
const exported = new WeakSet<Harness>();
async function saveExports(harness: Harness): Promise<void> {
  if (exported.has(harness)) return;
  exported.add(harness);
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
  const soracom = accounts.find((a) => a.provider === 'soracom')!.id;
  const last = previousMonth();
  const before = new Date(Date.UTC(Number(last.slice(0, 4)), Number(last.slice(4)) - 2, 1));
  await harness.call('reviewSet.fetchMonths', { accountId: soracom, months: [`${before.getUTCFullYear()}${String(before.getUTCMonth() + 1).padStart(2, '0')}`, last] });
}

/** The multi-file review of every export of the demo Soracom account, on one of its tabs. */
async function openReviewSet(page: Page, harness: Harness, tab: string) {
  // The review stays open from one tab to the next.
  if (!(await page.getByTestId('review-set-view').isVisible())) {
    await saveExports(harness);
    await openPlace(page, 'Library');
    await page.getByRole('combobox', { name: 'Account' }).selectOption({ label: 'Soracom (demo)' });
    await page.getByRole('button', { name: /^Review all exports of Soracom \(demo\)/ }).click();
  }
  await expect(page.getByRole('tab', { name: tab })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: tab }).click();
  await settled(page);
}

/** The multi-file review's tabs: measured like every view, and with no scroll area of their own (one scrollbar). */
const reviewSetViews: View[] = (
  [
    ['review-set-months', 'By month', (page) => page.getByTestId('set-by-item').locator('tbody tr').first()],
    ['review-set-sims', 'SIMs', (page) => page.getByTestId('set-sims-key').first()],
    ['review-set-groups', 'Tags and groups', (page) => page.getByTestId('set-by-group').locator('tbody tr').first()],
    ['review-set-changes', 'What changed', (page) => page.getByTestId('compare-sims-key').first()],
  ] as const satisfies readonly (readonly [string, string, (page: Page) => Locator])[]
).map(([name, tab, shown]) => ({
  name,
  open: async (page, harness) => {
    await openReviewSet(page, harness, tab);
    await expect(shown(page)).toBeVisible();
  },
}));
views.push(...reviewSetViews);

/** Elements in the pane that scroll on their own, down or sideways: a scrollbar beside the page's. */
function innerScrollers(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('main *')) {
      const style = getComputedStyle(el);
      const down = /auto|scroll/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
      const sideways = /auto|scroll/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
      if (down || sideways) out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')}${down ? ' down' : ''}${sideways ? ' sideways' : ''}`);
    }
    return out;
  });
}

const view = (name: string): View => views.find((v) => v.name === name)!;

/** How far the window scrolls down or sideways, and the pane sideways (it scrolls only down). */
function windowOverflow(page: Page) {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    const pane = document.querySelector('main')!;
    return { down: root.scrollHeight - window.innerHeight, sideways: root.scrollWidth - root.clientWidth, paneSideways: pane.scrollWidth - pane.clientWidth };
  });
}

const sizes = [
  { width: 1200, height: 760 },
  { width: 900, height: 600 },
  { width: 1920, height: 1080 },
] as const;

for (const size of sizes) {
  test(`at ${size.width}×${size.height} no view scrolls the window, down or sideways`, async ({ page, harness }) => {
    test.setTimeout(240_000);
    await saveSome(harness);
    await page.setViewportSize(size);
    await page.goto(harness.url);
    for (const v of views) {
      await v.open(page, harness);
      expect.soft(await windowOverflow(page), `${v.name} at ${size.width}×${size.height}`).toEqual({ down: 0, sideways: 0, paneSideways: 0 });
      if (reviewSetViews.includes(v)) expect.soft(await innerScrollers(page), `${v.name} at ${size.width}×${size.height}`).toEqual([]);
      // BILLFOLD_LAYOUT_SURVEY=1: every view at this size, light and dark, in test-results/survey/, to look at.
      if (process.env['BILLFOLD_LAYOUT_SURVEY']) {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          await page.screenshot({ path: path.join('test-results', 'survey', `${v.name}-${size.width}x${size.height}-${scheme}.png`) });
        }
        await page.emulateMedia({ colorScheme: 'light' });
      }
    }
  });
}

test('at 900×600 the sidebar narrows to a rail whose buttons keep their names and work', async ({ page, harness }) => {
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(harness.url);
  const nav = sidebar(page);
  await expect(nav.getByRole('button', { name: /^SpatialFlow \(demo\)/ })).toBeVisible();
  expect((await nav.boundingBox())!.width).toBeLessThanOrEqual(80);
  await openPlace(page, 'Agilicus (demo)');
  await expect(nav.getByRole('button', { name: /^Agilicus \(demo\)/ })).toHaveAttribute('title', /^Agilicus \(demo\) \(/);
  await openPlace(page, 'Library');
  await expect(nav.getByRole('button', { name: 'Review a bill CSV', exact: true })).toBeVisible();
  await openAccountWide(page);
  await page.screenshot({ path: screenshotPath('layout-900x600-agilicus.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('layout-900x600-agilicus-dark.png') });
});

test('at 900×600 accounts whose marks would look alike are numbered apart, and each button keeps the account’s full name', async ({ page, harness }) => {
  const agilicus = (await harness.sandboxes()).agilicus;
  for (const name of ['Corp network', 'CLOUD NODES']) {
    await harness.call('accounts.add', { account: { provider: 'agilicus', name, baseUrl: agilicus.apiUrl, credentials: { kind: 'token', accessToken: agilicus.credentials['accessToken'] } } });
  }
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(harness.url);
  const nav = sidebar(page);
  const account = (name: string) => nav.getByRole('button', { name: new RegExp(`^${name.replace(/[()]/g, '\\$&')} Agilicus`) });
  await expect(account('Corp network').locator('.rail-mark')).toHaveText('CN1');
  await expect(account('CLOUD NODES').locator('.rail-mark')).toHaveText('CN2');
  await expect(account('Agilicus (demo)').locator('.rail-mark')).toHaveText('Ag');
  await account('CLOUD NODES').focus();
  await page.screenshot({ path: screenshotPath('layout-900x600-rail-marks.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('layout-900x600-rail-marks-dark.png') });
});

/** The Agilicus billing accounts, the widest table. */
async function openAccountWide(page: Page) {
  await openPlace(page, 'Agilicus (demo)');
  await expect(page.getByRole('table', { name: 'Billing accounts' }).getByRole('button')).toHaveCount(3);
}

test('opening a file in Review leaves the window and the pane where they were', async ({ page, harness }) => {
  const file = await exportedCsv(harness);
  for (const size of [{ width: 1200, height: 760 }, { width: 900, height: 600 }]) {
    await page.setViewportSize(size);
    await page.goto(harness.url);
    await openPlace(page, 'Review a bill CSV');
    const measure = () =>
      page.evaluate(() => {
        const root = document.scrollingElement ?? document.documentElement;
        const pane = document.querySelector('main')!;
        const h1 = pane.querySelector('h1')!.getBoundingClientRect();
        return { windowDown: root.scrollHeight - window.innerHeight, paneWidth: pane.clientWidth, title: [h1.left, h1.width], sidebar: document.querySelector('nav')!.getBoundingClientRect().width };
      });
    const before = await measure();
    await harness.answerDialog('file', file);
    await page.getByRole('button', { name: 'Open…' }).click();
    await expect(page.getByTestId('review-total')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('review-by-item').locator('tbody tr').first()).toBeVisible();
    expect(await measure(), `at ${size.width}×${size.height}`).toEqual(before);
    expect(before.windowDown).toBe(0);
  }
});

test('the Library’s action links stay inside their cells and in view', async ({ page, harness }) => {
  await saveSome(harness);
  // A bill export as well: its row has the most actions (Review, Open, Show in folder, Delete).
  const { accounts } = await harness.call<{ accounts: { id: string; provider: string }[] }>('accounts.list', {});
  const soracom = accounts.find((a) => a.provider === 'soracom')!.id;
  const exported = await harness.call<{ exportedFileId: string }>('soracom.exportBilling', { accountId: soracom, yyyyMM: previousMonth() });
  await harness.call('files.saveSoracomExport', { accountId: soracom, exportedFileId: exported.exportedFileId, yyyyMM: previousMonth() });
  for (const size of [{ width: 1200, height: 760 }, { width: 900, height: 600 }]) {
    await page.setViewportSize(size);
    await page.goto(harness.url);
    await openPlace(page, 'Library');
    await expect(page.getByTestId('library-row')).toHaveCount(4);
    const outside = await page.evaluate(() => {
      const out: string[] = [];
      const scroller = document.querySelector('.library-table')!.closest('.table-scroll')!.getBoundingClientRect();
      for (const button of document.querySelectorAll<HTMLElement>('.library-table .row-actions button')) {
        const b = button.getBoundingClientRect();
        const cell = button.closest('td')!.getBoundingClientRect();
        const inside = (r: DOMRect) => b.left >= r.left - 0.5 && b.right <= r.right + 0.5 && b.top >= r.top - 0.5 && b.bottom <= r.bottom + 0.5;
        if (!inside(cell) || !(b.left >= scroller.left - 0.5 && b.right <= scroller.right + 0.5)) out.push(button.getAttribute('aria-label') ?? button.textContent ?? '');
      }
      return out;
    });
    expect(outside, `at ${size.width}×${size.height}`).toEqual([]);
    await expect(page.getByRole('button', { name: /^Review billing-detail-/ })).toBeVisible();
  }
  await page.setViewportSize({ width: 1200, height: 760 });
  await page.screenshot({ path: screenshotPath('layout-library-1200x760.png') });
});

test('at 1920×1080 the overview and the Soracom bills use the width, in two columns', async ({ page, harness }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(harness.url);
  await view('overview').open(page, harness);
  // The cards share the whole row...
  const grid = (await page.locator('.overview-grid').boundingBox())!;
  const cards = page.getByTestId('overview-card');
  const last = (await cards.last().boundingBox())!;
  expect(Math.abs(grid.x + grid.width - (last.x + last.width))).toBeLessThan(2);
  // ... and each reads its figures in pairs: this month beside last month.
  const card = cards.filter({ has: page.getByTestId('this-month') }).first();
  const thisMonth = (await card.getByTestId('this-month').boundingBox())!;
  const lastMonth = (await card.getByTestId('last-month').boundingBox())!;
  expect(Math.abs(thisMonth.y - lastMonth.y)).toBeLessThan(2);
  expect(lastMonth.x).toBeGreaterThanOrEqual(thisMonth.x + thisMonth.width);
  await page.screenshot({ path: screenshotPath('layout-1920x1080-overview.png') });

  await view('soracom-bills').open(page, harness);
  const chart = (await page.getByTestId('history-chart').boundingBox())!;
  const table = (await page.getByTestId('history-table').boundingBox())!;
  expect(table.x).toBeGreaterThanOrEqual(chart.x + chart.width);
  expect(table.y).toBeLessThan(chart.y + chart.height);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('layout-1920x1080-soracom-dark.png') });
});

test('every bar of the bill-history chart opens its month, flagged or not', async ({ page, harness }) => {
  await page.goto(harness.url);
  await openPlace(page, 'Soracom (demo)');
  const chart = page.getByTestId('history-chart');
  await expect(chart).toBeVisible({ timeout: 20_000 });
  const keys = await chart.locator('rect.bar').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-key')!));
  const flagged = await chart.locator('[data-flag]').evaluateAll((flags) => flags.map((f) => f.getAttribute('data-flag')!));
  // The oldest month (a small bar), one from the middle, and the newest (preliminary); none of them flagged.
  const picks = [keys[0]!, keys[Math.floor(keys.length / 2)]!, keys.at(-1)!].filter((k) => !flagged.includes(k));
  expect(picks.length).toBeGreaterThanOrEqual(2);
  for (const key of picks) {
    // A real click where the month is drawn (its full-height target, as a pointer would meet it).
    await chart.scrollIntoViewIfNeeded();
    const hit = (await chart.locator(`rect.bar[data-key="${key}"] ~ rect.hit`).boundingBox())!;
    await page.mouse.click(hit.x + hit.width / 2, hit.y + hit.height - 4);
    await expect(page.locator('#soracom-month-title')).toBeVisible();
    await expect(page.locator(`[data-month-details="${key}"]`)).toHaveCount(0);
    await page.getByRole('button', { name: '← All bills' }).click();
    await expect(page.locator(`[data-month-details="${key}"]`)).toBeFocused();
  }
});

/** A month's export of `sims` SIMs, one row each, as a loose file (no account). */
function manySims(yyyyMM: string, sims: number, shift: number): string {
  let text = 'imsi,date,billItemName,amount,group\r\n';
  for (let i = 0; i < sims; i++) text += `44010${String(i + shift).padStart(10, '0')},${yyyyMM}05,Data,${(i % 97) + 0.5},g${i % 9}\r\n`;
  return text;
}

test('the SIM list of What changed scrolls with the page, stays virtualized, and keeps its header in view', async ({ page, harness }) => {
  test.setTimeout(90_000);
  const sims = 3000;
  await page.setViewportSize({ width: 900, height: 600 });
  await page.goto(harness.url);
  await openPlace(page, 'Review a bill CSV');
  // Two months of 3,000 SIMs each, 50 of them new in the second: dropped, like files from a folder.
  const files = [
    { name: 'many-202409.csv', text: manySims('202409', sims, 0) },
    { name: 'many-202410.csv', text: manySims('202410', sims, 50) },
  ];
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([f.text], f.name, { type: 'text/csv' }));
    return dt;
  }, files);
  await page.dispatchEvent('[data-testid=review-view]', 'drop', { dataTransfer });
  await page.getByRole('tab', { name: 'What changed' }).click({ timeout: 30_000 });
  const grid = page.getByRole('grid', { name: /^SIMs that changed/ });
  await expect(grid).toHaveAttribute('aria-rowcount', String(sims + 50 + 1));
  // Scrolled by the page to the end of the list, page after page, to its last SIM.
  const pane = page.locator('main');
  for (let i = 0; i < 40 && (await grid.locator('[role=row][aria-rowindex]').last().getAttribute('aria-rowindex')) !== String(sims + 51); i++) {
    await pane.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForTimeout(100);
  }
  await expect(grid.locator(`[role=row][aria-rowindex="${sims + 51}"]`)).toBeInViewport();
  expect(await grid.locator('.vlist-item').count()).toBeLessThan(60);
  expect(await innerScrollers(page)).toEqual([]);
  expect(await windowOverflow(page)).toEqual({ down: 0, sideways: 0, paneSideways: 0 });
  // Half-way down, the column headers stay at the top of the pane.
  const box = (await grid.boundingBox())!;
  await pane.evaluate((el, y) => el.scrollBy({ top: y }), box.y + 2000);
  const head = (await grid.getByRole('row').first().boundingBox())!;
  const paneTop = (await pane.boundingBox())!.y;
  expect(Math.abs(head.y - paneTop)).toBeLessThan(4);
  const rows = await grid.locator('.vlist-item').evaluateAll((list) => list.map((r) => r.getBoundingClientRect()).filter((r) => r.bottom > 0 && r.top < window.innerHeight).length);
  expect(rows).toBeGreaterThan(5);
  await page.screenshot({ path: screenshotPath('review-compare-sims-900x600.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('review-compare-sims-900x600-dark.png') });
});

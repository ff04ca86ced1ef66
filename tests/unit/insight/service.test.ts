import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../contract/events';
import type { AlertList, Budgets, DailyAnomalies, InsightOverview } from '../../../contract/models/insight';
import type { SoracomBillingHistory } from '../../../contract/models/soracom';
import { memorySecretStore, type SecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { testPlatform } from '../../support/platform';

const opened: MainServices[] = [];
// One set of sandboxes for the file: their 18 months of bills are generated once.
const sharedDemo = createDemoSandboxes();
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(() => sharedDemo.close());

function services(userDataDir: string, secrets: SecretStore, demo = sharedDemo) {
  const notifications: { title: string; body: string }[] = [];
  const events: EventMessage[] = [];
  const made = createMainServices({
    platform: testPlatform(userDataDir, { notify: (n: { title: string; body: string }) => notifications.push(n) }),
    emit: (m) => events.push(m),
    log: () => undefined,
    secrets,
    demo: { ensure: () => demo.ensure(), close: () => Promise.resolve() },
    backgroundSync: false,
  });
  opened.push(made);
  return { ...made, notifications, events };
}

async function value<T>(s: MainServices, channel: string, args: Record<string, unknown> = {}): Promise<T> {
  const reply = await s.router.handle(channel, args);
  if (!reply.ok) throw new Error(`${channel}: ${reply.error.message}`);
  return reply.value as T;
}

describe('spend insight over the demo accounts', () => {
  it('flags the demo’s one true anomaly (last month’s rollout) and no other month or day', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    const accounts = await s.accounts.startDemo();
    await s.scheduler.runNow();
    const overview = await value<InsightOverview>(s, 'insight.overview');
    const soracom = overview.accounts.find((a) => a.provider === 'soracom')!;
    expect(soracom.anomalies.map((a) => a.key)).toEqual([overview.lastMonth]);
    expect(soracom.anomalies[0]!.direction).toBe('high');
    expect(soracom.anomalies[0]!.text).toMatch(/^\d+× the median of the last 6 months$/);
    for (const a of overview.accounts.filter((x) => x.provider !== 'soracom')) expect(a.anomalies).toEqual([]);

    // Every day of every month: no day is flagged.
    const history = await value<SoracomBillingHistory>(s, 'soracom.getBillingHistory', { accountId: soracom.accountId });
    for (const bill of history.bills) {
      await value(s, 'soracom.getBillingPerDay', { accountId: soracom.accountId, yyyyMM: bill.yearMonth });
      const days = await value<DailyAnomalies>(s, 'insight.dailyAnomalies', { accountId: soracom.accountId, yyyyMM: bill.yearMonth });
      expect(days.anomalies, bill.yearMonth).toEqual([]);
    }
    expect(accounts).toHaveLength(3);
  });

  it('keeps totals per currency, each the sum of the accounts in that currency', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const overview = await value<InsightOverview>(s, 'insight.overview');
    expect(overview.totals.map((t) => t.currency)).toEqual(['CAD', 'JPY', 'USD']);
    for (const t of overview.totals) {
      const forecasts = overview.accounts.flatMap((a) => (a.forecast.state === 'value' ? a.forecast.amounts : [])).filter((m) => m.currency === t.currency);
      expect(t.forecast?.minor).toBe(forecasts.reduce((n, m) => n + m.minor, 0));
    }
    const agilicus = overview.accounts.find((a) => a.provider === 'agilicus')!;
    expect(agilicus.forecast.estimate).toBe(true);
    expect(agilicus.soFar.state).toBe('not-reported');
    // Agilicus is the only CAD account and reports no spend: no CAD figure but the estimate.
    const cad = overview.totals.find((t) => t.currency === 'CAD')!;
    expect([cad.soFar, cad.previous, cad.estimate]).toEqual([undefined, undefined, true]);
  });

  it('a $0.00 estimate (an Agilicus trial) neither counts the account in that currency nor marks its forecast as an estimate', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const overview = await value<InsightOverview>(s, 'insight.overview');
    const agilicus = overview.accounts.find((a) => a.provider === 'agilicus')!;
    expect(agilicus.forecast.amounts).toContainEqual({ minor: 0, currency: 'USD' });
    const usd = overview.totals.find((t) => t.currency === 'USD')!;
    // Only SpatialFlow's issued invoice makes the USD row.
    expect([usd.accounts, usd.estimate]).toEqual([1, false]);
    expect(usd.forecast).toEqual(overview.accounts.find((a) => a.provider === 'spatialflow')!.forecast.amounts.find((m) => m.currency === 'USD'));
    const cad = overview.totals.find((t) => t.currency === 'CAD')!;
    expect([cad.accounts, cad.estimate]).toEqual([1, true]);
  });

  it('a Soracom bill without an amount (optional in the API) is not reported, never taken as 0, and left out of the anomaly months', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const demo = createDemoSandboxes();
    try {
      const s = services(dir, memorySecretStore(), demo);
      await s.accounts.startDemo();
      await s.scheduler.runNow();
      const before = (await value<InsightOverview>(s, 'insight.overview')).accounts.find((a) => a.provider === 'soracom')!;
      expect(before.anomalies.map((a) => a.key)).toEqual([before.lastMonth]);
      const server = (await demo.servers()).soracom;
      const listed = server.exchanges.find((x) => x.method === 'GET' && x.path === '/v1/bills')?.responseBody as { billList: { yearMonth: string }[] };
      const last = listed.billList.findIndex((b) => b.yearMonth === before.lastMonth);
      server.setFaults([
        { kind: 'patch', method: 'GET', path: '/v1/bills/latest', pointer: '/amount', value: undefined },
        { kind: 'patch', method: 'GET', path: '/v1/bills', pointer: `/billList/${last}/amount`, value: undefined },
      ]);
      await s.scheduler.runNow();
      const after = (await value<InsightOverview>(s, 'insight.overview')).accounts.find((a) => a.provider === 'soracom')!;
      expect(after.soFar).toMatchObject({ state: 'not-reported', amounts: [], madeFrom: expect.stringMatching(/without an amount/) as unknown });
      expect(after.forecast).toMatchObject({ state: 'not-reported', amounts: [] });
      expect(after.previous).toMatchObject({ state: 'not-reported', amounts: [] });
      expect(after.change).toBeNull();
      expect(after.anomalies).toEqual([]);
      server.clearFaults();
    } finally {
      await demo.close();
    }
  });

  it('updates the payment calendar with a plan change, as the figures, and gives the credit of a change back', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    // Sandboxes of its own: the plan changes stay in this test.
    const demo = createDemoSandboxes();
    try {
      const s = services(dir, memorySecretStore(), demo);
      await s.accounts.startDemo();
      await s.scheduler.runNow();
      const spatialflow = async () => (await value<InsightOverview>(s, 'insight.overview')).accounts.find((a) => a.provider === 'spatialflow')!;
      const renewal = async () => (await spatialflow()).calendar.find((e) => e.kind === 'renewal')!;
      const accountId = (await spatialflow()).accountId;
      expect(await renewal()).toMatchObject({ label: 'Pro renews', amounts: [{ minor: 4900, currency: 'USD' }] });
      const soFar = (await spatialflow()).soFar.amounts[0]!.minor;

      await value(s, 'spatialflow.changePlan', { accountId, newPlanId: 'plan_business' });
      // At once, without a sync: the upgrade's invoice in the figures, the new plan in the calendar.
      const upgraded = await spatialflow();
      const upgradeInvoice = upgraded.soFar.amounts[0]!.minor - soFar;
      expect(upgradeInvoice).toBeGreaterThan(0);
      expect(await renewal()).toMatchObject({ label: 'Business renews', amounts: [{ minor: 19900, currency: 'USD' }] });

      // Back to Pro: SpatialFlow's preview says the credit is more than the next invoice.
      const preview = await value<{ proratedAmount: { minor: number }; nextInvoiceChange: { minor: number } }>(s, 'spatialflow.previewPlanChange', { accountId, newPlanId: 'plan_pro' });
      expect(19900 + preview.nextInvoiceChange.minor).toBeLessThan(0);
      await value(s, 'spatialflow.changePlan', { accountId, newPlanId: 'plan_pro' });
      const back = await renewal();
      expect(back.label).toBe('Pro renews, less a credit');
      expect(back.amounts).toEqual([{ minor: 0, currency: 'USD' }]);
      expect(back.madeFrom).toMatch(/^The Pro plan’s price per month, \$49\.00, less \$\d+\.\d\d of credit for the downgrade on \d{4}-\d\d-\d\d/);
      expect(back.madeFrom).toContain('of credit left over carries to later invoices');
      const credit = Number(/less \$(\d+\.\d\d) of credit/.exec(back.madeFrom)![1]) * 100;
      expect(Math.abs(Math.round(credit) + preview.proratedAmount.minor)).toBeLessThanOrEqual(1);

      // A cancellation too: the calendar says the plan ends instead of renewing.
      await value(s, 'spatialflow.cancelSubscription', { accountId });
      const calendar = (await spatialflow()).calendar;
      expect(calendar.filter((e) => e.kind === 'renewal')).toEqual([]);
      expect(calendar.find((e) => e.kind === 'subscription-end')?.label).toBe('Pro ends; nothing more is charged');
    } finally {
      await demo.close();
    }
  });

  it('raises only the highest budget threshold crossed, and a higher one crossed later', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const overview = await value<InsightOverview>(s, 'insight.overview');
    const of = (provider: string) => overview.accounts.find((a) => a.provider === provider)!;
    const [soracom, spatialflow] = [of('soracom'), of('spatialflow')];
    // Budgets the spend so far already passes (about 110%): past 80% and 100% at once.
    const over = (m: { minor: number; currency: string }) => ({ minor: Math.floor((m.minor * 100) / 110), currency: m.currency });
    await value(s, 'insight.setBudgets', {
      accounts: [
        { accountId: soracom.accountId, amount: over(soracom.soFar.amounts[0]!) },
        { accountId: spatialflow.accountId, amount: over(spatialflow.soFar.amounts[0]!) },
      ],
      currencies: [],
    });
    await s.scheduler.runNow();
    await s.close();
    opened.splice(opened.indexOf(s), 1);
    const budgetNotes = s.notifications.filter((n) => n.title.includes('budget'));
    expect(budgetNotes.map((n) => n.title).sort()).toEqual([`${soracom.accountName}: 100% of the monthly budget`, `${spatialflow.accountName}: 100% of the monthly budget`].sort());
    for (const n of budgetNotes) expect(n.body).toContain('is over the budget');

    // 80% crossed first and 100% later: each is told when it is crossed.
    const dir2 = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const t = services(dir2, memorySecretStore());
    await t.accounts.startDemo();
    await t.scheduler.runNow();
    const forecast = (await value<InsightOverview>(t, 'insight.overview')).accounts.find((a) => a.provider === 'soracom')!.forecast.amounts[0]!;
    const accountId = (await value<InsightOverview>(t, 'insight.overview')).accounts.find((a) => a.provider === 'soracom')!.accountId;
    const budgetAt = (pct: number) => ({ accounts: [{ accountId, amount: { minor: Math.ceil((forecast.minor * 100) / pct), currency: forecast.currency } }], currencies: [] });
    await value(t, 'insight.setBudgets', budgetAt(90));
    await t.scheduler.runNow();
    await expect.poll(async () => (await value<AlertList>(t, 'insight.listAlerts')).alerts.filter((a) => a.kind === 'budget').map((a) => a.title)).toEqual([`${soracom.accountName}: 80% of the monthly budget`]);
    await value(t, 'insight.setBudgets', budgetAt(105));
    await t.scheduler.runNow();
    await expect
      .poll(async () => (await value<AlertList>(t, 'insight.listAlerts')).alerts.filter((a) => a.kind === 'budget').map((a) => a.title))
      .toEqual([`${soracom.accountName}: 100% of the monthly budget`, `${soracom.accountName}: 80% of the monthly budget`]);
  });

  it('adds account budgets up in their currency’s totals and says which budgets are reached', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const before = await value<InsightOverview>(s, 'insight.overview');
    const of = (o: InsightOverview, provider: string) => o.accounts.find((a) => a.provider === provider)!;
    const spent = of(before, 'spatialflow').soFar.amounts[0]!;
    const forecast = of(before, 'soracom').forecast.amounts[0]!;
    await value(s, 'insight.setBudgets', {
      accounts: [
        // Below the spend so far, as $40.00 beside $127.71.
        { accountId: of(before, 'spatialflow').accountId, amount: { minor: spent.minor - 1, currency: 'USD' } },
        // Above the spend so far, below the forecast.
        { accountId: of(before, 'soracom').accountId, amount: { minor: forecast.minor - 1, currency: 'JPY' } },
      ],
      currencies: [{ currency: 'JPY', amount: { minor: forecast.minor * 2, currency: 'JPY' } }],
    });
    const after = await value<InsightOverview>(s, 'insight.overview');
    expect(of(after, 'spatialflow').budgetOver).toBe('spend');
    expect(of(after, 'soracom').budgetOver).toBe('forecast');
    expect(of(after, 'agilicus').budgetOver).toBeUndefined();
    const usd = after.totals.find((t) => t.currency === 'USD')!;
    expect(usd.budget).toBeUndefined();
    expect(usd.accountBudgets).toEqual({ amount: { minor: spent.minor - 1, currency: 'USD' }, accounts: 1, over: 1 });
    const jpy = after.totals.find((t) => t.currency === 'JPY')!;
    expect(jpy.budget).toEqual({ minor: forecast.minor * 2, currency: 'JPY' });
    expect(jpy.budgetOver).toBeUndefined();
    expect(after.totals.find((t) => t.currency === 'CAD')!.accountBudgets).toBeUndefined();
  });

  it('does not estimate a trial’s first billed period at $0.00: its amount is not known yet', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const overview = await value<InsightOverview>(s, 'insight.overview');
    const trial = overview.calendar.find((e) => e.provider === 'agilicus' && e.label.includes('trial ends'))!;
    expect(trial).toMatchObject({ kind: 'renewal', amounts: [], amountUnknown: true, estimate: false });
    expect(trial.madeFrom).toContain('not known yet');
    // The others keep their estimates.
    expect(overview.calendar.filter((e) => e.provider === 'agilicus' && e.kind === 'renewal' && !e.amountUnknown).every((e) => e.amounts.length === 1 && e.estimate)).toBe(true);
    // A bill being charged says so in words, as the account's view does, not with Soracom's raw status.
    const charged = overview.calendar.find((e) => e.provider === 'soracom' && e.label.includes('is being charged'))!;
    expect(charged.madeFrom).toBe('Soracom’s bill history (payment in progress).');
  });

  it('tells the window when a provider that could not be reached answers again, so the overview stops saying offline', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    const accounts = await s.accounts.startDemo();
    await s.scheduler.runNow();
    const badgesNow = async (offline: boolean) => {
      // The last `insight.changed` the window was sent, once it has settled.
      for (let i = 0; i < 40; i++) {
        const last = s.events.filter((e): e is EventMessage<'insight.changed'> => e.event === 'insight.changed').at(-1);
        const badges = last ? Object.values(last.payload.badges) : [];
        if (badges.length === accounts.length && badges.every((b) => b.offline === offline)) return true;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return false;
    };
    await sharedDemo.setReachable(false);
    try {
      await s.scheduler.runNow();
      expect(await badgesNow(true)).toBe(true);
      expect((await value<InsightOverview>(s, 'insight.overview')).offline).toBe(true);
    } finally {
      await sharedDemo.setReachable(true);
    }
    // The sidebar's background check: it reads no billing data, so no offline data is written.
    for (const a of accounts) await value(s, 'accounts.testConnection', { id: a.id });
    expect(await badgesNow(false)).toBe(true);
  });

  it('dates an account’s sync by the oldest data its figures are made of, not by a view’s read of one part', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const s = services(dir, memorySecretStore());
    await s.accounts.startDemo();
    await s.scheduler.runNow();
    const soracomOf = async () => (await value<InsightOverview>(s, 'insight.overview')).accounts.find((a) => a.provider === 'soracom')!;
    const synced = await soracomOf();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A view reads this month's bill again; the daily bills the forecast uses stay as they were.
    const readAt = new Date().toISOString();
    await value(s, 'soracom.getLatestBilling', { accountId: synced.accountId });
    const after = await soracomOf();
    const account = (await s.accounts.list()).accounts.find((a) => a.id === synced.accountId)!;
    expect(account.sync.lastError).toBeUndefined();
    expect(after.asOf).toBeDefined();
    expect(after.asOf! < readAt).toBe(true);
    expect(after.badges.lastSyncAt).toBe(after.asOf);
  });

  it('raises a crossed budget once, as one notification, and not again after a restart', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-insight-'));
    const secrets = memorySecretStore();
    const demo = sharedDemo;
    const first = services(dir, secrets, demo);
    await first.accounts.startDemo();
    await first.scheduler.runNow();
    const before = await value<InsightOverview>(first, 'insight.overview');
    const soracom = before.accounts.find((a) => a.provider === 'soracom')!;
    const forecast = soracom.forecast.state === 'value' ? soracom.forecast.amounts[0]! : soracom.soFar.amounts[0]!;
    // A budget the forecast fills to between 80% and 100%.
    const budget: Budgets = { accounts: [{ accountId: soracom.accountId, amount: { minor: Math.ceil((forecast.minor * 100) / 90), currency: forecast.currency } }], currencies: [] };
    await value(first, 'insight.setBudgets', { ...budget });
    await first.scheduler.runNow();
    await first.close();
    opened.splice(opened.indexOf(first), 1);
    const budgetNotes = first.notifications.filter((n) => n.title.includes('budget'));
    expect(budgetNotes).toEqual([{ title: `${soracom.accountName}: 80% of the monthly budget`, body: expect.stringContaining('80%') as unknown as string }]);
    expect(first.events.filter((e) => e.event === 'insight.alert')).toHaveLength(first.notifications.length);

    const second = services(dir, secrets, demo);
    await second.scheduler.runNow();
    await second.close();
    opened.splice(opened.indexOf(second), 1);
    expect(second.notifications).toEqual([]);
    const third = services(dir, secrets, demo);
    const alerts = await value<AlertList>(third, 'insight.listAlerts');
    expect(alerts.alerts.filter((a) => a.kind === 'budget')).toHaveLength(1);
    const dismissed = await value<AlertList>(third, 'insight.dismissAlert', { id: alerts.alerts[0]!.id });
    expect(dismissed.alerts[0]!.dismissed).toBe(true);
    expect(dismissed.alerts).toHaveLength(alerts.alerts.length);
  });
});

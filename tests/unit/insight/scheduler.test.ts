import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SyncSchedule } from '../../../contract/models/insight';
import { AppError } from '../../../main/http/errors';
import { createSyncScheduler, type SyncScheduler } from '../../../main/insight/scheduler';

const account = (id: string, provider: AccountSummary['provider'] = 'spatialflow'): AccountSummary => ({
  id,
  name: id,
  provider,
  baseUrl: 'http://127.0.0.1:1',
  credentialKind: 'password',
  demo: true,
  sync: {},
});

const made: SyncScheduler[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((s) => s.close()));
  vi.useRealTimers();
});

function scheduler(opts: { accounts: AccountSummary[]; call: (channel: string, args: Record<string, unknown>) => Promise<unknown>; random?: number; clock?: { now: number } }) {
  let saved: SyncSchedule = { enabled: true, intervalMinutes: 60 };
  const clock = opts.clock ?? { now: Date.parse('2026-03-01T10:00:00Z') };
  const synced: string[] = [];
  const s = createSyncScheduler({
    listAccounts: () => Promise.resolve(opts.accounts),
    getSchedule: () => Promise.resolve(saved),
    saveSchedule: (next) => Promise.resolve((saved = next)),
    call: (channel, args) => opts.call(channel, args),
    onSynced: (id) => synced.push(id),
    log: () => undefined,
    random: () => opts.random ?? 0.5,
    now: () => clock.now,
  });
  made.push(s);
  return { s, synced, clock, saved: () => saved };
}

const pageOf = { invoices: [], hasMore: false };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('background sync', () => {
  it('makes one provider call at a time per account, and a second "sync now" waits for the running one', async () => {
    let inFlight = 0;
    let most = 0;
    const calls: string[] = [];
    const { s, synced } = scheduler({
      accounts: [account('a'), account('b', 'soracom')],
      call: async (channel, args) => {
        calls.push(`${String(args['accountId'])} ${channel}`);
        if (args['accountId'] === 'a') {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await wait(20);
          inFlight -= 1;
        }
        return channel === 'spatialflow.listInvoices' ? pageOf : {};
      },
    });
    await s.start();
    await Promise.all([s.runNow('a'), s.runNow('a'), s.runNow()]);
    expect(most).toBe(1);
    expect(calls.filter((c) => c.startsWith('a '))).toEqual(['a spatialflow.getSubscription', 'a spatialflow.listInvoices']);
    expect(calls.filter((c) => c.startsWith('b '))).toEqual(['b soracom.getLatestBilling', 'b soracom.getBillingHistory', 'b soracom.getBillingPerDay']);
    expect(synced.sort()).toEqual(['a', 'b']);
  });

  it('reads the usage records of every Agilicus billing account, so the FOCUS export has them after any sync', async () => {
    const calls: string[] = [];
    const { s } = scheduler({
      accounts: [account('g', 'agilicus')],
      call: (channel, args) => {
        calls.push(`${channel}${typeof args['billingAccountId'] === 'string' ? ` ${args['billingAccountId']}` : ''}`);
        if (channel !== 'agilicus.listBillingAccounts') return Promise.resolve({ records: [] });
        expect(args).toMatchObject({ includeSubscriptions: true, includeCustomer: true });
        // One subscription states its quantity, one does not, and one billing account has none.
        return Promise.resolve({ accounts: [{ id: 'ba1', subscriptions: [{ quantity: 3 }] }, { id: 'ba2', subscriptions: [{ quantity: null }] }, { id: 'ba3', subscriptions: [] }] });
      },
    });
    await s.start();
    await s.runNow('g');
    expect(calls).toEqual(['agilicus.listBillingAccounts', 'agilicus.getUsageRecords ba1', 'agilicus.getUsageRecords ba2', 'agilicus.getUsageRecords ba3']);
  });

  it('a billing account whose usage cannot be read does not fail the account’s sync; refused credentials do', async () => {
    let usageFailure = new AppError('not_found', 'Agilicus does not know that billing account.');
    const calls: string[] = [];
    const { s } = scheduler({
      accounts: [account('g', 'agilicus')],
      call: (channel, args) => {
        calls.push(`${channel}${typeof args['billingAccountId'] === 'string' ? ` ${args['billingAccountId']}` : ''}`);
        if (channel === 'agilicus.listBillingAccounts') return Promise.resolve({ accounts: [{ id: 'ba1', subscriptions: [] }, { id: 'ba2', subscriptions: [] }] });
        return args['billingAccountId'] === 'ba1' ? Promise.reject(usageFailure) : Promise.resolve({ records: [] });
      },
    });
    await s.start();
    let status = await s.runNow('g');
    expect(status.accounts[0]!.failures).toBe(0);
    expect(calls).toEqual(['agilicus.listBillingAccounts', 'agilicus.getUsageRecords ba1', 'agilicus.getUsageRecords ba2']);
    usageFailure = new AppError('auth_expired', 'Agilicus no longer accepts the token.');
    status = await s.runNow('g');
    expect(status.accounts[0]!.failures).toBe(1);
  });

  it('plans the next run an interval away, with jitter of ±10%', async () => {
    for (const [random, minutes] of [
      [0, 54],
      [1, 66],
    ] as const) {
      const { s, clock } = scheduler({ accounts: [account('a')], call: () => Promise.resolve(pageOf), random });
      await s.start();
      const status = await s.runNow('a');
      expect(Date.parse(status.accounts[0]!.nextRunAt!) - clock.now).toBe(minutes * 60_000);
    }
  });

  it('backs off after errors in a row and honours Retry-After', async () => {
    let failure: AppError | undefined = new AppError('network', 'The provider cannot be reached.');
    const { s, clock } = scheduler({
      accounts: [account('a')],
      call: () => (failure ? Promise.reject(failure) : Promise.resolve(pageOf)),
    });
    await s.start();
    const next = async () => {
      const st = await s.runNow('a');
      return { failures: st.accounts[0]!.failures, inMs: Date.parse(st.accounts[0]!.nextRunAt!) - clock.now };
    };
    expect(await next()).toEqual({ failures: 1, inMs: 60_000 });
    expect(await next()).toEqual({ failures: 2, inMs: 120_000 });
    expect(await next()).toEqual({ failures: 3, inMs: 240_000 });
    failure = new AppError('rate_limited', 'Too many requests.', { retryAfterMs: 900_000 });
    expect(await next()).toEqual({ failures: 4, inMs: 900_000 });
    failure = new AppError('server', 'Down.');
    for (let i = 0; i < 6; i++) await next();
    // Never longer than the interval itself.
    expect(await next()).toEqual({ failures: 11, inMs: 3_600_000 });
    failure = undefined;
    expect(await next()).toEqual({ failures: 0, inMs: 3_600_000 });
  });

  it('waits out a Retry-After of a month (longer than one timer can run) instead of calling the provider again at once', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-01T10:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    let calls = 0;
    const month = 2_592_000_000;
    const clock = {
      get now() {
        return Date.now();
      },
    };
    const { s } = scheduler({
      accounts: [account('a')],
      clock,
      call: () => {
        calls += 1;
        return Promise.reject(new AppError('rate_limited', 'Too many requests.', { retryAfterMs: month }));
      },
    });
    await s.start();
    const status = await s.runNow('a');
    const nextRunAt = Date.parse(status.accounts[0]!.nextRunAt!);
    expect(nextRunAt - Date.now()).toBe(month);
    expect(calls).toBe(1);

    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(nextRunAt - Date.now() - 1_000);
    expect(calls).toBe(1);
    expect(Date.parse((await s.status()).accounts[0]!.nextRunAt!)).toBe(nextRunAt);
    // The next run comes when the status said it would, and only once.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toBe(2);
  });

  it('can be switched off and its interval changed; the setting is saved', async () => {
    const { s, saved } = scheduler({ accounts: [account('a')], call: () => Promise.resolve(pageOf) });
    await s.start();
    expect((await s.status()).accounts[0]!.nextRunAt).toBeDefined();
    const off = await s.setSchedule({ enabled: false, intervalMinutes: 60 });
    expect(off.accounts[0]!.nextRunAt).toBeUndefined();
    expect(saved()).toEqual({ enabled: false, intervalMinutes: 60 });
    const on = await s.setSchedule({ enabled: true, intervalMinutes: 15 });
    expect(on.intervalMinutes).toBe(15);
    expect(on.accounts[0]!.nextRunAt).toBeDefined();
  });
});

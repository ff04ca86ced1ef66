import type { Channel } from '../../contract';
import type { AccountSummary } from '../../contract/models/app';
import type { AgilicusBillingAccountList } from '../../contract/models/agilicus';
import type { AccountSyncPlan, SyncSchedule, SyncStatus } from '../../contract/models/insight';
import { AppError } from '../http/errors';
import { credentialFailures } from '../accounts/service';
import { insightReads } from './service';
import { yearMonthOf } from './rules';

export interface SyncSchedulerDeps {
  listAccounts: () => Promise<AccountSummary[]>;
  getSchedule: () => Promise<SyncSchedule>;
  saveSchedule: (schedule: SyncSchedule) => Promise<SyncSchedule>;
  /** One read channel through the same handlers the window uses, so snapshots and sync state are kept. Throws `AppError`. */
  call: (channel: Channel, args: Record<string, unknown>) => Promise<unknown>;
  /** After each account's run, whatever its outcome. */
  onSynced: (accountId: string) => void;
  log: (line: string) => void;
  /** Wait before the first scheduled run after start (before jitter); default 20 s. */
  firstRunDelayMs?: number;
  random?: () => number;
  now?: () => number;
}

export interface SyncScheduler {
  start(): Promise<void>;
  status(): Promise<SyncStatus>;
  setSchedule(schedule: SyncSchedule): Promise<SyncStatus>;
  /** Syncs now (one account, or all of them); an account already syncing is waited for, not called twice. */
  runNow(accountId?: string): Promise<SyncStatus>;
  close(): Promise<void>;
}

interface Plan {
  timer: ReturnType<typeof setTimeout> | undefined;
  nextRunAt: number | undefined;
  lastRunAt: number | undefined;
  running: Promise<void> | undefined;
  failures: number;
  lastError: string | undefined;
}

/**
 * Everything one sync reads for an account, one call at a time: what the overview needs
 * (`insightReads`), then the usage records of each Agilicus billing account (a subscription's
 * missing quantity and the FOCUS export's usage file come from them). The background sync and
 * `billfold sync` both run this, so either keeps what the window shows offline. Throws the first
 * failure of a read, and of a billing account's usage only when the credentials were refused.
 */
export async function syncAccountData(account: Pick<AccountSummary, 'id' | 'provider'>, thisMonth: string, call: SyncSchedulerDeps['call']): Promise<void> {
  for (const { channel, args } of insightReads(account.provider, thisMonth)) {
    const value = await call(channel, { ...args, accountId: account.id });
    if (channel === 'agilicus.listBillingAccounts') {
      for (const ba of (value as AgilicusBillingAccountList).accounts) {
        // One billing account whose usage cannot be read keeps the usage last synced; what the
        // overview shows was read, so only refused credentials fail the account's sync.
        await call('agilicus.getUsageRecords', { accountId: account.id, billingAccountId: ba.id }).catch((error: unknown) => {
          if (error instanceof AppError && credentialFailures.has(error.code)) throw error;
        });
      }
    }
  }
}

/** Longest wait after failures in a row: the interval itself. The first retry comes after a minute. */
const firstBackoffMs = 60_000;
/** Node runs a timer set longer than this (about 24.8 days) after 1 ms instead. */
const longestTimerMs = 2 ** 31 - 1;
/** ± this share of a wait, so accounts (and many installs) do not call their providers in lockstep. */
const jitterShare = 0.1;

/**
 * Background sync: every account is refreshed on the schedule (hourly by default), with jitter,
 * one provider call at a time per account, backing off after errors and honouring `Retry-After`.
 */
export function createSyncScheduler(deps: SyncSchedulerDeps): SyncScheduler {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const plans = new Map<string, Plan>();
  let schedule: SyncSchedule = { enabled: true, intervalMinutes: 60 };
  let started = false;
  let closed = false;
  let watch: ReturnType<typeof setInterval> | undefined;

  const jitter = (ms: number) => Math.max(1000, Math.round(ms * (1 - jitterShare + 2 * jitterShare * random())));
  const planOf = (id: string) => {
    let p = plans.get(id);
    if (!p) {
      p = { timer: undefined, nextRunAt: undefined, lastRunAt: undefined, running: undefined, failures: 0, lastError: undefined };
      plans.set(id, p);
    }
    return p;
  };

  function arm(id: string, delayMs: number) {
    const p = planOf(id);
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    p.nextRunAt = undefined;
    if (closed || !schedule.enabled) return;
    p.nextRunAt = now() + delayMs;
    // A month-long Retry-After is longer than one timer can run: it is waited out in steps.
    const wait = (left: number) => {
      const step = Math.min(left, longestTimerMs);
      p.timer = setTimeout(() => {
        p.timer = undefined;
        if (left > step) wait(left - step);
        else void run(id);
      }, step);
      // A pending sync never keeps the process alive (the harness, the command line).
      p.timer.unref?.();
    };
    wait(delayMs);
  }

  async function run(id: string): Promise<void> {
    const p = planOf(id);
    if (p.running) return p.running;
    const work = (async () => {
      const account = (await deps.listAccounts()).find((a) => a.id === id);
      if (!account) {
        plans.delete(id);
        return;
      }
      const intervalMs = schedule.intervalMinutes * 60_000;
      try {
        await syncAccountData(account, yearMonthOf(new Date(now())), deps.call);
        p.failures = 0;
        p.lastError = undefined;
        if (started) arm(id, jitter(intervalMs));
      } catch (error) {
        p.failures += 1;
        p.lastError = error instanceof Error ? error.message : String(error);
        const backoff = Math.min(intervalMs, firstBackoffMs * 2 ** (p.failures - 1));
        const retryAfter = error instanceof AppError && error.retryAfterMs !== undefined ? error.retryAfterMs : 0;
        if (!(error instanceof AppError)) deps.log(`[sync] ${account.id}: ${p.lastError}`);
        if (started) arm(id, Math.max(jitter(backoff), retryAfter));
      } finally {
        p.lastRunAt = now();
        deps.onSynced(id);
      }
    })();
    p.running = work.finally(() => {
      p.running = undefined;
    });
    return p.running;
  }

  /** Plans accounts added since (their first run after the first-run delay), forgets removed ones. */
  async function reconcile(firstDelayMs: number) {
    const accounts = await deps.listAccounts();
    const ids = new Set(accounts.map((a) => a.id));
    for (const [id, p] of plans) {
      if (!ids.has(id)) {
        if (p.timer) clearTimeout(p.timer);
        plans.delete(id);
      }
    }
    for (const a of accounts) {
      const p = planOf(a.id);
      if (!p.timer && !p.running && schedule.enabled) arm(a.id, jitter(firstDelayMs));
    }
  }

  async function status(): Promise<SyncStatus> {
    const accounts = await deps.listAccounts();
    return {
      ...schedule,
      accounts: accounts.map((a) => {
        const p = plans.get(a.id);
        const plan: AccountSyncPlan = { accountId: a.id, running: p?.running !== undefined, failures: p?.failures ?? 0 };
        if (p?.nextRunAt !== undefined) plan.nextRunAt = new Date(p.nextRunAt).toISOString();
        if (p?.lastRunAt !== undefined) plan.lastRunAt = new Date(p.lastRunAt).toISOString();
        if (p?.lastError !== undefined) plan.lastError = p.lastError;
        return plan;
      }),
    };
  }

  return {
    async start() {
      schedule = await deps.getSchedule();
      started = true;
      const firstDelay = deps.firstRunDelayMs ?? 20_000;
      await reconcile(firstDelay);
      // Accounts added later (the demo, a new account) join within seconds.
      watch = setInterval(() => void reconcile(firstDelay).catch(() => undefined), 10_000);
      watch.unref?.();
    },
    status,
    async setSchedule(next) {
      schedule = await deps.saveSchedule(next);
      for (const [id, p] of plans) {
        if (p.timer) clearTimeout(p.timer);
        p.timer = undefined;
        p.nextRunAt = undefined;
        if (started && schedule.enabled && !p.running) arm(id, jitter(schedule.intervalMinutes * 60_000));
      }
      if (started) await reconcile(deps.firstRunDelayMs ?? 20_000);
      return status();
    },
    async runNow(accountId) {
      const accounts = await deps.listAccounts();
      const ids = accountId === undefined ? accounts.map((a) => a.id) : accounts.filter((a) => a.id === accountId).map((a) => a.id);
      if (accountId !== undefined && ids.length === 0) throw new AppError('not_found', 'There is no such account.');
      await Promise.all(ids.map((id) => run(id)));
      return status();
    },
    async close() {
      closed = true;
      if (watch) clearInterval(watch);
      for (const p of plans.values()) if (p.timer) clearTimeout(p.timer);
      await Promise.all([...plans.values()].map((p) => p.running?.catch(() => undefined)));
    },
  };
}

/*
 * Seeded billing history of the Soracom sandbox: 18 months ending with the month of `now`
 * (UTC). The current month is `temporary`, older ones are `closed`. Month amounts and daily
 * bills are computed from the same rows as the detailed CSV (see csv.ts), lazily, once.
 */
import { summarizeMonth, type DetailedCsvOptions, type MonthUsage, type SandboxCurrency } from './csv';
import { createPrng, deriveSeed, prngUuid } from '../prng';

export const HISTORY_MONTHS = 18;
/** Rows of the previous month's detailed CSV unless `scale.csvRows` says otherwise. */
export const DEFAULT_BIG_MONTH_ROWS = 50_000;

export interface MonthRecord {
  yyyyMM: string;
  /** 0 for the oldest month in the window, HISTORY_MONTHS - 1 for the current one. */
  index: number;
  state: 'temporary' | 'closed';
  paymentStatus?: string;
  paymentTransactionId?: string;
  /** Coupon applied when paying, in minor units; not part of the CSV. */
  appliedCouponMinor: number;
  csv: DetailedCsvOptions;
  usage(): MonthUsage;
}

export interface AccountData {
  operatorId: string;
  currency: SandboxCurrency;
  /** Newest first. */
  months: MonthRecord[];
  month(yyyyMM: string): MonthRecord | undefined;
  current: MonthRecord;
}

export function yyyyMMOf(year: number, monthIndex0: number): string {
  const d = new Date(Date.UTC(year, monthIndex0, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function createAccountData(opts: {
  seed: number;
  now: Date;
  currency: SandboxCurrency;
  bigMonthRows: number;
}): AccountData {
  const { seed, now, currency } = opts;
  const r = createPrng(deriveSeed(seed, 'account'));
  const operatorId = `OP${r.digits(10)}`;
  const months: MonthRecord[] = [];
  for (let index = HISTORY_MONTHS - 1; index >= 0; index--) {
    const back = HISTORY_MONTHS - 1 - index;
    const yyyyMM = yyyyMMOf(now.getUTCFullYear(), now.getUTCMonth() - back);
    const isCurrent = back === 0;
    const csv: DetailedCsvOptions = {
      seed,
      yyyyMM,
      currency,
      // The account opened on the 20th of the oldest month with one SIM and grew from there.
      sims: index === 0 ? 1 : 4 + index,
    };
    if (index === 0) csv.fromDay = 20;
    if (isCurrent) csv.throughDay = now.getUTCDate();
    // The previous month carried a large rollout test: its CSV is the big one.
    if (back === 1) csv.minRows = opts.bigMonthRows;

    const mr = createPrng(deriveSeed(seed, 'bill', yyyyMM));
    let cached: MonthUsage | undefined;
    const record: MonthRecord = {
      yyyyMM,
      index,
      state: isCurrent ? 'temporary' : 'closed',
      appliedCouponMinor: 0,
      csv,
      usage: () => (cached ??= summarizeMonth(csv)),
    };
    if (!isCurrent) {
      record.paymentStatus = index === 0 ? 'lessThanMinimumCharge' : back === 1 ? 'paying' : 'paid';
      record.paymentTransactionId = `${mr.int(1, 9)}${mr.digits(16)}_${prngUuid(mr)}`;
      // A welcome coupon (1,000 JPY or 10.00 USD/EUR: 1000 minor units either way) covered months 3 to 6.
      if (index >= 3 && index <= 6) record.appliedCouponMinor = 1000;
    }
    months.push(record);
  }
  const byKey = new Map(months.map((m) => [m.yyyyMM, m]));
  const current = months[0];
  if (current === undefined) throw new Error('empty history');
  return { operatorId, currency, months, month: (k) => byKey.get(k), current };
}

import type { Money } from '../../../contract/money';
import { fromDecimal, sumByCurrency } from '../../../contract/money';
import type {
  SoracomBillingHistory,
  SoracomDailyBills,
  SoracomLatestBill,
  SoracomMonthlyBill,
} from '../../../contract/models/soracom';
import { AppError } from '../../http/errors';
import { mapReadable, unreadableField } from '../items';
import type { BillingHistoryResponse, DailyBillResponse, LatestBill, MonthlyBill } from './schemas';

/** Amounts are decimals in major units (old responses: integers); `currency` may be absent. */
export function soracomMoney(amount: number, currency: string | undefined, defaultCurrency: string): Money {
  try {
    return fromDecimal(amount, currency ?? defaultCurrency);
  } catch (e) {
    throw new AppError('invalid_response', `Soracom sent an amount that cannot be read: ${amount} ${currency ?? defaultCurrency}.`, {
      cause: e,
    });
  }
}

/** `yyyyMM` names the month when the bill does not (`/bills/{yyyyMM}` need not repeat it). */
export function mapMonthlyBill(b: MonthlyBill, defaultCurrency: string, yyyyMM?: string): SoracomMonthlyBill {
  const yearMonth = b.yearMonth ?? yyyyMM;
  if (yearMonth === undefined) throw new AppError('invalid_response', 'Soracom sent a bill without its month.');
  const out: SoracomMonthlyBill = {
    yearMonth,
    amount: b.amount === undefined ? null : soracomMoney(b.amount, b.currency, defaultCurrency),
  };
  if (b.appliedCouponAmount !== undefined) {
    out.appliedCouponAmount = soracomMoney(b.appliedCouponAmount, b.currency, defaultCurrency);
  }
  if (b.state !== undefined) out.state = b.state;
  if (b.paymentStatus !== undefined) out.paymentStatus = b.paymentStatus;
  if (b.paymentTransactionId !== undefined) out.paymentTransactionId = b.paymentTransactionId;
  return out;
}

export function mapBillingHistory(r: BillingHistoryResponse, defaultCurrency: string): SoracomBillingHistory {
  const { items: bills, unreadable } = mapReadable(r.billList, (b) => mapMonthlyBill(b, defaultCurrency));
  bills.sort((a, b) => b.yearMonth.localeCompare(a.yearMonth));
  return { bills, ...unreadableField(unreadable) };
}

/** yyyyMMdd -> yyyy-MM-dd */
export function isoDate(yyyyMMdd: string): string {
  return `${yyyyMMdd.slice(0, 4)}-${yyyyMMdd.slice(4, 6)}-${yyyyMMdd.slice(6, 8)}`;
}

export function mapDailyBills(yyyyMM: string, r: DailyBillResponse, defaultCurrency: string): SoracomDailyBills {
  const { items: days, unreadable } = mapReadable(r.billList, (d) => ({ date: isoDate(d.date), amount: soracomMoney(d.amount, d.currency, defaultCurrency) }));
  days.sort((a, b) => b.date.localeCompare(a.date));
  return { yearMonth: yyyyMM, days, totals: sumByCurrency(days.map((d) => d.amount)), ...unreadableField(unreadable) };
}

/** yyyyMMddHHmmss read as UTC (the API states no zone); undefined when it does not look like that. */
export function lastEvaluatedIso(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  // Reject rolled-over values such as month 13 or hour 25.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi) {
    return undefined;
  }
  return back.toISOString();
}

export function mapLatestBill(r: LatestBill, defaultCurrency: string): SoracomLatestBill {
  const out: SoracomLatestBill = { amount: r.amount === undefined ? null : soracomMoney(r.amount, r.currency, defaultCurrency) };
  if (r.lastEvaluatedTime !== undefined) {
    out.lastEvaluatedTime = r.lastEvaluatedTime;
    const iso = lastEvaluatedIso(r.lastEvaluatedTime);
    if (iso !== undefined) out.lastEvaluatedAt = iso;
  }
  return out;
}

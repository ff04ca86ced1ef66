import { soracomPaymentWords, type SoracomBillState, type SoracomMonthlyBill, type SoracomPaymentStatus } from '../../../../contract/models/soracom';
import type { Money } from '../../../../contract/money';
import { formatMoney, formatYearMonth, locale } from '../../lib/format';

const paymentWords = soracomPaymentWords;

export function paymentStatusText(status: SoracomPaymentStatus | undefined, state?: SoracomBillState): string {
  if (status === undefined || status === '') return state === 'temporary' ? 'Not billed yet' : 'Not stated';
  return Object.hasOwn(paymentWords, status) ? (paymentWords[status] as string) : status;
}

/** True when the status is one Billfold knows (unknown ones are shown as sent, in code style). */
export function isKnownPaymentStatus(status: string | undefined): boolean {
  return status !== undefined && Object.hasOwn(paymentWords, status);
}

function listed(names: string[]): string {
  return names.length <= 2 ? names.join(' and ') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What a bill table's total adds up, in words: how many months, and which of them are still
 * preliminary or were below the minimum charge (and so not billed), since both are in the sum.
 */
export function totalMadeOf(bills: readonly SoracomMonthlyBill[]): string {
  const months = `${bills.length === 1 ? 'The 1 month' : `All ${bills.length} months`} above`;
  const preliminary = bills.filter((b) => b.state === 'temporary').map((b) => formatYearMonth(b.yearMonth));
  const notBilled = bills.filter((b) => b.paymentStatus === 'lessThanMinimumCharge').map((b) => formatYearMonth(b.yearMonth));
  const parts = [
    ...(preliminary.length > 0 ? [`${listed(preliminary)} (preliminary, may still change)`] : []),
    ...(notBilled.length > 0 ? [`${listed(notBilled)} (below the minimum charge, not billed)`] : []),
  ];
  return parts.length === 0 ? months : `${months}, including ${parts.join(' and ')}`;
}

export function billStateText(state: SoracomBillState | undefined): string {
  if (state === undefined || state === '') return 'Not stated';
  if (state === 'temporary') return 'Preliminary';
  if (state === 'closed') return 'Closed';
  return state;
}

/** The UTC month of `now` as yyyyMM (Soracom's months, like the sandbox's, are calendar months). */
export function yearMonthOf(now: Date): string {
  return `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** yyyyMM of the month before. */
export function previousYearMonth(yyyyMM: string): string {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return m === 1 ? `${y - 1}12` : `${y}${String(m - 1).padStart(2, '0')}`;
}

/** `202405` → `2024-05`, the form files and exports use. */
export function dashedYearMonth(yyyyMM: string): string {
  return `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`;
}

/** A bill's amount, or "No amount" when Soracom sent none: never shown as 0. */
export function billAmountText(amount: Money | null): string {
  return amount === null ? 'No amount' : formatMoney(amount);
}

/**
 * What the daily bills leave out: the month's amount minus the sum of its days, in the month's
 * currency. Undefined when the days are in another currency (never converted).
 */
export function monthlyRemainder(month: Money, dailyTotals: readonly Money[]): Money | undefined {
  const others = dailyTotals.filter((t) => t.currency !== month.currency);
  if (others.length > 0) return undefined;
  const daily = dailyTotals.find((t) => t.currency === month.currency)?.minor ?? 0;
  return { minor: month.minor - daily, currency: month.currency };
}

const shortMonthFormat = new Intl.DateTimeFormat(locale, { month: 'short', timeZone: 'UTC' });
const shortMonthYearFormat = new Intl.DateTimeFormat(locale, { month: 'short', year: '2-digit', timeZone: 'UTC' });
const dayFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' });

function utcDate(yyyyMM: string, day = 1): Date {
  return new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4, 6)) - 1, day));
}

/** "May", or "Jan 24" for January so a long axis shows where the year turns. */
export function shortMonthLabel(yyyyMM: string): string {
  const d = utcDate(yyyyMM);
  return d.getUTCMonth() === 0 ? shortMonthYearFormat.format(d) : shortMonthFormat.format(d);
}

/** `2024-05-03` → "Fri, May 3, 2024" in the user's locale; a calendar date, so no time zone shift. */
export function formatDay(isoDate: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!m) return isoDate;
  return dayFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}

/** Day of the month of `2024-05-03` → "3". */
export function dayOfMonth(isoDate: string): string {
  return String(Number(isoDate.slice(8, 10)));
}

import { monthEndMs } from '../../../../contract/models/review-set';
import { locale } from '../../lib/format';

const shortMonth = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' });

/** `202405` → "May 2024", short enough for a column header. */
export function formatShortMonth(yyyyMM: string): string {
  if (!/^\d{6}$/.test(yyyyMM)) return yyyyMM;
  return shortMonth.format(new Date(Date.UTC(Number(yyyyMM.slice(0, 4)), Number(yyyyMM.slice(4)) - 1, 1)));
}

/**
 * The points of a trend line through `amounts` in a `width` × `height` box (a polyline's
 * `points`), scaled from the smallest to the largest amount so a change shows; a flat line in the
 * middle when all are equal; months without rows count as zero. Empty for fewer than two months.
 */
export function trendPoints(amounts: readonly string[], width: number, height: number, pad = 2): string {
  if (amounts.length < 2) return '';
  const values = amounts.map(Number);
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  const step = (width - pad * 2) / (values.length - 1);
  const y = (v: number) => (span === 0 ? height / 2 : height - pad - ((v - min) / span) * (height - pad * 2));
  return values.map((v, i) => `${(pad + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
}

/** The previous calendar month of a yyyyMM. */
export function previousMonthOf(yyyyMM: string): string {
  const y = Number(yyyyMM.slice(0, 4));
  const m = Number(yyyyMM.slice(4, 6));
  return m === 1 ? `${y - 1}12` : `${y}${String(m - 1).padStart(2, '0')}`;
}

/** Whether an exact decimal string is negative, zero or positive. */
export function signOf(amount: string): -1 | 0 | 1 {
  if (/^-?0(\.0*)?$/.test(amount)) return 0;
  return amount.startsWith('-') ? -1 : 1;
}

/** The calendar months between the first and the last of `months` (yyyyMM, oldest first) that are not among them. */
export function missingMonths(months: readonly string[]): string[] {
  const first = months[0];
  const last = months.at(-1);
  if (first === undefined || last === undefined) return [];
  const have = new Set(months);
  const out: string[] = [];
  for (let m = last; m > first; m = previousMonthOf(m)) if (!have.has(m)) out.unshift(m);
  return out;
}

/**
 * The files a month that has ended (UTC) by `now` is counted from when every one of them was
 * saved before the month ended: they may not hold the whole month. Empty for a month still
 * running, when any of them was saved later, or when one was not saved by Billfold (its time is
 * unknown).
 */
export function savedBeforeMonthEnded<F extends { usedMonths: readonly string[]; savedAt?: string }>(files: readonly F[], month: string, now: number): F[] {
  const end = monthEndMs(month);
  if (now < end) return [];
  const from = files.filter((f) => f.usedMonths.includes(month));
  return from.length > 0 && from.every((f) => f.savedAt !== undefined && Date.parse(f.savedAt) < end) ? from : [];
}

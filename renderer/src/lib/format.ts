import { formatMoney as formatMoneyIn, type Money } from '../../../contract/money';

/** Formatting in the user's own locale (the browser's), so dates and amounts read as they expect. */
const locale = typeof navigator === 'undefined' ? undefined : navigator.language;

export function formatMoney(m: Money): string {
  return formatMoneyIn(m, locale);
}

const dateFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const monthFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' });

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

/** `202405` or `2024-05` → "May 2024". */
export function formatYearMonth(yearMonth: string): string {
  const m = /^(\d{4})-?(\d{2})$/.exec(yearMonth);
  if (!m) return yearMonth;
  return monthFormat.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Number.isNaN(seconds)) return iso;
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 45 * 60) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 22 * 3600) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86400), 'day');
}

export const nowIso = (): string => new Date().toISOString();

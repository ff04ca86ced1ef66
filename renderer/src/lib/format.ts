import { formatMoney as formatMoneyIn, type Money } from '../../../contract/money';

/**
 * Formatting in the user's own locale (the browser's), so dates and amounts read as they expect.
 * Read through globalThis so these helpers also load in unit tests.
 */
export const locale: string | undefined = (globalThis as { navigator?: { language?: string } }).navigator?.language;

export function formatMoney(m: Money): string {
  return formatMoneyIn(m, locale);
}

const countFormat = new Intl.NumberFormat(locale);

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

const byteUnits = ['KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB": sizes as a file manager shows them (1 KB = 1024 bytes), digits in the user's locale. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  if (Math.abs(bytes) < 1024) return `${formatCount(bytes)} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes / 1024;
  let unit = 0;
  // Move up while the rounded figure would read 1024 or more ("1,024 KB" is "1 MB").
  while (Math.abs(value) >= 1023.5 && unit < byteUnits.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = Math.abs(value) < 9.95 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${byteUnits[unit]}`;
}

const dateFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
const monthFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' });

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

/**
 * A time in the computer's own zone, saying which ("Nov 28, 2026, 09:00 PM PST"), since the times of
 * a provider's billing month are shown in UTC (`formatDateTimeUtc`) beside it.
 */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

const utcDateTimeFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });

/**
 * A time in UTC, saying so ("Dec 1, 2026, 03:00 AM UTC"): for the time of a figure of a provider's
 * (UTC) billing month, so near a month's turn its date does not read as another month's.
 */
export function formatDateTimeUtc(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : utcDateTimeFormat.format(d);
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

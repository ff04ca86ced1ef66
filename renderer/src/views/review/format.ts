import { minorDigits } from '../../../../contract/money';

const locale = typeof navigator === 'undefined' ? undefined : navigator.language;

/** An exact decimal string ("-1234.5") as currency text, keeping every digit the file had. */
export function formatAmount(amount: string, currency: string): string {
  const digits = minorDigits(currency);
  const decimals = amount.split('.')[1]?.length ?? 0;
  const fmt = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: Math.min(20, Math.max(digits, decimals)),
  });
  // A numeric string is formatted exactly (Intl.NumberFormat v3): no float rounding.
  return fmt.format(amount as `${number}`);
}

const count = new Intl.NumberFormat(locale);

export function formatCount(n: number): string {
  return count.format(n);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** 20240501 → 2024-05-01; 202405 → 2024-05. */
export function formatBillDate(d: string): string {
  if (/^\d{8}$/.test(d)) return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
  if (/^\d{6}$/.test(d)) return `${d.slice(0, 4)}-${d.slice(4)}`;
  return d;
}

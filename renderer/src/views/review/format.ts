import { minorDigits } from '../../../../contract/money';
import { locale } from '../../lib/format';

/**
 * An exact decimal string ("-1234.5") as currency text, keeping every digit the file had. With no
 * currency (the file does not say and no bill does) it is a plain decimal number: label it
 * "currency unknown" where it is shown.
 */
export function formatAmount(amount: string, currency: string | undefined): string {
  const decimals = amount.split('.')[1]?.length ?? 0;
  if (currency === undefined) {
    // A numeric string is formatted exactly (Intl.NumberFormat v3): no float rounding.
    return new Intl.NumberFormat(locale, { maximumFractionDigits: Math.min(20, decimals) }).format(amount as `${number}`);
  }
  const digits = minorDigits(currency);
  const fmt = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: Math.min(20, Math.max(digits, decimals)),
  });
  // A numeric string is formatted exactly (Intl.NumberFormat v3): no float rounding.
  return fmt.format(amount as `${number}`);
}

/** Said next to amounts shown without a currency. */
export const currencyUnknown = 'currency unknown';

/** 20240501 → 2024-05-01; 202405 → 2024-05. */
export function formatBillDate(d: string): string {
  if (/^\d{8}$/.test(d)) return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
  if (/^\d{6}$/.test(d)) return `${d.slice(0, 4)}-${d.slice(4)}`;
  return d;
}

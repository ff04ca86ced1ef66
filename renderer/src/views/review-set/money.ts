import type { ReviewSetCurrency } from '../../../../contract/models/review-set';
import { formatAmount } from '../review/format';

/**
 * Amounts of a multi-file review with their currency: each month in the currency of its bill; a
 * figure over several months in their one currency, or, when they differ (or some is unknown),
 * a plain decimal the view marks "mixed currencies". Pure functions, unit-tested.
 */

/** The currency of one month; undefined when unknown. */
export function currencyOfMonth(c: ReviewSetCurrency, month: string): string | undefined {
  return c.months.find((m) => m.month === month)?.code;
}

/** The one currency of these months, or `mixed` when they have different ones (unknown counts as one). */
export function currencyOfMonths(c: ReviewSetCurrency, months: readonly string[]): { code?: string; mixed: boolean } {
  const codes = new Set(months.map((m) => currencyOfMonth(c, m) ?? ''));
  if (codes.size > 1) return { mixed: true };
  const [code] = codes;
  return code ? { code, mixed: false } : { mixed: false };
}

/** An amount over these months, as text: in their currency, else a plain decimal. */
export function setMoney(amount: string, c: ReviewSetCurrency, months: readonly string[]): string {
  return formatAmount(amount, currencyOfMonths(c, months).code);
}

/** Said beside a figure that adds months of different currencies. */
export const mixedCurrencies = 'mixed currencies';

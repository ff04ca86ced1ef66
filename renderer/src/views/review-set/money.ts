/**
 * Amounts of a multi-file review with their currency: each month in the currency of its bill; a
 * figure over several months in their one currency, or, when they differ (or some is unknown),
 * a plain decimal the view marks "mixed currencies". The currency lookups are the contract's, so
 * the views and the CSV headers the main process writes say the same.
 */
import { currencyOfMonths, type ReviewSetCurrency } from '../../../../contract/models/review-set';
import { formatAmount } from '../review/format';

export { currencyOfMonth, currencyOfMonths, isOpenMonth, mixedCurrencies } from '../../../../contract/models/review-set';

/** An amount over these months, as text: in their currency, else a plain decimal. */
export function setMoney(amount: string, c: ReviewSetCurrency, months: readonly string[]): string {
  return formatAmount(amount, currencyOfMonths(c, months).code);
}

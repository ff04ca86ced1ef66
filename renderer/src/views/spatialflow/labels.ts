import type { SpatialFlowPaymentMethod, SpatialFlowPlan, SpatialFlowPlanChangePreview, SpatialFlowSubscription } from '../../../../contract/models/spatialflow';
import type { Money } from '../../../../contract/money';
import { formatMoney, locale } from '../../lib/format';

const brands: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
};

/** "Visa •••• 4242", or the payment method type for non-cards. */
export function cardName(pm: Pick<SpatialFlowPaymentMethod, 'brand' | 'type' | 'last4'>): string {
  const brand = pm.brand ? (brands[pm.brand] ?? pm.brand.charAt(0).toUpperCase() + pm.brand.slice(1)) : pm.type === 'card' ? 'Card' : pm.type;
  return `${brand} •••• ${pm.last4}`;
}

export type StatusTone = 'good' | 'warn' | 'bad' | 'neutral';

/** What the subscription's state means for the user, in words and a tone for the badge. */
export function subscriptionState(s: SpatialFlowSubscription): { label: string; tone: StatusTone } {
  if (s.cancelAtPeriodEnd && s.status !== 'canceled') return { label: 'Cancelling at period end', tone: 'warn' };
  switch (s.status) {
    case 'active':
      return { label: 'Active', tone: 'good' };
    case 'trialing':
      return { label: 'Trial', tone: 'good' };
    case 'past_due':
      return { label: 'Past due', tone: 'bad' };
    case 'canceled':
      return { label: 'Cancelled', tone: 'neutral' };
    default:
      return { label: s.status.replaceAll('_', ' '), tone: 'neutral' };
  }
}

export function invoiceStatusLabel(status: string): string {
  switch (status) {
    case 'open':
      return 'Open';
    case 'paid':
      return 'Paid';
    case 'void':
      return 'Void';
    case 'draft':
      return 'Draft';
    case 'uncollectible':
      return 'Uncollectible';
    default:
      return status.replaceAll('_', ' ');
  }
}

export function invoiceStatusTone(status: string): StatusTone {
  return status === 'paid' ? 'good' : status === 'open' ? 'warn' : status === 'uncollectible' ? 'bad' : 'neutral';
}

const intervals: Record<string, string> = { month: 'month', year: 'year' };

/** "$49.00 / month"; a free plan reads "$0.00 / month", so it fits every sentence a price fits. */
export function planPrice(plan: SpatialFlowPlan): string {
  return `${formatMoney(plan.price)} / ${intervals[plan.interval] ?? plan.interval}`;
}

/** Several amounts, one per currency, never added together: "$1.00 · €2.00"; "—" when there are none. */
export function moneyList(list: readonly Money[]): string {
  return list.length === 0 ? '—' : list.map(formatMoney).join(' · ');
}

/**
 * The next invoice as an amount, with what it was: "$199.00 (was $49.00)". The provider answers
 * with the change; a change is never shown as if it were the amount.
 */
export function nextInvoiceText(preview: Pick<SpatialFlowPlanChangePreview, 'currentPlan' | 'newPlan' | 'nextInvoiceChange'>): string {
  const was = preview.currentPlan.price;
  const change = preview.nextInvoiceChange;
  const next = change.currency === was.currency ? { minor: was.minor + change.minor, currency: was.currency } : preview.newPlan.price;
  if (next.minor === was.minor && next.currency === was.currency) return `${formatMoney(next)} (unchanged)`;
  // A credit larger than the invoice leaves nothing to pay, and the rest for later invoices.
  if (next.minor < 0) return `${formatMoney({ minor: 0, currency: next.currency })} (was ${formatMoney(was)}); ${formatMoney({ minor: -next.minor, currency: next.currency })} of credit carries over`;
  return `${formatMoney(next)} (was ${formatMoney(was)})`;
}

/** The proration as words people use: "$12.34 to pay", "$5.00 credit", "$0.00". */
export function prorationText(m: Money): string {
  if (m.minor === 0) return formatMoney(m);
  const abs = formatMoney({ minor: Math.abs(m.minor), currency: m.currency });
  return m.minor > 0 ? `${abs} to pay` : `${abs} credit`;
}

const shortMonth = new Intl.DateTimeFormat(locale, {
  year: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});

/** `2024-05` → "May 2024", short enough for a table column. */
export function shortYearMonth(yearMonth: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(yearMonth);
  return m ? shortMonth.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1))) : yearMonth;
}

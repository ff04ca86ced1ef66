import type { UnreadableItem } from './unreadable';
import type { Money } from '../money';

/** Known values of `MonthlyBill.paymentStatus`; a value the app does not know yet is kept as sent. */
export type SoracomPaymentStatus =
  | 'lessThanMinimumCharge'
  | 'paying'
  | 'paid'
  | 'fail'
  | 'refunding'
  | 'refunded'
  | 'refund_fail'
  | 'delegating_to_third_party'
  | 'delegated_to_third_party'
  | 'charging'
  | 'canceling'
  | 'cancelled'
  | 'cancel_failed'
  | (string & {});

/** Readable words for Soracom's payment statuses, as the window and the statements say them; a value not listed is shown as sent. */
export const soracomPaymentWords: Readonly<Record<string, string>> = {
  lessThanMinimumCharge: 'Below the minimum charge (not billed)',
  paying: 'Payment in progress',
  paid: 'Paid',
  fail: 'Payment failed',
  refunding: 'Refund in progress',
  refunded: 'Refunded',
  refund_fail: 'Refund failed',
  delegating_to_third_party: 'Being handed to a third-party payer',
  delegated_to_third_party: 'Handed to a third-party payer',
  charging: 'Being charged',
  canceling: 'Cancellation in progress',
  cancelled: 'Cancelled',
  cancel_failed: 'Cancellation failed',
};

/** `temporary`: still being aggregated (current month); `closed`: final. Unknown values kept as sent. */
export type SoracomBillState = 'temporary' | 'closed' | (string & {});

/**
 * How a bill that Soracom says is not closed yet is named wherever it is counted (review, period
 * pack, FOCUS export), since its amount may still change: `preliminary (temporary)`. Undefined for
 * a closed bill, and for one whose state is not given.
 */
export function preliminaryBill(state: SoracomBillState | undefined): string | undefined {
  return state === undefined || state === '' || state === 'closed' ? undefined : `preliminary (${state})`;
}

export interface SoracomMonthlyBill {
  /** yyyyMM, as the API and the `soracom.*` channels use it. */
  yearMonth: string;
  /**
   * After free tiers and discounts, tax included. Null when Soracom sent no amount (every field is
   * optional in its API): shown as no amount and left out of totals, never taken as 0.
   */
  amount: Money | null;
  appliedCouponAmount?: Money;
  state?: SoracomBillState;
  paymentStatus?: SoracomPaymentStatus;
  paymentTransactionId?: string;
}

export interface SoracomBillingHistory {
  /** Newest first; at most the last 18 months. */
  bills: SoracomMonthlyBill[];
  /** Items of the provider's answer that could not be read and are left out; absent when every item was read. */
  unreadable?: UnreadableItem[];
}

export interface SoracomDailyBill {
  /** yyyy-MM-dd */
  date: string;
  amount: Money;
}

export interface SoracomDailyBills {
  /** yyyyMM */
  yearMonth: string;
  /** Newest first. Charges billed monthly are not included, so the sum is usually below the month's amount. */
  days: SoracomDailyBill[];
  /** Sum of `days` per currency. */
  totals: Money[];
  /** Days of the provider's answer that could not be read (one without an amount, say) and are left out of `days` and `totals`; absent when every day was read. */
  unreadable?: UnreadableItem[];
}

export interface SoracomLatestBill {
  /** Preliminary amount for the current month; null when Soracom sent none (shown as no amount, never as 0). */
  amount: Money | null;
  /** As sent (yyyyMMddHHmmss in the spec). */
  lastEvaluatedTime?: string;
  /** `lastEvaluatedTime` as an ISO string, read as UTC (the API gives no zone); absent when unreadable. */
  lastEvaluatedAt?: string;
}

/**
 * A finished detailed-billing CSV export. The bytes stay in the main process (they can be many
 * megabytes); `exportedFileId` is the handle other services use to reach them.
 */
export interface SoracomExportResult {
  exportedFileId: string;
  byteLength: number;
  /** Data rows in the CSV (header excluded). */
  rows?: number;
}

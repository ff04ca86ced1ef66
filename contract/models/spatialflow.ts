import type { UnreadableItem } from './unreadable';
import type { Money } from '../money';

/** Normalised SpatialFlow shapes the renderer shows. Dates are ISO 8601 strings (UTC). */

export type SpatialFlowInvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void' | (string & {});

export interface SpatialFlowInvoiceLine {
  description: string;
  quantity: number;
  unitAmount: Money;
  amount: Money;
}

export interface SpatialFlowInvoice {
  id: string;
  number: string;
  status: SpatialFlowInvoiceStatus;
  amountDue: Money;
  amountPaid: Money;
  periodStart: string;
  periodEnd: string;
  createdAt: string;
  /** The provider hosts a PDF for this invoice, or did not say (the download then finds out); false when it said there is none. */
  hasPdf: boolean;
  lines: SpatialFlowInvoiceLine[];
}

export interface SpatialFlowInvoicePage {
  invoices: SpatialFlowInvoice[];
  hasMore: boolean;
  /** Pass as `startingAfter` to get the next page; absent on the last page. */
  nextCursor?: string;
  /** Items of the provider's answer that could not be read and are left out; absent when every item was read. */
  unreadable?: UnreadableItem[];
}

export interface SpatialFlowInvoiceDownload {
  invoiceId: string;
  /** Signed link on the provider's file host; carries no account credentials. */
  url: string;
  /** A safe default name for saving, e.g. `SpatialFlow-SF-1A2B-0042.pdf`. */
  fileName: string;
}

export type SpatialFlowCardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | (string & {});

export interface SpatialFlowPaymentMethod {
  id: string;
  /** `card` for cards; other Stripe types are kept as sent. */
  type: string;
  brand?: SpatialFlowCardBrand;
  last4: string;
  /** `MM/YYYY` when the provider sent an expiry. */
  expiry?: string;
  /** True when the expiry month is already over. */
  expired: boolean;
  isDefault: boolean;
  createdAt: string;
}

/** The account's cards, default first; answered by the list and by every change to it. */
export interface SpatialFlowPaymentMethodList {
  methods: SpatialFlowPaymentMethod[];
  /** Cards in the provider's answer that could not be read and are left out; absent when every card was read. */
  unreadable?: UnreadableItem[];
}

export interface SpatialFlowPlanLimits {
  /** -1 means unlimited, as the provider sends it. */
  apiCalls: number;
  geofences: number;
  webhooksDelivered: number;
  testPoints: number;
  rateLimitPerHour: number;
  devices?: number;
  logRetentionDays?: number;
  locationRetentionDays?: number;
}

export interface SpatialFlowPlan {
  id: string;
  name: string;
  description: string;
  /** Lowercase tier such as `free`, `pro`; empty when the provider did not send one. */
  tier: string;
  /** Price per billing interval. */
  price: Money;
  interval: 'month' | 'year' | (string & {});
  priceMonthly?: Money;
  priceYearly?: Money;
  features: string[];
  limits: SpatialFlowPlanLimits;
  featured: boolean;
}

export type SpatialFlowSubscriptionStatus = 'active' | 'canceled' | 'past_due' | 'trialing' | (string & {});

export interface SpatialFlowSubscription {
  plan: SpatialFlowPlan;
  status: SpatialFlowSubscriptionStatus;
  currentPeriodStart?: string;
  currentPeriodEnd?: string;
  cancelAtPeriodEnd: boolean;
  createdAt: string;
  updatedAt?: string;
}

export interface SpatialFlowSubscriptionChange {
  /** The provider's own confirmation text. */
  message: string;
  subscription: SpatialFlowSubscription;
}

export interface SpatialFlowPlanChangePreview {
  currentPlan: SpatialFlowPlan;
  newPlan: SpatialFlowPlan;
  /** Net proration for the rest of the period; negative is a credit. */
  proratedAmount: Money;
  /** Charged to the default payment method when the change is made. */
  immediateCharge: Money;
  /** How much the next invoice goes up (negative: down). */
  nextInvoiceChange: Money;
  effectiveDate: string;
}

export interface SpatialFlowSetupIntent {
  /**
   * The intent's id (`seti_…`), to show. Its client secret stays in the main process: the window
   * has no use for it (the card is confirmed with Stripe outside Billfold and only the resulting
   * `pm_…` id comes back, to `addPaymentMethod`).
   */
  intentId: string;
}

import type { Money } from '../money';
import type { ProviderId } from './app';

/**
 * Spend insight: figures, the payment calendar, anomalies, budgets, alerts and the background
 * sync schedule. Everything here is computed in the main process from the offline snapshots.
 */

/**
 * `value`: `amounts` holds the figure (one entry per currency, never added across currencies).
 * `not-enough-history`: too little data to compute it honestly. `no-data`: nothing synced or billed.
 * `not-reported`: the provider's API does not report it.
 */
export type FigureState = 'value' | 'not-enough-history' | 'no-data' | 'not-reported';

export interface Figure {
  state: FigureState;
  amounts: Money[];
  /** An estimate rather than a billed amount (Agilicus prices × quantities, say). */
  estimate: boolean;
  /** Still being aggregated by the provider. */
  preliminary: boolean;
  /** What the figure is made from, in words. */
  madeFrom: string;
  /** ISO time the data it is made from was synced; absent when nothing was synced. */
  asOf?: string;
  /**
   * ISO time of an invoice not issued yet that the figure counts (SpatialFlow's upcoming invoice);
   * the window shows its date, formatted as the payment calendar's dates are.
   */
  upcomingAt?: string;
}

export interface MonthChange {
  /** Forecast (or the month so far when there is no forecast) minus last month. */
  amount: Money;
  /** Percent change with one decimal, e.g. "12.5" or "-3.0"; null when last month was zero. */
  percent: string | null;
  madeFrom: string;
}

export type AnomalyDirection = 'high' | 'low';

export interface Anomaly {
  kind: 'month' | 'day';
  /** yyyyMM for a month, yyyy-MM-dd for a day. */
  key: string;
  amount: Money;
  /** Median of the trailing window, in minor units (may end in .5). */
  median: number;
  /** The window's size: "the last 6 months". */
  window: number;
  direction: AnomalyDirection;
  /** amount ÷ median. */
  ratio: number;
  /** How far, in words: "24× the median of the last 6 months". */
  text: string;
}

export type CalendarKind = 'renewal' | 'invoice-open' | 'month-close' | 'subscription-end';

export interface CalendarEntry {
  accountId: string;
  accountName: string;
  provider: ProviderId;
  /** ISO date-time the charge is due. */
  date: string;
  kind: CalendarKind;
  /** What is due; empty when nothing is charged (a subscription that ends) or when the amount is not known (`amountUnknown`). */
  amounts: Money[];
  /** Something is charged but how much is not known yet (a trial's first billed period priced at zero). */
  amountUnknown?: boolean;
  estimate: boolean;
  label: string;
  madeFrom: string;
}

export interface AccountBadges {
  /**
   * When the oldest of the data the account's figures are made of was synced (its `asOf`), so the
   * sidebar's "Synced …" agrees with the overview; a view's fetch of one read does not move it.
   */
  lastSyncAt?: string;
  /** The last sync failed after the last success. */
  offline: boolean;
  openInvoices: number;
  failedPayments: number;
  /** The provider's current month is still preliminary. */
  preliminaryMonth: boolean;
  unreadAlerts: number;
}

export interface AccountInsight {
  accountId: string;
  accountName: string;
  provider: ProviderId;
  /** yyyyMM of "this month" (UTC). */
  thisMonth: string;
  lastMonth: string;
  soFar: Figure;
  forecast: Figure;
  previous: Figure;
  change: MonthChange | null;
  /** Why there is no change, when there is none. */
  changeMissing?: string;
  /** Months (and recent days) flagged by the anomaly rule, newest first. */
  anomalies: Anomaly[];
  calendar: CalendarEntry[];
  badges: AccountBadges;
  /** Oldest sync time among the snapshots used. */
  asOf?: string;
  /** The provider could not be reached on the last try; figures come from older data. */
  offline: boolean;
  /** The provider answered the last try with an error (it was reached); figures come from older data. */
  refreshFailed: boolean;
  /** Data the figures need that has not been synced yet. */
  missing: string[];
  budget?: Money;
  /** Set when the spend so far (`spend`) or else the forecast (`forecast`) has reached the budget. */
  budgetOver?: BudgetOver;
}

/** What has reached a budget: the spend so far, or (the spend not yet) the forecast. */
export type BudgetOver = 'spend' | 'forecast';

export interface CurrencyTotal {
  currency: string;
  /** Each absent when no account in this currency has that figure (Agilicus reports no spend, say). */
  soFar?: Money;
  forecast?: Money;
  previous?: Money;
  /** Accounts counted in this currency. */
  accounts: number;
  /** Some of the forecast is an estimate. */
  estimate: boolean;
  /** The budget set for the whole currency. */
  budget?: Money;
  /** Set when the currency's totals have reached its budget. */
  budgetOver?: BudgetOver;
  /** The budgets set for single accounts in this currency, added up, and how many of those accounts have reached theirs. */
  accountBudgets?: { amount: Money; accounts: number; over: number };
}

export interface InsightOverview {
  generatedAt: string;
  thisMonth: string;
  lastMonth: string;
  accounts: AccountInsight[];
  totals: CurrencyTotal[];
  /** Every account's upcoming charges for the next 60 days, soonest first. */
  calendar: CalendarEntry[];
  /** Any account's provider could not be reached on its last try. */
  offline: boolean;
  /** Any account's provider answered its last try with an error. */
  refreshFailed: boolean;
  anomalyRule: string;
}

export interface DailyAnomalies {
  yyyyMM: string;
  anomalies: Anomaly[];
  /** Days with too little history before them to be judged. */
  unjudgedDays: number;
  rule: string;
}

export interface MonthlyAnomalies {
  anomalies: Anomaly[];
  /** When the bill history they were judged from was synced; absent when it was not. */
  syncedAt?: string;
  rule: string;
}

export interface Budgets {
  accounts: { accountId: string; amount: Money }[];
  currencies: { currency: string; amount: Money }[];
}

export type AlertKind = 'budget' | 'anomaly' | 'payment-failed';

export interface Alert {
  id: string;
  kind: AlertKind;
  accountId?: string;
  currency?: string;
  title: string;
  message: string;
  createdAt: string;
  /** Shown in a window (or a notification) already. */
  read: boolean;
  dismissed: boolean;
}

export interface AlertList {
  /** Newest first, dismissed ones included. */
  alerts: Alert[];
  unread: number;
}

export interface SyncSchedule {
  enabled: boolean;
  /** Minutes between syncs of one account (before jitter). */
  intervalMinutes: number;
}

export interface AccountSyncPlan {
  accountId: string;
  running: boolean;
  nextRunAt?: string;
  lastRunAt?: string;
  /** Failures in a row; the next run is delayed more after each. */
  failures: number;
  lastError?: string;
}

export interface SyncStatus extends SyncSchedule {
  accounts: AccountSyncPlan[];
}

import type { UnreadableItem } from './unreadable';
import type { Money } from '../money';

/** Lifecycle states Agilicus documents for an organisation; other values are kept as they come. */
export type AgilicusOrgState = 'active' | 'suspended' | 'disabled' | 'deleted' | (string & {});

export interface AgilicusOrg {
  id: string;
  /** Display name (`organisation` in the API). */
  name: string;
  subdomain: string | null;
  slug: string | null;
  adminState: AgilicusOrgState | null;
  currentState: AgilicusOrgState | null;
  /** `status.all_up`; null when the server did not say. */
  allUp: boolean | null;
  billingAccountId: string | null;
}

export interface AgilicusCustomer {
  name: string | null;
  email: string | null;
}

export interface AgilicusSubscription {
  id: string | null;
  /** Upstream billing status, e.g. `active`, `trialing`, `past_due`, `canceled`. */
  status: string | null;
  planName: string | null;
  /** Price per unit for one interval, when the plan carries one. */
  unitPrice: Money | null;
  interval: string | null;
  quantity: number | null;
  /** ISO date-time. */
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
}

export interface AgilicusBillingAccount {
  id: string;
  customerId: string | null;
  /** Connected to a non-live billing backend. */
  devMode: boolean;
  /** ISO date-time, null when absent. */
  created: string | null;
  updated: string | null;
  orgs: AgilicusOrg[];
  /** Organisations of `status.orgs` that could not be read and are left out of `orgs`; absent when every one was read. */
  unreadableOrgs?: UnreadableItem[];
  products: string[];
  /** Only filled when customer data was asked for; null otherwise. */
  customer: AgilicusCustomer | null;
  /** Only filled when subscription data was asked for; null otherwise. */
  subscriptions: AgilicusSubscription[] | null;
}

export interface AgilicusBillingAccountList {
  /** The row limit the server applied. */
  limit: number;
  accounts: AgilicusBillingAccount[];
  /** True when the list holds `limit` rows, so there may be more the API cannot page to. */
  mayBeTruncated: boolean;
  /** Items of the provider's answer that could not be read and are left out; absent when every item was read. */
  unreadable?: UnreadableItem[];
}

export interface AgilicusOrgList {
  limit: number;
  orgs: AgilicusOrg[];
  mayBeTruncated: boolean;
  /** Items of the provider's answer that could not be read and are left out; absent when every item was read. */
  unreadable?: UnreadableItem[];
}

export interface AgilicusUsageRecord {
  quantity: number | null;
  /** ISO date-time of the usage, null when the server sent none. */
  timestamp: string | null;
  /** yyyy-MM-dd (UTC) of `timestamp`. */
  date: string | null;
}

export interface AgilicusUsageRecordList {
  limit: number;
  /** Newest first. */
  records: AgilicusUsageRecord[];
  totalQuantity: number;
  mayBeTruncated: boolean;
  /** Items of the provider's answer that could not be read and are left out; absent when every item was read. */
  unreadable?: UnreadableItem[];
}

export interface AgilicusUsageRecordResult {
  /** False when the server recorded nothing (dry run, or a newer server answering 204). */
  recorded: boolean;
  dryRun: boolean;
  records: AgilicusUsageRecord[];
}

import { mapReadable, unreadableField } from '../items';
import { fromMinor, type Money } from '../../../contract/money';
import type {
  AgilicusBillingAccount,
  AgilicusBillingAccountList,
  AgilicusOrg,
  AgilicusOrgList,
  AgilicusSubscription,
  AgilicusUsageRecord,
  AgilicusUsageRecordList,
  AgilicusUsageRecordResult,
} from '../../../contract/models/agilicus';
import type {
  AddUsageRecordResponse,
  BillingAccount,
  BillingUsageRecord,
  ListBillingAccountsResponse,
  ListOrgsResponse,
  ListUsageRecordsResponse,
  Organisation,
  Subscription,
} from './schemas';

const orNull = <T>(v: T | null | undefined): T | null => v ?? null;

/** Epoch seconds, epoch milliseconds or an ISO string to ISO; null when unreadable. */
export function toIso(v: number | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    // Ten-digit values are seconds; anything past year 5000 in seconds is taken as milliseconds.
    ms = Math.abs(v) < 1e11 ? v * 1000 : v;
  } else {
    ms = Date.parse(v);
  }
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function mapOrg(o: Organisation): AgilicusOrg {
  return {
    id: o.id,
    name: o.organisation ?? o.name_slug ?? o.id,
    subdomain: orNull(o.subdomain),
    slug: orNull(o.name_slug),
    adminState: orNull(o.admin_state),
    currentState: orNull(o.status?.current_state),
    allUp: orNull(o.status?.all_up),
    billingAccountId: orNull(o.billing_account_id),
  };
}

function planPrice(amount: number | null | undefined, currency: string | null | undefined): Money | null {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || typeof currency !== 'string') return null;
  try {
    return fromMinor(amount, currency);
  } catch {
    return null;
  }
}

export function mapSubscription(s: Subscription): AgilicusSubscription {
  const planObj = typeof s.plan === 'object' && s.plan !== null ? s.plan : undefined;
  const planId = typeof s.plan === 'string' ? s.plan : planObj?.id;
  return {
    id: orNull(s.id),
    status: orNull(s.status),
    planName: planObj?.nickname ?? planObj?.name ?? planId ?? null,
    unitPrice: planPrice(planObj?.amount, planObj?.currency),
    interval: orNull(planObj?.interval),
    quantity: orNull(s.quantity),
    currentPeriodEnd: toIso(s.current_period_end),
    cancelAtPeriodEnd: s.cancel_at_period_end ?? false,
  };
}

export function mapBillingAccount(a: BillingAccount): AgilicusBillingAccount {
  const status = a.status ?? undefined;
  const customer = status?.customer;
  const orgs = mapReadable(status?.orgs ?? [], mapOrg);
  return {
    id: a.metadata.id,
    customerId: orNull(a.spec?.customer_id),
    devMode: a.spec?.dev_mode ?? false,
    created: toIso(a.metadata.created),
    updated: toIso(a.metadata.updated),
    orgs: orgs.items,
    ...(orgs.unreadable.length > 0 ? { unreadableOrgs: orgs.unreadable } : {}),
    products: (status?.products ?? []).flatMap((p) => (typeof p.name === 'string' && p.name !== '' ? [p.name] : [])),
    customer: customer ? { name: orNull(customer.name), email: orNull(customer.email) } : null,
    subscriptions: status?.subscriptions ? status.subscriptions.map(mapSubscription) : null,
  };
}

export function mapBillingAccountList(r: ListBillingAccountsResponse): AgilicusBillingAccountList {
  const { items: accounts, unreadable } = mapReadable(r.billing_accounts ?? [], mapBillingAccount);
  return { limit: r.limit, accounts, mayBeTruncated: accounts.length + unreadable.length >= r.limit, ...unreadableField(unreadable) };
}

export function mapOrgList(r: ListOrgsResponse): AgilicusOrgList {
  const { items: orgs, unreadable } = mapReadable(r.orgs ?? [], mapOrg);
  return { limit: r.limit, orgs, mayBeTruncated: orgs.length + unreadable.length >= r.limit, ...unreadableField(unreadable) };
}

export function mapUsageRecord(u: BillingUsageRecord): AgilicusUsageRecord {
  const timestamp = toIso(u.timestamp);
  return { quantity: orNull(u.quantity), timestamp, date: timestamp === null ? null : timestamp.slice(0, 10) };
}

function byNewest(a: AgilicusUsageRecord, b: AgilicusUsageRecord): number {
  return (b.timestamp ?? '').localeCompare(a.timestamp ?? '');
}

export function mapUsageRecordList(r: ListUsageRecordsResponse): AgilicusUsageRecordList {
  const { items: records, unreadable } = mapReadable(r.usage_records ?? [], mapUsageRecord);
  records.sort(byNewest);
  const totalQuantity = records.reduce((n, u) => n + (u.quantity ?? 0), 0);
  return { limit: r.limit, records, totalQuantity, mayBeTruncated: records.length + unreadable.length >= r.limit, ...unreadableField(unreadable) };
}

export function mapAddUsageRecord(r: AddUsageRecordResponse | undefined, requestedDryRun: boolean): AgilicusUsageRecordResult {
  if (r === undefined) return { recorded: false, dryRun: requestedDryRun, records: [] };
  const dryRun = r.dry_run ?? requestedDryRun;
  const records = 'usage_records' in r && Array.isArray(r.usage_records) ? r.usage_records.map(mapUsageRecord) : [mapUsageRecord(r)];
  return { recorded: !dryRun && records.length > 0, dryRun, records };
}

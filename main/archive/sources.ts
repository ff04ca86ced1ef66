import type { AccountSummary } from '../../contract/models/app';
import type { AgilicusBillingAccountList, AgilicusUsageRecordList } from '../../contract/models/agilicus';
import type { SavedFile } from '../../contract/models/files';
import type { SoracomBillingHistory, SoracomMonthlyBill } from '../../contract/models/soracom';
import type { SpatialFlowInvoice, SpatialFlowInvoicePage } from '../../contract/models/spatialflow';
import type { SnapshotStore } from '../snapshots/store';
import { monthOf } from './period';

/**
 * What the archive reads: the Library's files and the accounts' synced snapshots. Nothing here
 * calls a provider, so a pack or an export is built from what Billfold holds, the same way
 * every time, and says what is missing instead of fetching it.
 */
export interface ArchiveSourceDeps {
  listAccounts: () => Promise<AccountSummary[]>;
  libraryFiles: () => Promise<SavedFile[]>;
  snapshots: Pick<SnapshotStore, 'list'>;
}

export interface SoracomSource {
  account: AccountSummary;
  /** yyyyMM -> the bill as last synced. */
  bills: Map<string, SoracomMonthlyBill>;
}

export interface AgilicusUsageSource {
  account: AccountSummary;
  billingAccountId: string;
  customerName: string | null;
  products: string[];
  usage: AgilicusUsageRecordList;
  syncedAt: string;
}

/**
 * The newest copy of each item, by key, across the snapshots of a list channel and of a
 * single-item channel of one account.
 */
async function newestByKey<T>(
  deps: ArchiveSourceDeps,
  accountId: string,
  list: { channel: string; items: (value: unknown) => T[] | undefined },
  single: string,
  key: (item: T) => string,
): Promise<T[]> {
  const found = new Map<string, { item: T; syncedAt: string }>();
  const offer = (item: T, syncedAt: string) => {
    const seen = found.get(key(item));
    if (seen === undefined || syncedAt > seen.syncedAt) found.set(key(item), { item, syncedAt });
  };
  for (const { snapshot } of await deps.snapshots.list(accountId, list.channel)) for (const item of list.items(snapshot.value) ?? []) offer(item, snapshot.syncedAt);
  for (const { snapshot } of await deps.snapshots.list(accountId, single)) offer(snapshot.value as T, snapshot.syncedAt);
  return [...found.values()].map((v) => v.item);
}

export async function soracomBills(deps: ArchiveSourceDeps, account: AccountSummary): Promise<Map<string, SoracomMonthlyBill>> {
  const bills = await newestByKey<SoracomMonthlyBill>(
    deps,
    account.id,
    { channel: 'soracom.getBillingHistory', items: (v) => (v as SoracomBillingHistory).bills },
    'soracom.getBilling',
    (bill) => bill.yearMonth,
  );
  return new Map(bills.map((bill) => [bill.yearMonth, bill]));
}

/** Every invoice of the account seen in a synced list page or detail, newest snapshot first. */
export async function spatialflowInvoices(deps: ArchiveSourceDeps, account: AccountSummary): Promise<SpatialFlowInvoice[]> {
  const invoices = await newestByKey<SpatialFlowInvoice>(
    deps,
    account.id,
    { channel: 'spatialflow.listInvoices', items: (v) => (v as SpatialFlowInvoicePage).invoices },
    'spatialflow.getInvoice',
    (invoice) => invoice.id,
  );
  return invoices.sort((a, b) => a.periodStart.localeCompare(b.periodStart) || a.number.localeCompare(b.number));
}

/** The month an invoice belongs to: the one its billing period starts in. */
export const invoiceMonth = (invoice: SpatialFlowInvoice) => monthOf(invoice.periodStart);

export async function agilicusUsage(deps: ArchiveSourceDeps, account: AccountSummary): Promise<AgilicusUsageSource[]> {
  const about = new Map<string, { customerName: string | null; products: string[] }>();
  for (const { snapshot } of await deps.snapshots.list(account.id, 'agilicus.listBillingAccounts')) {
    for (const ba of (snapshot.value as AgilicusBillingAccountList).accounts ?? []) {
      about.set(ba.id, { customerName: ba.customer?.name ?? null, products: ba.products });
    }
  }
  const byBillingAccount = new Map<string, { usage: AgilicusUsageRecordList; syncedAt: string }>();
  for (const { args, snapshot } of await deps.snapshots.list(account.id, 'agilicus.getUsageRecords')) {
    const id = typeof args['billingAccountId'] === 'string' ? args['billingAccountId'] : undefined;
    if (id === undefined) continue;
    const prev = byBillingAccount.get(id);
    const usage = snapshot.value as AgilicusUsageRecordList;
    // The answer with more records (a larger limit) is the fuller one; then the newest.
    if (!prev || usage.records.length > prev.usage.records.length || (usage.records.length === prev.usage.records.length && snapshot.syncedAt > prev.syncedAt)) {
      byBillingAccount.set(id, { usage, syncedAt: snapshot.syncedAt });
    }
  }
  return [...byBillingAccount]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([billingAccountId, v]) => ({
      account,
      billingAccountId,
      customerName: about.get(billingAccountId)?.customerName ?? null,
      products: about.get(billingAccountId)?.products ?? [],
      usage: v.usage,
      syncedAt: v.syncedAt,
    }));
}

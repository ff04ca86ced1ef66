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

/** The newest of several snapshots of the same thing wins. */
const newer = <T extends { syncedAt: string }>(a: T | undefined, b: T) => (a === undefined || b.syncedAt > a.syncedAt ? b : a);

export async function soracomBills(deps: ArchiveSourceDeps, account: AccountSummary): Promise<Map<string, SoracomMonthlyBill>> {
  const found = new Map<string, { bill: SoracomMonthlyBill; syncedAt: string }>();
  for (const { snapshot } of await deps.snapshots.list(account.id, 'soracom.getBillingHistory')) {
    for (const bill of (snapshot.value as SoracomBillingHistory).bills ?? []) {
      found.set(bill.yearMonth, newer(found.get(bill.yearMonth), { bill, syncedAt: snapshot.syncedAt }));
    }
  }
  for (const { snapshot } of await deps.snapshots.list(account.id, 'soracom.getBilling')) {
    const bill = snapshot.value as SoracomMonthlyBill;
    found.set(bill.yearMonth, newer(found.get(bill.yearMonth), { bill, syncedAt: snapshot.syncedAt }));
  }
  return new Map([...found].map(([k, v]) => [k, v.bill]));
}

/** Every invoice of the account seen in a synced list page or detail, newest snapshot first. */
export async function spatialflowInvoices(deps: ArchiveSourceDeps, account: AccountSummary): Promise<SpatialFlowInvoice[]> {
  const found = new Map<string, { invoice: SpatialFlowInvoice; syncedAt: string }>();
  for (const { snapshot } of await deps.snapshots.list(account.id, 'spatialflow.listInvoices')) {
    for (const invoice of (snapshot.value as SpatialFlowInvoicePage).invoices ?? []) {
      found.set(invoice.id, newer(found.get(invoice.id), { invoice, syncedAt: snapshot.syncedAt }));
    }
  }
  for (const { snapshot } of await deps.snapshots.list(account.id, 'spatialflow.getInvoice')) {
    const invoice = snapshot.value as SpatialFlowInvoice;
    found.set(invoice.id, newer(found.get(invoice.id), { invoice, syncedAt: snapshot.syncedAt }));
  }
  return [...found.values()].map((v) => v.invoice).sort((a, b) => a.periodStart.localeCompare(b.periodStart) || a.number.localeCompare(b.number));
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

import type { AccountSummary, ProviderId } from '../../contract/models/app';
import type { AgilicusBillingAccountList, AgilicusUsageRecordList } from '../../contract/models/agilicus';
import type { SavedFile } from '../../contract/models/files';
import type { SoracomBillingHistory, SoracomMonthlyBill } from '../../contract/models/soracom';
import type { SpatialFlowInvoice, SpatialFlowInvoicePage } from '../../contract/models/spatialflow';
import type { SnapshotStore } from '../snapshots/store';
import { monthOf, type Period } from './period';

/**
 * What the archive reads: the Library's files and the accounts' synced snapshots. Nothing here
 * calls a provider, so a pack or an export is built from what Billfold holds, the same way
 * every time, and says what is missing instead of fetching it.
 */
export interface ArchiveSourceDeps {
  listAccounts: () => Promise<AccountSummary[]>;
  libraryFiles: () => Promise<SavedFile[]>;
  snapshots: Pick<SnapshotStore, 'list'>;
  /** The clock: which months have begun and which are over. */
  now?: () => Date;
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
  return invoices.sort((a, b) => byCodePoint(a.periodStart, b.periodStart) || byCodePoint(a.number, b.number));
}

/**
 * How far back the synced invoice list reaches. Sync keeps only the newest page, so older invoices
 * may exist that Billfold has never seen: they are neither missing nor absent, just unknown.
 * `unsyncedBefore` is the billing-period start of the oldest listed invoice when the list does not
 * reach the account's first invoice (no chain of synced pages ends with the last page); absent
 * when it does, or when no list has been synced at all (`listed` false).
 */
export async function spatialflowListReach(deps: ArchiveSourceDeps, account: AccountSummary): Promise<{ listed: boolean; unsyncedBefore?: string }> {
  const pages = await deps.snapshots.list(account.id, 'spatialflow.listInvoices');
  if (pages.length === 0) return { listed: false };
  const byCursor = new Map<string, SpatialFlowInvoicePage[]>();
  for (const { args, snapshot } of pages) {
    const cursor = typeof args['startingAfter'] === 'string' ? args['startingAfter'] : '';
    byCursor.set(cursor, [...(byCursor.get(cursor) ?? []), snapshot.value as SpatialFlowInvoicePage]);
  }
  // From a first page, follow the synced pages after it: one that says there is no more is the end.
  const seen = new Set<string>();
  const next = [''];
  while (next.length > 0) {
    const cursor = next.pop() as string;
    if (seen.has(cursor)) continue;
    seen.add(cursor);
    for (const page of byCursor.get(cursor) ?? []) {
      if (!page.hasMore) return { listed: true };
      if (page.nextCursor !== undefined) next.push(page.nextCursor);
    }
  }
  const starts = pages.flatMap(({ snapshot }) => ((snapshot.value as SpatialFlowInvoicePage).invoices ?? []).map((i) => i.periodStart)).sort();
  return starts.length > 0 ? { listed: true, unsyncedBefore: starts[0] as string } : { listed: true };
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
    .sort(([a], [b]) => byCodePoint(a, b))
    .map(([billingAccountId, v]) => ({
      account,
      billingAccountId,
      customerName: about.get(billingAccountId)?.customerName ?? null,
      products: about.get(billingAccountId)?.products ?? [],
      usage: v.usage,
      syncedAt: v.syncedAt,
    }));
}

/** Does a `YYYY-MM-DD to YYYY-MM-DD` (or a single month) period overlap the months of `period`? */
export function overlaps(filePeriod: string | undefined, period: Period): boolean {
  if (filePeriod === undefined) return false;
  const month = /^(\d{4})-(\d{2})$/.exec(filePeriod);
  if (month) return period.months.includes(`${month[1]}${month[2]}`);
  const range = /^(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$/.exec(filePeriod);
  if (range) return (range[1] as string) < period.end.slice(0, 10) && (range[2] as string) >= period.start.slice(0, 10);
  return false;
}

/**
 * Order by Unicode code points (the UTF-8 bytes), never by the machine's locale: two machines
 * give the same index.csv and the same FOCUS files, and the same account gets "(2)".
 */
export function byCodePoint(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Which provider a saved file came from: its source key, else its kind or its name. */
export function providerOfFile(file: SavedFile): ProviderId | undefined {
  const fromKey = /^(spatialflow|soracom|agilicus):/.exec(file.source?.key ?? '')?.[1];
  if (fromKey !== undefined) return fromKey as ProviderId;
  if (file.kind === 'invoice-pdf') return 'spatialflow';
  if (file.kind === 'bill-csv') return 'soracom';
  if (file.kind === 'statement-pdf') return /^agilicus/i.test(file.fileName) ? 'agilicus' : /^soracom/i.test(file.fileName) ? 'soracom' : undefined;
  return undefined;
}

/**
 * An account that has been removed while its saved files were kept: the Library still knows
 * each file's account id, the account's name when it was saved, and its period, but Billfold
 * holds no synced data of it any more.
 */
export interface RemovedAccount {
  id: string;
  /** The name its newest saved file was saved under. */
  name: string;
  provider?: ProviderId;
  files: SavedFile[];
}

export function removedAccounts(files: SavedFile[], accounts: AccountSummary[]): RemovedAccount[] {
  const current = new Set(accounts.map((a) => a.id));
  const byId = new Map<string, SavedFile[]>();
  for (const f of files) {
    if (f.accountId === undefined || current.has(f.accountId) || f.kind === 'table-csv') continue;
    byId.set(f.accountId, [...(byId.get(f.accountId) ?? []), f]);
  }
  return [...byId].map(([id, mine]) => {
    const newest = [...mine].sort((a, b) => byCodePoint(b.savedAt, a.savedAt) || byCodePoint(a.fileName, b.fileName));
    const name = newest.find((f) => f.accountName !== undefined && f.accountName.trim() !== '')?.accountName ?? id;
    const provider = newest.map(providerOfFile).find((p) => p !== undefined);
    return { id, name, ...(provider === undefined ? {} : { provider }), files: mine };
  });
}

/**
 * The invoice a saved invoice PDF is of, when its invoice has not been synced: the number in
 * SpatialFlow's own file name (`Invoice-SF-0042.pdf`), else the invoice id in its source key.
 */
export function invoiceOfFile(file: SavedFile): { number?: string; id?: string } {
  const number = /^Invoice[-_ ]+(.+?)(?: \(\d+\))?\.pdf$/i.exec(file.fileName)?.[1];
  const id = file.source?.key.startsWith('spatialflow:invoice:') ? file.source.key.slice('spatialflow:invoice:'.length) : undefined;
  return { ...(number === undefined ? {} : { number }), ...(id === undefined ? {} : { id }) };
}

import path from 'node:path';
import type { FocusExportResult } from '../../contract/models/archive';
import { minorDigits } from '../../contract/money';
import { writeFilesAtomic } from '../fs/atomic-write';
import { defaultCurrencyFor } from '../providers/soracom/client';
import { describeIoError } from '../files/write';
import { fromScaledFixed, minorToScaled, toScaled } from './decimal';
import { finalInvoiceStatuses, focusColumns, soracomMonthRows, spatialflowInvoiceRows, type FocusRow } from './focus';
import { dashed, monthBegun, monthRange, periodNotOver, refuseNotBegun, type Period } from './period';
import { readSoracomCsv } from './soracom-csv';
import { agilicusUsage, byCodePoint, invoiceMonth, invoiceOfFile, overlaps, removedAccounts, soracomBills, spatialflowInvoices, spatialflowListReach, type ArchiveSourceDeps } from './sources';
import { tableBytes, type Cell, type TableColumn, type TableFormat } from './table-write';

/** The separate usage file: Agilicus usage records carry no price and no currency, so they are never costs. */
export const usageColumns: TableColumn[] = [
  { name: 'ProviderName', type: 'string', nullable: false },
  { name: 'BillingAccountId', type: 'string', nullable: false },
  { name: 'BillingAccountName', type: 'string', nullable: true },
  { name: 'UsageTimestamp', type: 'timestamp', nullable: false },
  { name: 'Quantity', type: 'decimal', nullable: true },
  { name: 'Products', type: 'string', nullable: true },
  { name: 'x_BillfoldAccountId', type: 'string', nullable: false },
  { name: 'x_BillfoldAccountName', type: 'string', nullable: false },
];

export interface FocusData {
  period: Period;
  rows: FocusRow[];
  usage: Record<string, Cell>[];
  invoices: FocusExportResult['invoices'];
  missing: string[];
  notes: string[];
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Every cost row and usage record of the months, from the Library and the synced snapshots. */
export async function collectFocus(deps: ArchiveSourceDeps, period: Period, onProgress?: (what: string) => void): Promise<FocusData> {
  const accounts = [...(await deps.listAccounts())].sort((a, b) => byCodePoint(a.name, b.name) || byCodePoint(a.id, b.id));
  const files = await deps.libraryFiles();
  const rows: FocusRow[] = [];
  const usage: Record<string, Cell>[] = [];
  const invoices: FocusExportResult['invoices'] = [];
  const missing: string[] = [];
  const notes: string[] = [];
  const now = deps.now?.() ?? new Date();
  const notOver = periodNotOver(period, now, `Export ${period.label} again`);
  if (notOver !== undefined) missing.push(notOver);
  for (const account of accounts) {
    onProgress?.(account.name);
    if (account.provider === 'soracom') {
      const bills = await soracomBills(deps, account);
      for (const yyyyMM of period.months) {
        const label = dashed(yyyyMM);
        if (!monthBegun(yyyyMM, now)) continue;
        // The newest saved export of the month (a later save of the same month is the fuller one).
        const csvFile = files
          .filter((f) => f.accountId === account.id && f.kind === 'bill-csv' && f.period === label)
          .sort((a, b) => byCodePoint(b.savedAt, a.savedAt) || byCodePoint(a.fileName, b.fileName))[0];
        const bill = bills.get(yyyyMM);
        if (!csvFile) {
          missing.push(
            bill
              ? `${account.name}: the ${label} detailed billing CSV is not in the Library, so the month’s ${bill.amount === null ? '' : `${bill.amount.currency} `}bill has no cost rows.`
              : `${account.name}: neither the ${label} bill nor its detailed CSV is in Billfold, so the month has no cost rows (sync the account and save the month’s export).`,
          );
          continue;
        }
        let csv;
        try {
          csv = await readSoracomCsv(csvFile.path);
        } catch (error) {
          missing.push(`${account.name}: ${csvFile.fileName} could not be read (${describeIoError(error)}).`);
          continue;
        }
        if (csv.malformed.length > 0) notes.push(`${account.name}: ${csvFile.fileName} has ${csv.malformed.length} unreadable row(s) (line ${csv.malformed.slice(0, 5).join(', ')}${csv.malformed.length > 5 ? ', …' : ''}), left out.`);
        const { rows: monthRows, balance } = soracomMonthRows({
          account: { id: account.id, name: account.name },
          yyyyMM,
          bill,
          fallbackCurrency: defaultCurrencyFor(account.baseUrl),
          sourceDocument: csvFile.fileName,
          csv,
        });
        rows.push(...monthRows);
        if (balance.note) notes.push(`${account.name}: ${balance.note}`);
        for (const added of balance.added) notes.push(`${account.name}: ${label} ${added.ChargeCategory} row of ${added.BilledCost} ${added.BillingCurrency} added so the rows add up to the bill.`);
        const currency = monthRows[0]?.BillingCurrency ?? bill?.amount?.currency ?? defaultCurrencyFor(account.baseUrl);
        const entry: FocusExportResult['invoices'][number] = {
          provider: 'Soracom',
          accountName: account.name,
          invoiceId: yyyyMM,
          currency,
          billed: fromScaledFixed(monthRows.reduce((s, r) => s + toScaled(r.BilledCost), 0n), minorDigits(currency)),
        };
        const billed = bill?.amount;
        if (billed) entry.total = fromScaledFixed(minorToScaled(billed.minor, minorDigits(billed.currency)), minorDigits(billed.currency));
        invoices.push(entry);
      }
    } else if (account.provider === 'spatialflow') {
      const all = await spatialflowInvoices(deps, account);
      if (all.length === 0) missing.push(`${account.name}: no invoices have been synced.`);
      const reach = await spatialflowListReach(deps, account);
      if (all.length > 0 && !reach.listed) notes.push(`${account.name}: the list of invoices has not been synced, only single invoices: the costs of other invoices of ${period.label} may not be exported.`);
      if (reach.unsyncedBefore !== undefined && Date.parse(period.start) < Date.parse(reach.unsyncedBefore)) {
        notes.push(`${account.name}: invoices before ${reach.unsyncedBefore.slice(0, 10)} have not been synced (a sync keeps the newest ones): the costs of those in ${period.label} are not exported.`);
      }
      // Saved PDFs of the period whose invoice was never synced: their costs are not known.
      const ids = new Set(all.map((i) => i.id));
      const numbers = new Set(all.map((i) => i.number).filter((n) => n !== ''));
      for (const f of files.filter((x) => x.accountId === account.id && x.kind === 'invoice-pdf' && /^\d{4}-\d{2}$/.test(x.period ?? '') && overlaps(x.period, period))) {
        const which = invoiceOfFile(f);
        if ((which.id !== undefined && ids.has(which.id)) || (which.number !== undefined && numbers.has(which.number))) continue;
        const name = which.number ?? which.id;
        notes.push(`${account.name}: ${name === undefined ? f.fileName : `invoice ${name} (${f.fileName})`} is in the Library but has not been synced: its costs are not exported.`);
      }
      for (const inv of all.filter((i) => period.months.includes(invoiceMonth(i)))) {
        if (!finalInvoiceStatuses.has(inv.status)) {
          notes.push(`${account.name}: invoice ${inv.number || inv.id} is ${inv.status}, not a cost, and is left out.`);
          continue;
        }
        const { rows: invRows, adjustment } = spatialflowInvoiceRows({ id: account.id, name: account.name }, inv);
        rows.push(...invRows);
        if (adjustment) notes.push(`${account.name}: invoice ${inv.number || inv.id} has an Adjustment row of ${adjustment.BilledCost} ${adjustment.BillingCurrency}: its line items do not add up to its total.`);
        const currency = inv.amountDue.currency;
        const digits = minorDigits(currency);
        invoices.push({
          provider: 'SpatialFlow',
          accountName: account.name,
          invoiceId: inv.number || inv.id,
          currency,
          billed: fromScaledFixed(invRows.reduce((s, r) => s + toScaled(r.BilledCost), 0n), digits),
          total: fromScaledFixed(minorToScaled(inv.amountDue.minor, digits), digits),
        });
      }
    } else {
      const sources = await agilicusUsage(deps, account);
      if (sources.length === 0) missing.push(`${account.name}: no usage records have been synced.`);
      for (const s of sources) {
        if (s.usage.mayBeTruncated) notes.push(`${account.name}: the usage of billing account ${s.billingAccountId} may hold more records than were synced (${s.usage.limit}).`);
        for (const r of s.usage.records) {
          if (r.timestamp === null) continue;
          const at = Date.parse(r.timestamp);
          if (!(at >= Date.parse(period.start) && at < Date.parse(period.end))) continue;
          usage.push({
            ProviderName: 'Agilicus',
            BillingAccountId: s.billingAccountId,
            BillingAccountName: s.customerName,
            UsageTimestamp: iso(at),
            Quantity: r.quantity === null ? null : String(r.quantity),
            Products: s.products.length > 0 ? s.products.join(', ') : null,
            x_BillfoldAccountId: account.id,
            x_BillfoldAccountName: account.name,
          });
        }
      }
    }
  }
  // A removed account's kept files have nothing synced behind them to export.
  for (const r of removedAccounts(files, accounts)) {
    const inPeriod = r.files.filter((f) => overlaps(f.period, period));
    if (inPeriod.length > 0) notes.push(`${r.name}: this account has been removed, so its ${inPeriod.length} saved document(s) of ${period.label} are not in the export (Billfold holds no synced data of it).`);
  }
  usage.sort((a, b) => byCodePoint(String(a['x_BillfoldAccountId']), String(b['x_BillfoldAccountId'])) || byCodePoint(String(a['BillingAccountId']), String(b['BillingAccountId'])) || byCodePoint(String(a['UsageTimestamp']), String(b['UsageTimestamp'])));
  return { period, rows, usage, invoices, missing, notes };
}

/** `costs.parquet` -> `costs.usage.parquet`. */
export function usageFileFor(file: string): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.usage${ext}`;
}

export interface FocusWriteOutcome {
  data: FocusData;
  costFile: string;
  usageFile: string;
}

/** Writes the cost file at `file` and the usage file beside it, each atomically. */
export async function writeFocus(deps: ArchiveSourceDeps, from: string, to: string, format: TableFormat, file: string, onProgress?: (what: string) => void): Promise<FocusWriteOutcome> {
  const period = monthRange(from, to);
  refuseNotBegun(period, deps.now?.() ?? new Date(), 'export');
  const data = await collectFocus(deps, period, onProgress);
  onProgress?.('writing');
  const metadata = { 'focus.version': '1.2', 'billfold.period': period.label };
  const costRows = data.rows as unknown as Record<string, Cell>[];
  const outcome: FocusWriteOutcome = { data, costFile: file, usageFile: usageFileFor(file) };
  // Written even when empty, so a usage file beside the costs is always the one of this export;
  // both are replaced together or not at all.
  await writeFilesAtomic(
    [
      { file, data: tableBytes(format, focusColumns as TableColumn[], costRows, metadata) },
      { file: outcome.usageFile, data: tableBytes(format, usageColumns, data.usage, { 'billfold.period': period.label }) },
    ],
    `${path.basename(file)} and ${path.basename(outcome.usageFile)}`,
  );
  return outcome;
}


import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import type { SpatialFlowInvoice, SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { fromMinor } from '../../../contract/money';
import { collectFocus } from '../../../main/archive/export';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';

const maps: AccountSummary = { id: 'acc_sf', name: 'Maps', provider: 'spatialflow', baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} };

/** Invoice 73989C12-00<n>, paid, for the month from the 14th of `month` (1 = 2026-01). */
function invoice(n: number, month: number): SpatialFlowInvoice {
  const start = new Date(Date.UTC(2026, month - 1, 14, 10));
  const end = new Date(Date.UTC(2026, month, 14, 10));
  return {
    id: `in_${n}`,
    number: `73989C12-00${n}`,
    status: 'paid',
    amountDue: fromMinor(4900, 'USD'),
    amountPaid: fromMinor(4900, 'USD'),
    periodStart: start.toISOString(),
    periodEnd: end.toISOString(),
    createdAt: start.toISOString(),
    hasPdf: true,
    lines: [{ description: 'Plan', quantity: 1, unitAmount: fromMinor(4900, 'USD'), amount: fromMinor(4900, 'USD') }],
  };
}
// A sync keeps the newest page: 73989C12-0051 (February) to -0060 (November).
const newest: SpatialFlowInvoicePage = { invoices: [60, 59, 58, 57, 56, 55, 54, 53, 52, 51].map((n) => invoice(n, n - 49)), hasMore: true, nextCursor: 'in_51' };
// The page after it, as the Invoices view loads it: the last one.
const older: SpatialFlowInvoicePage = { invoices: [invoice(50, 1)], hasMore: false };

const janPdf: SavedFile = {
  id: 'f_50',
  kind: 'invoice-pdf',
  accountId: maps.id,
  accountName: maps.name,
  fileName: 'Invoice-73989C12-0050.pdf',
  path: '/nowhere/Invoice-73989C12-0050.pdf',
  size: 1,
  savedAt: '2026-11-02T00:00:00.000Z',
  period: '2026-01',
  source: { key: 'spatialflow:invoice:in_1ccwukFtrWgVUI6ZHppb000A', hash: 'h' },
};

const deps = (pages: { args: Record<string, unknown>; value: SpatialFlowInvoicePage }[], files: SavedFile[] = []): ArchiveSourceDeps => ({
  listAccounts: () => Promise.resolve([maps]),
  libraryFiles: () => Promise.resolve(files),
  snapshots: { list: (_id, channel) => Promise.resolve(channel === 'spatialflow.listInvoices' ? pages.map(({ args, value }) => ({ args, snapshot: { value, syncedAt: '2026-11-20T00:00:00.000Z' } })) : []) },
});
const before = 'Maps: invoices before 2026-02-14 have not been synced (a sync keeps the newest ones)';

describe('SpatialFlow invoices older than the synced ones', () => {
  it('a period before the oldest synced invoice is said to be unchecked, in the pack and in the FOCUS export', async () => {
    const synced = deps([{ args: {}, value: newest }]);
    expect((await planPack(synced, parsePeriod('2025-Q1'))).missing).toEqual([`${before}: those of 2025-Q1 are not looked for and their amounts are not checked.`]);
    const focus = await collectFocus(synced, parsePeriod('2025-01'));
    expect(focus.rows).toEqual([]);
    expect(focus.notes).toEqual([`${before}: the costs of those in 2025-01 are not exported.`]);

    // A period the synced invoices cover says nothing of the kind.
    const march = await planPack(synced, parsePeriod('2026-03'));
    expect(march.missing).toEqual(['Maps: the PDF of invoice 73989C12-0052 is not in the Library.']);
    expect((await collectFocus(synced, parsePeriod('2026-03'))).notes).toEqual([]);
  });

  it('once the older pages are synced too, down to the last, nothing is said', async () => {
    const all = deps([
      { args: {}, value: newest },
      { args: { startingAfter: 'in_51', limit: 10 }, value: older },
    ]);
    expect((await planPack(all, parsePeriod('2025-Q1'))).missing).toEqual([]);
    expect((await collectFocus(all, parsePeriod('2025-Q1'))).notes).toEqual([]);
    // And its January invoice is known: its PDF is looked for.
    expect((await planPack(all, parsePeriod('2026-01'))).missing).toEqual(['Maps: the PDF of invoice 73989C12-0050 is not in the Library.']);
  });

  it('a downloaded PDF of an invoice that was never synced is packed under its invoice number, and said to be unchecked', async () => {
    const synced = deps([{ args: {}, value: newest }], [janPdf]);
    const plan = await planPack(synced, parsePeriod('2026-01'));
    expect(plan.documents.map((d) => [d.file.fileName, d.providerId, d.period, d.amount])).toEqual([['Invoice-73989C12-0050.pdf', '73989C12-0050', '2026-01', undefined]]);
    // reconciliation.csv: a row for it, unchecked.
    expect(plan.checks).toEqual([
      { provider: 'SpatialFlow', accountName: 'Maps', subject: 'invoice 73989C12-0050 against its line items', status: 'missing', note: 'The invoice has not been synced, so its amount is not known here.' },
    ]);
    expect(plan.missing).toEqual([
      `${before}: those of 2026-01 are not looked for and their amounts are not checked.`,
      'Maps: invoice 73989C12-0050 (Invoice-73989C12-0050.pdf) has not been synced, so its amount could not be checked.',
    ]);
    expect((await collectFocus(synced, parsePeriod('2026-01'))).notes).toEqual([
      `${before}: the costs of those in 2026-01 are not exported.`,
      'Maps: invoice 73989C12-0050 (Invoice-73989C12-0050.pdf) is in the Library but has not been synced: its costs are not exported.',
    ]);
  });
});

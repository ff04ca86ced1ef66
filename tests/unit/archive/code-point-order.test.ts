import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { AgilicusBillingAccountList, AgilicusUsageRecordList } from '../../../contract/models/agilicus';
import type { SavedFile } from '../../../contract/models/files';
import type { SpatialFlowInvoice, SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { fromMinor } from '../../../contract/money';
import { collectFocus, writeFocus } from '../../../main/archive/export';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';
import { savedFile } from './saved-file';

/**
 * Names whose order differs between the machine's locale (ICU collation) and code points: "a" and
 * "B", "é" and "f", "-" and "_". The export and the pack put them in code-point order on every
 * machine, so the same data gives the same files.
 */
const account = (id: string, name: string, provider: AccountSummary['provider']): AccountSummary => ({ id, name, provider, baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} });
const mapsA = account('sf_1', 'a', 'spatialflow');
const mapsB = account('sf_2', 'B', 'spatialflow');
const gateF = account('Z', 'f', 'agilicus');
const gateE = account('a', 'é', 'agilicus');
const fleet = account('so_1', 'Fleet', 'soracom');

const invoice = (id: string, number: string): SpatialFlowInvoice => ({
  id,
  number,
  status: 'paid',
  amountDue: fromMinor(4900, 'USD'),
  amountPaid: fromMinor(4900, 'USD'),
  periodStart: '2026-10-14T10:00:00.000Z',
  periodEnd: '2026-11-14T10:00:00.000Z',
  createdAt: '2026-10-14T10:00:00.000Z',
  hasPdf: true,
  lines: [{ description: 'Plan', quantity: 1, unitAmount: fromMinor(4900, 'USD'), amount: fromMinor(4900, 'USD') }],
});
const invoices: Record<string, SpatialFlowInvoicePage> = {
  [mapsA.id]: { invoices: [invoice('in_1', 'SF-a'), invoice('in_2', 'SF-B')], hasMore: false },
  [mapsB.id]: { invoices: [invoice('in_3', 'SF-1')], hasMore: false },
};

const usage = (timestamps: string[]): AgilicusUsageRecordList => ({ limit: 2, records: timestamps.map((t) => ({ quantity: 1, timestamp: t, date: t.slice(0, 10) })), totalQuantity: timestamps.length, mayBeTruncated: true });
const usageOf: Record<string, Record<string, AgilicusUsageRecordList>> = {
  [gateF.id]: { ba_1: usage(['2026-10-02T00:00:00Z', '2026-10-01T00:00:00Z']), 'ba-1': usage(['2026-10-03T00:00:00Z']) },
  [gateE.id]: { 'ba-1': usage(['2026-10-04T00:00:00Z']) },
};

let dir: string;
let files: SavedFile[];
const deps = (): ArchiveSourceDeps => ({
  listAccounts: () => Promise.resolve([mapsA, mapsB, gateE, gateF, fleet]),
  libraryFiles: () => Promise.resolve(files),
  snapshots: {
    list: (accountId, channel) => {
      const syncedAt = '2026-11-20T00:00:00.000Z';
      if (channel === 'spatialflow.listInvoices' && invoices[accountId]) return Promise.resolve([{ args: {}, snapshot: { value: invoices[accountId], syncedAt } }]);
      if (channel === 'agilicus.listBillingAccounts' && usageOf[accountId]) {
        const value = { accounts: Object.keys(usageOf[accountId]).map((id) => ({ id, products: [], customer: null })) } as unknown as AgilicusBillingAccountList;
        return Promise.resolve([{ args: {}, snapshot: { value, syncedAt } }]);
      }
      if (channel === 'agilicus.getUsageRecords' && usageOf[accountId]) {
        return Promise.resolve(Object.entries(usageOf[accountId]).map(([billingAccountId, value]) => ({ args: { billingAccountId }, snapshot: { value, syncedAt } })));
      }
      return Promise.resolve([]);
    },
  },
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-code-point-'));
  // Two exports of the same month saved at the same moment: the one first in code-point order is read.
  files = [];
  for (const [fileName, amount] of [['billing-a.csv', '5'], ['billing-Z.csv', '7']] as const) {
    const f = savedFile(fleet, fileName, { kind: 'bill-csv', period: '2026-10', path: path.join(dir, fileName) });
    await fs.writeFile(f.path, `imsi,date,billItemName,unitPrice,quantity,amount\r\n440103000000001,20261003,Basic fee,${amount},1,${amount}\r\n`);
    files.push(f);
  }
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('the order of what the FOCUS export and the pack write', () => {
  it('is the code-point order of account names, invoice numbers, billing accounts and files, whatever the locale', async () => {
    const focus = await collectFocus(deps(), parsePeriod('2026-10'));
    expect(focus.invoices.map((i) => [i.accountName, i.invoiceId])).toEqual([
      ['B', 'SF-1'],
      ['Fleet', '202610'],
      ['a', 'SF-B'],
      ['a', 'SF-a'],
    ]);
    expect(focus.rows.map((r) => [r.BillingAccountName, r.InvoiceId, r.x_SourceDocument])).toEqual([
      ['B', 'SF-1', 'invoice in_3'],
      ['Fleet', '202610', 'billing-Z.csv'],
      ['a', 'SF-B', 'invoice in_2'],
      ['a', 'SF-a', 'invoice in_1'],
    ]);
    expect(focus.rows[1]?.BilledCost).toBe('7');
    expect(focus.usage.map((u) => [u['x_BillfoldAccountId'], u['BillingAccountId'], u['UsageTimestamp']])).toEqual([
      ['Z', 'ba-1', '2026-10-03T00:00:00Z'],
      ['Z', 'ba_1', '2026-10-01T00:00:00Z'],
      ['Z', 'ba_1', '2026-10-02T00:00:00Z'],
      ['a', 'ba-1', '2026-10-04T00:00:00Z'],
    ]);
    expect(focus.notes.filter((n) => n.includes('may hold more records'))).toEqual([
      'f: the usage of billing account ba-1 may hold more records than were synced (2).',
      'f: the usage of billing account ba_1 may hold more records than were synced (2).',
      'é: the usage of billing account ba-1 may hold more records than were synced (2).',
    ]);

    const plan = await planPack(deps(), parsePeriod('2026-10'));
    expect(plan.checks.filter((c) => c.provider === 'SpatialFlow').map((c) => [c.accountName, c.subject])).toEqual([
      ['B', 'invoice SF-1 against its line items'],
      ['a', 'invoice SF-B against its line items'],
      ['a', 'invoice SF-a against its line items'],
    ]);
  });

  it('is the same in the usage file, line by line', async () => {
    const out = path.join(dir, 'costs.csv');
    const { usageFile } = await writeFocus(deps(), '2026-10', '2026-10', 'csv', out);
    const lines = (await fs.readFile(usageFile, 'utf8')).trim().split('\n').slice(1);
    expect(lines.map((l) => l.split(',')).map((c) => [c[6], c[1], c[3]])).toEqual([
      ['Z', 'ba-1', '2026-10-03T00:00:00Z'],
      ['Z', 'ba_1', '2026-10-01T00:00:00Z'],
      ['Z', 'ba_1', '2026-10-02T00:00:00Z'],
      ['a', 'ba-1', '2026-10-04T00:00:00Z'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';

const account: AccountSummary = { id: 'acc_sf', name: 'Maps', provider: 'spatialflow', baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} };
const file = (fileName: string, extra: Partial<SavedFile>): SavedFile => ({
  id: fileName.replace(/\W/g, ''),
  kind: 'invoice-pdf',
  accountId: account.id,
  accountName: account.name,
  fileName,
  path: `/nowhere/${fileName}`,
  size: 1,
  savedAt: '2026-11-02T00:00:00.000Z',
  ...extra,
});

describe('which documents a pack holds', () => {
  it('an invoice PDF downloaded in bulk is packed by its month even if its invoice was never synced; one without a month is reported', async () => {
    const plan = await planPack(
      {
        listAccounts: () => Promise.resolve([account]),
        libraryFiles: () =>
          Promise.resolve([
            file('Invoice-A-0007.pdf', { period: '2026-10', source: { key: 'spatialflow:invoice:in_1abc', hash: 'h' } }),
            file('Invoice-A-0006.pdf', { period: '2026-09', source: { key: 'spatialflow:invoice:in_1abd', hash: 'h' } }),
            file('Invoice-A-0005.pdf', { period: 'A-0005' }),
          ]),
        snapshots: { list: () => Promise.resolve([]) },
      },
      parsePeriod('2026-10'),
    );
    expect(plan.documents.map((d) => [d.file.fileName, d.providerId, d.period, d.packPath])).toEqual([
      ['Invoice-A-0007.pdf', 'in_1abc', '2026-10', 'documents/SpatialFlow/Maps/Invoice-A-0007.pdf'],
    ]);
    expect(plan.missing).toEqual(['Maps: no invoices have been synced.', 'Maps: 1 saved invoice PDF(s) belong to invoices that have not been synced, so their period is unknown.']);
  });
});

import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { AgilicusUsageRecordList } from '../../../contract/models/agilicus';
import type { SavedFile } from '../../../contract/models/files';
import type { SoracomBillingHistory } from '../../../contract/models/soracom';
import { fromMinor } from '../../../contract/money';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';
import { savedFile } from './saved-file';

const fleet: AccountSummary = { id: 'acc_so', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };
const access: AccountSummary = { ...fleet, id: 'acc_ag', name: 'Access', provider: 'agilicus', credentialKind: 'password' };
const saved = savedFile;
const synced = '2026-10-01T00:00:00.000Z';
const usage = (...dates: string[]): AgilicusUsageRecordList => ({
  limit: 10_000,
  mayBeTruncated: false,
  totalQuantity: dates.length,
  records: dates.map((date) => ({ quantity: 1, timestamp: `${date}T10:00:00Z`, date })),
});

/** What the last sync holds: Fleet's bills of July and August, Access's two billing accounts and their usage. */
const deps = (files: SavedFile[]): ArchiveSourceDeps => ({
  listAccounts: () => Promise.resolve([fleet, access]),
  libraryFiles: () => Promise.resolve(files),
  snapshots: {
    list: (accountId, channel) => {
      const history: SoracomBillingHistory = { bills: ['202607', '202608'].map((yearMonth) => ({ yearMonth, amount: fromMinor(8902, 'JPY'), state: 'closed' })) };
      const answers: Record<string, { args: Record<string, unknown>; value: unknown }[]> = {
        'acc_so soracom.getBillingHistory': [{ args: {}, value: history }],
        'acc_ag agilicus.listBillingAccounts': [
          {
            args: {},
            value: {
              limit: 500,
              mayBeTruncated: false,
              accounts: [
                { id: 'xM7VKTabWnn3SSLWUn4DM1', customerId: 'cus_1', customer: { name: 'Northwind Logistics Inc.' }, products: [] },
                { id: 'Qp2', customerId: null, customer: null, products: [] },
              ],
            },
          },
        ],
        'acc_ag agilicus.getUsageRecords': [
          { args: { billingAccountId: 'xM7VKTabWnn3SSLWUn4DM1' }, value: usage('2026-07-03', '2026-08-10', '2026-09-01') },
          { args: { billingAccountId: 'Qp2' }, value: usage('2026-08-02', '2026-08-20', '2026-09-15') },
        ],
      };
      return Promise.resolve((answers[`${accountId} ${channel}`] ?? []).map(({ args, value }) => ({ args, snapshot: { value, syncedAt: synced } })));
    },
  },
});

describe('missing.txt and the statements "Download everything" makes', () => {
  it('names each month’s Soracom statement and each billing account’s monthly usage statement that the synced data calls for and the Library lacks', async () => {
    const files = [
      saved(fleet, 'Export_202607.csv', { kind: 'bill-csv', period: '2026-07' }),
      saved(fleet, 'Export_202608.csv', { kind: 'bill-csv', period: '2026-08' }),
      saved(fleet, 'Soracom statement 2026-07.pdf', { period: '2026-07', source: { key: 'soracom:statement:202607', hash: 'h' } }),
      saved(access, 'Agilicus usage statement Northwind Logistics Inc. 2026-07.pdf', { period: '2026-07', source: { key: 'agilicus:usage-statement:xM7VKTabWnn3SSLWUn4DM1:2026-07', hash: 'h' } }),
      // Saved before statements recorded their source: known by the customer's name.
      saved(access, 'Agilicus usage statement Northwind Logistics Inc. 2026-09.pdf', { period: '2026-09' }),
      // All the usage of Qp2 up to the end of August, saved from the window.
      saved(access, 'Agilicus usage statement Qp2 2026-08-31.pdf', { period: '2026-08-02 to 2026-08-20', source: { key: 'agilicus:usage-statement:Qp2:all', hash: 'h' } }),
    ];
    const plan = await planPack(deps(files), parsePeriod('2026-Q3'));
    expect(plan.missing).toEqual([
      'Access: the 2026-08 usage statement of billing account xM7VKTabWnn3SSLWUn4DM1 (Northwind Logistics Inc.) is not in the Library.',
      'Access: the 2026-09 usage statement of billing account Qp2 is not in the Library.',
      'Fleet: the 2026-08 statement PDF is not in the Library.',
      // September has no bill: its statement is not looked for, the month is reported as before.
      'Fleet: neither the 2026-09 bill nor its detailed CSV is in Billfold (sync the account and save the month’s export).',
    ]);

    // Everything saved: nothing is missing.
    const complete = [
      ...files,
      saved(fleet, 'Soracom statement 2026-08.pdf', { period: '2026-08', source: { key: 'soracom:statement:202608', hash: 'h' } }),
      saved(access, 'Agilicus usage statement Northwind Logistics Inc. 2026-08.pdf', { period: '2026-08', source: { key: 'agilicus:usage-statement:xM7VKTabWnn3SSLWUn4DM1:2026-08', hash: 'h' } }),
      saved(access, 'Agilicus usage statement Qp2 2026-09.pdf', { period: '2026-09', source: { key: 'agilicus:usage-statement:Qp2:2026-09', hash: 'h' } }),
    ];
    expect((await planPack(deps(complete), parsePeriod('2026-08'))).missing).toEqual([]);
    expect((await planPack(deps(complete), parsePeriod('2026-09'))).missing).toEqual(['Fleet: neither the 2026-09 bill nor its detailed CSV is in Billfold (sync the account and save the month’s export).']);
  });
});

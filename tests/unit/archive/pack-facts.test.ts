import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';

const agilicus: AccountSummary = { id: 'acc_ag', name: 'Access', provider: 'agilicus', baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} };
const file = (account: AccountSummary, fileName: string, extra: Partial<SavedFile>): SavedFile => ({
  id: fileName.replace(/\W/g, ''),
  kind: 'statement-pdf',
  accountId: account.id,
  accountName: account.name,
  fileName,
  path: `/nowhere/${fileName}`,
  size: 1,
  savedAt: '2026-11-02T00:00:00.000Z',
  ...extra,
});

describe('what a pack says about its documents', () => {
  it('an Agilicus usage statement is indexed by its billing account, from its source key, not by its period', async () => {
    const statement = (fileName: string, period: string, key?: string): SavedFile => file(agilicus, fileName, { period, ...(key ? { source: { key, hash: 'h' } } : {}) });
    const plan = await planPack(
      {
        listAccounts: () => Promise.resolve([agilicus]),
        libraryFiles: () =>
          Promise.resolve([
            statement('Usage xM7VKTabWnn3SSLWUn4DM1 2026-10.pdf', '2026-10', 'agilicus:usage-statement:xM7VKTabWnn3SSLWUn4DM1:2026-10'),
            statement('Usage Qp2 2026-10.pdf', '2026-10', 'agilicus:usage-statement:Qp2:2026-10'),
            statement('Usage Qp2 all.pdf', '2026-09-01 to 2026-10-31', 'agilicus:usage-statement:Qp2:all'),
            statement('Usage unknown.pdf', '2026-10'),
          ]),
        snapshots: { list: () => Promise.resolve([]) },
      },
      parsePeriod('2026-10'),
    );
    expect(plan.documents.map((d) => [d.file.fileName, d.providerId, d.period])).toEqual([
      ['Usage Qp2 2026-10.pdf', 'Qp2', '2026-10'],
      ['Usage Qp2 all.pdf', 'Qp2', '2026-09-01 to 2026-10-31'],
      ['Usage unknown.pdf', '', '2026-10'],
      ['Usage xM7VKTabWnn3SSLWUn4DM1 2026-10.pdf', 'xM7VKTabWnn3SSLWUn4DM1', '2026-10'],
    ]);
  });
});

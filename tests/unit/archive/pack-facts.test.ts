import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import type { SoracomBillingHistory } from '../../../contract/models/soracom';
import { fromMinor } from '../../../contract/money';
import { collectFocus } from '../../../main/archive/export';
import { planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';
import { savedFile } from './saved-file';

const agilicus: AccountSummary = { id: 'acc_ag', name: 'Access', provider: 'agilicus', baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} };
const file = (account: AccountSummary, fileName: string, extra: Partial<SavedFile>) => savedFile(account, fileName, { savedAt: '2026-11-02T00:00:00.000Z', ...extra });

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

  it('a month whose bill is still preliminary is packed and exported with a word that it will change, even where the CSV matches it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-plan-'));
    try {
      const soracom: AccountSummary = { ...agilicus, id: 'acc_so', name: 'Fleet', provider: 'soracom', credentialKind: 'authKey' };
      const csv = path.join(dir, 'Export_202611.csv');
      await fs.writeFile(csv, 'imsi,date,billItemName,unitPrice,quantity,amount\n440103000000001,20261103,Basic fee,10,1,10\n440103000000001,20261104,Basic fee,10,1,10\n');
      const history = (state: string): SoracomBillingHistory => ({ bills: [{ yearMonth: '202611', amount: fromMinor(20, 'JPY'), state }] });
      const deps = (state: string): ArchiveSourceDeps => ({
        listAccounts: () => Promise.resolve([soracom]),
        libraryFiles: () =>
          Promise.resolve([
            file(soracom, 'Export_202611.csv', { kind: 'bill-csv', period: '2026-11', path: csv }),
            file(soracom, 'Soracom statement 2026-11.pdf', { period: '2026-11', source: { key: 'soracom:statement:202611', hash: 'h' } }),
          ]),
        snapshots: { list: (_id, channel) => Promise.resolve(channel === 'soracom.getBillingHistory' ? [{ args: {}, snapshot: { value: history(state), syncedAt: '2026-11-29T05:16:00.000Z' } }] : []) },
        // The month is over; its bill may stay preliminary for a few days.
        now: () => new Date('2026-12-02T00:00:00Z'),
      });

      const open = await planPack(deps('temporary'), parsePeriod('2026-11'));
      // reconciliation.csv: it matches, and says for now.
      expect(open.checks).toEqual([expect.objectContaining({ status: 'match', expected: '20', actual: '20', note: 'The bill is preliminary (temporary): it may still change until the month is closed.' })]);
      // missing.txt: the final bill.
      expect(open.missing).toEqual(['Fleet: the final 2026-11 bill. The bill Billfold holds is preliminary (temporary) and may still change until the month is closed.']);
      const focus = await collectFocus(deps('temporary'), parsePeriod('2026-11'));
      expect(focus.invoices).toEqual([expect.objectContaining({ invoiceId: '202611', billed: '20', total: '20' })]);
      expect(focus.notes).toEqual(['Fleet: The 2026-11 bill is preliminary (temporary): these costs may still change until the month is closed.']);

      // Once the month is closed, nothing more is said.
      const closed = await planPack(deps('closed'), parsePeriod('2026-11'));
      expect(closed.checks.map((c) => [c.status, c.note])).toEqual([['match', undefined]]);
      expect(closed.missing).toEqual([]);
      expect((await collectFocus(deps('closed'), parsePeriod('2026-11'))).notes).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { buildPack, planPack } from '../../../main/archive/pack';
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
  it('an invoice PDF downloaded in bulk is packed by its month and invoice number even if its invoice was never synced, and said to be unchecked; one without a month is reported', async () => {
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
      ['Invoice-A-0007.pdf', 'A-0007', '2026-10', 'documents/SpatialFlow/Maps/Invoice-A-0007.pdf'],
    ]);
    expect(plan.missing).toEqual([
      'Maps: no invoices have been synced.',
      'Maps: invoice A-0007 (Invoice-A-0007.pdf) has not been synced, so its amount could not be checked.',
      'Maps: 1 saved invoice PDF(s) belong to invoices that have not been synced, so their period is unknown.',
    ]);
  });
});

describe('the folders of accounts in a pack', () => {
  it('an account really named “Acme (2)” never shares a folder with the second “Acme”, and index.csv names each file’s own account', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-pack-names-'));
    try {
      const accounts: AccountSummary[] = [
        { id: 'acc_1', name: 'Acme' },
        { id: 'acc_2', name: 'ACME' },
        { id: 'acc_3', name: 'Acme (2)' },
      ].map((a) => ({ ...a, provider: 'agilicus', baseUrl: 'https://api.example.test', credentialKind: 'token', demo: false, sync: {} }));
      const files: SavedFile[] = [];
      for (const a of accounts) {
        const saved = path.join(dir, 'library', a.id, 'Agilicus usage statement 2026-09.pdf');
        await fs.mkdir(path.dirname(saved), { recursive: true });
        await fs.writeFile(saved, `statement of ${a.id}`);
        files.push({ id: `f_${a.id}`, kind: 'statement-pdf', accountId: a.id, accountName: a.name, fileName: path.basename(saved), path: saved, size: 1, savedAt: '2026-10-02T00:00:00.000Z', period: '2026-09' });
      }
      const outcome = await buildPack(
        { listAccounts: () => Promise.resolve(accounts), libraryFiles: () => Promise.resolve(files), snapshots: { list: () => Promise.resolve([]) }, root: () => Promise.resolve(dir) },
        '2026-09',
      );
      const rows = Papa.parse<Record<string, string>>(await fs.readFile(path.join(outcome.dir, 'index.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
      const folderOf = Object.fromEntries(rows.map((r) => [r['account'], r['file']]));
      expect(folderOf).toEqual({
        Acme: 'documents/Agilicus/Acme/Agilicus usage statement 2026-09.pdf',
        ACME: 'documents/Agilicus/ACME (2)/Agilicus usage statement 2026-09.pdf',
        'Acme (2)': 'documents/Agilicus/Acme (2) (2)/Agilicus usage statement 2026-09.pdf',
      });
      // Each folder holds its own account's file, and only that one.
      for (const a of accounts) {
        const file = path.join(outcome.dir, ...folderOf[a.name]!.split('/'));
        expect(await fs.readFile(file, 'utf8')).toBe(`statement of ${a.id}`);
        expect(await fs.readdir(path.dirname(file))).toEqual(['Agilicus usage statement 2026-09.pdf']);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { collectFocus } from '../../../main/archive/export';
import { buildPack, planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import type { ArchiveSourceDeps } from '../../../main/archive/sources';
import { savedFile } from './saved-file';

/** The account left in Billfold; the SpatialFlow account was removed, keeping its files. */
const fleet: AccountSummary = { id: 'acc_so', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };
const saved = (accountId: string, accountName: string, fileName: string, extra: Partial<SavedFile>) => savedFile({ id: accountId, name: accountName }, fileName, { kind: 'invoice-pdf', ...extra });
const invoice = (n: number, month: string) =>
  saved('acc_gone', 'SpatialFlow (demo)', `Invoice-73989C12-00${n}.pdf`, { period: month, source: { key: `spatialflow:invoice:in_${n}`, hash: 'h' } });

const deps = (accounts: AccountSummary[], files: SavedFile[]): ArchiveSourceDeps => ({
  listAccounts: () => Promise.resolve(accounts),
  libraryFiles: () => Promise.resolve(files),
  // A removed account's synced data goes with it; Fleet has none either.
  snapshots: { list: () => Promise.resolve([]) },
});

describe('a removed account whose files were kept', () => {
  it('its saved invoices of the period are packed under the name they were saved with, and missing.txt says they could not be checked', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-removed-'));
    try {
      const files: SavedFile[] = [];
      for (const [n, month] of [[55, '2026-06'], [56, '2026-07'], [57, '2026-08'], [58, '2026-09']] as const) {
        const f = invoice(n, month);
        f.path = path.join(dir, 'library', 'SpatialFlow (demo)', f.fileName);
        await fs.mkdir(path.dirname(f.path), { recursive: true });
        await fs.writeFile(f.path, `%PDF invoice ${n}`);
        files.push(f);
      }
      const outcome = await buildPack({ ...deps([fleet], files), root: () => Promise.resolve(dir) }, '2026-Q3');

      const index = Papa.parse<Record<string, string>>(await fs.readFile(path.join(outcome.dir, 'index.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
      expect(index.map((r) => [r['provider'], r['account'], r['provider id'], r['period'], r['amount'], r['file']])).toEqual([
        ['SpatialFlow', 'SpatialFlow (demo)', '73989C12-0056', '2026-07', '', 'documents/SpatialFlow/SpatialFlow (demo)/Invoice-73989C12-0056.pdf'],
        ['SpatialFlow', 'SpatialFlow (demo)', '73989C12-0057', '2026-08', '', 'documents/SpatialFlow/SpatialFlow (demo)/Invoice-73989C12-0057.pdf'],
        ['SpatialFlow', 'SpatialFlow (demo)', '73989C12-0058', '2026-09', '', 'documents/SpatialFlow/SpatialFlow (demo)/Invoice-73989C12-0058.pdf'],
      ]);
      expect(await fs.readFile(path.join(outcome.dir, 'documents', 'SpatialFlow', 'SpatialFlow (demo)', 'Invoice-73989C12-0057.pdf'), 'utf8')).toBe('%PDF invoice 57');
      const missing = await fs.readFile(path.join(outcome.dir, 'missing.txt'), 'utf8');
      expect(missing).not.toContain('Nothing is missing');
      expect(missing).toContain(
        'SpatialFlow (demo): this account has been removed, so its 3 saved document(s) of 2026-Q3 are packed as they were saved, without amounts: Billfold holds none of its bills or invoices to check them against, nor to tell what else the period lacks.',
      );

      // The FOCUS export has nothing synced of it to export, and says so.
      const focus = await collectFocus(deps([fleet], files), parsePeriod('2026-Q3'));
      expect(focus.rows).toEqual([]);
      expect(focus.notes).toEqual(['SpatialFlow (demo): this account has been removed, so its 3 saved document(s) of 2026-Q3 are not in the export (Billfold holds no synced data of it).']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('an account added again under the same name keeps the plain folder; the removed one’s files never share it', async () => {
    const again: AccountSummary = { ...fleet, id: 'acc_new', name: 'SpatialFlow (demo)', provider: 'spatialflow', credentialKind: 'password' };
    const soracomGone = [
      saved('acc_so_gone', 'Old fleet', 'Export_202608.csv', { kind: 'bill-csv', period: '2026-08' }),
      saved('acc_so_gone', 'Old fleet', 'Soracom statement 2026-08.pdf', { kind: 'statement-pdf', period: '2026-08', source: { key: 'soracom:statement:202608', hash: 'h' } }),
      saved('acc_so_gone', 'Old fleet', 'Overview 2026-08-02.csv', { kind: 'table-csv' }),
    ];
    const plan = await planPack(deps([again], [invoice(57, '2026-08'), ...soracomGone]), parsePeriod('2026-08'));
    expect(plan.documents.map((d) => [d.provider, d.account.name, d.providerId, d.packPath])).toEqual([
      ['Soracom', 'Old fleet', 'bill 202608', 'documents/Soracom/Old fleet/Export_202608.csv'],
      ['Soracom', 'Old fleet', 'bill 202608', 'documents/Soracom/Old fleet/Soracom statement 2026-08.pdf'],
      ['SpatialFlow', 'SpatialFlow (demo)', '73989C12-0057', 'documents/SpatialFlow/SpatialFlow (demo) (2)/Invoice-73989C12-0057.pdf'],
    ]);
    expect(plan.missing.filter((m) => m.includes('has been removed'))).toEqual([
      'Old fleet: this account has been removed, so its 2 saved document(s) of 2026-08 are packed as they were saved, without amounts: Billfold holds none of its bills or invoices to check them against, nor to tell what else the period lacks.',
      'SpatialFlow (demo): this account has been removed, so its 1 saved document(s) of 2026-08 are packed as they were saved, without amounts: Billfold holds none of its bills or invoices to check them against, nor to tell what else the period lacks.',
    ]);
  });
});

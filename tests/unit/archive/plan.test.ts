import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { buildPack, planPack } from '../../../main/archive/pack';
import { parsePeriod } from '../../../main/archive/period';
import { savedFile } from './saved-file';

const account: AccountSummary = { id: 'acc_sf', name: 'Maps', provider: 'spatialflow', baseUrl: 'https://api.example.test', credentialKind: 'password', demo: false, sync: {} };
const file = (fileName: string, extra: Partial<SavedFile>) => savedFile(account, fileName, { kind: 'invoice-pdf', savedAt: '2026-11-02T00:00:00.000Z', ...extra });

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
      // Numbered in code-point order ("ACME" before "Acme"), whatever the machine's language.
      expect(folderOf).toEqual({
        ACME: 'documents/Agilicus/ACME/Agilicus usage statement 2026-09.pdf',
        Acme: 'documents/Agilicus/Acme (2)/Agilicus usage statement 2026-09.pdf',
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

describe('which invoice a PDF belongs to', () => {
  const invoice = (id: string, number: string, month: string, minor: number) => ({
    id,
    number,
    status: 'paid',
    amountDue: { minor, currency: 'USD' },
    amountPaid: { minor, currency: 'USD' },
    periodStart: `${month}-05T00:00:00Z`,
    periodEnd: `${month}-28T00:00:00Z`,
    createdAt: `${month}-05T00:00:00Z`,
    hasPdf: true,
    lines: [{ description: 'Pro plan', quantity: 1, unitAmount: { minor, currency: 'USD' }, amount: { minor, currency: 'USD' } }],
  });
  const synced = {
    list: (_id: string, channel: string) =>
      Promise.resolve(
        channel === 'spatialflow.listInvoices'
          ? [{ args: {}, snapshot: { syncedAt: '2026-11-20T00:00:00.000Z', value: { invoices: [invoice('in_1', 'INV-1', '2026-10', 4900), invoice('in_10', 'INV-10', '2026-11', 9900)], hasMore: false } } }]
          : [],
      ),
  };
  // Read after the quarter has ended, so nothing is missing for want of time.
  const plan = (files: SavedFile[], month: string) =>
    planPack({ listAccounts: () => Promise.resolve([account]), libraryFiles: () => Promise.resolve(files), snapshots: synced as never, now: () => new Date('2027-01-15T00:00:00Z') }, parsePeriod(month));
  const inv10 = file('Invoice-INV-10.pdf', { period: '2026-11', source: { key: 'spatialflow:invoice:in_10', hash: 'h' } });

  it('invoice INV-1 never takes INV-10’s PDF: its own PDF is reported missing', async () => {
    const october = await plan([inv10], '2026-10');
    expect(october.documents).toEqual([]);
    expect(october.missing).toContain('Maps: the PDF of invoice INV-1 is not in the Library.');
    expect(october.checks.map((c) => [c.subject, c.note])).toEqual([['invoice INV-1 against its line items', 'Its PDF is not in the Library.']]);
  });

  it('with both PDFs saved, each invoice is packed once, with its own amount', async () => {
    const inv1 = file('Invoice-INV-1.pdf', { period: '2026-10', source: { key: 'spatialflow:invoice:in_1', hash: 'h' } });
    const quarter = await plan([inv1, inv10], '2026-Q4');
    expect(quarter.documents.map((d) => [d.packPath, d.providerId, d.amount])).toEqual([
      ['documents/SpatialFlow/Maps/Invoice-INV-1.pdf', 'INV-1', '49.00'],
      ['documents/SpatialFlow/Maps/Invoice-INV-10.pdf', 'INV-10', '99.00'],
    ]);
    expect(quarter.missing).toEqual([]);
  });

  it('a PDF without a source key (found in the folder) is matched by the whole invoice number in its name', async () => {
    const found = (fileName: string) => file(fileName, {});
    const october = await plan([found('Invoice-INV-10.pdf'), found('Invoice-INV-1-2.pdf'), found('Invoice-INV-1 (2).pdf')], '2026-10');
    expect(october.documents.map((d) => [d.file.fileName, d.providerId])).toEqual([['Invoice-INV-1 (2).pdf', 'INV-1']]);
    const november = await plan([found('Invoice-INV-10.pdf'), found('Invoice-INV-1.pdf')], '2026-11');
    expect(november.documents.map((d) => [d.file.fileName, d.providerId])).toEqual([['Invoice-INV-10.pdf', 'INV-10']]);
  });
});

describe('the order of a pack', () => {
  it('follows Unicode code points, not the machine’s language: the same index.csv and the same “(2)” everywhere', async () => {
    const names = ['Zeta', 'Ångström', 'acme', 'ACME', 'beta'];
    const accounts: AccountSummary[] = names.map((name, i) => ({ id: `acc_${i}`, name, provider: 'agilicus', baseUrl: 'https://api.example.test', credentialKind: 'token', demo: false, sync: {} }));
    const files = accounts.map((a) => file(`Agilicus usage statement ${a.name} 2026-09.pdf`, { kind: 'statement-pdf', accountId: a.id, accountName: a.name, period: '2026-09' }));
    const { documents } = await planPack({ listAccounts: () => Promise.resolve(accounts), libraryFiles: () => Promise.resolve(files), snapshots: { list: () => Promise.resolve([]) } }, parsePeriod('2026-09'));
    expect(documents.map((d) => d.packPath.split('/')[2])).toEqual(['ACME', 'Zeta', 'acme (2)', 'beta', 'Ångström']);
  });
});

describe('what a pack tells the accountant', () => {
  const soracom: AccountSummary = { id: 'acc_sc', name: 'Soracom Müller & Søn', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };
  async function packWithCsv(formulas: boolean) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-pack-notes-'));
    const csv = path.join(dir, 'library', 'Export_202609.csv');
    await fs.mkdir(path.dirname(csv), { recursive: true });
    await fs.writeFile(csv, 'date,amount\n2026-09-01,=1+2\n');
    const saved: SavedFile = { id: 'f_csv', kind: 'bill-csv', accountId: soracom.id, accountName: soracom.name, fileName: 'Export_202609.csv', path: csv, size: 1, savedAt: '2026-10-02T00:00:00.000Z', period: '2026-09', ...(formulas ? { formulas: true as const } : {}) };
    const outcome = await buildPack({ listAccounts: () => Promise.resolve([soracom]), libraryFiles: () => Promise.resolve([saved]), snapshots: { list: () => Promise.resolve([]) }, root: () => Promise.resolve(dir) }, '2026-09');
    return { dir, outcome };
  }

  it('a provider CSV holding spreadsheet formulas is named in notes.txt and in the result; SHA256SUMS covers notes.txt', async () => {
    const { dir, outcome } = await packWithCsv(true);
    try {
      const note = 'Soracom Müller & Søn: documents/Soracom/Soracom Müller & Søn/Export_202609.csv holds cells a spreadsheet program would run as formulas (=…, +…, @…), as Soracom sent them. Import it as text or read it in a text editor; do not open it with a double-click.';
      expect(outcome.notes).toEqual([note]);
      expect(await fs.readFile(path.join(outcome.dir, 'notes.txt'), 'utf8')).toBe(`${note}\n`);
      expect(await fs.readFile(path.join(outcome.dir, 'SHA256SUMS'), 'utf8')).toMatch(/ {2}notes\.txt\n/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    const plain = await packWithCsv(false);
    try {
      expect(plain.outcome.notes).toEqual([]);
      await expect(fs.stat(path.join(plain.outcome.dir, 'notes.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await fs.rm(plain.dir, { recursive: true, force: true });
    }
  });

  it('index.csv and reconciliation.csv start with a UTF-8 byte-order mark, so Excel reads accented names as written', async () => {
    const { dir, outcome } = await packWithCsv(false);
    try {
      for (const name of ['index.csv', 'reconciliation.csv']) {
        const bytes = await fs.readFile(path.join(outcome.dir, name));
        expect([...bytes.subarray(0, 3)], name).toEqual([0xef, 0xbb, 0xbf]);
      }
      const index = await fs.readFile(path.join(outcome.dir, 'index.csv'));
      expect(new TextDecoder('utf-8').decode(index)).toContain('Soracom,Soracom Müller & Søn,Bill export CSV,bill 202609,2026-09,');
      expect(createHash('sha256').update(index).digest('hex')).toBe(outcome.indexSha256);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

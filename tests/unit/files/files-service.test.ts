import fs from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilesSettings, LibraryList, SavedFile } from '../../../contract/models/files';
import type { SoracomExportResult } from '../../../contract/models/soracom';
import type { SpatialFlowInvoiceDownload, SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { manifestName } from '../../../main/files/library-index';
import { startSpatialFlowSandbox, type SpatialFlowSandbox } from '../../../main/sandbox/spatialflow';
import { mainServices, pdfText } from './helpers';

let s: Awaited<ReturnType<typeof mainServices>>;
beforeAll(async () => {
  s = await mainServices();
}, 60_000);
afterAll(() => s.close());

const list = (args: Record<string, unknown> = {}) => s.call<LibraryList>('library.list', args);
const folderOf = (accountName: string) => path.join(s.platform.documentsDir, 'Billfold', accountName);

describe('invoice PDFs', () => {
  it('are saved in the account folder under the provider’s name; the same invoice again is the file already saved', async () => {
    const page = await s.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: s.ids.spatialflow });
    const invoice = page.invoices.find((i) => i.hasPdf)!;
    const first = await s.call<SavedFile>('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId: invoice.id, taskId: 'inv-1' });
    const second = await s.call<SavedFile>('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId: invoice.id });
    // The Library's Period column shows the invoice's billing period, not its number again.
    expect(first).toMatchObject({ kind: 'invoice-pdf', accountName: 'SpatialFlow (demo)', fileName: `Invoice-${invoice.number}.pdf`, period: invoice.periodStart.slice(0, 7) });
    // Byte for byte the same document: nothing new is written (other names never overwrite either: write.test.ts).
    expect(second).toMatchObject({ id: first.id, path: first.path, alreadySaved: true });
    expect((await fs.readdir(path.dirname(first.path))).filter((n) => n.startsWith(`Invoice-${invoice.number}`))).toEqual([`Invoice-${invoice.number}.pdf`]);
    expect(path.dirname(first.path)).toBe(folderOf('SpatialFlow (demo)'));
    const bytes = await fs.readFile(first.path);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(first.size).toBe(bytes.byteLength);
    expect(await pdfText(first.path)).toContain(invoice.number);
    const progress = s.events.filter((e) => e.event === 'task.progress' && (e.payload as { taskId: string }).taskId === 'inv-1');
    expect(progress.at(-1)?.payload).toMatchObject({ state: 'done' });
  });

  it('an HTML page served instead of the PDF is refused and nothing is saved', async () => {
    const sandbox: SpatialFlowSandbox = await startSpatialFlowSandbox({ seed: 7 });
    try {
      const hostile = await s.services.accounts.add({ provider: 'spatialflow', name: 'Hostile host', baseUrl: sandbox.apiUrl, credentials: sandbox.credentials });
      const page = await s.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: hostile.id });
      const invoice = page.invoices.find((i) => i.hasPdf)!;
      const link = await s.call<SpatialFlowInvoiceDownload>('spatialflow.downloadInvoice', { accountId: hostile.id, invoiceId: invoice.id });
      sandbox.files.put(new URL(link.url).pathname, { body: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', contentType: 'application/pdf', fileName: 'invoice.pdf' });
      await expect(s.call('files.saveInvoicePdf', { accountId: hostile.id, invoiceId: invoice.id })).rejects.toMatchObject({ code: 'invalid_response', message: expect.stringMatching(/not a PDF/) });
      const folder = await fs.readdir(folderOf('Hostile host')).catch(() => []);
      expect(folder.filter((f) => !f.startsWith('.'))).toEqual([]);
      expect((await list({ accountId: hostile.id })).files).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('a running download can be cancelled: nothing is saved and the task says so', async () => {
    const servers = await s.demo.servers();
    servers.spatialflow.setFaults([{ kind: 'latency', latencyMs: 1500, times: 1 }]);
    const page = await s.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: s.ids.spatialflow });
    servers.spatialflow.setFaults([{ kind: 'latency', latencyMs: 1500, times: 1 }]);
    const before = (await list({ accountId: s.ids.spatialflow })).files.length;
    const saving = s.call('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId: page.invoices[1]!.id, taskId: 'slow-1' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await s.call('files.cancel', { taskId: 'slow-1' })).toEqual({ cancelled: true });
    await expect(saving).rejects.toMatchObject({ code: 'cancelled' });
    expect((await list({ accountId: s.ids.spatialflow })).files).toHaveLength(before);
    const last = s.events.filter((e) => e.event === 'task.progress' && (e.payload as { taskId: string }).taskId === 'slow-1').at(-1);
    expect(last?.payload).toMatchObject({ state: 'cancelled' });
    expect(await s.call('files.cancel', { taskId: 'slow-1' })).toEqual({ cancelled: false });
    servers.spatialflow.clearFaults();
  });
});

describe('a Cancel sent before the save is running', () => {
  it('the statement save it names ends cancelled, and nothing is saved', async () => {
    const yyyyMM = monthsAgo(2);
    const before = (await list({ accountId: s.ids.soracom })).files.length;
    // Sent in the same moment as the save: the main process is still reading the account, so the
    // task is not registered yet when the cancel arrives.
    const saving = s.call('files.saveSoracomStatement', { accountId: s.ids.soracom, yyyyMM, taskId: 'early-statement-1' });
    saving.catch(() => undefined);
    expect(await s.call('files.cancel', { taskId: 'early-statement-1' })).toEqual({ cancelled: false });
    await expect(saving).rejects.toMatchObject({ code: 'cancelled' });
    const progress = s.events.filter((e) => e.event === 'task.progress' && (e.payload as { taskId: string }).taskId === 'early-statement-1');
    expect(progress.at(-1)?.payload).toMatchObject({ state: 'cancelled' });
    expect((await list({ accountId: s.ids.soracom })).files).toHaveLength(before);
  }, 60_000);
});

describe('invoice ids', () => {
  it('must be SpatialFlow invoice ids (in_…), as for the spatialflow channels', async () => {
    for (const invoiceId of ['x', '../../etc/passwd', 'pm_123', 'in_', 'in_a/b', 'in_1 2']) {
      await expect(s.call('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId }), invoiceId).rejects.toMatchObject({ code: 'invalid_args' });
    }
  });
});

describe('Soracom exports', () => {
  it('the downloaded CSV is saved as it came, and reads back row for row', async () => {
    const result = await s.call<SoracomExportResult>('soracom.exportBilling', { accountId: s.ids.soracom, yyyyMM: monthsAgo(2) });
    const saved = await s.call<SavedFile>('files.saveSoracomExport', { accountId: s.ids.soracom, exportedFileId: result.exportedFileId });
    expect(saved).toMatchObject({ kind: 'bill-csv', period: `${monthsAgo(2).slice(0, 4)}-${monthsAgo(2).slice(4)}`, size: result.byteLength });
    const parsed = Papa.parse<string[]>(await fs.readFile(saved.path, 'utf8'), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.length - 1).toBe(result.rows);
  }, 60_000);

  it('another account cannot save it, and an unknown export is not found', async () => {
    const result = await s.call<SoracomExportResult>('soracom.exportLatestBilling', { accountId: s.ids.soracom });
    await expect(s.call('files.saveSoracomExport', { accountId: s.ids.spatialflow, exportedFileId: result.exportedFileId })).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.call('files.saveSoracomExport', { accountId: s.ids.soracom, exportedFileId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  }, 60_000);
});

describe('tables as CSV', () => {
  it('round-trips through papaparse: UTF-8 with BOM, quotes, commas, line breaks, Japanese, numbers', async () => {
    const columns = ['Date', 'Description', 'Amount'];
    const rows = [
      ['2024-05-01', 'Plan "Pro", monthly', 1234.5],
      ['2024-05-02', '東京の請求書\nsecond line', -12],
      ['2024-05-03', null, '-7.25'],
    ];
    const saved = await s.call<SavedFile>('files.saveTableCsv', { accountId: s.ids.soracom, title: 'Daily charges', columns, rows });
    expect(saved).toMatchObject({ kind: 'table-csv', accountName: 'Soracom (demo)' });
    expect(saved.fileName).toMatch(/^Daily charges \d{4}-\d{2}-\d{2}\.csv$/);
    const bytes = await fs.readFile(saved.path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const parsed = Papa.parse<string[]>(bytes.toString('utf8').replace(/^\uFEFF/, ''), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data).toEqual([columns, ['2024-05-01', 'Plan "Pro", monthly', '1234.5'], ['2024-05-02', '東京の請求書\nsecond line', '-12'], ['2024-05-03', '', '-7.25']]);
  });

  it('cells a spreadsheet would run as formulas are defused; tables of no account go to “All accounts”', async () => {
    const saved = await s.call<SavedFile>('files.saveTableCsv', { title: 'Overview', columns: ['Name', 'Note'], rows: [['=HYPERLINK("http://x")', '@SUM(A1)'], ['+1 555', '-cmd']] });
    expect(path.dirname(saved.path)).toBe(folderOf('All accounts'));
    expect(saved.accountId).toBeUndefined();
    const parsed = Papa.parse<string[]>((await fs.readFile(saved.path, 'utf8')).replace(/^\uFEFF/, ''), { skipEmptyLines: true });
    expect(parsed.data.slice(1)).toEqual([["'=HYPERLINK(\"http://x\")", "'@SUM(A1)"], ["'+1 555", "'-cmd"]]);
  });

  it('refuses oversized tables before doing anything', async () => {
    await expect(s.call('files.saveTableCsv', { title: 'x', columns: Array.from({ length: 65 }, (_, i) => `c${i}`), rows: [] })).rejects.toMatchObject({ code: 'invalid_args' });
    await expect(s.call('files.saveTableCsv', { title: 'x', columns: ['a'], rows: [['x'.repeat(2001)]] })).rejects.toMatchObject({ code: 'invalid_args' });
  });
});

describe('the library', () => {
  it('lists every saved file across accounts, newest first, and filters by text, account and kind', async () => {
    const all = await list();
    expect(all.total).toBe(all.files.length);
    expect(new Set(all.files.map((f) => f.accountName))).toEqual(new Set(['SpatialFlow (demo)', 'Soracom (demo)', undefined]));
    const times = all.files.map((f) => f.savedAt);
    expect([...times].sort().reverse()).toEqual(times);
    // One invoice PDF (saving it again answered with the same file) and, for Soracom, the bill export and the daily table.
    const pdfs = (await list({ kind: 'invoice-pdf' })).files;
    expect(pdfs.map((f) => f.fileName)).toEqual([expect.stringMatching(/^Invoice-\S+\.pdf$/)]);
    expect(pdfs.every((f) => f.kind === 'invoice-pdf')).toBe(true);
    expect(pdfs).toEqual(all.files.filter((f) => f.kind === 'invoice-pdf'));
    const soracom = (await list({ accountId: s.ids.soracom })).files;
    expect(soracom.map((f) => f.kind).sort()).toEqual(['bill-csv', 'table-csv']);
    expect(soracom.every((f) => f.accountId === s.ids.soracom)).toBe(true);
    expect(soracom).toEqual(all.files.filter((f) => f.accountId === s.ids.soracom));
    expect((await list({ query: 'daily SORACOM' })).files.map((f) => f.fileName)).toEqual([expect.stringMatching(/^Daily charges/)]);
    expect((await list({ query: 'no such file anywhere' })).files).toEqual([]);
  });

  it('opens and reveals files by id only, and deletes them from disk', async () => {
    const [file] = (await list({ kind: 'table-csv', accountId: s.ids.soracom })).files;
    await s.call('library.open', { id: file!.id });
    await s.call('library.showInFolder', { id: file!.id });
    expect(s.shell.slice(-2)).toEqual([
      { action: 'openPath', path: file!.path },
      { action: 'showItemInFolder', path: file!.path },
    ]);
    await expect(s.call('library.open', { id: '../../etc/passwd' })).rejects.toMatchObject({ code: 'invalid_args' });
    await s.call('library.delete', { id: file!.id });
    await expect(fs.stat(file!.path)).rejects.toThrow();
    expect((await list()).files.find((f) => f.id === file!.id)).toBeUndefined();
    await expect(s.call('library.open', { id: file!.id })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a file deleted outside Billfold drops out of the list', async () => {
    const [file] = (await list({ kind: 'invoice-pdf' })).files;
    await fs.rm(file!.path);
    expect((await list()).files.find((f) => f.id === file!.id)).toBeUndefined();
  });

  it('a lost or damaged index is rebuilt from the folders, with the same ids, kinds and periods', async () => {
    const before = (await list()).files;
    const indexFile = path.join(s.platform.userDataDir, 'library.json');
    await fs.writeFile(indexFile, '{"version":1,"files":[{"id":');
    // A new run of the app: the index is read afresh.
    const again = await mainServices();
    try {
      await fs.mkdir(again.platform.userDataDir, { recursive: true });
      await fs.writeFile(path.join(again.platform.userDataDir, 'library.json'), 'not json');
      await fs.cp(path.join(s.platform.documentsDir, 'Billfold'), path.join(again.platform.documentsDir, 'Billfold'), { recursive: true });
      const rebuilt = await again.call<LibraryList>('library.list', {});
      const strip = (f: SavedFile) => ({ kind: f.kind, period: f.period, fileName: f.fileName, accountName: f.accountName, size: f.size, savedAt: f.savedAt });
      expect(rebuilt.files.map(strip)).toEqual(before.map(strip));
      expect(again.events.some((e) => e.event === 'app.notice' && /library index could not be read/.test((e.payload as { message: string }).message))).toBe(true);
    } finally {
      await again.close();
    }
    await fs.rm(indexFile);
    expect((await s.call<{ files: number }>('library.rebuild', {})).files).toBe(before.length);
    expect((await list()).files.map((f) => f.id)).toEqual(before.map((f) => f.id));
  }, 60_000);
});

describe('the downloads folder setting', () => {
  it('defaults to Documents/Billfold, can be changed (or the change cancelled) and reset', async () => {
    const settings = await s.call<FilesSettings>('settings.get', {});
    expect(settings).toEqual({ downloadsFolder: path.join(s.platform.documentsDir, 'Billfold'), defaultDownloadsFolder: path.join(s.platform.documentsDir, 'Billfold'), isDefault: true });
    s.folderAnswers.push(undefined);
    expect(await s.call('settings.chooseDownloadsFolder', {})).toEqual(settings);
    const elsewhere = path.join(s.dir, 'Elsewhere', 'Bills');
    s.folderAnswers.push(elsewhere);
    expect(await s.call('settings.chooseDownloadsFolder', {})).toMatchObject({ downloadsFolder: elsewhere, isDefault: false });
    const saved = await s.call<SavedFile>('files.saveTableCsv', { accountId: s.ids.agilicus, title: 'Usage', columns: ['a'], rows: [[1]] });
    expect(saved.path).toBe(path.join(elsewhere, 'Agilicus (demo)', saved.fileName));
    expect((await s.call<FilesSettings>('settings.resetDownloadsFolder', {})).isDefault).toBe(true);
  });
});

describe('removing an account', () => {
  it('keeps its files unless asked, and deletes them when asked', async () => {
    const kept = await s.call<SavedFile>('files.saveTableCsv', { accountId: s.ids.agilicus, title: 'Kept', columns: ['a'], rows: [[1]] });
    const other = await s.call<SavedFile>('files.saveTableCsv', { accountId: s.ids.soracom, title: 'Other', columns: ['a'], rows: [[1]] });
    await s.call('accounts.remove', { id: s.ids.agilicus });
    expect((await fs.stat(kept.path)).isFile()).toBe(true);

    const doomed = await s.call<SavedFile>('files.saveTableCsv', { accountId: s.ids.soracom, title: 'Doomed', columns: ['a'], rows: [[1]] });
    const soracomFiles = (await list({ accountId: s.ids.soracom })).files;
    expect(soracomFiles.map((f) => f.id)).toContain(doomed.id);
    await s.call('accounts.remove', { id: s.ids.soracom, deleteFiles: true });
    for (const f of [doomed, other]) await expect(fs.stat(f.path)).rejects.toThrow();
    expect((await list({ accountId: s.ids.soracom })).files).toEqual([]);
    expect((await list()).files.map((f) => f.id)).toContain(kept.id);
  }, 30_000);
});

describe('renaming an account', () => {
  it('its saved files keep the new name after the account is removed, also after a rebuild of the library', async () => {
    const m = await mainServices();
    try {
      const saved = await m.call<SavedFile>('files.saveTableCsv', { accountId: m.ids.soracom, title: 'Usage', columns: ['a'], rows: [[1]] });
      await m.call('accounts.update', { id: m.ids.soracom, name: 'Fleet backup' });
      const manifest = path.join(path.dirname(saved.path), manifestName);
      expect(JSON.parse(await fs.readFile(manifest, 'utf8'))).toMatchObject({ accountId: m.ids.soracom, accountName: 'Fleet backup' });
      await m.call('accounts.remove', { id: m.ids.soracom });
      const nameOf = async () => (await m.call<LibraryList>('library.list', {})).files.find((f) => f.id === saved.id)?.accountName;
      expect(await nameOf()).toBe('Fleet backup');
      await m.call('library.rebuild', {});
      expect(await nameOf()).toBe('Fleet backup');
    } finally {
      await m.close();
    }
  }, 30_000);
});

describe('saving the same document again', () => {
  let t: Awaited<ReturnType<typeof mainServices>>;
  beforeAll(async () => {
    t = await mainServices();
  }, 60_000);
  afterAll(() => t.close());
  const folder = () => path.join(t.platform.documentsDir, 'Billfold', 'Soracom (demo)');
  const numbered = async () => (await fs.readdir(folder())).filter((n) => / \(\d+\)\.[a-z]+$/.test(n));

  it('an export of the month so far that did not change is the file already saved; one that changed is kept as a new version that says so', async () => {
    const exportLatest = () => t.call<SoracomExportResult>('soracom.exportLatestBilling', { accountId: t.ids.soracom });
    const first = await t.call<SavedFile>('files.saveSoracomExport', { accountId: t.ids.soracom, exportedFileId: (await exportLatest()).exportedFileId });
    expect(first.alreadySaved).toBeUndefined();
    const again = await t.call<SavedFile>('files.saveSoracomExport', { accountId: t.ids.soracom, exportedFileId: (await exportLatest()).exportedFileId });
    expect(again).toMatchObject({ id: first.id, path: first.path, alreadySaved: true });
    expect(await numbered()).toEqual([]);

    // Later in the month Soracom sends more rows: what it sent is changed here, in the held export.
    const changed = await exportLatest();
    const held = path.join(t.platform.userDataDir, 'exports');
    const files = await Promise.all((await fs.readdir(held)).map(async (n) => ({ n, at: (await fs.stat(path.join(held, n))).mtimeMs })));
    const newest = path.join(held, files.sort((a, b) => b.at - a.at)[0]!.n);
    const text = await fs.readFile(newest, 'utf8');
    await fs.writeFile(newest, `${text.trimEnd()}\n${text.trimEnd().split('\n').at(-1)!}\n`);
    const version = await t.call<SavedFile>('files.saveSoracomExport', { accountId: t.ids.soracom, exportedFileId: changed.exportedFileId });
    expect(version.alreadySaved).toBeUndefined();
    expect(version.path).not.toBe(first.path);
    expect(version.period).toBe(first.period);
    expect(version.fileName).toMatch(/ so far \d{4}-\d{2}-\d{2} \d{2}\.\d{2} UTC\.csv$/);
    expect(version.fileName.startsWith(first.fileName.replace(/\.csv$/, ''))).toBe(true);
    expect(await numbered()).toEqual([]);
    expect((await t.call<LibraryList>('library.list', { kind: 'bill-csv' })).files.map((f) => f.id).sort()).toEqual([first.id, version.id].sort());
  }, 60_000);

  it('a statement made again from the same data is the file already saved, although its PDF carries a new date', async () => {
    const yyyyMM = monthsAgo(3);
    const first = await t.call<SavedFile>('files.saveSoracomStatement', { accountId: t.ids.soracom, yyyyMM });
    // Made in another second: the PDF's creation date differs.
    await new Promise((r) => setTimeout(r, 1100));
    const again = await t.call<SavedFile>('files.saveSoracomStatement', { accountId: t.ids.soracom, yyyyMM });
    expect(again).toMatchObject({ id: first.id, path: first.path, alreadySaved: true });
    expect(await numbered()).toEqual([]);
  }, 60_000);
});

function monthsAgo(n: number): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - n);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

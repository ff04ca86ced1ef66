/**
 * The multi-file review's SIM table saved as CSV by the main process: every SIM and every month,
 * past the limits of a table the window sends (64 columns, 50,000 rows), written a chunk at a
 * time into the Library like any saved table, with formula-like cells marked, and equal to an
 * independent reading of the exports (papaparse and BigInt sums).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { tableCsvLimits } from '../../../contract/channels/files';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { tableCsvChunks } from '../../../main/files/csv';
import { createLibraryIndex } from '../../../main/files/library-index';
import { createSettingsStore } from '../../../main/files/settings';
import { inlineRunner } from '../../../main/review/threads';
import { createFilesService } from '../../../main/services/files';
import { createReviewSetService } from '../../../main/services/review-set';
import { createDownloadedExports } from '../../../main/services/soracom';
import { scaled } from './independent';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-set-csv-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const ctx = { events: { emit: () => undefined } };
const fleet: AccountSummary = { id: 'acc-1', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };

/** More months than the old column limit allows (with the id, two tag/group columns and three more), spread over two files. */
const monthCount = 62;
/** More SIMs than the old row limit. */
const simCount = tableCsvLimits.rows + 700;
const months = Array.from({ length: monthCount }, (_, i) => {
  const d = new Date(Date.UTC(2020, i, 1));
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
});

/** Each SIM has rows in two months; a few carry tag/group values a spreadsheet would run as formulas. */
function exportsOf(): { name: string; text: string }[] {
  const header = 'imsi,date,billItemName,amount,tag:name,group\r\n';
  const parts = [header, header];
  for (let i = 0; i < simCount; i++) {
    const imsi = `44010${String(i).padStart(10, '0')}`;
    const tag = i % 997 === 0 ? '=1+2' : `meter ${i % 13}`;
    const group = i % 1009 === 0 ? '@SUM(A1)' : i % 5 === 0 ? '-east' : `g${i % 7}`;
    for (const m of [i % monthCount, (i * 7 + 3) % monthCount]) {
      const amount = `${(i % 50) - 10}.${String((i * 37) % 1000).padStart(3, '0')}`;
      parts[m < monthCount / 2 ? 0 : 1] += `${imsi},${months[m]}${String(1 + (i % 28)).padStart(2, '0')},Data,${amount},${tag},${group}\r\n`;
    }
  }
  return [
    { name: 'first half.csv', text: parts[0] ?? '' },
    { name: 'second half.csv', text: parts[1] ?? '' },
  ];
}

/** Per SIM: amount per month (BigInt at 10^-9), its tag and group. */
function independent(files: { text: string }[]) {
  const sims = new Map<string, { amounts: bigint[]; tag: string; group: string }>();
  for (const f of files) {
    const [head = [], ...rows] = Papa.parse<string[]>(f.text, { skipEmptyLines: true }).data;
    const col = (n: string) => head.indexOf(n);
    for (const r of rows) {
      const imsi = r[col('imsi')] ?? '';
      let s = sims.get(imsi);
      if (!s) sims.set(imsi, (s = { amounts: months.map(() => 0n), tag: r[col('tag:name')] ?? '', group: r[col('group')] ?? '' }));
      const m = months.indexOf((r[col('date')] ?? '').slice(0, 6));
      s.amounts[m] = (s.amounts[m] ?? 0n) + scaled(r[col('amount')] ?? '');
    }
  }
  return sims;
}

const decimal = (v: bigint) => {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(10, '0');
  const frac = digits.slice(-9).replace(/0+$/, '');
  const text = `${digits.slice(0, -9)}${frac ? `.${frac}` : ''}`;
  return text === '0' ? '0' : `${negative ? '-' : ''}${text}`;
};
/** What a spreadsheet-safe CSV holds for a cell: an apostrophe before =, +, -, @, tab or CR at the start, except in a signed number. */
const marked = (v: string) => (/^[=+\-@\t\r]/.test(v) && !/^[+-][\d.,]*$/.test(v) ? `'${v}` : v);

describe('the SIM table of a review set as CSV', () => {
  it('writes the same bytes however many rows a chunk holds, every cell read back as written, formulas marked', async () => {
    const columns = ['a', '=b', 'c'];
    const rows = [
      ['=cmd|x', '-12.50', 'plain, with comma'],
      ['@x', '+81', 'line\nbreak'],
      [null, 3, true],
    ];
    const csv = async (chunkRows: number) => {
      const chunks: Uint8Array[] = [];
      for await (const c of tableCsvChunks(columns, rows, chunkRows)) chunks.push(c);
      return { chunks: chunks.length, bytes: Buffer.concat(chunks) };
    };
    const [pieces, whole] = [await csv(2), await csv(100)];
    expect([pieces.chunks, whole.chunks]).toEqual([3, 2]);
    expect(pieces.bytes).toEqual(whole.bytes);
    const text = whole.bytes.toString('utf8');
    expect(text.startsWith('\uFEFF') && text.endsWith('\r\n')).toBe(true);
    const back = Papa.parse<string[]>(text.slice(1, -2), { newline: '\r\n' }).data;
    expect(back).toEqual([columns, ...rows].map((r) => r.map((c) => marked(c === null ? '' : String(c)))));
  });

  it('holds every SIM and every month past the old limits, saved in the Library, equal to the independent sums', { timeout: 180_000 }, async () => {
    const files = exportsOf();
    const userData = path.join(tmp, 'user-data');
    const documents = path.join(tmp, 'Documents');
    fs.mkdirSync(documents, { recursive: true });
    const settings = createSettingsStore(userData, documents);
    const library = createLibraryIndex(userData, { downloadsRoot: async () => (await settings.get()).downloadsFolder });
    const accounts = { list: () => Promise.resolve({ accounts: [fleet], keychain: { available: true as const }, notices: [] }), client: () => Promise.reject(new Error('unused')) };
    const filesService = createFilesService({ platform: { chooseFolder: () => Promise.resolve(undefined) }, accounts, library, settings, soracomExports: createDownloadedExports() });
    const saved: SavedFile[] = [];
    for (const [i, f] of files.entries()) {
      const p = path.join(tmp, f.name);
      fs.writeFileSync(p, f.text);
      saved.push({ id: `file-${i}`, kind: 'bill-csv', accountId: fleet.id, accountName: fleet.name, fileName: f.name, path: p, size: fs.statSync(p).size, savedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() });
    }
    const progress: { label: string; state: string }[] = [];
    const set = createReviewSetService({
      platform: { chooseFile: () => Promise.resolve(undefined) },
      events: { emit: (event, payload) => void (event === 'task.progress' && progress.push(payload as (typeof progress)[number])) },
      library: { all: () => Promise.resolve(saved), get: (id) => Promise.resolve(saved.find((f) => f.id === id) as SavedFile) },
      dropped: { pathOf: () => '' },
      call: (channel, args) =>
        Promise.resolve(channel === 'soracom.getBilling' ? { ok: true, value: { yearMonth: args['yyyyMM'], amount: { minor: 1, currency: 'JPY' } } } : { ok: false, error: { code: 'network', message: 'unreachable' } }),
      listAccounts: accounts.list,
      snapshots: { get: () => Promise.resolve(undefined) },
      saveTableCsv: filesService.saveTableCsv,
      runner: inlineRunner,
      workers: 1,
    });
    const opened = await set.handlers['reviewSet.openAccount']({ accountId: fleet.id }, ctx);
    const summary = await set.handlers['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(summary.months).toEqual(months);
    expect(summary.devices).toBe(simCount);

    const file = await set.handlers['reviewSet.saveCsv']({ setId: opened.setId, table: 'devices', taskId: 'save-sims' }, { events: { emit: (e, p) => void (e === 'task.progress' && progress.push(p as (typeof progress)[number])) } });
    // Saved like any table: in the account's folder, in the Library.
    expect(file).toMatchObject({ kind: 'table-csv', accountId: fleet.id });
    expect(file.fileName).toMatch(/^Cost per SIM and month \d{4}-\d{2}-\d{2}\.csv$/);
    expect((await library.all()).map((f) => f.id)).toContain(file.id);
    expect(progress.filter((p) => p.label.startsWith('Cost per SIM and month')).at(-1)?.state).toBe('done');

    const text = fs.readFileSync(file.path, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [head = [], ...rows] = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true }).data;
    const iso = (m: string) => `${m.slice(0, 4)}-${m.slice(4)}`;
    const last = months.at(-1) ?? '';
    const before = months.at(-2) ?? '';
    expect(head).toEqual(['imsi', 'tag:name', 'group', ...months.map((m) => `${iso(m)} (JPY)`), 'Total (JPY)', `Amount ${iso(last)} (JPY)`, `Change ${iso(before)} to ${iso(last)} (JPY)`]);
    expect(head.length).toBeGreaterThan(tableCsvLimits.columns);
    expect(rows.length).toBe(simCount);
    expect(rows.length).toBeGreaterThan(tableCsvLimits.rows);

    const expected = independent(files);
    const totals: bigint[] = [];
    for (const r of rows) {
      const e = expected.get(r[0] ?? '');
      expect(e, r[0]).toBeDefined();
      if (!e) continue;
      const total = e.amounts.reduce((a, b) => a + b, 0n);
      const want = [r[0], marked(e.tag), marked(e.group), ...e.amounts.map(decimal), decimal(total), decimal(e.amounts.at(-1) ?? 0n), decimal((e.amounts.at(-1) ?? 0n) - (e.amounts.at(-2) ?? 0n))];
      if (r.join('\u0001') !== want.join('\u0001')) expect(r).toEqual(want);
      totals.push(total);
    }
    expect(new Set(rows.map((r) => r[0])).size).toBe(simCount);
    // In the list's order: largest total first.
    expect(totals.every((t, i) => i === 0 || (totals[i - 1] ?? 0n) >= t)).toBe(true);
    // Formula-like cells carry the mark; signed amounts stay numbers.
    expect(rows.some((r) => r[1] === "'=1+2")).toBe(true);
    expect(rows.some((r) => r[2] === "'@SUM(A1)")).toBe(true);
    expect(rows.some((r) => r[2] === "'-east")).toBe(true);
    expect(rows.some((r) => r.slice(3).some((c) => c.startsWith('-') && !c.startsWith("'")))).toBe(true);
    set.close();
  });
});

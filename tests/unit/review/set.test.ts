/**
 * Several exports in one review: totals by month from the rows' dates, a month split across two
 * files, the same file twice, a repeated month, and What changed, all against an independent
 * reading (papaparse and BigInt sums, independent.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { isOpenMonth, type ReviewSetDevice, type ReviewSetSummary } from '../../../contract/models/review-set';
import { AppError } from '../../../main/http/errors';
import { inlineRunner, type RunnerFactory } from '../../../main/review/threads';
import type { EventSink } from '../../../main/router/types';
import { createReviewSetService } from '../../../main/services/review-set';
import { snapshotKey } from '../../../main/snapshots/store';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';
import { formatSet } from '../../../main/services/review-set-model';
import { independentSummary, scaled } from './independent';
import Papa from 'papaparse';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-set-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const header = 'imsi,date,billItemName,amount,tag:name,group\r\n';
/** The first half of May 2024 is quirks.csv (days 1-5, and one row of 29 February). */
const quirks = fs.readFileSync(path.resolve('tests/fixtures/review/quirks.csv'));
/** The rest of May 2024: Japanese item names, quoted fields, a malformed row. */
const mayRest =
  header +
  '440103000000007,20240516,"データ通信料 (plan-D, アップロード)",1.5,"Vending machine\r\nBldg 2","Vending machines, Kanto"\r\n' +
  '440103000000007,20240520,基本料金,10,"Vending machine\r\nBldg 2","Vending machines, Kanto"\r\n' +
  '440103000000099,20240531,"SMS 送信料 ""MO""",3.25,新しいセンサー,"Field test ""phase 3"""\r\n' +
  '440103000000099,20240531,基本料金,oops,新しいセンサー,x\r\n' +
  ',20240531,"Free tier, 1 GB",-0.125,,\r\n';
/** June 2024, from the sandbox's generator, whole. */
const june = generateDetailedCsv({ yyyyMM: '202406', seed: 5, sims: 8, currency: 'JPY' });
/** Another export of June with the same days: a repeat, not added. */
const juneAgain = generateDetailedCsv({ yyyyMM: '202406', seed: 6, sims: 8, currency: 'JPY' });
/** July 2024. */
const july = generateDetailedCsv({ yyyyMM: '202407', seed: 7, sims: 9, currency: 'JPY' });

const files: { name: string; bytes: Buffer }[] = [
  { name: 'billing-2024-05 part 1.csv', bytes: quirks },
  { name: 'billing-2024-05 part 2.csv', bytes: Buffer.from(mayRest) },
  { name: 'billing-2024-06.csv', bytes: Buffer.from(june) },
  { name: 'billing-2024-06 (1).csv', bytes: Buffer.from(june) },
  { name: 'billing-2024-06 again.csv', bytes: Buffer.from(juneAgain) },
  { name: 'billing-2024-07.csv', bytes: Buffer.from(july) },
];
const library: SavedFile[] = files.map((f, i) => {
  const p = path.join(tmp, f.name);
  fs.writeFileSync(p, f.bytes);
  return { id: `file-${i}`, kind: 'bill-csv', accountId: 'acc-1', accountName: 'Fleet', fileName: f.name, path: p, size: f.bytes.length, savedAt: new Date(Date.UTC(2024, 7, 1, 0, 0, i)).toISOString() };
});

/** The combined tables, computed independently: one file after another, skipping byte-identical files and months whose days another file already holds. */
function independentSet(list: { name: string; bytes: Buffer }[]) {
  const seen: Buffer[] = [];
  const taken = new Map<string, Set<string>>();
  const total = new Map<string, bigint>();
  const byItem = new Map<string, bigint>();
  const byDevice = new Map<string, bigint>();
  const byGroup = new Map<string, bigint>();
  const byTag = new Map<string, bigint>();
  const add = (map: Map<string, bigint>, key: string, v: bigint) => map.set(key, (map.get(key) ?? 0n) + v);
  const repeated: string[] = [];
  for (const f of list) {
    if (seen.some((b) => b.equals(f.bytes))) continue;
    seen.push(f.bytes);
    const e = independentSummary(f.bytes, []);
    const col = (name: string) => e.header.indexOf(name);
    const days = new Map<string, Set<string>>();
    for (const r of e.rows) {
      const d = r.cells[col('date')] as string;
      const m = d.slice(0, 6);
      if (!days.has(m)) days.set(m, new Set());
      days.get(m)?.add(d);
    }
    const used = new Set<string>();
    for (const [m, ds] of days) {
      const t = taken.get(m) ?? new Set<string>();
      if ([...ds].some((d) => t.has(d))) {
        repeated.push(`${f.name}:${m}`);
        continue;
      }
      used.add(m);
      for (const d of ds) t.add(d);
      taken.set(m, t);
    }
    for (const r of e.rows) {
      const c = r.cells;
      const m = (c[col('date')] as string).slice(0, 6);
      if (!used.has(m)) continue;
      const v = scaled(c[col('amount')] as string);
      add(total, m, v);
      add(byItem, `${m} ${c[col('billItemName')]}`, v);
      add(byDevice, `${m} ${c[col('imsi')] ?? ''}`, v);
      add(byGroup, `${m} ${col('group') >= 0 ? c[col('group')] : ''}`, v);
      add(byTag, `${m} ${col('tag:name') >= 0 ? c[col('tag:name')] : ''}`, v);
    }
  }
  return { total, byItem, byDevice, byGroup, byTag, repeated };
}

const fleet: AccountSummary = { id: 'acc-1', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };

/** A Soracom bill of a month in a currency (the amount does not matter here). */
const billIn = (yyyyMM: string, currency: string, state = 'closed') => ({ yearMonth: yyyyMM, amount: { minor: 1000, currency }, state });

interface ServiceOptions {
  /** Live bills by month (their currency); a month without one fails as unreachable. */
  bills?: Record<string, string>;
  /** Offline bills by month (their currency), for months whose live bill fails. */
  offline?: Record<string, string>;
  /** Months whose bill (live or offline) is still `temporary`. */
  open?: string[];
  /** Dropped files: id → path. */
  dropped?: Record<string, string>;
  runner?: RunnerFactory;
}

function service(opts: ServiceOptions = {}) {
  const progress: { label: string; state: string; done: number; total?: number }[] = [];
  const events: EventSink = { emit: (event, payload) => void (event === 'task.progress' && progress.push(payload as (typeof progress)[number])) };
  const calls: [string, Record<string, unknown>][] = [];
  const saved: { title: string; accountId?: string | undefined; path: string }[] = [];
  const set = createReviewSetService({
    listAccounts: () => Promise.resolve({ accounts: [fleet], keychain: { available: true }, notices: [] }),
    snapshots: {
      get: (accountId, key) => {
        const month = Object.keys(opts.offline ?? {}).find((m) => key === snapshotKey('soracom.getBilling', { accountId, yyyyMM: m })) ?? '';
        const currency = opts.offline?.[month];
        return Promise.resolve(accountId === 'acc-1' && currency ? { value: billIn(month, currency, opts.open?.includes(month) ? 'temporary' : 'closed'), syncedAt: '2024-08-01T00:00:00.000Z' } : undefined);
      },
    },
    saveTableCsv: async (_ctx, table) => {
      const p = path.join(tmp, `saved-${saved.length}.csv`);
      const out = fs.createWriteStream(p);
      for await (const chunk of table.chunks) out.write(chunk);
      await new Promise((resolve) => out.end(resolve));
      saved.push({ title: table.title, accountId: table.accountId, path: p });
      return { id: `table-${saved.length}`, kind: 'table-csv', fileName: path.basename(p), path: p, size: fs.statSync(p).size, savedAt: new Date().toISOString() };
    },
    platform: { chooseFile: () => Promise.resolve(undefined) },
    events,
    library: {
      all: () => Promise.resolve(library),
      get: (id) => {
        const f = library.find((l) => l.id === id);
        return f ? Promise.resolve(f) : Promise.reject(new AppError('not_found', 'That file is no longer in the library.'));
      },
    },
    dropped: {
      pathOf: (id) => {
        const p = opts.dropped?.[id];
        if (p === undefined) throw new AppError('not_found', 'That dropped file is no longer known. Drop it again.');
        return p;
      },
    },
    call: (channel, args) => {
      calls.push([channel, args]);
      const currency = channel === 'soracom.getBilling' && args['accountId'] === 'acc-1' ? opts.bills?.[args['yyyyMM'] as string] : undefined;
      const yyyyMM = args['yyyyMM'] as string;
      if (currency) return Promise.resolve({ ok: true, value: billIn(yyyyMM, currency, opts.open?.includes(yyyyMM) ? 'temporary' : 'closed') });
      return Promise.resolve({ ok: false, error: { code: 'network', message: 'Soracom cannot be reached.' } });
    },
    runner: opts.runner ?? inlineRunner,
    workers: 2,
  });
  return { h: set.handlers, progress, calls, saved, close: set.close };
}

const ctx = { events: { emit: () => undefined } };

const amounts = (lines: { key: string; amounts: string[] }[], months: string[]) => {
  const out = new Map<string, bigint>();
  for (const l of lines) months.forEach((m, i) => l.amounts[i] !== '0' && out.set(`${m} ${l.key}`, scaled(l.amounts[i] as string)));
  return out;
};
const nonZero = (map: Map<string, bigint>) => new Map([...map].filter(([, v]) => v !== 0n));

async function allDevices(h: ReturnType<typeof service>['h'], setId: string): Promise<ReviewSetDevice[]> {
  const out: ReviewSetDevice[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await h['reviewSet.devices']({ setId, offset, limit: 1000 }, ctx);
    out.push(...page.rows);
    if (out.length >= page.total) return out;
  }
}

describe('several exports in one review', () => {
  const expected = independentSet(files);
  let summary: ReviewSetSummary;
  const s = service();

  it('totals by month × item, SIM × month and tag/group × month equal the independent computation', async () => {
    const opened = await s.h['reviewSet.open']({ libraryIds: library.map((f) => f.id) }, ctx);
    expect(opened.files.map((f) => f.fileName)).toEqual(files.map((f) => f.name));
    summary = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    // Months from the rows' dates: quirks.csv holds one row of February.
    expect(summary.months).toEqual(['202402', '202405', '202406', '202407']);
    expect(new Map(summary.months.map((m, i) => [m, scaled(summary.monthTotals[i] as string)]))).toEqual(expected.total);
    expect(scaled(summary.total)).toBe([...expected.total.values()].reduce((a, b) => a + b, 0n));
    expect(amounts(summary.byItem, summary.months)).toEqual(nonZero(expected.byItem));
    const groupColumn = summary.byGroup.find((g) => g.column === 'group');
    expect(amounts(groupColumn?.lines ?? [], summary.months)).toEqual(nonZero(expected.byGroup));
    const tagColumn = summary.byGroup.find((g) => g.column === 'tag:name');
    expect(amounts(tagColumn?.lines ?? [], summary.months)).toEqual(nonZero(expected.byTag));
    const devices = await allDevices(s.h, opened.setId);
    expect(amounts(devices, summary.months)).toEqual(nonZero(expected.byDevice));
    expect(devices).toHaveLength(summary.devices);
    // Japanese item names and quoted fields come through as written.
    expect(summary.byItem.map((l) => l.key)).toContain('データ通信料 (plan-D, アップロード)');
    expect(summary.byItem.map((l) => l.key)).toContain('SMS 送信料 "MO"');
    // Progress was reported per file, and finished.
    expect(s.progress.some((p) => p.label.startsWith('Reading billing-2024-05 part 2.csv (2 of 6)'))).toBe(true);
    expect(s.progress.at(-1)?.state).toBe('done');
  });

  it('a month split across two files is counted from both; malformed rows from neither', () => {
    const [part1, part2] = summary.files;
    expect(part1?.state).toBe('used');
    expect(part2?.state).toBe('used');
    expect(part1?.usedMonths).toEqual(['202402', '202405']);
    expect(part2?.usedMonths).toEqual(['202405']);
    expect(part2?.malformedRows).toBe(1);
    expect(summary.malformedRows).toBe((part1?.malformedRows ?? 0) + 1);
  });

  it('lists the malformed rows of every file read, with the file, the line, the reason and the text', async () => {
    const page = await s.h['reviewSet.malformed']({ setId: summary.setId, offset: 0, limit: 1000 }, ctx);
    // The same file twice is read once; every other file is read, a repeated month too.
    const expectedRows = files
      .filter((f, i) => files.findIndex((g) => g.bytes.equals(f.bytes)) === i)
      .flatMap((f) => independentSummary(f.bytes, []).malformed.map((m) => ({ fileName: f.name, line: m.line, reason: m.reason })));
    expect(expectedRows.length).toBeGreaterThan(1);
    expect(page.total).toBe(summary.malformedRows);
    expect(page.listed).toBe(expectedRows.length);
    expect(page.rows.map((r) => ({ fileName: r.fileName, line: r.line, reason: r.reason }))).toEqual(expectedRows);
    const oops = page.rows.find((r) => r.fileName === 'billing-2024-05 part 2.csv');
    expect(oops).toMatchObject({ line: 7, reason: 'amount', truncated: false }); // quoted line breaks above it
    expect(oops?.raw).toContain('基本料金,oops');
    for (const r of page.rows) expect(r.raw.length).toBeLessThanOrEqual(500);
    // Paged like the single-file list.
    const second = await s.h['reviewSet.malformed']({ setId: summary.setId, offset: 1, limit: 1 }, ctx);
    expect(second.rows).toEqual(page.rows.slice(1, 2));
  });

  it('saves the month × item table from the set it holds, equal to the independent computation', async () => {
    const file = await s.h['reviewSet.saveCsv']({ setId: summary.setId, table: 'byItem' }, ctx);
    const text = fs.readFileSync(file.path, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [head, ...rows] = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true }).data;
    // No bill was found for these months: the headers name no currency.
    expect(head).toEqual(['Bill item', '2024-02', '2024-05', '2024-06', '2024-07', 'Total', 'Rows']);
    const got = new Map<string, bigint>();
    for (const r of rows) summary.months.forEach((m, i) => r[i + 1] !== '0' && got.set(`${m} ${r[0] === '(no name)' ? '' : r[0]}`, scaled(r[i + 1] as string)));
    expect(got).toEqual(nonZero(expected.byItem));
    expect(s.saved.at(-1)).toMatchObject({ title: 'Totals by month and bill item', accountId: 'acc-1' });
  });

  it('names the same file twice and a repeated month, and counts them once', () => {
    const duplicate = summary.files[3];
    expect(duplicate?.state).toBe('duplicate');
    expect(duplicate?.duplicateOf).toBe('billing-2024-06.csv');
    const again = summary.files[4];
    expect(again?.state).toBe('repeats');
    expect(again?.repeated).toEqual([{ month: '202406', openIn: 'billing-2024-06.csv' }]);
    expect(again?.usedMonths).toEqual([]);
    expect(expected.repeated).toEqual(['billing-2024-06 again.csv:202406']);
  });

  it('sorts SIMs by total, by last month and by change, and filters them by IMSI, tag or group', async () => {
    const setId = summary.setId;
    const byTotal = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 1000 }, ctx);
    const totals = byTotal.rows.map((r) => scaled(r.total));
    expect(totals).toEqual([...totals].sort((a, b) => (b > a ? 1 : b < a ? -1 : 0)));
    const byLast = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 1000, sort: 'last' }, ctx);
    expect(byLast.to).toBe('202407');
    expect(byLast.from).toBe('202406');
    const lasts = byLast.rows.map((r) => scaled(r.last));
    expect(lasts).toEqual([...lasts].sort((a, b) => (b > a ? 1 : b < a ? -1 : 0)));
    const byChange = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 1000, sort: 'change', ascending: true }, ctx);
    const changes = byChange.rows.map((r) => scaled(r.change));
    expect(changes).toEqual([...changes].sort((a, b) => (a > b ? 1 : a < b ? -1 : 0)));
    for (const r of byChange.rows) expect(scaled(r.change)).toBe(scaled(r.amounts[3] as string) - scaled(r.amounts[2] as string));

    const imsi = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 10, filter: { text: '000000099', column: 'imsi' } }, ctx);
    expect(imsi.rows.map((r) => r.key)).toEqual(['440103000000099']);
    const tag = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 10, filter: { text: 'センサー', column: 'tag:name' } }, ctx);
    expect(tag.rows.map((r) => r.key)).toEqual(['440103000000099']);
    expect(tag.rows[0]?.groups[summary.groupColumns.indexOf('group')]).toBe('Field test "phase 3"');
    const group = await s.h['reviewSet.devices']({ setId, offset: 0, limit: 10, filter: { text: 'kanto', column: 'group' } }, ctx);
    expect(group.rows.map((r) => r.key)).toContain('440103000000007');
    for (const r of group.rows) expect(r.groups[summary.groupColumns.indexOf('group')]?.toLowerCase()).toContain('kanto');
    await expect(s.h['reviewSet.devices']({ setId, offset: 0, limit: 10, filter: { text: 'x', column: 'nope' } }, ctx)).rejects.toMatchObject({ code: 'validation' });
  });

  it('What changed: by item, by SIM and by tag/group, each sum equal to the difference of the two months', async () => {
    const months = summary.months;
    for (const [from, to] of [
      ['202405', '202406'],
      ['202406', '202407'],
      ['202402', '202407'],
      ['202407', '202405'],
    ] as const) {
      const c = await s.h['reviewSet.compare']({ setId: summary.setId, from, to }, ctx);
      const difference = (expected.total.get(to) ?? 0n) - (expected.total.get(from) ?? 0n);
      expect(scaled(c.difference)).toBe(difference);
      expect(scaled(c.toTotal) - scaled(c.fromTotal)).toBe(difference);
      expect(scaled(c.byItem.sum)).toBe(difference);
      expect(c.byItem.lines.reduce((a, l) => a + scaled(l.change), 0n)).toBe(difference);
      for (const g of c.byGroup) {
        expect(scaled(g.sum)).toBe(difference);
        expect(g.lines.reduce((a, l) => a + scaled(l.change), 0n)).toBe(difference);
      }
      expect(scaled(c.devices.sum)).toBe(difference);
      const page = await s.h['reviewSet.devices']({ setId: summary.setId, offset: 0, limit: 1000, from, to, only: 'changed' }, ctx);
      expect(page.rows.reduce((a, r) => a + scaled(r.change), 0n)).toBe(difference);
      expect(scaled(page.sumOfChanges)).toBe(difference);
      // Per item, against the independent tables.
      for (const l of c.byItem.lines) {
        expect(scaled(l.change)).toBe((expected.byItem.get(`${to} ${l.key}`) ?? 0n) - (expected.byItem.get(`${from} ${l.key}`) ?? 0n));
      }
      // The ten largest movers are the largest changes by SIM.
      const sims = (await allDevices(s.h, summary.setId)).filter((d) => d.key !== '');
      const i = months.indexOf(from);
      const j = months.indexOf(to);
      const moves = sims.map((d) => scaled(d.amounts[j] as string) - scaled(d.amounts[i] as string)).filter((v) => v !== 0n);
      const largest = moves.map((v) => (v < 0n ? -v : v)).sort((a, b) => (b > a ? 1 : b < a ? -1 : 0));
      expect(c.topMovers.map((m) => (scaled(m.change) < 0n ? -scaled(m.change) : scaled(m.change)))).toEqual(largest.slice(0, 10));
    }
  });

  it('counts SIMs that appeared and went away', async () => {
    const c = await s.h['reviewSet.compare']({ setId: summary.setId, from: '202405', to: '202406' }, ctx);
    const appeared = await s.h['reviewSet.devices']({ setId: summary.setId, offset: 0, limit: 1000, from: '202405', to: '202406', only: 'appeared' }, ctx);
    const gone = await s.h['reviewSet.devices']({ setId: summary.setId, offset: 0, limit: 1000, from: '202405', to: '202406', only: 'gone' }, ctx);
    expect(appeared.total).toBe(c.devices.appeared);
    expect(gone.total).toBe(c.devices.gone);
    expect(gone.rows.map((r) => r.key)).toContain('440103000000099');
    for (const r of appeared.rows) expect(r.present.slice(1, 3)).toEqual([false, true]);
    for (const r of gone.rows) expect(r.present.slice(1, 3)).toEqual([true, false]);
    // The largest movers say which SIMs were not there in one of the months.
    const appearedKeys = new Set(appeared.rows.map((r) => r.key));
    const goneKeys = new Set(gone.rows.map((r) => r.key));
    expect(c.topMovers.find((m) => goneKeys.has(m.key))).toMatchObject({ absent: 'to', to: '0' });
    for (const m of c.topMovers) expect(m.absent).toBe(appearedKeys.has(m.key) ? 'from' : goneKeys.has(m.key) ? 'to' : undefined);
  });

  it('refuses months that are not in the review, and the same month twice', async () => {
    await expect(s.h['reviewSet.compare']({ setId: summary.setId, from: '202401', to: '202405' }, ctx)).rejects.toMatchObject({ code: 'validation', message: '2024-01 is not a month of this review.' });
    await expect(s.h['reviewSet.compare']({ setId: summary.setId, from: '202405', to: '202405' }, ctx)).rejects.toMatchObject({ code: 'validation' });
  });

  it('reviews every export of an account, the newest export of a month first', async () => {
    const opened = await s.h['reviewSet.openAccount']({ accountId: 'acc-1' }, ctx);
    const all = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(all.files.map((f) => f.fileName)).toEqual([...files].reverse().map((f) => f.name));
    // June again is now the first June: the other June is named as a repeat, and its copy as the same file.
    const byName = (name: string) => all.files.find((f) => f.fileName === name);
    expect(byName('billing-2024-06 again.csv')?.state).toBe('used');
    expect(byName('billing-2024-06 (1).csv')).toMatchObject({ state: 'repeats', repeated: [{ month: '202406', openIn: 'billing-2024-06 again.csv' }] });
    expect(byName('billing-2024-06.csv')).toMatchObject({ state: 'duplicate', duplicateOf: 'billing-2024-06 (1).csv' });
    const expectedNewestFirst = independentSet([...files].reverse());
    expect(new Map(all.months.map((m, i) => [m, scaled(all.monthTotals[i] as string)]))).toEqual(expectedNewestFirst.total);
    await expect(s.h['reviewSet.openAccount']({ accountId: 'acc-2' }, ctx)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('names the files that are not UTF-8 (saved as Shift_JIS or Latin-1): their names may be garbled', async () => {
    const latin1 = path.join(tmp, 'billing-2024-08 latin-1.csv');
    fs.writeFileSync(latin1, Buffer.from(`${header}440103000000007,20240801,Grundgeb\xfchr,10,M\xfcnchen,x\r\n`, 'latin1'));
    library.push({ id: 'latin1', kind: 'bill-csv', fileName: 'billing-2024-08 latin-1.csv', path: latin1, size: fs.statSync(latin1).size, savedAt: '2020-01-01T00:00:00.000Z' });
    onTestFinished(() => void library.splice(library.findIndex((f) => f.id === 'latin1'), 1));
    const mixed = await s.h['reviewSet.summary']({ setId: (await s.h['reviewSet.open']({ libraryIds: ['file-1', 'latin1'] }, ctx)).setId }, ctx);
    expect(mixed.files.map((f) => f.notUtf8)).toEqual([undefined, true]);
    expect(mixed.notes).toEqual(['billing-2024-08 latin-1.csv is not UTF-8: names may be garbled; save it as CSV UTF-8 and review it again.']);
    expect(mixed.months).toEqual(['202405', '202408']);
    // Two of them are named together.
    const latin1b = path.join(tmp, 'billing-2024-09 latin-1.csv');
    fs.writeFileSync(latin1b, Buffer.from(`${header}440103000000007,20240901,Grundgeb\xfchr,10,M\xfcnchen,x\r\n`, 'latin1'));
    library.push({ id: 'latin1b', kind: 'bill-csv', fileName: 'billing-2024-09 latin-1.csv', path: latin1b, size: fs.statSync(latin1b).size, savedAt: '2020-01-01T00:00:00.000Z' });
    onTestFinished(() => void library.splice(library.findIndex((f) => f.id === 'latin1b'), 1));
    const two = await s.h['reviewSet.summary']({ setId: (await s.h['reviewSet.open']({ libraryIds: ['latin1', 'file-1', 'latin1b'] }, ctx)).setId }, ctx);
    expect(two.notes).toEqual(['billing-2024-08 latin-1.csv, billing-2024-09 latin-1.csv are not UTF-8: names may be garbled; save them as CSV UTF-8 and review them again.']);
    // Japanese names in UTF-8 (part 2 of May) are fine.
    const utf8 = await s.h['reviewSet.summary']({ setId: (await s.h['reviewSet.open']({ libraryIds: ['file-1', 'file-5'] }, ctx)).setId }, ctx);
    expect(utf8.notes).toEqual([]);
  });

  it('names a file that cannot be read, and a file that is not a bill export', async () => {
    const broken = path.join(tmp, 'not-a-bill.csv');
    fs.writeFileSync(broken, 'name,value\r\na,1\r\n');
    library.push({ id: 'broken', kind: 'bill-csv', accountId: 'acc-1', fileName: 'not-a-bill.csv', path: broken, size: 18, savedAt: '2020-01-01T00:00:00.000Z' });
    library.push({ id: 'table', kind: 'table-csv', fileName: 'table.csv', path: broken, size: 18, savedAt: '2020-01-01T00:00:00.000Z' });
    const opened = await s.h['reviewSet.open']({ libraryIds: ['broken', 'file-5'] }, ctx);
    const result = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(result.files[0]).toMatchObject({ state: 'failed', error: { code: 'validation' } });
    expect(result.files[0]?.error?.message).toMatch(/not a Soracom detailed billing CSV/);
    expect(result.months).toEqual(['202407']);
    await expect(s.h['reviewSet.open']({ libraryIds: ['table'] }, ctx)).rejects.toMatchObject({ code: 'validation' });
  });
});

describe('each month in the currency of its bill', () => {
  const expected = independentSet(files);
  const sumOf = (months: string[]) => months.reduce((a, m) => a + (expected.total.get(m) ?? 0n), 0n);

  it('takes every month’s currency from the account’s bill, live or offline', async () => {
    const s = service({ bills: { '202402': 'JPY', '202405': 'JPY', '202406': 'JPY' }, offline: { '202407': 'JPY' } });
    const opened = await s.h['reviewSet.openAccount']({ accountId: 'acc-1' }, ctx);
    const summary = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(summary.currency.code).toBe('JPY');
    expect(summary.currency.mixed).toBe(false);
    expect(summary.currency.months.map((m) => [m.month, m.code, m.source])).toEqual([
      ['202402', 'JPY', 'live'],
      ['202405', 'JPY', 'live'],
      ['202406', 'JPY', 'live'],
      ['202407', 'JPY', 'offline'],
    ]);
    expect(summary.currency.note).toBe('Amounts in JPY, the currency of each month’s bill of Fleet.');
    // The bill lookups went through the router, one per month.
    expect(s.calls.filter(([c]) => c === 'soracom.getBilling').map(([, a]) => a['yyyyMM']).sort()).toEqual(summary.months);
    const file = await s.h['reviewSet.saveCsv']({ setId: opened.setId, table: 'byItem' }, ctx);
    const head = fs.readFileSync(file.path, 'utf8').split('\r\n')[0];
    expect(head).toBe('\uFEFFBill item,2024-02 (JPY),2024-05 (JPY),2024-06 (JPY),2024-07 (JPY),Total (JPY),Rows');
  });

  it('never adds months of different currencies into one figure: totals per currency, columns marked', async () => {
    const s = service({ bills: { '202402': 'JPY', '202405': 'JPY', '202406': 'USD', '202407': 'USD' } });
    const opened = await s.h['reviewSet.open']({ libraryIds: library.slice(0, 6).map((f) => f.id) }, ctx);
    const summary = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(summary.currency.code).toBeUndefined();
    expect(summary.currency.mixed).toBe(true);
    expect(summary.currency.totals).toEqual([
      { code: 'JPY', months: ['202402', '202405'], total: formatSet(sumOf(['202402', '202405'])) },
      { code: 'USD', months: ['202406', '202407'], total: formatSet(sumOf(['202406', '202407'])) },
    ]);
    expect(summary.currency.note).toMatch(/^The months are in different currencies \(JPY: 2 months; USD: 2 months\)/);
    const file = await s.h['reviewSet.saveCsv']({ setId: opened.setId, table: 'changeByItem', from: '202405', to: '202406' }, ctx);
    expect(fs.readFileSync(file.path, 'utf8').split('\r\n')[0]).toBe('\uFEFFBill item,2024-05 (JPY),2024-06 (USD),Change (mixed currencies)');
    const same = await s.h['reviewSet.saveCsv']({ setId: opened.setId, table: 'changeByItem', from: '202406', to: '202407' }, ctx);
    expect(fs.readFileSync(same.path, 'utf8').split('\r\n')[0]).toBe('\uFEFFBill item,2024-06 (USD),2024-07 (USD),Change (USD)');
  });

  it('marks a month whose bill is still open (preliminary), live or offline, and says when each library file was saved', async () => {
    const s = service({ bills: { '202405': 'JPY', '202406': 'JPY' }, offline: { '202407': 'JPY' }, open: ['202406', '202407'] });
    const opened = await s.h['reviewSet.open']({ libraryIds: ['file-1', 'file-2', 'file-5'] }, ctx);
    const summary = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(summary.currency.months.map((m) => [m.month, m.state])).toEqual([
      ['202405', 'closed'],
      ['202406', 'temporary'],
      ['202407', 'temporary'],
    ]);
    expect(summary.months.map((m) => isOpenMonth(summary.currency, m))).toEqual([false, true, true]);
    expect(summary.files.map((f) => f.savedAt)).toEqual([library[1]?.savedAt, library[2]?.savedAt, library[5]?.savedAt]);
    // The tables' CSVs say it in the header of each open month.
    const byItem = await s.h['reviewSet.saveCsv']({ setId: opened.setId, table: 'byItem' }, ctx);
    expect(fs.readFileSync(byItem.path, 'utf8').split('\r\n')[0]).toBe('\uFEFFBill item,2024-05 (JPY),2024-06 preliminary (JPY),2024-07 preliminary (JPY),Total (JPY),Rows');
    const change = await s.h['reviewSet.saveCsv']({ setId: opened.setId, table: 'changeByItem', from: '202405', to: '202406' }, ctx);
    expect(fs.readFileSync(change.path, 'utf8').split('\r\n')[0]).toBe('\uFEFFBill item,2024-05 (JPY),2024-06 preliminary (JPY),Change (JPY)');
  });

  it('a month without a bill, and loose files of no account, say the currency is unknown', async () => {
    const s = service({ bills: { '202402': 'JPY', '202405': 'JPY', '202406': 'JPY' }, dropped: { 'drop-1': library[5]?.path ?? '', 'drop-2': library[2]?.path ?? '' } });
    const opened = await s.h['reviewSet.open']({ libraryIds: library.slice(0, 6).map((f) => f.id) }, ctx);
    const summary = await s.h['reviewSet.summary']({ setId: opened.setId }, ctx);
    expect(summary.currency.mixed).toBe(true);
    expect(summary.currency.months[3]).toMatchObject({ month: '202407', accountName: 'Fleet' });
    expect(summary.currency.months[3]?.code).toBeUndefined();
    expect(summary.currency.months[3]?.reason).toMatch(/^No bill of Fleet for this month: Soracom cannot be reached/);
    expect(summary.currency.totals.at(-1)).toEqual({ months: ['202407'], total: formatSet(sumOf(['202407'])) });

    const loose = await s.h['reviewSet.openDropped']({ dropIds: ['drop-1', 'drop-2'] }, ctx);
    const looseSummary = await s.h['reviewSet.summary']({ setId: loose.setId }, ctx);
    expect(looseSummary.currency).toMatchObject({ mixed: false, note: 'These files belong to no account in Billfold and do not say their currency: amounts are plain decimals, currency unknown.' });
    expect(looseSummary.currency.code).toBeUndefined();
    expect(looseSummary.currency.months.every((m) => m.code === undefined)).toBe(true);
    // No bill is asked for files of no account.
    expect(s.calls.filter(([c]) => c === 'soracom.getBilling')).toHaveLength(4);
  });
});

describe('fetching the months of a comparison', () => {
  it('exports again a month whose saved export was taken before it ended or whose bill is preliminary; unreachable, it uses the saved one', async () => {
    const saved = (id: string, period: string, savedAt: string): SavedFile => ({ id, kind: 'bill-csv', accountId: 'acc-1', period, fileName: `${id}.csv`, path: library[2]?.path ?? '', size: 1, savedAt });
    library.push(saved('june-early', '2024-06', '2024-06-20T00:00:00.000Z'), saved('july-late', '2024-07', '2024-08-02T00:00:00.000Z'), saved('may-late', '2024-05', '2024-06-02T00:00:00.000Z'));
    onTestFinished(() => void library.splice(library.length - 3, 3));
    const s = service({ bills: { '202405': 'JPY', '202406': 'JPY', '202407': 'JPY' }, open: ['202407'] });
    const result = await s.h['reviewSet.fetchMonths']({ accountId: 'acc-1', months: ['202405', '202406', '202407'], taskId: 'compare-t' }, ctx);
    // May is closed and was saved after it ended: reused. June was saved on the 20th and July is still open:
    // both are exported again; Soracom cannot be reached, so their saved exports are used.
    expect(s.calls.filter(([c]) => c === 'soracom.exportBilling').map(([, a]) => a['yyyyMM'])).toEqual(['202406', '202407']);
    expect(result).toEqual({ libraryIds: ['may-late', 'june-early', 'july-late'], fetched: [], reused: ['202405', '202406', '202407'] });
  });
});

describe('closing a set while it reads', () => {
  it('a set closed while a file is still opening reads none of it and says it was closed', async () => {
    let closeSet = () => undefined as unknown;
    let summed = 0;
    // The file's threads are asked for as it starts to open: the set is closed right then.
    const runner: RunnerFactory = () => {
      closeSet();
      const inner = inlineRunner();
      return {
        run: (job, onProgress) =>
          inner.run(job, onProgress).then((result) => {
            summed++;
            return result;
          }),
        terminate: () => inner.terminate(),
      };
    };
    const s = service({ runner });
    const opened = await s.h['reviewSet.open']({ libraryIds: [(library[2] as SavedFile).id] }, ctx);
    closeSet = () => s.h['reviewSet.close']({ setId: opened.setId }, ctx);
    for (let i = 0; !s.progress.some((p) => p.state === 'cancelled'); i++) {
      if (i > 200) throw new Error('the set never said it was closed');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(summed).toBe(0);
    expect(s.progress.at(-1)).toMatchObject({ label: 'Closed', state: 'cancelled', done: 0 });
  });
});

/**
 * The usual row is read straight from the buffer, its tail (tag and group columns) taken from
 * the row before when the bytes are the same, its device and tags summed as one combination.
 * These files mix such rows with everything that must not take those shortcuts, in several
 * column orders, against an independent reading (papaparse + BigInt), however the file is cut.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { readLayout, summarizeRanges, warmUp, type RangeJob } from '../../../main/review/engine';
import { summarizeFile, summarizeFiles, type Total } from '../../../main/review/summarize';
import { inlineRunner } from '../../../main/review/threads';
import { independentSummary, scaled } from './independent';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-rows-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A small deterministic random source. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return { next, pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T };
}

const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
/** A value as a CSV writer may write it: quoted when it must be, sometimes when it need not. */
const cell = (v: string, r: ReturnType<typeof random>) => (/[",\r\n]/.test(v) || v.startsWith('"') || r.next() < 0.2 ? quote(v) : v);

// Odd values, and many plain ones: the row loop adds most new keys itself, and leaves the odd ones to the slower path.
const many = (count: number, name: (i: number) => string) => Array.from({ length: count }, (_, i) => name(i));
const devices = ['440103000000001', '440103000000002', '001010000000042', '44010"3', '440103000000001 ', '9', ...many(150, (i) => `4401030001${String(i).padStart(5, '0')}`)];
const items = ['Basic fee (plan-D, s1.standard)', 'Data fee (plan-D, upload)', 'Data fee "download"', 'SMS'];
const names = ['Meter 1', 'Meter *2*', 'Camera "A", roof', '冷蔵庫 🧊', 'multi\nline', '', ...many(100, (i) => `Sensor ${i}`)];
const groups = ['Cold chain', 'Field test "phase 2"', 'Vending machines, Kanto', ''];
const amounts = ['10', '0.5', '-2.25', '+3', '0', '1.125', '-0.0002'];

/** A detailed export with the columns in `order`, rows in runs per device as real exports have them, lines ending with `eol`. */
function tricky(seed: number, rows: number, order: string[], eol: string): string {
  const r = random(seed);
  const out: string[] = ['\uFEFF' + order.join(',') + eol];
  let device = r.pick(devices);
  let name = r.pick(names);
  let group = r.pick(groups);
  let day = 1;
  let month = '202405';
  for (let i = 0; i < rows; i++) {
    const roll = r.next();
    if (roll < 0.2) device = r.pick(devices);
    if (roll < 0.1) name = r.pick(names);
    if (r.next() < 0.05) group = r.pick(groups);
    if (r.next() < 0.03) day++;
    if (day > 28) {
      day = 1;
      month = month === '202405' ? '202406' : '202405';
    }
    // A finer decimal scale appears late in the file, while sums are pending.
    const amount = i === Math.floor(rows * 0.7) ? '0.000000001' : r.pick(amounts);
    const values: Record<string, string> = {
      imsi: device,
      date: r.next() < 0.02 ? month : `${month}${String(day).padStart(2, '0')}`,
      billItemName: r.pick(items),
      unitPrice: r.pick(['10', '0.0000002', '']),
      amount,
      'tag:name': name,
      group,
    };
    let line = order.map((c) => cell(values[c] ?? '', r)).join(',');
    const odd = r.next();
    if (odd < 0.02) line += ',extra';
    else if (odd < 0.03) line = line.replace(values.amount as string, 'x1');
    else if (odd < 0.04) out.push(eol);
    out.push(line + eol);
  }
  return out.join('');
}

const orders = [
  ['imsi', 'date', 'billItemName', 'unitPrice', 'amount', 'tag:name', 'group'],
  ['tag:name', 'imsi', 'date', 'billItemName', 'amount', 'group'],
  ['date', 'billItemName', 'amount', 'group', 'imsi', 'tag:name'],
  ['date', 'billItemName', 'unitPrice', 'amount', 'tag:name'],
];

const add = (map: Map<string, bigint>, key: string, v: bigint) => map.set(key, (map.get(key) ?? 0n) + v);
const asMap = (list: Total[], scale: number) => new Map(list.map((t) => [t.key, scaled(formatScaled(t.amount, scale))]));

function expectedOf(file: string, groupColumns: string[]) {
  const e = independentSummary(fs.readFileSync(file), []);
  const col = (name: string) => e.header.indexOf(name);
  const out = {
    rows: e.rows.length,
    malformed: e.malformed.map((m) => [m.line, m.reason]),
    total: 0n,
    byMonthItem: new Map<string, bigint>(),
    byDeviceMonth: new Map<string, bigint>(),
    byGroupMonth: groupColumns.map(() => new Map<string, bigint>()),
    /** Per device, per column, rows by value. */
    valueRows: new Map<string, Map<string, number>[]>(),
  };
  for (const { cells } of e.rows) {
    const v = scaled(cells[col('amount')] as string);
    const month = (cells[col('date')] as string).slice(0, 6);
    out.total += v;
    add(out.byMonthItem, month + (cells[col('billItemName')] as string), v);
    add(out.byDeviceMonth, month + (col('imsi') >= 0 ? (cells[col('imsi')] as string) : ''), v);
    groupColumns.forEach((c, g) => add(out.byGroupMonth[g] as Map<string, bigint>, month + (cells[col(c)] as string), v));
    const device = col('imsi') >= 0 ? (cells[col('imsi')] as string) : '';
    let perColumn = out.valueRows.get(device);
    if (!perColumn) out.valueRows.set(device, (perColumn = groupColumns.map(() => new Map())));
    groupColumns.forEach((c, g) => {
      const m = perColumn[g] as Map<string, number>;
      m.set(cells[col(c)] as string, (m.get(cells[col(c)] as string) ?? 0) + 1);
    });
  }
  return out;
}

function layoutOf(file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    return readLayout(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

describe('rows read straight from the buffer', () => {
  orders.forEach((order, o) => {
    const file = path.join(tmp, `order-${o}.csv`);
    fs.writeFileSync(file, tricky(1000 + o, 3000, order, o % 2 === 0 ? '\r\n' : '\n'));
    const groupColumns = order.filter((c) => c === 'tag:name' || c === 'group');
    const e = expectedOf(file, groupColumns);
    const size = fs.statSync(file).size;

    it(`columns ${order.join(',')}: totals equal the independent computation, wherever the file is split`, async () => {
      const layout = layoutOf(file);
      for (const splitAt of [undefined, [size / 3, (2 * size) / 3], [101, 5000, 5001, 20_000, size - 40]]) {
        const s = await summarizeFile(file, layout, size, { runner: inlineRunner, workers: 2, minSplitBytes: 0, ...(splitAt ? { splitAt: splitAt.map(Math.floor) } : {}) });
        expect(s.rows).toBe(e.rows);
        expect(s.malformed.map((m) => [m.line, m.reason])).toEqual(e.malformed);
        expect(scaled(formatScaled(s.total, s.scale))).toBe(e.total);
        expect(asMap(s.byMonthItem, s.scale)).toEqual(e.byMonthItem);
        expect(asMap(s.byDeviceMonth, s.scale)).toEqual(order.includes('imsi') ? e.byDeviceMonth : new Map());
        groupColumns.forEach((_, g) => expect(asMap(s.byGroupMonth[g] ?? [], s.scale)).toEqual(e.byGroupMonth[g]));
        // Each device's values: in each column the one on most of its rows, then the first in text order.
        const most = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]?.[0] ?? '';
        const expected = order.includes('imsi') ? [...e.valueRows].map(([device, columns]) => [device, columns.map(most)]) : [];
        const { devices, values } = s.deviceGroups;
        expect(new Map(devices.map((d, i) => [d, values.map((column) => column[i])]))).toEqual(new Map(expected.map(([d, v]) => [d, v])));
      }
      const multi = await summarizeFiles([{ path: file, layout, size }], { runner: inlineRunner, workers: 1 });
      expect(asMap(multi.byDeviceMonth, multi.scale)).toEqual(order.includes('imsi') ? e.byDeviceMonth : new Map([...e.byDeviceMonth]));
    });

    it(`columns ${order.join(',')}: the same rows and total whatever the pieces read`, () => {
      const layout = layoutOf(file);
      const read = (chunkBytes: number) => {
        const job: RangeJob = { path: file, start: layout.dataStart, end: size, layout, keepMalformed: 1000, indexEvery: 1, chunkBytes };
        const { parts, tables } = summarizeRanges([job]);
        return { rows: parts[0]?.rows, offsets: parts[0]?.index.offsets, total: formatScaled(tables.total, tables.scale) };
      };
      const whole = read(1 << 20);
      expect(scaled(whole.total)).toBe(e.total);
      for (const chunk of [7, 64, 100, 333, 4096]) expect(read(chunk)).toEqual(whole);
      // The same bytes given in memory (how a thread warms up) sum the same.
      const job: RangeJob = { path: '', data: fs.readFileSync(file), start: layout.dataStart, end: size, layout, keepMalformed: 1000, indexEvery: 1, chunkBytes: 333 };
      const fromMemory = summarizeRanges([job]);
      expect({ rows: fromMemory.parts[0]?.rows, offsets: fromMemory.parts[0]?.index.offsets, total: formatScaled(fromMemory.tables.total, fromMemory.tables.scale) }).toEqual(whole);
    });
  });

  it("a SIM whose tags change within a month counts each value's rows, in each column, whichever way the file is cut", async () => {
    // SIM 1: Meter A then Meter B at depot 1 (one day each), then Meter C at depot 2 (three days).
    // Depot 1 has its rows in two combinations of tags, depot 2 in one: depot 2 has more.
    const tags = ['Meter A,Depot 1', 'Meter B,Depot 1', 'Meter C,Depot 2', 'Meter C,Depot 2', 'Meter C,Depot 2'];
    const header = 'imsi,date,billItemName,amount,tag:name,group\r\n';
    const lines = tags.flatMap((t, i) => [`440103000000001,2024050${i + 1},SMS,1.5,${t}\r\n`, `440103000000002,2024050${i + 1},SMS,2,Meter D,Depot 1\r\n`]);
    const file = path.join(tmp, 'tags-change.csv');
    fs.writeFileSync(file, header + lines.join(''));
    const layout = layoutOf(file);
    const size = fs.statSync(file).size;
    const e = expectedOf(file, ['tag:name', 'group']);
    expect(e.valueRows.get('440103000000001')?.map((m) => Object.fromEntries(m))).toEqual([{ 'Meter A': 1, 'Meter B': 1, 'Meter C': 3 }, { 'Depot 1': 2, 'Depot 2': 3 }]);
    for (const splitAt of [undefined, [header.length + lines.slice(0, 3).join('').length]]) {
      const opts = { runner: inlineRunner, workers: 2, minSplitBytes: 0, ...(splitAt ? { splitAt } : {}) };
      for (const s of [await summarizeFile(file, layout, size, opts), await summarizeFiles([{ path: file, layout, size }], opts)]) {
        expect(s.byGroupMonth.map((list) => asMap(list, s.scale))).toEqual(e.byGroupMonth);
        expect(asMap(s.byDeviceMonth, s.scale)).toEqual(e.byDeviceMonth);
        expect(s.deviceGroups).toEqual({ devices: ['440103000000001', '440103000000002'], values: [['Meter C', 'Meter D'], ['Depot 2', 'Depot 1']] });
      }
    }
  });

  it('a thread warms up on a made-up export without touching the disk', () => {
    expect(() => warmUp()).not.toThrow();
  });
});

/**
 * Files with more distinct keys than a table keeps, cut into ranges (or shared out between
 * threads) that each reach the cap on their own: every key the summary names has its exact
 * total, as the independent reading gives it, and "(other)" holds exactly the rest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { caps, otherKey } from '../../../main/review/engine';
import { capNote, summarizeFile, summarizeFiles, type Total } from '../../../main/review/summarize';
import { inlineRunner } from '../../../main/review/threads';
import { ReviewSetModel } from '../../../main/services/review-set-model';
import { independentSummary, scaled, SCALE } from './independent';
import { toSum } from './to-sum';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-caps-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const saved = { ...caps };
beforeEach(() => void Object.assign(caps, { items: 5, devices: 8, groupValues: 6, days: 3 }));
afterEach(() => void Object.assign(caps, saved));

let n = 0;
function write(text: string): string {
  const file = path.join(tmp, `f${n++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

const header = 'imsi,date,billItemName,amount,tag:name\r\n';
const imsi = (i: number) => `4401030000${String(i).padStart(5, '0')}`;

/**
 * SIMs 0-11 on 1 May in order and on 2 May in reverse; items 0-6 and tags 0-8 turn round
 * row by row, so each part of the file meets them in its own order; days 1-5 of May.
 */
function fleet(): string {
  let text = header;
  let row = 0;
  for (const [day, sims] of [
    ['20240501', [...Array(12).keys()]],
    ['20240502', [...Array(12).keys()].reverse()],
    ['20240503', [3, 1, 4]],
    ['20240504', [1, 5]],
    ['20240505', [9, 2, 6]],
  ] as const) {
    for (const sim of sims) {
      text += `${imsi(sim)},${day},Item ${row % 7},${(row % 4) + 1}.5,Tag ${row % 9}\r\n`;
      row++;
    }
  }
  return text;
}

/** The line starts of `text` after the header, as byte offsets. */
function lineStarts(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('\n') + 1; i < text.length; i = text.indexOf('\n', i) + 1) out.push(i);
  return out;
}

/** Every named total equals the independent one; "(other)" is the rest; nothing is named twice. */
function expectExact(list: Total[], scale: number, expected: Map<string, bigint>, total: bigint): string[] {
  const named = list.filter((t) => t.key !== otherKey);
  const others = list.filter((t) => t.key === otherKey);
  expect(new Set(named.map((t) => t.key)).size).toBe(named.length);
  expect(others.length).toBeLessThanOrEqual(1);
  let rest = total;
  for (const t of named) {
    expect([t.key, scaled(formatScaled(t.amount, scale))]).toEqual([t.key, expected.get(t.key)]);
    rest -= expected.get(t.key) ?? 0n;
  }
  expect(others[0] ? scaled(formatScaled(others[0].amount, scale)) : 0n).toBe(rest);
  return named.map((t) => t.key);
}

function independent(texts: string[]) {
  const out = { total: 0n, byItem: new Map<string, bigint>(), byDevice: new Map<string, bigint>(), byTag: new Map<string, bigint>(), byDay: new Map<string, bigint>() };
  const add = (map: Map<string, bigint>, key: string, v: bigint) => map.set(key, (map.get(key) ?? 0n) + v);
  for (const text of texts) {
    const e = independentSummary(Buffer.from(text), ['tag:name']);
    out.total += e.total;
    for (const [k, v] of e.byItem) add(out.byItem, k, v);
    for (const [k, v] of e.byDay) add(out.byDay, k, v);
    for (const [k, v] of e.byColumn.get('imsi') ?? []) add(out.byDevice, k, v);
    for (const [k, v] of e.byColumn.get('tag:name') ?? []) add(out.byTag, k, v);
  }
  return out;
}

describe('past a cap, a file cut into ranges', () => {
  it('names only keys with their whole total: a SIM the second range counted under "(other)" is not listed with the first range\'s rows alone', async () => {
    const text = fleet();
    const file = write(text);
    const e = independent([text]);
    // Cut at 2 May: the first range names SIMs 0-7, the second (in reverse) 11-4, 3, 1 and 5.
    const secondDay = text.indexOf(`${imsi(11)},20240502`);
    const { layout, size } = toSum(file);
    const s = await summarizeFile(file, layout, size, { runner: inlineRunner, workers: 1, splitAt: [secondDay] });
    expect(scaled(formatScaled(s.total, s.scale))).toBe(e.total);
    const sims = expectExact(s.byDevice, s.scale, e.byDevice, e.total);
    expect(sims).toEqual([4, 5, 6, 7].map(imsi));
    expectExact(s.byItem, s.scale, e.byItem, e.total);
    expectExact(s.byGroup[0] ?? [], s.scale, e.byTag, e.total);
    expectExact(s.byDay, s.scale, e.byDay, e.total);
    // The summary says which caps were reached.
    expect(s.capped.map(capNote)).toEqual([
      'More than 5 bill items: the rest are counted under (other).',
      'More than 8 SIMs: the rest are counted under (other).',
      'More than 6 values of tag:name: the rest are counted under (other).',
      'More than 3 days: the rest are counted under (other).',
    ]);
    Object.assign(caps, saved);
    expect((await summarizeFile(file, layout, size, { runner: inlineRunner, workers: 1, splitAt: [secondDay] })).capped).toEqual([]);
  });

  it('every cut of the file, in two or three ranges, gives exact named totals, and the same ones every time', async () => {
    const text = fleet();
    const file = write(text);
    const e = independent([text]);
    const { layout } = toSum(file);
    const starts = lineStarts(text);
    const cuts: number[][] = [];
    for (let i = 1; i < starts.length; i++) cuts.push([starts[i] as number]);
    for (let i = 3; i < starts.length; i += 5) cuts.push([starts[i] as number, (starts[i] as number) + 17]);
    for (const splitAt of cuts) {
      const run = () => summarizeFile(file, layout, text.length, { runner: inlineRunner, workers: 1, splitAt });
      const s = await run();
      const named = {
        devices: expectExact(s.byDevice, s.scale, e.byDevice, e.total),
        items: expectExact(s.byItem, s.scale, e.byItem, e.total),
        tags: expectExact(s.byGroup[0] ?? [], s.scale, e.byTag, e.total),
        days: expectExact(s.byDay, s.scale, e.byDay, e.total),
      };
      const again = await run();
      expect(again.byDevice.map((t) => t.key)).toEqual(s.byDevice.map((t) => t.key));
      expect(named.devices.length).toBeGreaterThan(0);
      expect(again.byItem.map((t) => t.key)).toEqual(s.byItem.map((t) => t.key));
    }
  });
});

describe('past a cap, several files', () => {
  it('a SIM one file counted under "(other)" is not listed with the other files\' rows alone', async () => {
    // The second file has the same SIMs in reverse order.
    const day = (date: string, sims: number[]) => header + sims.map((i) => `${imsi(i)},${date},Item ${i % 7},1,Tag ${i % 9}\r\n`).join('');
    const texts = [day('20240501', [...Array(12).keys()]), day('20240502', [...Array(12).keys()].reverse())];
    const files = texts.map(write);
    const e = independent(texts);
    for (const workers of [1, 2, 3]) {
      const s = await summarizeFiles(files.map(toSum), { runner: inlineRunner, workers, minSplitBytes: 0 });
      const sims = expectExact(s.byDevice, s.scale, e.byDevice, e.total);
      if (workers === 2) expect(sims).toEqual([4, 5, 6, 7].map(imsi));
      expectExact(s.byItem, s.scale, e.byItem, e.total);
      expectExact(s.byGroup[0] ?? [], s.scale, e.byTag, e.total);
      expect(s.capped).toEqual([{ table: 'items' }, { table: 'devices' }, { table: 'group', column: 'tag:name' }]);
    }
  });
});

describe('past a cap, a review of several exports', () => {
  it('a SIM, item or tag value one export counted under "(other)" is not listed with the other exports\' amounts alone', async () => {
    // May with SIMs 0-11 in order, June with the same SIMs in reverse: each export names 8 of them.
    const month = (yyyyMM: string, sims: number[]) => header + sims.map((i) => `${imsi(i)},${yyyyMM}01,Item ${i % 7},${i + 1},Tag ${i % 9}\r\n`).join('');
    const texts = [month('202405', [...Array(12).keys()]), month('202406', [...Array(12).keys()].reverse())];
    const e = independent(texts);
    const model = new ReviewSetModel();
    for (const [i, text] of texts.entries()) {
      const file = toSum(write(text));
      model.add({ fileName: `export-${i}.csv`, size: file.size, layout: file.layout, summary: await summarizeFile(file.path, file.layout, file.size, { runner: inlineRunner, workers: 1 }) });
    }
    const asTotals = (lines: { key: string; total: string }[]): Total[] => lines.map((l) => ({ key: l.key, amount: Number(scaled(l.total)), rows: 0 }));
    const sims = expectExact(asTotals(model.devicePage({}, 0, 100).rows), SCALE, e.byDevice, e.total);
    expect([...sims].sort()).toEqual([4, 5, 6, 7].map(imsi));
    expectExact(asTotals(model.itemLines()), SCALE, e.byItem, e.total);
    expectExact(asTotals(model.groupLines()[0]?.lines ?? []), SCALE, e.byTag, e.total);
    // Each month's amounts add up to that month's total, "(other)" included.
    const devices = model.devicePage({}, 0, 100).rows;
    expect(model.months.map((_, i) => devices.reduce((a, d) => a + scaled(d.amounts[i] ?? '0'), 0n))).toEqual(model.monthTotalsList());
    expect(model.capsReached).toEqual([
      'export-0.csv: More than 5 bill items: the rest are counted under (other).',
      'export-0.csv: More than 8 SIMs: the rest are counted under (other).',
      'export-0.csv: More than 6 values of tag:name: the rest are counted under (other).',
      'export-1.csv: More than 5 bill items: the rest are counted under (other).',
      'export-1.csv: More than 8 SIMs: the rest are counted under (other).',
      'export-1.csv: More than 6 values of tag:name: the rest are counted under (other).',
    ]);
  });
});

describe('past the cap on totals per month', () => {
  it('a SIM or tag value with a month past the cap is counted under "(other)" in every month, and the months still add up', async () => {
    Object.assign(caps, saved, { pairs: 12 });
    // SIMs 0-9 over May, June and July (30 SIM × month totals), SIMs in reverse order in June.
    let text = header;
    for (const [m, sims] of [
      ['202405', [...Array(10).keys()]],
      ['202406', [...Array(10).keys()].reverse()],
      ['202407', [...Array(10).keys()]],
    ] as const) {
      for (const sim of sims) text += `${imsi(sim)},${m}01,Item ${sim % 3},${sim + 1}.25,Tag ${sim % 9}\r\n`;
    }
    const file = write(text);
    const { layout, size } = toSum(file);
    const e = independent([text]);
    const rows = independentSummary(Buffer.from(text), []);
    const byDeviceMonth = new Map<string, bigint>();
    for (const { cells } of rows.rows) {
      const key = `${(cells[1] as string).slice(0, 6)}${cells[0] as string}`;
      byDeviceMonth.set(key, (byDeviceMonth.get(key) ?? 0n) + scaled(cells[3] as string));
    }
    const starts = lineStarts(text);
    for (const splitAt of [undefined, ...starts.slice(1).map((s) => [s])]) {
      const s = await summarizeFile(file, layout, size, { runner: inlineRunner, workers: 1, ...(splitAt ? { splitAt } : {}) });
      expectExact(s.byDevice, s.scale, e.byDevice, e.total);
      expectExact(s.byItem, s.scale, e.byItem, e.total);
      expectExact(s.byGroup[0] ?? [], s.scale, e.byTag, e.total);
      // Per month: every named SIM's total is exact, and each month's totals add up to it.
      const named = new Set(s.byDevice.map((t) => t.key));
      for (const t of s.byDeviceMonth) {
        const sim = t.key.slice(6);
        if (t.key === otherKey || sim === otherKey) continue;
        expect(named.has(sim)).toBe(true);
        expect([t.key, scaled(formatScaled(t.amount, s.scale))]).toEqual([t.key, byDeviceMonth.get(t.key)]);
      }
      expect(new Set(s.byDeviceMonth.map((t) => t.key)).size).toBe(s.byDeviceMonth.length);
      expect(s.byDeviceMonth.reduce((a, t) => a + t.amount, 0)).toBe(s.total);
      expect(s.capped).toContainEqual({ table: 'deviceMonths' });
      expect(s.capped).toContainEqual({ table: 'groupMonths', column: 'tag:name' });
    }
    expect(capNote({ table: 'deviceMonths' })).toBe('More than 12 totals of a SIM in a month: the rest are counted under (other).');
  });
});

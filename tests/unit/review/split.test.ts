import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { openReviewFile } from '../../../main/review/session';
import { boardCapacity, SplitBoard } from '../../../main/review/split';
import { summarizeFile, type FileSummary, type SummarizeOptions, type Total } from '../../../main/review/summarize';
import { inlineRunner, type RunnerFactory } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';
import { independentSummary, scaled, type Expected } from './independent';
import { toSum } from './to-sum';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-split-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const asMap = (list: Total[], scale: number) => new Map(list.map((t) => [t.key, scaled(formatScaled(t.amount, scale))]));

function expectSameTotals(s: FileSummary, e: Expected, groups: string[]) {
  expect(s.rows).toBe(e.rows.length);
  expect(s.malformedCount).toBe(e.malformed.length);
  expect(s.malformed.map((m) => ({ line: m.line, reason: m.reason }))).toEqual(e.malformed);
  expect(scaled(formatScaled(s.total, s.scale))).toBe(e.total);
  expect(asMap(s.byItem, s.scale)).toEqual(e.byItem);
  expect(asMap(s.byDay, s.scale)).toEqual(e.byDay);
  expect(asMap(s.byDevice, s.scale)).toEqual(e.byColumn.get('imsi'));
  groups.forEach((g, i) => expect(asMap(s.byGroup[i] ?? [], s.scale)).toEqual(e.byColumn.get(g)));
}

/**
 * Inline runners (one job after the other, as threads would run them at once), the first of
 * which starts its job `lateMs` late, as a thread whose core is busy; the rows each one summed.
 */
function lateFirstRunner(lateMs: number): { runner: RunnerFactory; rowsSummed: number[] } {
  const rowsSummed: number[] = [];
  const runner: RunnerFactory = () => {
    const i = rowsSummed.push(0) - 1;
    const inner = inlineRunner();
    return {
      run: async (job, onProgress) => {
        if (i === 0) await new Promise((resolve) => setTimeout(resolve, lateMs));
        const result = await inner.run(job, onProgress);
        if (!(result instanceof Uint32Array)) rowsSummed[i] = result.parts.reduce((n, p) => n + p.rows, 0);
        return result;
      },
      terminate: () => inner.terminate(),
    };
  };
  return { runner, rowsSummed };
}

const summarize = (file: string, opts: Partial<SummarizeOptions>) => summarizeFile(file, toSum(file).layout, fs.statSync(file).size, { runner: inlineRunner, workers: 2, minSplitBytes: 0, ...opts });

describe('ranges shared out while a file is summed', () => {
  const groups = ['tag:name', 'tag:location', 'group'];
  const text = generateDetailedCsv({ yyyyMM: '202405', seed: 7, sims: 150, currency: 'USD' });
  const file = write('month.csv', text);
  const expected = independentSummary(Buffer.from(text), groups);

  it('a thread that starts late reads little of its half: the other one takes over what it has not read', async () => {
    const size = fs.statSync(file).size;
    // Large enough to be split when opened.
    expect(size).toBeGreaterThan(1024 * 1024);
    const late = lateFirstRunner(100);
    const summary = await summarize(file, { runner: late.runner, takeBytes: 1024 });
    expectSameTotals(summary, expected, groups);
    expect(summary.reparsed).toBe(0);
    const [lateRows, otherRows] = late.rowsSummed as [number, number];
    // Without sharing, each sums its half.
    expect(lateRows).toBeLessThan(summary.rows / 10);
    expect(otherRows).toBeGreaterThan((summary.rows * 9) / 10);
    // Filters still run one thread per range, as many as were started.
    expect(summary.ranges).toHaveLength(2);

    const session = await openReviewFile(file, { runner: late.runner, workers: 2, takeBytes: 1024 });
    await session.summary;
    for (const offset of [0, 1, 63, 64, 500, expected.rows.length - 3]) {
      const page = await session.rows(offset, 3);
      expect(page.rows.map((r) => [r.line, r.cells])).toEqual(expected.rows.slice(offset, offset + 3).map((r) => [r.line, r.cells]));
    }
    const filtered = await session.rows(0, 5000, { text: 'sms fee' });
    const sms = expected.rows.filter((r) => r.cells.some((c) => c.toLowerCase().includes('sms fee')));
    expect(filtered.rows.map((r) => r.line)).toEqual(sms.map((r) => r.line));
    session.close();
  });

  it('gives the totals of one parse whatever the pieces taken, on a file with every quirk', async () => {
    const quirks = path.resolve('tests/fixtures/review/quirks.csv');
    const quirkGroups = ['tag:name', 'tag:location', 'tag:owner', 'group'];
    const e = independentSummary(fs.readFileSync(quirks), quirkGroups);
    for (const takeBytes of [1, 7, 64, 300]) {
      for (const workers of [2, 3]) expectSameTotals(await summarize(quirks, { takeBytes, workers }), e, quirkGroups);
    }
    for (const takeBytes of [1, 50, 400, 3000]) expectSameTotals(await summarize(file, { runner: lateFirstRunner(20).runner, takeBytes }), expected, groups);
  });

  it('pieces taken across a change of month and of decimal places add up to the totals of one parse', async () => {
    const april = generateDetailedCsv({ yyyyMM: '202404', seed: 11, sims: 25, currency: 'USD' });
    const may = generateDetailedCsv({ yyyyMM: '202405', seed: 12, sims: 25, currency: 'USD' }).split('\n');
    // A finer amount late in May: every sum moves to nine decimal places there.
    const late = Math.floor(may.length * 0.8);
    may.splice(late, 0, '440103000099999,20240520,SMS fee,0.123456789,1,0.123456789,Meter 99999,Tokyo,Cold chain\r');
    const csv = april + may.slice(1).join('\n');
    const twoMonths = write('two-months.csv', csv);
    const e = independentSummary(Buffer.from(csv), groups);
    for (const takeBytes of [1, 100, 5000, 40_000]) {
      const s = await summarize(twoMonths, { runner: lateFirstRunner(10).runner, takeBytes });
      expectSameTotals(s, e, groups);
      expect(s.months).toEqual(['202404', '202405']);
      expect(asMap(s.byMonthItem, s.scale).size).toBe(new Set(s.byMonthItem.map((t) => t.key)).size);
      expect(s.scale).toBe(9);
    }
  });

  it('a file cut into more ranges than a board holds is summed whole, its ranges kept as cut', async () => {
    const size = fs.statSync(file).size;
    const splitAt = Array.from({ length: 80 }, (_, i) => Math.floor(((i + 1) * size) / 81));
    const s = await summarize(file, { splitAt, takeBytes: 1 });
    expectSameTotals(s, expected, groups);
    // A board is never made for them: it would leave the ranges past its cells without an end.
    const ranges = [...splitAt, size].map((end, i) => ({ start: i === 0 ? 0 : (splitAt[i - 1] as number), end }));
    expect(() => new SplitBoard(ranges)).toThrow(RangeError);
    expect(() => new SplitBoard(ranges.slice(0, boardCapacity))).not.toThrow();
  });

  it('a piece taken from inside a quoted line break is found, and the file summed again in fixed ranges', async () => {
    let csv = 'imsi,date,billItemName,amount,tag:name\r\n';
    for (let i = 0; i < 60; i++) {
      const tag = i % 10 === 5 ? '"first line\r\n2,20240501,Fake item,999999,tricky"' : `tag ${i}`;
      csv += `${String(i).padStart(15, '0')},202405${String((i % 28) + 1).padStart(2, '0')},Item ${i % 3},${i}.5,${tag}\r\n`;
    }
    const tricky = write('quoted-breaks.csv', csv);
    const e = independentSummary(Buffer.from(csv), ['tag:name']);
    expect(e.byItem.has('Fake item')).toBe(false);
    let summedAgain = 0;
    for (let takeBytes = 1; takeBytes <= 200; takeBytes += 3) {
      const s = await summarize(tricky, { takeBytes });
      expectSameTotals(s, e, ['tag:name']);
      if (s.reparsed > 0) summedAgain++;
    }
    // Some of those pieces did start inside the quoted field.
    expect(summedAgain).toBeGreaterThan(0);
  });
});

/**
 * Hostile input: records that never end, quotes that never close, and more distinct values than
 * the totals keep. Every case gives the same answer however the file is cut into pieces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { caps, CancelledError, otherKey, readLayout, summarizeRanges, type RangeJob } from '../../../main/review/engine';
import { openReviewFile } from '../../../main/review/session';
import { summarizeFile } from '../../../main/review/summarize';
import { inlineRunner } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-bounds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function write(text: string | Buffer): string {
  const file = path.join(tmp, `f${n++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

function layoutOf(file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    return readLayout(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

/** Rows, total and malformed records (line, reason) of a file read in pieces of `chunkBytes`. */
function read(file: string, chunkBytes: number, recordCap?: number) {
  const layout = layoutOf(file);
  const job: RangeJob = { path: file, start: layout.dataStart, end: fs.statSync(file).size, layout, keepMalformed: 100, indexEvery: 1, chunkBytes, ...(recordCap ? { recordCap } : {}) };
  const { parts, tables } = summarizeRanges([job]);
  const part = parts[0];
  if (!part) throw new Error('no part');
  return {
    rows: part.rows,
    total: formatScaled(tables.total, tables.scale),
    malformed: part.malformed.map((m) => [layout.headerNewlines + m.lineInRange + 1, m.reason]),
    // Where each row starts: proves no row was skipped or cut.
    offsets: part.index.offsets,
  };
}

const header = 'imsi,date,billItemName,amount,tag:name\r\n';
const row = (i: number, amount = 1) => `44010300000000${i},20240501,Basic fee,${amount},Meter ${i}\r\n`;

describe('records longer than the cap', () => {
  it("a malformed record's text is only bytes of the file, never memory the reader had not filled", () => {
    // Records longer than the cap (here smaller than the text kept of a record), cut anywhere.
    let text = header;
    for (let i = 0; i < 40; i++) text += i % 7 === 3 ? `1,20240501,"${'long field '.repeat(10 + i)}",1,x\r\n` : row(i % 10, 1.5);
    const file = write(text);
    const layout = layoutOf(file);
    for (const chunkBytes of [8, 16, 64, 333]) {
      for (const recordCap of [24, 40, 100]) {
        const job: RangeJob = { path: file, start: layout.dataStart, end: text.length, layout, keepMalformed: 100, indexEvery: 64, chunkBytes, recordCap };
        const malformed = summarizeRanges([job]).parts[0]?.malformed ?? [];
        expect(malformed.length).toBeGreaterThan(0);
        for (const m of malformed) expect(text.includes(m.raw), `${chunkBytes}/${recordCap}: ${JSON.stringify(m.raw).slice(0, 120)}`).toBe(true);
      }
    }
  });

  it('a long unquoted line is one malformed record and reading goes on after it, whatever the pieces', () => {
    const file = write(header + row(1) + `2,20240501,Basic fee,5,${'x'.repeat(300)}\r\n` + row(3, 2) + 'bad,date,Basic fee,1,x\r\n' + row(4, 4));
    const whole = read(file, 1 << 20, 64);
    expect(whole).toMatchObject({ rows: 3, total: '7', malformed: [[3, 'too-long'], [5, 'date']] });
    for (let chunk = 1; chunk <= 70; chunk++) expect(read(file, chunk, 64)).toEqual(whole);
  });

  it('a quoted field over the cap with line breaks inside is skipped to its end; line numbers stay right', () => {
    const file = write(header + row(1) + `2,20240501,"Basic fee${'\n,""x""'.repeat(40)}",5,x\r\n` + 'bad,date,Basic fee,1,x\r\n' + row(3, 2));
    const whole = read(file, 1 << 20, 64);
    expect(whole).toMatchObject({ rows: 2, total: '3', malformed: [[3, 'too-long'], [44, 'date']] });
    for (let chunk = 1; chunk <= 70; chunk++) expect(read(file, chunk, 64)).toEqual(whole);
  });

  it('a quote that never closes makes the rest of the file one malformed record, under the cap or over it', () => {
    for (const lines of [3, 400]) {
      const file = write(header + row(1) + '2,20240501,"Basic fee' + `\r\n${row(9)}`.repeat(lines));
      const whole = read(file, 1 << 20, 64);
      expect(whole).toMatchObject({ rows: 1, total: '1', malformed: [[3, 'unterminated-quote']] });
      for (const chunk of [1, 2, 3, 7, 64, 65, 1000]) expect(read(file, chunk, 64)).toEqual(whole);
    }
  });

  it('with the real 1 MiB cap: a 3 MiB line is reported with a short text, and the rows after it are counted and shown', async () => {
    const long = `3,20240501,Basic fee,5,${'東京 '.repeat(500_000)}\r\n`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(3 * 1024 * 1024);
    const file = write(header + row(1) + long + row(2, 2) + row(3, 3));
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1 });
    expect(session.firstRows.map((r) => [r.line, r.cells[0]])).toEqual([
      [2, '440103000000001'],
      [4, '440103000000002'],
      [5, '440103000000003'],
    ]);
    const summary = await session.summary;
    expect(formatScaled(summary.total, summary.scale)).toBe('6');
    expect(summary.malformed).toHaveLength(1);
    const m = summary.malformed[0];
    expect(m).toMatchObject({ line: 3, reason: 'too-long', truncated: true });
    expect(m?.raw.startsWith('3,20240501,Basic fee,5,東京 東京')).toBe(true);
    expect(Buffer.byteLength(m?.raw ?? '')).toBeLessThanOrEqual(500);
    expect(m?.raw).not.toContain('\uFFFD'); // not cut inside a character
    session.close();
  });

  it('the first page reads at most 8 MiB, so opening answers at once whatever one record holds', async () => {
    const file = write(header + row(1) + '2,20240501,"Basic fee' + 'x'.repeat(12 * 1024 * 1024) + '",1,x\r\n' + row(3));
    let read = 0;
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1, onProgress: (_, bytes) => (read = bytes) });
    expect(session.firstRows.map((r) => r.cells[0])).toEqual(['440103000000001']);
    expect(read).toBe(0); // the summary had not started: only the first page was read
    const summary = await session.summary;
    expect(summary.malformed.map((m) => [m.line, m.reason])).toEqual([[3, 'too-long']]);
    expect(summary.rows).toBe(2); // the row after the long record was not on the first page, but it is counted
  });

  it('a file whose first line never ends is refused with a clear message', () => {
    const file = write('imsi,date,billItemName,amount,' + 'x'.repeat(1024 * 1024 + 10));
    expect(() => layoutOf(file)).toThrow(/first line of the file is longer than 1 MiB/);
  });
});

describe('distinct keys past the caps count under one key', () => {
  it('items, devices, tags and days past their cap are summed under "(other)", and nothing is lost', async () => {
    const saved = { ...caps };
    Object.assign(caps, { items: 3, devices: 4, groupValues: 2, days: 5 });
    try {
      let text = header;
      // Tags with doubled quotes, some of them twice.
      for (let i = 0; i < 10; i++) text += `44010300000000${i},202405${String(i + 1).padStart(2, '0')},Item ${i},${i}.5,"Tag ""${i % 7}"""\r\n`;
      const file = write(text);
      const summary = await summarizeFile(file, layoutOf(file), fs.statSync(file).size, { runner: inlineRunner, workers: 1 });
      const keys = (list: { key: string }[]) => list.map((t) => t.key);
      expect(keys(summary.byItem)).toEqual(['Item 0', 'Item 1', 'Item 2', otherKey]);
      expect(keys(summary.byDevice)).toHaveLength(5);
      expect(keys(summary.byGroup[0] ?? [])).toEqual(['Tag "0"', 'Tag "1"', otherKey]);
      expect(summary.byGroup[0]?.map((t) => t.rows)).toEqual([2, 2, 6]);
      expect(keys(summary.byDay)).toEqual(['20240501', '20240502', '20240503', '20240504', '20240505', otherKey]);
      for (const list of [summary.byItem, summary.byDevice, summary.byGroup[0] ?? [], summary.byDay, summary.byMonthItem, summary.byDeviceMonth]) {
        expect(list.reduce((a, t) => a + t.amount, 0)).toBe(summary.total);
        expect(list.reduce((a, t) => a + t.rows, 0)).toBe(10);
      }
      expect(formatScaled(summary.byItem.find((t) => t.key === otherKey)?.amount ?? 0, summary.scale)).toBe('45.5'); // 3.5 + … + 9.5
    } finally {
      Object.assign(caps, saved);
    }
  });
});

describe('a value written "(other)"', () => {
  it('is a value of its own, not the key past the cap, wherever the file is split', async () => {
    const saved = { ...caps };
    Object.assign(caps, { groupValues: 2 });
    try {
      // SIM D's tag goes past the cap ("C"), then D has a tag written "(other)", as E had first.
      const head = 'imsi,date,billItemName,amount,tag:name\r\n';
      const first = 'E,20240501,Fee,1,(other)\r\nE,20240501,Fee,2,B\r\nD,20240501,Fee,4,C\r\n';
      const file = write(`${head}${first}D,20240501,Fee,8,(other)\r\n`);
      for (const splitAt of [undefined, [head.length + first.length]]) {
        const summary = await summarizeFile(file, layoutOf(file), fs.statSync(file).size, { runner: inlineRunner, workers: 1, ...(splitAt ? { splitAt } : {}) });
        // The written "(other)" (1 + 8) first, then "B", then "C" counted past the cap.
        expect((summary.byGroup[0] ?? []).map((t) => [t.key, formatScaled(t.amount, summary.scale)])).toEqual([
          ['(other)', '9'],
          ['B', '2'],
          [otherKey, '4'],
        ]);
      }
    } finally {
      Object.assign(caps, saved);
    }
  });
});

describe('new keys within one day', () => {
  it('devices, tag values and device-and-tag combinations past their caps on one day are summed under "(other)", each row once', async () => {
    const saved = { ...caps };
    Object.assign(caps, { devices: 4, groupValues: 3, combos: 3 });
    try {
      // One day and one item: the row loop adds the new keys itself, and leaves the rows past
      // the cap on combinations to the slower path. Each SIM has two rows in a row; SIMs 0 and 1
      // come back at the end.
      let text = header;
      const rows: { imsi: string; tag: string; amount: number }[] = [];
      for (let i = 0; i < 12; i++) {
        const r = { imsi: `44010300000000${i % 10}`, tag: `Meter ${i % 5}`, amount: i + 1 };
        rows.push(r, r);
        text += `${r.imsi},20240501,Basic fee,${r.amount},${r.tag}\r\n`.repeat(2);
      }
      // The expected totals: the first `cap` distinct keys in file order, the rest under "(other)".
      const expected = (keyOf: (r: (typeof rows)[number]) => string, cap: number) => {
        const kept: string[] = [];
        const sums: Record<string, [string, number]> = {};
        for (const r of rows) {
          let key = keyOf(r);
          if (!kept.includes(key)) {
            if (kept.length < cap) kept.push(key);
            else key = otherKey;
          }
          const [amount, count] = sums[key] ?? ['0', 0];
          sums[key] = [String(Number(amount) + r.amount), count + 1];
        }
        return sums;
      };
      const file = write(text);
      const summary = await summarizeFile(file, layoutOf(file), fs.statSync(file).size, { runner: inlineRunner, workers: 1 });
      const byKey = (list: { key: string; amount: number; rows: number }[]) => Object.fromEntries(list.map((t) => [t.key, [formatScaled(t.amount, summary.scale), t.rows]]));
      expect(byKey(summary.byDevice)).toEqual(expected((r) => r.imsi, 4));
      expect(Object.keys(byKey(summary.byDevice))).toHaveLength(5);
      expect(byKey(summary.byGroup[0] ?? [])).toEqual(expected((r) => r.tag, 3));
      for (const list of [summary.byDevice, summary.byGroup[0] ?? [], summary.byItem, summary.byDeviceMonth]) {
        expect(list.reduce((a, t) => a + t.rows, 0)).toBe(24);
        expect(list.reduce((a, t) => a + t.amount, 0)).toBe(summary.total);
      }
      expect(formatScaled(summary.total, summary.scale)).toBe('156');
    } finally {
      Object.assign(caps, saved);
    }
  });
});

describe('opening can be cancelled', () => {
  it('a summary in progress stops at the next piece when its review is closed', () => {
    const file = write(generateDetailedCsv({ yyyyMM: '202405', seed: 5, sims: 40 }));
    const layout = layoutOf(file);
    let pieces = 0;
    const job: RangeJob = { path: file, start: layout.dataStart, end: fs.statSync(file).size, layout, keepMalformed: 10, indexEvery: 64, chunkBytes: 4096 };
    expect(() => summarizeRanges([job], undefined, () => ++pieces > 2)).toThrow(CancelledError);
    expect(pieces).toBe(3);
  });

  it('closing a review rejects its pending summary as cancelled', async () => {
    const file = write(generateDetailedCsv({ yyyyMM: '202405', seed: 5, sims: 40 }));
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1 });
    session.close();
    await expect(session.summary).rejects.toMatchObject({ code: 'cancelled' });
  });
});

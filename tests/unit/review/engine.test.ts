import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { amount, lineStartFrom, parseAmountBytes, readLayout } from '../../../main/review/engine';
import { openReviewFile } from '../../../main/review/session';
import { summarizeFile, type FileSummary, type Total } from '../../../main/review/summarize';
import { inlineRunner } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';
import { independentSummary, scaled, type Expected } from './independent';

const fixture = path.resolve('tests/fixtures/review/quirks.csv');
const groupColumns = ['tag:name', 'tag:location', 'tag:owner', 'group'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function layoutOf(file: string) {
  const fd = fs.openSync(file, 'r');
  try {
    return readLayout(fd, fs.fstatSync(fd).size);
  } finally {
    fs.closeSync(fd);
  }
}

async function summarize(file: string, splitAt?: number[]): Promise<FileSummary> {
  const layout = layoutOf(file);
  return summarizeFile(file, layout, fs.statSync(file).size, { runner: inlineRunner, workers: 2, minSplitBytes: 0, ...(splitAt ? { splitAt } : {}) });
}

function asMap(list: Total[], scale: number): Map<string, bigint> {
  return new Map(list.map((t) => [t.key, scaled(formatScaled(t.amount, scale))]));
}

function expectSameTotals(s: FileSummary, e: Expected, file: string) {
  const layout = layoutOf(file);
  expect(s.rows).toBe(e.rows.length);
  expect(s.malformedCount).toBe(e.malformed.length);
  expect(s.blankLines).toBe(e.blankLines);
  expect(scaled(formatScaled(s.total, s.scale))).toBe(e.total);
  expect(asMap(s.byItem, s.scale)).toEqual(e.byItem);
  expect(asMap(s.byDay, s.scale)).toEqual(e.byDay);
  expect(asMap(s.byMonthRow, s.scale)).toEqual(e.byMonthRow);
  expect(asMap(s.byDevice, s.scale)).toEqual(e.byColumn.get('imsi'));
  layout.groups.forEach((g, i) => {
    expect(asMap(s.byGroup[i] ?? [], s.scale)).toEqual(e.byColumn.get(layout.columns[g] ?? ''));
  });
}

describe('review engine on the quirk fixture', () => {
  const bytes = fs.readFileSync(fixture);
  const expected = independentSummary(bytes, groupColumns);

  it('the fixture has every quirk the issue lists', () => {
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('\r\n');
    expect(text).toMatch(/[^\r]\n/); // a bare LF inside a quoted field
    expect(text).toContain('""'); // doubled quotes
    expect(text).toMatch(/"[^",]*,[^"]*"/); // quoted commas
    expect(text).toContain('"Rooftop\nunit 3"'); // quoted line break
    expect(expected.header).toContain('tag:owner'); // an extra tag column
    expect(expected.header).toContain('iccid'); // another device-id column
    expect([...expected.byMonthRow.keys()]).toEqual(['202405']); // yyyyMM rows
    expect([...expected.byItem.values()].some((v) => v < 0n)).toBe(true); // negative rows
    expect(new Set(expected.malformed.map((m) => m.reason))).toEqual(new Set(['field-count', 'amount', 'date', 'unterminated-quote']));
  });

  it('totals equal the independent computation', async () => {
    const summary = await summarize(fixture);
    expectSameTotals(summary, expected, fixture);
    // Exact decimals, no float drift: 0.25 + 0.1 + 0.125 + … - 0.3719134
    expect(formatScaled(summary.total, summary.scale)).toBe('1054.6030866');
  });

  it('keeps IMSIs as text, leading zeros and all', async () => {
    const summary = await summarize(fixture);
    const keys = summary.byDevice.map((t) => t.key);
    expect(keys).toContain('001010123456789');
    expect(keys).toContain('001010000000042');
    expect(keys).toContain(''); // account-level rows
    const session = await openReviewFile(fixture, { runner: inlineRunner, workers: 1 });
    expect(session.firstRows[0]?.cells[0]).toBe('001010123456789');
    expect(session.firstRows[0]?.cells[1]).toBe('08981100000000000001');
    await session.summary;
  });

  it('lists every malformed record with its line, reason and text, and counts none of them', async () => {
    const summary = await summarize(fixture);
    expect(summary.malformed.map((m) => ({ line: m.line, reason: m.reason }))).toEqual(expected.malformed);
    const unterminated = summary.malformed.find((m) => m.reason === 'unterminated-quote');
    expect(unterminated?.raw).toContain('"Basic fee (plan-D, s1.standard,10,1,10,Meter 10');
    expect(unterminated?.raw).toContain('440103000000011'); // it swallowed the last line
    const amount = summary.malformed.find((m) => m.reason === 'amount');
    expect(amount?.raw).toContain(',1e3,');
    expect(amount?.detail).toMatch(/amount/);
    const fieldCount = summary.malformed.find((m) => m.reason === 'field-count');
    expect(fieldCount?.detail).toBe('9 fields where the header has 11.');
  });

  it('serves every row with its cells and line number, as papaparse reads them', async () => {
    const session = await openReviewFile(fixture, { runner: inlineRunner, workers: 1 });
    await session.summary;
    const page = await session.rows(0, 100);
    expect(page.total).toBe(expected.rows.length);
    expect(page.rows.map((r) => ({ line: r.line, cells: r.cells }))).toEqual(expected.rows);
    // A window in the middle.
    const window = await session.rows(4, 2);
    expect(window.rows.map((r) => r.cells)).toEqual(expected.rows.slice(4, 6).map((r) => r.cells));
    expect(window.rows[0]?.cells[8]).toBe('東京都, 港区');
    expect(window.rows[0]?.cells[7]).toBe('Vending machine\r\nBldg 2');
  });

  it('filters rows by text, by column and exactly', async () => {
    const session = await openReviewFile(fixture, { runner: inlineRunner, workers: 1 });
    await session.summary;
    const byText = await session.rows(0, 100, { text: 'ROOFTOP' });
    expect(byText.rows.map((r) => r.cells[8])).toEqual(['Rooftop\nunit 3']);
    const kanto = await session.rows(0, 100, { text: '港区', column: 'tag:location' });
    expect(kanto.total).toBe(3);
    const exact = await session.rows(0, 100, { text: 'Free tier (data, 1 GB/month)', column: 'billItemName', exact: true });
    expect(exact.rows.map((r) => r.cells[6])).toEqual(['-0.3719134']);
    const none = await session.rows(0, 100, { text: 'no such text anywhere' });
    expect(none).toEqual({ total: 0, rows: [] });
  });

  it('marks text after a closing quote as malformed instead of guessing', async () => {
    const file = path.join(tmp, 'bad-quotes.csv');
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\r\n1,20240501,"Basic"fee,10\r\n2,20240501,Basic fee,5\r\n');
    const summary = await summarize(file);
    expect(summary.rows).toBe(1);
    expect(summary.malformed.map((m) => [m.line, m.reason])).toEqual([[2, 'invalid-quotes']]);
    expect(formatScaled(summary.total, summary.scale)).toBe('5');
  });

  it('refuses a file without the columns it needs, by name', () => {
    const file = path.join(tmp, 'other.csv');
    fs.writeFileSync(file, 'name,value\r\na,1\r\n');
    expect(() => layoutOf(file)).toThrow(/no date, billItemName, amount column/);
  });

  it('refuses a file whose lines end in a carriage return alone, instead of reading it as an empty bill', () => {
    const file = path.join(tmp, 'cr-only.csv');
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\r1,20240501,Basic fee,10\r2,20240501,Basic fee,5\r');
    expect(() => layoutOf(file)).toThrow(/end in a carriage return alone/);
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,10\r\n');
    expect(layoutOf(file).columns).toEqual(['imsi', 'date', 'billItemName', 'amount']);
  });

  it('refuses a file saved as UTF-16 (Excel\'s Unicode text), with or without a byte-order mark, and says to save it as CSV UTF-8', () => {
    const file = path.join(tmp, 'utf16.csv');
    const text = 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,10\r\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const bytes of [Buffer.concat([Buffer.from([0xff, 0xfe]), le]), Buffer.concat([Buffer.from([0xfe, 0xff]), be]), le, be]) {
      fs.writeFileSync(file, bytes);
      expect(() => layoutOf(file)).toThrow("This file is saved as UTF-16 (Excel's Unicode text); save it as CSV UTF-8 and review it again.");
    }
  });

  it('refuses a ZIP archive, a PDF or other binary data renamed .csv, even when a CSV is inside', () => {
    const file = path.join(tmp, 'zip.csv');
    const csv = 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,10\r\n';
    // A stored (uncompressed) ZIP: its local header, the name, then the CSV as it is.
    const local = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]);
    fs.writeFileSync(file, Buffer.concat([local, Buffer.from(`a.csv${csv}`)]));
    expect(() => layoutOf(file)).toThrow(/is a ZIP archive \(an Excel workbook is one\), not a CSV file/);
    fs.writeFileSync(file, `%PDF-1.7\n${csv}`);
    expect(() => layoutOf(file)).toThrow(/is a PDF, not a CSV file/);
    for (const head of ['\u0000\u0001\u0002\u0003', 'GIF89a\u0001\u0000', 'date\u001b,']) {
      fs.writeFileSync(file, `${head}${csv}`);
      expect(() => layoutOf(file), JSON.stringify(head)).toThrow(/holds control characters, so it is not a CSV file/);
    }
    // A tab in a name, and a line break in a quoted one, are text.
    fs.writeFileSync(file, 'imsi,date,"bill\r\nItem",billItemName,amount\tx,amount\r\n1,20240501,a,Basic fee,1,10\r\n');
    expect(layoutOf(file).columns).toEqual(['imsi', 'date', 'bill\r\nItem', 'billItemName', 'amount\tx', 'amount']);
  });

  it('refuses a header with the date, item, amount or device column twice, naming it, instead of reading one of them', () => {
    const file = path.join(tmp, 'twice.csv');
    const cases: [string, RegExp][] = [
      ['imsi,date,billItemName,amount,amount', /the column amount twice \(columns 4 and 5\)/],
      ['imsi,date,billItemName,amount,Amount ', /the column amount twice \(columns 4 and 5\)/],
      ['imsi,date,billItemName,Date,amount', /the column date twice \(columns 2 and 4\)/],
      ['billItemName,imsi,date,billitemname,amount', /the column billItemName twice \(columns 1 and 4\)/],
      ['imsi,date,billItemName,amount,IMSI', /the column imsi twice \(columns 1 and 5\)/],
    ];
    for (const [header, reason] of cases) {
      fs.writeFileSync(file, `${header}\r\n1,20240501,Basic fee,5,999\r\n`);
      expect(() => layoutOf(file), header).toThrow(reason);
    }
    // Two device columns of different names, or two tag columns, are fine.
    fs.writeFileSync(file, 'imsi,iccid,date,billItemName,amount,tag:a,tag:a\r\n1,2,20240501,Basic fee,5,x,y\r\n');
    expect(layoutOf(file).device).toBe(0);
  });

  it('says when a name is not UTF-8 (a file saved as Shift_JIS or Latin-1), whatever column it is in', async () => {
    const file = path.join(tmp, 'encoding.csv');
    const header = Buffer.from('imsi,date,billItemName,amount,tag:site\r\n');
    const utf8 = (item: string, site = 'Tokyo', imsi = '001') => Buffer.from(`${imsi},20240501,${item},10,${site}\r\n`);
    fs.writeFileSync(file, Buffer.concat([header, utf8('基本料金'), utf8('Grundgebühr', '港区'), utf8('Data fee', 'Osaka', '002')]));
    expect((await summarize(file)).notUtf8).toBe(false);
    const cases: [string, Buffer][] = [
      ['Shift_JIS item', Buffer.from([0x8a, 0xee, 0x96, 0x7b, 0x97, 0xbf, 0x8b, 0xe0])],
      ['Latin-1 item', Buffer.from('Grundgeb\xfchr', 'latin1')],
    ];
    for (const [what, item] of cases) {
      fs.writeFileSync(file, Buffer.concat([header, utf8('Basic fee'), Buffer.from('002,20240501,'), item, Buffer.from(',5,Tokyo\r\n')]));
      const summary = await summarize(file);
      expect(summary.notUtf8, what).toBe(true);
      expect(formatScaled(summary.total, summary.scale)).toBe('15');
    }
    // In a tag value, and in a SIM's id.
    fs.writeFileSync(file, Buffer.concat([header, utf8('Basic fee'), Buffer.from('002,20240501,Basic fee,5,M\xfcnchen\r\n', 'latin1')]));
    expect((await summarize(file)).notUtf8).toBe(true);
    fs.writeFileSync(file, Buffer.concat([header, utf8('Basic fee'), Buffer.from('00\xff,20240501,Basic fee,5,Tokyo\r\n', 'latin1')]));
    expect((await summarize(file)).notUtf8).toBe(true);
    // Two names that are each half of one character: together they would read as UTF-8.
    const a = Buffer.from('あ');
    fs.writeFileSync(file, Buffer.concat([header, Buffer.from('1,20240501,x'), a.subarray(0, 2), Buffer.from(',1,t\r\n2,20240501,'), a.subarray(2), Buffer.from('y,1,t\r\n')]));
    expect((await summarize(file)).notUtf8).toBe(true);
  });

  it('lists a date with a year before 1000 as malformed, not as a month or a day of its own', async () => {
    const file = path.join(tmp, 'old-years.csv');
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\n1,09991231,Basic fee,10\n2,000001,Basic fee,5\n3,10000101,Basic fee,1\n4,20240501,Basic fee,2\n');
    const summary = await summarize(file);
    expect(summary.malformed.map((m) => [m.line, m.reason])).toEqual([
      [2, 'date'],
      [3, 'date'],
    ]);
    expect(summary.months).toEqual(['100001', '202405']);
    expect(formatScaled(summary.total, summary.scale)).toBe('3');
  });

  it('finds columns by header name whatever their order', async () => {
    const file = path.join(tmp, 'reordered.csv');
    fs.writeFileSync(file, 'amount,tag:team,billItemName,date,simId\n1.5,a,X,20240501,s1\n-0.5,b,Y,202405,\n');
    const summary = await summarize(file);
    expect(formatScaled(summary.total, summary.scale)).toBe('1');
    expect(summary.byDevice.map((t) => t.key).sort()).toEqual(['', 's1']);
    expect(summary.byGroup[0]?.map((t) => t.key).sort()).toEqual(['a', 'b']);
  });
});

describe('split ranges parsed in parallel', () => {
  it('a quoted line break right at a split point gives the same totals as one parse', async () => {
    const header = 'imsi,date,billItemName,amount,tag:name\r\n';
    let text = header;
    for (let i = 0; i < 40; i++) {
      const tag = i === 20 ? '"first line\r\n2,20240501,Fake item,999999,tricky"' : `tag ${i}`;
      text += `${String(i).padStart(15, '0')},202405${String((i % 28) + 1).padStart(2, '0')},Item ${i % 3},${i}.5,${tag}\r\n`;
    }
    const file = path.join(tmp, 'split.csv');
    fs.writeFileSync(file, text);
    const expected = independentSummary(Buffer.from(text), ['tag:name']);
    // The tricky line looks like a row; only quote parity says it is not one.
    expect(expected.byItem.has('Fake item')).toBe(false);
    const lineBreak = text.indexOf('first line\r\n') + 'first line\r\n'.length;
    const single = await summarize(file, []);
    expectSameTotals(single, expected, file);
    for (let at = lineBreak - 3; at <= lineBreak + 3; at++) {
      const split = await summarize(file, [at]);
      expectSameTotals(split, expected, file);
      expect(split.malformed).toEqual(single.malformed);
    }
    // Splitting exactly after the quoted line break is a wrong guess, found and parsed again.
    expect((await summarize(file, [lineBreak])).reparsed).toBe(1);
    // Several splits at once, one of them in the quoted field.
    expectSameTotals(await summarize(file, [100, lineBreak, text.length - 50]), expected, file);
  });

  it('a range after the first starts at the first line start from its split point, or at the end when none comes within a record', () => {
    const long = 'x'.repeat(200 * 1024);
    const text = `h\nabc\ndef\n${long}\nz\n`;
    const file = path.join(tmp, 'line-starts.csv');
    fs.writeFileSync(file, text);
    const fd = fs.openSync(file, 'r');
    try {
      for (const data of [Buffer.from(text), undefined]) {
        const at = (offset: number, cap = 1024 * 1024) => lineStartFrom(data ? -1 : fd, data, offset, text.length, cap);
        // A line start itself, the middle of a line, the last byte of a line.
        expect([at(2), at(3), at(5), at(6)]).toEqual([2, 6, 6, 6]);
        // Inside the long line: its end, found past one piece read.
        expect(at(20)).toBe(text.length - 2);
        // Not within a record's length: none (the range is empty, and the one before reads on).
        expect(at(20, 100 * 1024)).toBe(text.length);
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a split inside an unterminated quote gives the same result as one parse', async () => {
    const text = 'imsi,date,billItemName,amount\n1,20240501,A,1\n2,20240501,"B,2\n3,20240501,C,3\n4,20240501,D,4\n';
    const file = path.join(tmp, 'unterminated.csv');
    fs.writeFileSync(file, text);
    const single = await summarize(file, []);
    for (let at = 20; at < text.length; at += 3) {
      const split = await summarize(file, [at]);
      expect([split.rows, split.malformedCount, split.total]).toEqual([1, 1, 1]);
      expect(split.malformed).toEqual(single.malformed);
    }
  });

  it('a first range without rows does not lose what the next ranges add to it', async () => {
    // The first range's totals are taken over as they are: here they are empty, and grow.
    let text = 'imsi,date,billItemName,amount,tag:name\n';
    for (let i = 0; i < 5; i++) text += `bad ${i},20240501,Item,not a number,x\n`;
    const firstRow = text.length;
    for (let i = 0; i < 300; i++) text += `${String(i).padStart(15, '0')},202405${String((i % 28) + 1).padStart(2, '0')},Item ${i % 5},${i}.25,tag ${i % 40}\n`;
    const file = path.join(tmp, 'empty-first-range.csv');
    fs.writeFileSync(file, text);
    const expected = independentSummary(Buffer.from(text), ['tag:name']);
    const split = await summarize(file, [firstRow]);
    expect(split.ranges).toHaveLength(2);
    expect(split.reparsed).toBe(0);
    expectSameTotals(split, expected, file);
    expect(split.byDeviceMonth).toHaveLength(300);
  });

  it('a generated month split into several ranges matches the independent computation, and rows read back anywhere', async () => {
    const text = generateDetailedCsv({ yyyyMM: '202405', seed: 3, sims: 30, currency: 'USD' });
    const file = path.join(tmp, 'generated.csv');
    fs.writeFileSync(file, text);
    const expected = independentSummary(Buffer.from(text), ['tag:name', 'tag:location', 'group']);
    const size = fs.statSync(file).size;
    const summary = await summarize(file, [Math.floor(size / 4), Math.floor(size / 2), Math.floor((size * 3) / 4)]);
    expectSameTotals(summary, expected, file);
    expect(summary.ranges).toHaveLength(4);

    const session = await openReviewFile(file, { runner: inlineRunner, workers: 3, splitAt: [Math.floor(size / 3), Math.floor((size * 2) / 3)] });
    await session.summary;
    for (const offset of [0, 63, 64, 65, 1000, expected.rows.length - 5]) {
      const page = await session.rows(offset, 5);
      expect(page.rows.map((r) => r.cells)).toEqual(expected.rows.slice(offset, offset + 5).map((r) => r.cells));
      expect(page.rows.map((r) => r.line)).toEqual(expected.rows.slice(offset, offset + 5).map((r) => r.line));
    }
    const filtered = await session.rows(0, 500, { text: 'sms fee' });
    const sms = expected.rows.filter((r) => r.cells.some((c) => c.toLowerCase().includes('sms fee')));
    expect(filtered.total).toBe(sms.length);
    expect(filtered.rows.map((r) => r.line)).toEqual(sms.slice(0, 500).map((r) => r.line));
  });
});

describe('amounts read from the bytes', () => {
  it('reads a sign, digits and decimals, and refuses anything else', () => {
    const read = (text: string) => {
      const b = Buffer.from(`x${text}y`);
      return parseAmountBytes(b, 1, 1 + Buffer.byteLength(text)) ? [amount.value, amount.scale] : 'refused';
    };
    expect(read('12.50')).toEqual([1250, 2]);
    expect(read('-12.5')).toEqual([-125, 1]);
    expect(read('+7')).toEqual([7, 0]);
    expect(read('-0')).toEqual([0, 0]);
    expect(Object.is(amount.value, -0)).toBe(false);
    for (const bad of ['', '-', '+', '--1', '+-1', '1.', '.5', '1.2.3', '1e3', ' 1', '0.1234567891']) expect(read(bad)).toBe('refused');
  });
});

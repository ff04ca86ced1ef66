/**
 * The review engine: reads a Soracom detailed-billing CSV by header name and sums it exactly.
 * Pure Node (fs + Buffer), synchronous, so the same code runs in a worker thread (see
 * worker.ts), inline in tests, and in the main process for small reads (the first page, a
 * window of rows).
 */
import fs from 'node:fs';
import { formatScaled, parseAmount, parsed, pow10 } from './decimal';
import { END, MORE, RECORD, Scanner, UNTERMINATED, utf8 } from './scanner';

export type MalformedReason = 'unterminated-quote' | 'invalid-quotes' | 'field-count' | 'date' | 'amount';

export interface Layout {
  /** Header names as written (UTF-8). */
  columns: string[];
  fieldCount: number;
  date: number;
  item: number;
  amount: number;
  /** The device column totals are grouped by: `imsi`, else another device-id column; -1 when none. */
  device: number;
  /** `tag:*` and group columns, in file order. */
  groups: number[];
  /** Byte offset of the first data record (after the BOM and the header). */
  dataStart: number;
  /** Line breaks in the header record. */
  headerNewlines: number;
}

export class ReviewFormatError extends Error {}

const deviceColumns = ['imsi', 'simid', 'sim_id', 'iccid', 'deviceid', 'device_id', 'subscriberid', 'msisdn'];
const groupColumn = /^(tag:.+|group|groupname|group name|group_name|groupid|group_id|group:.+)$/i;
const BOM = '\u00ef\u00bb\u00bf';
const headerProbeBytes = 1024 * 1024;

/** Reads the header record and finds the columns by name. Throws ReviewFormatError when it cannot. */
export function readLayout(fd: number, size: number): Layout {
  const buf = Buffer.allocUnsafe(Math.min(headerProbeBytes, size));
  const got = fs.readSync(fd, buf, 0, buf.length, 0);
  return layoutFromHead(buf, got, size);
}

/** `readLayout` with an asynchronous read, for the main thread. */
export async function readLayoutAsync(handle: fs.promises.FileHandle, size: number): Promise<Layout> {
  const buf = Buffer.allocUnsafe(Math.min(headerProbeBytes, size));
  const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
  return layoutFromHead(buf, bytesRead, size);
}

/** The layout from the first `got` bytes of a file of `size` bytes. */
function layoutFromHead(buf: Buffer, got: number, size: number): Layout {
  let text = buf.toString('latin1', 0, got);
  const bom = text.startsWith(BOM) ? 3 : 0;
  if (bom) text = text.slice(3);
  const scanner = new Scanner();
  scanner.feed(text, got >= size);
  const fields: string[] = [];
  const status = scanner.next(fields, allFields);
  if (status !== RECORD || scanner.n < 2) {
    throw new ReviewFormatError(got === 0 ? 'The file is empty.' : 'The first line of the file is not a CSV header.');
  }
  const columns = fields.slice(0, scanner.n).map((f) => utf8(f).trim());
  const lower = columns.map((c) => c.toLowerCase());
  const find = (name: string) => lower.indexOf(name);
  const date = find('date');
  const item = find('billitemname');
  const amount = find('amount');
  const missing = [date < 0 && 'date', item < 0 && 'billItemName', amount < 0 && 'amount'].filter(Boolean);
  if (missing.length > 0) {
    throw new ReviewFormatError(`This is not a Soracom detailed billing CSV: it has no ${missing.join(', ')} column (found ${columns.slice(0, 12).join(', ')}).`);
  }
  let device = -1;
  for (const name of deviceColumns) {
    device = find(name);
    if (device >= 0) break;
  }
  const groups: number[] = [];
  lower.forEach((c, i) => {
    if (groupColumn.test(c)) groups.push(i);
  });
  return { columns, fieldCount: columns.length, date, item, amount, device, groups, dataStart: bom + scanner.end, headerNewlines: scanner.newlines };
}

/** Every field, for reading whole rows. */
const allFields = new Uint8Array(4096).fill(1);

/** Which fields the totals need. */
export function summaryFields(layout: Layout): Uint8Array {
  const want = new Uint8Array(layout.fieldCount);
  for (const i of [layout.date, layout.item, layout.amount, layout.device, ...layout.groups]) if (i >= 0) want[i] = 1;
  return want;
}

/** 0 = not a date, 6 = yyyyMM (a monthly row), 8 = yyyyMMdd. */
export function dateKind(d: string): 0 | 6 | 8 {
  const len = d.length;
  if (len !== 6 && len !== 8) return 0;
  for (let i = 0; i < len; i++) {
    const c = d.charCodeAt(i);
    if (c < 48 || c > 57) return 0;
  }
  const month = (d.charCodeAt(4) - 48) * 10 + d.charCodeAt(5) - 48;
  if (month < 1 || month > 12) return 0;
  if (len === 6) return 6;
  const day = (d.charCodeAt(6) - 48) * 10 + d.charCodeAt(7) - 48;
  if (day < 1 || day > 31) return 0;
  if (day <= 28) return 8;
  const year = (d.charCodeAt(0) - 48) * 1000 + (d.charCodeAt(1) - 48) * 100 + (d.charCodeAt(2) - 48) * 10 + d.charCodeAt(3) - 48;
  const last = month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day >= 1 && day <= last ? 8 : 0;
}

/**
 * Why a scanned record is malformed, or undefined when it is a well-formed data row.
 * On success the amount is left in `parsed` (decimal.ts).
 */
export function classify(status: number, scanner: Scanner, fields: string[], layout: Layout): MalformedReason | undefined {
  if (status === UNTERMINATED) return 'unterminated-quote';
  if (scanner.badQuotes) return 'invalid-quotes';
  if (scanner.n !== layout.fieldCount) return 'field-count';
  if (dateKind(fields[layout.date] ?? '') === 0) return 'date';
  if (!parseAmount(fields[layout.amount] ?? '')) return 'amount';
  return undefined;
}

export function describe(reason: MalformedReason, fieldsSeen: number, layout: Layout): string {
  switch (reason) {
    case 'unterminated-quote':
      return 'A quoted field is never closed; the rest of the file is this one record.';
    case 'invalid-quotes':
      return 'Text follows a closing quote.';
    case 'field-count':
      return `${fieldsSeen} fields where the header has ${layout.fieldCount}.`;
    case 'date':
      return `The ${layout.columns[layout.date] ?? 'date'} is not yyyyMMdd or yyyyMM.`;
    case 'amount':
      return `The ${layout.columns[layout.amount] ?? 'amount'} is not a decimal number.`;
  }
}

/** Reads records from a byte offset, a piece at a time, feeding the scanner. */
export class RecordStream {
  readonly scanner = new Scanner();
  /** Byte offset of `scanner.s[0]` in the file. */
  base: number;
  private filePos: number;
  private readonly buf: Buffer;

  constructor(
    private readonly fd: number,
    from: number,
    private readonly size: number,
    chunkBytes = 1024 * 1024,
    /** Called with the bytes read so far after each piece. */
    private readonly onRead?: (bytes: number) => void,
  ) {
    this.base = from;
    this.filePos = from;
    this.buf = Buffer.allocUnsafe(Math.max(1024, Math.min(chunkBytes, size - from + 1)));
    this.scanner.feed('', from >= size);
  }

  /** Offset of the next record. */
  position(): number {
    return this.base + this.scanner.p;
  }

  /** Offset where the last record started. */
  recordStart(): number {
    return this.base + this.scanner.start;
  }

  next(fields: string[], want: Uint8Array): number {
    for (;;) {
      const status = this.scanner.next(fields, want);
      if (status !== MORE) return status;
      this.fill(fs.readSync(this.fd, this.buf, 0, this.buf.length, this.filePos));
    }
  }

  /** `next` with asynchronous reads, for the main thread. */
  async nextAsync(fields: string[], want: Uint8Array): Promise<number> {
    for (;;) {
      const status = this.scanner.next(fields, want);
      if (status !== MORE) return status;
      this.fill(await readAsync(this.fd, this.buf, 0, this.buf.length, this.filePos));
    }
  }

  /** Feeds the scanner the `got` bytes just read into the buffer. */
  private fill(got: number): void {
    const rest = this.scanner.rest();
    const text = this.buf.toString('latin1', 0, got);
    this.base = this.filePos - rest.length;
    this.filePos += got;
    this.scanner.feed(rest === '' ? text : rest + text, got === 0 || this.filePos >= this.size);
    this.onRead?.(got);
  }
}

const readAsync = (fd: number, buf: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) => fs.read(fd, buf, offset, length, position, (error, got) => (error ? reject(error) : resolve(got))));

// ---------------------------------------------------------------------------------------------
// Summaries of byte ranges

export interface RangeJob {
  path: string;
  /** A record start (or a guess at one, for all ranges but the first). */
  start: number;
  /** Stop at the first record that starts at or after this offset. */
  end: number;
  layout: Layout;
  /** Malformed records kept with their text (the count is always complete). */
  keepMalformed: number;
  /** An index entry every this many well-formed rows. */
  indexEvery: number;
  chunkBytes?: number;
}

/** [key, amount at the result's scale, rows] */
export type TotalEntry = [string, number, number];

export interface MalformedEntry {
  /** Line breaks before the record, counted from the range's start. */
  lineInRange: number;
  reason: MalformedReason;
  detail: string;
  raw: string;
  truncated: boolean;
}

export interface RangeResult {
  start: number;
  /** Where the first record at or after `end` starts (the file size at the end). */
  stoppedAt: number;
  rows: number;
  malformedCount: number;
  blankLines: number;
  newlines: number;
  /** Amounts are integers in units of 10^-scale. */
  scale: number;
  total: number;
  byItem: TotalEntry[];
  byDay: TotalEntry[];
  /** Rows dated yyyyMM, by month. */
  byMonthRow: TotalEntry[];
  byDevice: TotalEntry[];
  byGroup: TotalEntry[][];
  /** Every yyyyMM seen in the dates. */
  months: string[];
  malformed: MalformedEntry[];
  /** Row (in range), byte offset, line (in range) of every `indexEvery`-th well-formed row. */
  index: { rows: number[]; offsets: number[]; lines: number[] };
}

interface Acc {
  amount: number;
  rows: number;
}

/** What the last row of a device added to: its total, and its tag/group values and totals. */
interface DeviceEntry {
  acc: Acc;
  values: string[];
  accs: Acc[];
}

/** A few keys compared by value before the map is asked: bill items are few and alternate. */
class SmallKeys {
  private keys: string[] = [];
  private accs: Acc[] = [];
  constructor(private readonly totals: Totals) {}
  acc(key: string): Acc {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.accs[i] as Acc;
    const acc = this.totals.acc(key);
    if (keys.length < 12) {
      keys.push(key);
      this.accs.push(acc);
    }
    return acc;
  }
}

class Totals {
  readonly map = new Map<string, Acc>();
  private lastKey = '\u0000';
  private lastAcc: Acc = { amount: 0, rows: 0 };
  /** The accumulator of `key` (created at zero). */
  acc(key: string): Acc {
    // Rows come in runs (one day after the other): the last key is the likely one.
    if (key === this.lastKey) return this.lastAcc;
    let acc = this.map.get(key);
    if (acc === undefined) {
      acc = { amount: 0, rows: 0 };
      this.map.set(detach(key), acc);
    }
    this.lastKey = key;
    this.lastAcc = acc;
    return acc;
  }
  add(key: string, value: number): void {
    const acc = this.acc(key);
    acc.amount += value;
    acc.rows++;
  }
  rescale(factor: number): void {
    for (const acc of this.map.values()) acc.amount *= factor;
  }
  entries(): TotalEntry[] {
    return [...this.map].map(([k, a]) => [utf8(k), a.amount, a.rows]);
  }
}

export class TooLargeError extends Error {}

const rawLimit = 500;

export function rawText(s: string, from: number, to: number): { raw: string; truncated: boolean } {
  const truncated = to - from > rawLimit;
  let raw = s.slice(from, truncated ? from + rawLimit : to);
  raw = raw.replace(/\r?\n$/, '');
  // Decoded text is not latin1 any more: copying it as latin1 would keep one byte of each character.
  const text = utf8(raw);
  return { raw: text === raw ? detach(raw) : text, truncated };
}

/**
 * A copy of `s` that does not keep the text it was sliced from alive (a slice of a piece of
 * the file would otherwise hold the whole piece in memory for as long as it is kept).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

/** Sums the records of one byte range. */
export function summarizeRange(job: RangeJob, onProgress?: (bytes: number) => void): RangeResult {
  const { layout } = job;
  const fd = fs.openSync(job.path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const stream = new RecordStream(fd, job.start, size, job.chunkBytes, onProgress);
    const want = summaryFields(layout);
    const fields: string[] = new Array<string>(layout.fieldCount).fill('');
    const byItem = new Totals();
    const byDay = new Totals();
    const byMonthRow = new Totals();
    const byDevice = new Totals();
    const byGroup = layout.groups.map(() => new Totals());
    const all = [byItem, byDay, byMonthRow, byDevice, ...byGroup];
    const months = new Set<string>();
    const items = new SmallKeys(byItem);
    const devices = new Map<string, DeviceEntry>();
    const malformed: MalformedEntry[] = [];
    const index = { rows: [] as number[], offsets: [] as number[], lines: [] as number[] };
    const { date: dateAt, item: itemAt, device: deviceAt, groups } = layout;
    const groupCount = groups.length;
    const indexEvery = job.indexEvery;
    let rows = 0;
    let malformedCount = 0;
    let blankLines = 0;
    let newlines = 0;
    let scale = 0;
    let total = 0;
    let absSum = 0;
    let lastDate = '';
    for (;;) {
      if (stream.position() >= job.end) break;
      const status = stream.next(fields, want);
      if (status === END) break;
      const sc = stream.scanner;
      if (status === RECORD && sc.blank) {
        blankLines++;
        newlines += sc.newlines;
        continue;
      }
      const reason = classify(status, sc, fields, layout);
      if (reason !== undefined) {
        malformedCount++;
        if (malformed.length < job.keepMalformed) {
          malformed.push({ lineInRange: newlines, reason, detail: describe(reason, sc.n, layout), ...rawText(sc.s, sc.start, sc.end) });
        }
        newlines += sc.newlines;
        continue;
      }
      if (rows % indexEvery === 0) {
        index.rows.push(rows);
        index.offsets.push(stream.recordStart());
        index.lines.push(newlines);
      }
      newlines += sc.newlines;
      rows++;
      let value = parsed.value;
      if (parsed.scale !== scale) {
        if (parsed.scale > scale) {
          const factor = pow10[parsed.scale - scale] ?? 1;
          for (const t of all) t.rescale(factor);
          total *= factor;
          absSum *= factor;
          scale = parsed.scale;
        } else {
          value *= pow10[scale - parsed.scale] ?? 1;
        }
      }
      total += value;
      absSum += value < 0 ? -value : value;
      if (absSum > Number.MAX_SAFE_INTEGER) throw new TooLargeError('The amounts in this file are too large to sum exactly.');
      const date = fields[dateAt] as string;
      const itemAcc = items.acc(fields[itemAt] as string);
      itemAcc.amount += value;
      itemAcc.rows++;
      if (date.length === 8) {
        byDay.add(date, value);
        if (date !== lastDate) {
          months.add(detach(date.slice(0, 6)));
          lastDate = date;
        }
      } else {
        byMonthRow.add(date, value);
        months.add(detach(date));
      }
      if (deviceAt >= 0) {
        // A device's tags and group rarely change within a file: one lookup per row, then compares.
        const device = fields[deviceAt] as string;
        let entry = devices.get(device);
        if (entry === undefined) {
          entry = { acc: byDevice.acc(device), values: [], accs: [] };
          for (let g = 0; g < groupCount; g++) {
            const v = fields[groups[g] as number] as string;
            entry.values.push(detach(v));
            entry.accs.push((byGroup[g] as Totals).acc(v));
          }
          devices.set(detach(device), entry);
        }
        entry.acc.amount += value;
        entry.acc.rows++;
        for (let g = 0; g < groupCount; g++) {
          const v = fields[groups[g] as number] as string;
          if (v !== entry.values[g]) {
            entry.values[g] = detach(v);
            entry.accs[g] = (byGroup[g] as Totals).acc(v);
          }
          const acc = entry.accs[g] as Acc;
          acc.amount += value;
          acc.rows++;
        }
      } else {
        for (let g = 0; g < groupCount; g++) (byGroup[g] as Totals).add(fields[groups[g] as number] as string, value);
      }
    }
    return {
      start: job.start,
      stoppedAt: Math.min(stream.position(), size),
      rows,
      malformedCount,
      blankLines,
      newlines,
      scale,
      total,
      byItem: byItem.entries(),
      byDay: byDay.entries(),
      byMonthRow: byMonthRow.entries(),
      byDevice: byDevice.entries(),
      byGroup: byGroup.map((t) => t.entries()),
      months: [...months],
      malformed,
      index,
    };
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Filters

export interface RowFilter {
  /** Case-insensitive text to look for. */
  text: string;
  /** Only in this column (a header name); any column when absent. */
  column?: string;
  /** The whole cell must equal `text` (case-sensitive). */
  exact?: boolean;
}

export interface FilterJob {
  path: string;
  start: number;
  /** The exact end of the range (a record boundary found by the summary). */
  end: number;
  /** Global number of the range's first well-formed row. */
  rowBase: number;
  layout: Layout;
  filter: RowFilter;
}

export function rowMatcher(layout: Layout, filter: RowFilter): { want: Uint8Array; test: (fields: string[]) => boolean } {
  const column = filter.column === undefined ? -1 : layout.columns.indexOf(filter.column);
  if (filter.column !== undefined && column < 0) throw new ReviewFormatError(`The file has no column named ${filter.column}.`);
  const want = new Uint8Array(layout.fieldCount);
  if (column >= 0) want[column] = 1;
  else want.fill(1);
  if (filter.exact) {
    const needle = Buffer.from(filter.text, 'utf8').toString('latin1');
    if (column >= 0) return { want, test: (f) => f[column] === needle };
    return { want, test: (f) => f.includes(needle) };
  }
  const needle = filter.text.toLowerCase();
  const asciiNeedle = /^[\x20-\x7e]*$/.test(needle);
  const cellMatches = (cell: string) => (asciiNeedle && !/[\x80-\xff]/.test(cell) ? cell.toLowerCase().includes(needle) : utf8(cell).toLowerCase().includes(needle));
  if (column >= 0) return { want, test: (f) => cellMatches(f[column] as string) };
  const n = layout.fieldCount;
  return {
    want,
    test: (f) => {
      for (let i = 0; i < n; i++) if (cellMatches(f[i] as string)) return true;
      return false;
    },
  };
}

/** Global numbers of the well-formed rows of a range that match the filter. */
export function filterRange(job: FilterJob): Uint32Array {
  const fd = fs.openSync(job.path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const stream = new RecordStream(fd, job.start, size);
    const { want, test } = rowMatcher(job.layout, job.filter);
    // Validity needs the date and amount too.
    want[job.layout.date] = 1;
    want[job.layout.amount] = 1;
    const fields: string[] = new Array<string>(job.layout.fieldCount).fill('');
    let out = new Uint32Array(1024);
    let count = 0;
    let row = job.rowBase;
    for (;;) {
      if (stream.position() >= job.end) break;
      const status = stream.next(fields, want);
      if (status === END) break;
      if (status === RECORD && stream.scanner.blank) continue;
      if (classify(status, stream.scanner, fields, job.layout) !== undefined) continue;
      if (test(fields)) {
        if (count === out.length) {
          const grown = new Uint32Array(out.length * 2);
          grown.set(out);
          out = grown;
        }
        out[count++] = row;
      }
      row++;
    }
    return out.slice(0, count);
  } finally {
    fs.closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Windows of rows, read on demand

export interface RowIndex {
  rows: Float64Array;
  offsets: Float64Array;
  lines: Float64Array;
  count: number;
}

export interface ReadRow {
  /** 0-based number among well-formed rows. */
  n: number;
  /** 1-based line in the file where the record starts. */
  line: number;
  cells: string[];
}

/** Reads the given data rows (by number) through the row index: the first page, a window of rows. */
export async function readRows(path: string, layout: Layout, index: RowIndex, targets: ArrayLike<number>, lineBase: number): Promise<ReadRow[]> {
  const out: ReadRow[] = [];
  if (targets.length === 0 || index.count === 0) return out;
  const handle = await fs.promises.open(path, 'r');
  const fd = handle.fd;
  try {
    const size = (await handle.stat()).size;
    const fields: string[] = new Array<string>(layout.fieldCount).fill('');
    const want = new Uint8Array(Math.max(layout.fieldCount, 1)).fill(1);
    let stream: RecordStream | undefined;
    let row = -1;
    let line = 0;
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t] as number;
      const entry = findEntry(index, target);
      const entryRow = index.rows[entry] as number;
      if (stream === undefined || target < row || (target - row > 256 && entryRow > row)) {
        stream = new RecordStream(fd, index.offsets[entry] as number, size, 256 * 1024);
        row = entryRow;
        line = index.lines[entry] as number;
      }
      for (;;) {
        const status = await stream.nextAsync(fields, want);
        if (status === END) return out;
        const sc = stream.scanner;
        const startLine = line;
        line += sc.newlines;
        if (status === RECORD && sc.blank) continue;
        if (classify(status, sc, fields, layout) !== undefined) continue;
        if (row === target) {
          out.push({ n: row, line: lineBase + startLine + 1, cells: fields.slice(0, layout.fieldCount).map(utf8) });
          row++;
          break;
        }
        row++;
      }
    }
    return out;
  } finally {
    await handle.close();
  }
}

function findEntry(index: RowIndex, row: number): number {
  let lo = 0;
  let hi = index.count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((index.rows[mid] as number) <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export { formatScaled };

/**
 * The review engine: reads a Soracom detailed-billing CSV by header name and sums it exactly.
 * Pure Node (fs + Buffer), synchronous, so the same code runs in a worker thread (see
 * worker.ts), inline in tests, and in the main process for small reads (the first page, a
 * window of rows).
 *
 * Summaries never decode a field to a string: dates and amounts are parsed from the bytes,
 * and the keys of the totals (items, devices, tags) are interned byte slices (keys.ts). Amounts
 * are summed as integers at the finest decimal scale seen, exact while every partial sum fits
 * in a double's 53-bit integer range (the engine checks that bound and says so when a file
 * exceeds it).
 */
import fs from 'node:fs';
import { formatScaled, pow10 } from './decimal';
import { Dense, KeyTable, otherKey, Sums, TupleTable, viewOf, type PackedKeys, type PackedSums } from './keys';
import { END, fieldText, Fields, maxRecordBytes, MORE, RECORD, RecordReader, scanFields, scanRecord, TOO_LONG, UNTERMINATED, type ScanState } from './scanner';

export type MalformedReason = 'unterminated-quote' | 'invalid-quotes' | 'field-count' | 'date' | 'amount' | 'too-long';

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
export class TooLargeError extends Error {}

const deviceColumns = ['imsi', 'simid', 'sim_id', 'iccid', 'deviceid', 'device_id', 'subscriberid', 'msisdn'];
const groupColumn = /^(tag:.+|group|groupname|group name|group_name|groupid|group_id|group:.+)$/i;
const headerProbeBytes = 1024 * 1024;

/** At most this many columns are read. */
const maxColumns = 4096;

/** Caps on the distinct keys of each total; past a cap, rows count under `otherKey`. */
export const caps = { items: 10_000, days: 10_000, months: 1_200, devices: 200_000, groupValues: 200_000, pairs: 1_000_000, combos: 262_144 };

/** Pair keys are `key * monthWidth + month index`. */
const monthWidth = 2048;

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
  const bom = got >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const f = new Fields(maxColumns);
  const st: ScanState = { end: 0, newlines: 0, badQuotes: false, blank: false };
  const status = scanRecord(buf, viewOf(buf), bom, got, got >= size, f, st);
  if (status !== RECORD || f.n < 2) {
    if (got === 0) throw new ReviewFormatError('The file is empty.');
    if (status === MORE) throw new ReviewFormatError(`The first line of the file is longer than ${headerProbeBytes / 1024 / 1024} MiB: it is not a CSV header.`);
    throw new ReviewFormatError('The first line of the file is not a CSV header.');
  }
  if (f.n > maxColumns) throw new ReviewFormatError(`The header has ${f.n} columns; Billfold reads at most ${maxColumns}.`);
  const columns: string[] = [];
  for (let i = 0; i < f.n; i++) columns.push(fieldText(buf, f, i).trim());
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
  return { columns, fieldCount: columns.length, date, item, amount, device, groups, dataStart: st.end, headerNewlines: st.newlines };
}

/** yyyyMMdd or yyyyMM of a date text, as that number; 0 when it is not a valid date. */
export function dateNumber(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len !== 6 && len !== 8) return 0;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return 0;
    v = v * 10 + d;
  }
  const ym = len === 8 ? Math.floor(v / 100) : v;
  const month = ym % 100;
  if (month < 1 || month > 12) return 0;
  if (len === 6) return v;
  const day = v % 100;
  if (day < 1) return 0;
  if (day <= 28) return v;
  const year = Math.floor(ym / 100);
  const last = month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= last ? v : 0;
}

/** 0 = not a date, 6 = yyyyMM (a monthly row), 8 = yyyyMMdd. */
export function dateKind(d: string): 0 | 6 | 8 {
  const b = Buffer.from(d, 'latin1');
  const v = dateNumber(b, 0, b.length);
  return v === 0 ? 0 : v >= 10_000_000 ? 8 : 6;
}

/** Amounts hold at most this many digits after the point. */
const maxScale = 9;

/** The result of the last successful `parseAmountBytes`, kept outside to avoid an object per row. */
export const amount = { value: 0, scale: 0 };

/** Parses `-123.45`, `+7`, `0.0002` from bytes; false for anything else. */
export function parseAmountBytes(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  let negative = false;
  if (i < e) {
    const first = buf[i];
    if (first === 45) {
      negative = true;
      i++;
    } else if (first === 43) i++;
  }
  let value = 0;
  const intFrom = i;
  for (; i < e; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === intFrom) return false;
  let scale = 0;
  if (i < e) {
    if (buf[i] !== 46) return false;
    i++;
    for (; i < e; i++) {
      const d = (buf[i] as number) - 48;
      if (d < 0 || d > 9) return false;
      value = value * 10 + d;
      scale++;
    }
    if (scale === 0) return false;
  }
  if (scale > maxScale || value > Number.MAX_SAFE_INTEGER) return false;
  amount.value = negative && value !== 0 ? -value : value;
  amount.scale = scale;
  return true;
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
    case 'too-long':
      return `The record is longer than ${maxRecordBytes / 1024 / 1024} MiB; reading went on after its end.`;
  }
}

/**
 * Why the record just read is malformed, or undefined when it is a well-formed data row
 * (its date is then in `lastDate` and its amount in `amount`).
 */
export function classify(status: number, reader: RecordReader, layout: Layout): MalformedReason | undefined {
  if (status === UNTERMINATED) return 'unterminated-quote';
  if (status === TOO_LONG) return 'too-long';
  if (reader.st.badQuotes) return 'invalid-quotes';
  const f = reader.fields;
  if (f.n !== layout.fieldCount) return 'field-count';
  const buf = reader.buf;
  const d = layout.date;
  const dk = f.kind[d] as number;
  lastDate = dk < 2 ? dateNumber(buf, f.start[d] as number, f.end[d] as number) : 0;
  if (lastDate === 0) return 'date';
  const a = layout.amount;
  if ((f.kind[a] as number) >= 2 || !parseAmountBytes(buf, f.start[a] as number, f.end[a] as number)) return 'amount';
  return undefined;
}

let lastDate = 0;

// ---------------------------------------------------------------------------------------------
// Totals

/** [key, amount at the result's scale, rows] */
export type TotalEntry = [string, number, number];

/** The totals of one or more ranges, packed for posting between threads. */
export interface PackedTables {
  scale: number;
  total: number;
  /** Sum of absolute amounts (bounds every partial sum). */
  absSum: number;
  items: PackedKeys;
  devices: PackedKeys;
  /** Tag and group columns by header name. */
  groupNames: string[];
  groupKeys: PackedKeys[];
  /** yyyyMM by month index. */
  months: string[];
  itemMonth: PackedSums;
  deviceMonth: PackedSums;
  groupMonth: PackedSums[];
  /** Rows dated yyyyMMdd by that number. */
  day: PackedSums;
  /** Rows dated yyyyMM by that number. */
  monthRow: PackedSums;
}

/** Totals being summed: keys interned as bytes, sums in typed arrays. */
export class Tables {
  scale = 0;
  total = 0;
  absSum = 0;
  readonly items = new KeyTable(caps.items, 64, true);
  readonly devices = new KeyTable(caps.devices, 1024);
  readonly groupNames: string[] = [];
  readonly groupKeys: KeyTable[] = [];
  readonly monthIndex = new Map<string, number>();
  readonly months: string[] = [];
  readonly itemMonth = new Sums(256, caps.pairs);
  readonly deviceMonth = new Sums(4096, caps.pairs);
  readonly groupMonth: Sums[] = [];
  readonly day = new Sums(64);
  readonly monthRow = new Sums(16);
  private readonly all: Sums[] = [this.itemMonth, this.deviceMonth, this.day, this.monthRow];
  /** This month's sums by item, device and tag value, moved into the pair sums by `flush`. */
  readonly itemDense = new Dense();
  readonly deviceDense = new Dense();
  readonly groupDense: Dense[] = [];
  /** The month the dense sums are for (-1: none). */
  denseMonth = -1;

  /** Moves the dense sums into the pair sums. */
  flush(): void {
    const m = this.denseMonth;
    if (m < 0) return;
    this.itemDense.flush(this.itemMonth, monthWidth, m);
    this.deviceDense.flush(this.deviceMonth, monthWidth, m);
    for (let g = 0; g < this.groupDense.length; g++) (this.groupDense[g] as Dense).flush(this.groupMonth[g] as Sums, monthWidth, m);
  }

  /** The slot of a tag or group column, by its header name. */
  groupSlot(name: string): number {
    let g = this.groupNames.indexOf(name);
    if (g < 0) {
      g = this.groupNames.length;
      this.groupNames.push(name);
      this.groupKeys.push(new KeyTable(caps.groupValues, 1024));
      const sums = new Sums(4096, caps.pairs);
      this.groupMonth.push(sums);
      this.groupDense.push(new Dense());
      this.all.push(sums);
    }
    return g;
  }

  /** The index of a month (yyyyMM); past the cap, the "other" month. */
  month(yyyyMM: string): number {
    let m = this.monthIndex.get(yyyyMM);
    if (m === undefined) {
      if (this.months.length >= caps.months) {
        m = this.monthIndex.get(otherKey);
        if (m === undefined) {
          m = this.months.length;
          this.months.push(otherKey);
          this.monthIndex.set(otherKey, m);
        }
        return m;
      }
      m = this.months.length;
      this.months.push(yyyyMM);
      this.monthIndex.set(yyyyMM, m);
    }
    return m;
  }

  /** Moves every sum to a finer scale. */
  setScale(scale: number): void {
    this.flush();
    const factor = pow10[scale - this.scale] ?? 1;
    for (const s of this.all) s.rescale(factor);
    this.total *= factor;
    this.absSum *= factor;
    this.scale = scale;
    if (this.absSum > Number.MAX_SAFE_INTEGER) throw tooLarge();
  }

  pack(): PackedTables {
    this.flush();
    return {
      scale: this.scale,
      total: this.total,
      absSum: this.absSum,
      items: this.items.pack(),
      devices: this.devices.pack(),
      groupNames: [...this.groupNames],
      groupKeys: this.groupKeys.map((k) => k.pack()),
      months: [...this.months],
      itemMonth: this.itemMonth.pack(),
      deviceMonth: this.deviceMonth.pack(),
      groupMonth: this.groupMonth.map((s) => s.pack()),
      day: this.day.pack(),
      monthRow: this.monthRow.pack(),
    };
  }

  /** Adds packed totals (of another range or thread) to these. */
  absorb(p: PackedTables): void {
    this.flush();
    if (p.scale > this.scale) this.setScale(p.scale);
    const f = pow10[this.scale - p.scale] ?? 1;
    const itemIds = this.items.idsOf(p.items);
    const deviceIds = this.devices.idsOf(p.devices);
    this.itemMonth.reserve(p.itemMonth.keys.length);
    this.deviceMonth.reserve(p.deviceMonth.keys.length);
    const monthIds = p.months.map((m) => this.month(m));
    const pair = (s: PackedSums, ids: Int32Array, into: Sums) => {
      for (let i = 0; i < s.keys.length; i++) {
        const key = s.keys[i] as number;
        if (key < 0) {
          into.addSum(-1, (s.amounts[i] as number) * f, s.rows[i] as number);
          continue;
        }
        const k = Math.floor(key / monthWidth);
        const m = key - k * monthWidth;
        into.addSum((ids[k] as number) * monthWidth + (monthIds[m] as number), (s.amounts[i] as number) * f, s.rows[i] as number);
      }
    };
    pair(p.itemMonth, itemIds, this.itemMonth);
    pair(p.deviceMonth, deviceIds, this.deviceMonth);
    p.groupNames.forEach((name, g) => {
      const slot = this.groupSlot(name);
      const table = this.groupKeys[slot] as KeyTable;
      (this.groupMonth[slot] as Sums).reserve((p.groupMonth[g] as PackedSums).keys.length);
      pair(p.groupMonth[g] as PackedSums, table.idsOf(p.groupKeys[g] as PackedKeys), this.groupMonth[slot] as Sums);
    });
    for (const [from, into] of [
      [p.day, this.day],
      [p.monthRow, this.monthRow],
    ] as const) {
      for (let i = 0; i < from.keys.length; i++) into.addSum(from.keys[i] as number, (from.amounts[i] as number) * f, from.rows[i] as number);
    }
    this.total += p.total * f;
    this.absSum += p.absSum * f;
    if (this.absSum > Number.MAX_SAFE_INTEGER) throw tooLarge();
  }
}

const tooLarge = () => new TooLargeError('The amounts in this file are too large to sum exactly.');

export { monthWidth };

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
  /** The most bytes one record may span (default `maxRecordBytes`; smaller in tests). */
  recordCap?: number;
}

export interface MalformedEntry {
  /** Line breaks before the record, counted from the range's start. */
  lineInRange: number;
  reason: MalformedReason;
  detail: string;
  raw: string;
  truncated: boolean;
}

/** What one range was, beside its totals. */
export interface RangeStats {
  start: number;
  /** Where the first record at or after `end` starts (the file size at the end). */
  stoppedAt: number;
  rows: number;
  malformedCount: number;
  blankLines: number;
  newlines: number;
  malformed: MalformedEntry[];
  /** yyyyMM of the rows' dates. */
  months: string[];
  /** Row (in range), byte offset, line (in range) of every `indexEvery`-th well-formed row. */
  index: { rows: number[]; offsets: number[]; lines: number[] };
}

export interface RangeResult extends RangeStats {
  tables: PackedTables;
}

/** Sums the records of one byte range into `t`. */
export function summarizeInto(job: RangeJob, t: Tables, onProgress?: (bytes: number) => void, cancelled?: () => boolean): RangeStats {
  const { layout } = job;
  const fd = fs.openSync(job.path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const reader = new RecordReader(
      fd,
      job.start,
      size,
      layout.fieldCount + 1,
      job.chunkBytes,
      (bytes) => {
        onProgress?.(bytes);
        if (cancelled?.()) throw new CancelledError();
      },
      job.recordCap,
    );
    const f = reader.fields;
    const st = reader.st;
    const fStart = f.start;
    const fEnd = f.end;
    const fKind = f.kind;
    const malformed: MalformedEntry[] = [];
    const index = { rows: [] as number[], offsets: [] as number[], lines: [] as number[] };
    const { item: itemAt, device: deviceAt } = layout;
    const groupAt = Int32Array.from(layout.groups);
    const groupCount = groupAt.length;
    const groupSlots = layout.groups.map((g) => t.groupSlot(layout.columns[g] ?? ''));
    const groupKeys = groupSlots.map((s) => t.groupKeys[s] as KeyTable);
    const groupDense = groupSlots.map((s) => t.groupDense[s] as Dense);
    const { items, devices, itemDense, deviceDense, day, monthRow } = t;
    const noDevice = deviceAt < 0 ? devices.idOf('') : -1;
    const indexEvery = job.indexEvery;
    let scratch: Buffer | undefined;
    let scratchView: DataView | undefined;
    const view = reader.view;
    /** Per table, the keys as written with doubled quotes, and the key each one stands for. */
    const escaped = new Map<KeyTable, { raw: KeyTable; to: Int32Array }>();
    /** The key number of field `i`, doubled quotes undone. */
    const keyOf = (table: KeyTable, i: number): number => {
      const s = fStart[i] as number;
      const e = fEnd[i] as number;
      if (fKind[i] !== 2) return table.id(view, s, e);
      // A value with doubled quotes is undone once; later rows find it by its written bytes.
      let alias = escaped.get(table);
      if (alias === undefined) {
        alias = { raw: new KeyTable(table.cap, 64), to: new Int32Array(64).fill(-1) };
        escaped.set(table, alias);
      }
      const a = alias.raw.id(view, s, e);
      if (a >= alias.to.length) {
        const grown = new Int32Array(Math.max(alias.to.length * 2, a + 1)).fill(-1);
        grown.set(alias.to);
        alias.to = grown;
      }
      // Past the alias table's cap its "other" key stands for many values: undo those every time.
      let k = a === alias.raw.other ? -1 : (alias.to[a] as number);
      if (k < 0) {
        const buf = reader.buf;
        scratch ??= Buffer.allocUnsafe(maxRecordBytes);
        scratchView ??= viewOf(scratch);
        let n = 0;
        for (let p = s; p < e; p++) {
          const c = buf[p] as number;
          scratch[n++] = c;
          if (c === 34) p++;
        }
        k = table.id(scratchView, 0, n);
        if (a !== alias.raw.other) alias.to[a] = k;
      }
      return k;
    };
    let rows = 0;
    let malformedCount = 0;
    let blankLines = 0;
    let newlines = 0;
    let scale = t.scale;
    let total = 0;
    let absSum = 0;
    let lastMonthNumber = -1;
    let lastDateSeen = -1;
    let monthNumber = -1;
    t.flush();
    /** Per device number, the tag values of its last row. */
    let hints = new Int32Array(1024 * Math.max(1, groupCount)).fill(-1);
    let hintAt = 0;
    let lastDevice = -1;
    let absBound = Number.MAX_SAFE_INTEGER - t.absSum;
    const monthsSeen = new Set<number>();
    const buf = reader.buf;
    const fieldCount = layout.fieldCount;
    const dateAt = layout.date;
    const amountAt = layout.amount;
    const cap = job.recordCap ?? maxRecordBytes;
    // Fields from `tailFrom` on are tag and group columns or unused: when a row's bytes from
    // there to its line break are those of the row before, so are its tag and group values.
    const tailFrom = Math.max(dateAt, amountAt, itemAt, deviceAt) + 1;
    const groupsInTail = layout.groups.every((g) => g >= tailFrom);
    const groupIds = new Int32Array(groupCount);
    // A device with its tag and group values is one sum per row (a "combo"), spread over the
    // device and tag sums when the month's sums are flushed.
    const combos = new TupleTable(1 + groupCount, caps.combos);
    const comboDense = new Dense();
    const tuple = new Int32Array(1 + groupCount);
    let combo = -1;
    /** Per device number, its last combo. */
    let comboHints = new Int32Array(1024).fill(-1);
    const flushCombos = () => {
      const sums = comboDense.sums;
      for (let i = 0; i < comboDense.touchedCount; i++) {
        const c = comboDense.touched[i] as number;
        const a = sums[2 * c] as number;
        const r = sums[2 * c + 1] as number;
        sums[2 * c] = 0;
        sums[2 * c + 1] = 0;
        deviceDense.addRows(combos.at(c, 0), a, r);
        for (let g = 0; g < groupCount; g++) (groupDense[g] as Dense).addRows(combos.at(c, g + 1), a, r);
      }
      comboDense.touchedCount = 0;
    };
    // The row before, as positions in the buffer (valid until the buffer moves).
    let prevValid = false;
    let prevTail = 0;
    let prevTailLength = -1;
    let prevDate = 0;
    let prevDateStart = 0;
    let prevDateLength = -1;
    let prevDeviceStart = 0;
    let prevDeviceLength = -1;
    let prevDeviceKind = 0;
    /** Whether `length` bytes at `x` and at `y` are the same. */
    const same = (x: number, y: number, length: number): boolean => {
      const e = x + length;
      while (x + 4 <= e) {
        if (view.getInt32(x, true) !== view.getInt32(y, true)) return false;
        x += 4;
        y += 4;
      }
      while (x < e) {
        if (buf[x] !== buf[y]) return false;
        x++;
        y++;
      }
      return true;
    };
    for (;;) {
      // The usual row is read here straight from the buffer; anything else (the buffer's end,
      // a malformed or blank record, one over the cap) by the reader, which knows every case.
      const p = reader.p;
      let end = -1;
      let date = 0;
      let tailSame = false;
      let tail = 0;
      const len = reader.len;
      if (p < job.end - reader.base && !reader.skipping) {
        tail = tailFrom < fieldCount ? scanFields(buf, view, p, len, 0, tailFrom, fieldCount, fStart, fEnd, fKind) : -1;
        if (tail >= 0) {
          if (prevValid && prevTailLength >= 0 && tail + prevTailLength <= len && same(tail, prevTail, prevTailLength)) {
            end = tail + prevTailLength;
            tailSame = true;
          } else end = scanFields(buf, view, tail, len, tailFrom, fieldCount, fieldCount, fStart, fEnd, fKind);
        } else if (tailFrom >= fieldCount) end = scanFields(buf, view, p, len, 0, fieldCount, fieldCount, fStart, fEnd, fKind);
        if (end >= 0) {
          const ds = fStart[dateAt] as number;
          const dl = (fEnd[dateAt] as number) - ds;
          if (end - p > cap || (fKind[dateAt] as number) >= 2 || (fKind[amountAt] as number) >= 2) end = -1;
          else {
            date = prevValid && dl === prevDateLength && same(ds, prevDateStart, dl) ? prevDate : dateNumber(buf, ds, ds + dl);
            if (date === 0 || !parseAmountBytes(buf, fStart[amountAt] as number, fEnd[amountAt] as number)) end = -1;
            else {
              prevDate = date;
              prevDateStart = ds;
              prevDateLength = dl;
            }
          }
        }
      }
      let recordStart: number;
      let rowNewlines = 1;
      if (end >= 0) {
        recordStart = reader.base + p;
        reader.skipTo(end);
      } else {
        if (reader.position() >= job.end) break;
        const status = reader.next();
        if (status === END) break;
        // The buffer may have moved.
        prevValid = false;
        prevTailLength = -1;
        prevDateLength = -1;
        prevDeviceLength = -1;
        if (status === RECORD && st.blank) {
          blankLines++;
          newlines += st.newlines;
          continue;
        }
        const reason = classify(status, reader, layout);
        if (reason !== undefined) {
          malformedCount++;
          if (malformed.length < job.keepMalformed) {
            malformed.push({ lineInRange: newlines, reason, detail: describe(reason, f.n, layout), ...reader.rawText() });
          }
          newlines += st.newlines;
          continue;
        }
        date = lastDate;
        recordStart = reader.recordStart;
        rowNewlines = st.newlines;
      }
      if (rows % indexEvery === 0) {
        index.rows.push(rows);
        index.offsets.push(recordStart);
        index.lines.push(newlines);
      }
      newlines += rowNewlines;
      rows++;
      let value = amount.value;
      if (amount.scale !== scale) {
        if (amount.scale > scale) {
          t.total += total;
          t.absSum += absSum;
          total = 0;
          absSum = 0;
          flushCombos();
          t.setScale(amount.scale);
          scale = t.scale;
          absBound = Number.MAX_SAFE_INTEGER - t.absSum;
        } else {
          value *= pow10[scale - amount.scale] as number;
        }
      }
      total += value;
      absSum += value < 0 ? -value : value;
      if (absSum > absBound) throw tooLarge();
      if (date !== lastDateSeen) {
        lastDateSeen = date;
        monthNumber = date >= 10_000_000 ? Math.floor(date / 100) : date;
      }
      if (monthNumber !== lastMonthNumber) {
        flushCombos();
        t.flush();
        t.denseMonth = t.month(String(monthNumber));
        lastMonthNumber = monthNumber;
        if (monthsSeen.size < caps.months) monthsSeen.add(monthNumber);
      }
      if (date >= 10_000_000) day.add(day.count < caps.days || day.has(date) ? date : -1, value);
      else monthRow.add(date, value);
      itemDense.add(keyOf(items, itemAt), value);
      let d = noDevice;
      if (deviceAt >= 0) {
        const ds = fStart[deviceAt] as number;
        const dl = (fEnd[deviceAt] as number) - ds;
        const dk = fKind[deviceAt] as number;
        if (!(prevValid && dl === prevDeviceLength && (dk === prevDeviceKind || (dk < 2 && prevDeviceKind < 2)) && same(ds, prevDeviceStart, dl))) {
          d = keyOf(devices, deviceAt);
        } else d = lastDevice;
        prevDeviceStart = ds;
        prevDeviceLength = dl;
        prevDeviceKind = dk;
      }
      if (groupCount === 0) deviceDense.add(d, value);
      else {
        if (d !== lastDevice) {
          hintAt = d * groupCount;
          if (hintAt + groupCount > hints.length) {
            const grown = new Int32Array(Math.max(hints.length * 2, hintAt + groupCount)).fill(-1);
            grown.set(hints);
            hints = grown;
          }
        }
        // With a tail as in the row before, the tail fields' positions are those of an earlier
        // row with the same bytes (still in the buffer).
        const sameGroups = tailSame && groupsInTail;
        if (!sameGroups) {
          // A device's tags rarely change: the values its last row had are tried first.
          for (let g = 0; g < groupCount; g++) {
            const i = groupAt[g] as number;
            const table = groupKeys[g] as KeyTable;
            const k = fKind[i] === 2 ? keyOf(table, i) : table.idHinted(view, fStart[i] as number, fEnd[i] as number, hints[hintAt + g] as number);
            hints[hintAt + g] = k;
            groupIds[g] = k;
          }
        }
        if (!sameGroups || d !== lastDevice || combo < 0) {
          // The device's last combo is tried first.
          const hint = comboHints[d] ?? -1;
          let g = 0;
          if (hint >= 0) while (g < groupCount && combos.at(hint, g + 1) === groupIds[g]) g++;
          if (hint >= 0 && g === groupCount) combo = hint;
          else {
            tuple[0] = d;
            for (g = 0; g < groupCount; g++) tuple[g + 1] = groupIds[g] as number;
            combo = combos.id(tuple);
            if (d >= comboHints.length) {
              const grown = new Int32Array(Math.max(comboHints.length * 2, d + 1)).fill(-1);
              grown.set(comboHints);
              comboHints = grown;
            }
            comboHints[d] = combo;
          }
        }
        if (combo >= 0) comboDense.add(combo, value);
        else {
          deviceDense.add(d, value);
          for (let g = 0; g < groupCount; g++) (groupDense[g] as Dense).add(groupIds[g] as number, value);
        }
      }
      lastDevice = d;
      if (end >= 0) {
        prevValid = true;
        if (tail >= 0) {
          prevTail = tail;
          prevTailLength = end - tail;
        }
      }
    }
    t.total += total;
    t.absSum += absSum;
    flushCombos();
    t.flush();
    t.denseMonth = -1;
    return {
      start: job.start,
      stoppedAt: Math.min(reader.position(), size),
      rows,
      malformedCount,
      blankLines,
      newlines,
      malformed,
      months: [...monthsSeen].map(String),
      index,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** Sums one byte range on its own. */
export function summarizeRange(job: RangeJob, onProgress?: (bytes: number) => void, cancelled?: () => boolean): RangeResult {
  const t = new Tables();
  const stats = summarizeInto(job, t, onProgress, cancelled);
  return { ...stats, tables: t.pack() };
}

/** Sums several ranges (whole files, usually) into one set of totals, with each range's own figures. */
export function summarizeRanges(jobs: RangeJob[], onProgress?: (bytes: number) => void, cancelled?: () => boolean): { parts: RangeStats[]; tables: PackedTables } {
  const t = new Tables();
  const parts = jobs.map((job) => summarizeInto(job, t, onProgress, cancelled));
  return { parts, tables: t.pack() };
}

export class CancelledError extends Error {
  constructor() {
    super('The review was closed before it finished.');
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

export function rowMatcher(layout: Layout, filter: RowFilter): (cell: (i: number) => string) => boolean {
  const column = filter.column === undefined ? -1 : layout.columns.indexOf(filter.column);
  if (filter.column !== undefined && column < 0) throw new ReviewFormatError(`The file has no column named ${filter.column}.`);
  const n = layout.fieldCount;
  const needle = filter.exact ? filter.text : filter.text.toLowerCase();
  const matches = filter.exact ? (cell: string) => cell === needle : (cell: string) => cell.toLowerCase().includes(needle);
  if (column >= 0) return (cell) => matches(cell(column));
  return (cell) => {
    for (let i = 0; i < n; i++) if (matches(cell(i))) return true;
    return false;
  };
}

/** Global numbers of the well-formed rows of a range that match the filter. */
export function filterRange(job: FilterJob, cancelled?: () => boolean): Uint32Array {
  const fd = fs.openSync(job.path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const reader = new RecordReader(fd, job.start, size, job.layout.fieldCount + 1, undefined, () => {
      if (cancelled?.()) throw new CancelledError();
    });
    const test = rowMatcher(job.layout, job.filter);
    const cell = (i: number) => fieldText(reader.buf, reader.fields, i);
    // Across all columns, a row whose whole text does not hold the words cannot match: that is
    // checked first, with one decoded string per row instead of one per cell. (Not for text
    // with a quote, which the file writes doubled.)
    const { text, exact, column } = job.filter;
    const whole = column === undefined && !text.includes('"') ? (exact ? text : text.toLowerCase()) : undefined;
    const rowHolds = (): boolean => {
      if (whole === undefined) return true;
      const from = reader.recStart;
      const row = reader.buf.toString('utf8', from, from + (reader.recordEnd - reader.recordStart));
      return (exact ? row : row.toLowerCase()).includes(whole);
    };
    let out = new Uint32Array(1024);
    let count = 0;
    let row = job.rowBase;
    for (;;) {
      if (reader.position() >= job.end) break;
      const status = reader.next();
      if (status === END) break;
      if (status === RECORD && reader.st.blank) continue;
      if (classify(status, reader, job.layout) !== undefined) continue;
      if (rowHolds() && test(cell)) {
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

/**
 * Reads the given data rows (by number) through the row index: the first page, a window of rows.
 * `budget` bounds the bytes read from each index entry (the first page of a hostile file).
 */
export async function readRows(path: string, layout: Layout, index: RowIndex, targets: ArrayLike<number>, lineBase: number, budget = Infinity): Promise<ReadRow[]> {
  const out: ReadRow[] = [];
  if (targets.length === 0 || index.count === 0) return out;
  const handle = await fs.promises.open(path, 'r');
  const fd = handle.fd;
  try {
    const size = (await handle.stat()).size;
    let reader: RecordReader | undefined;
    let row = -1;
    let line = 0;
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t] as number;
      const entry = findEntry(index, target);
      const entryRow = index.rows[entry] as number;
      if (reader === undefined || target < row || (target - row > 256 && entryRow > row)) {
        reader = new RecordReader(fd, index.offsets[entry] as number, size, layout.fieldCount + 1, 256 * 1024);
        row = entryRow;
        line = index.lines[entry] as number;
      }
      for (;;) {
        const status = await reader.nextAsync(budget);
        if (status === END) return out;
        const startLine = line;
        line += reader.st.newlines;
        if (status === RECORD && reader.st.blank) continue;
        if (classify(status, reader, layout) !== undefined) continue;
        if (row === target) {
          const cells: string[] = [];
          for (let i = 0; i < layout.fieldCount; i++) cells.push(fieldText(reader.buf, reader.fields, i));
          out.push({ n: row, line: lineBase + startLine + 1, cells });
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

export { formatScaled, otherKey };

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
import { SplitBoard, type SharedRange } from './split';

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

/** Device × tag value keys are `device * deviceGroupWidth + value` (more than any value number). */
export const deviceGroupWidth = caps.groupValues + 1;

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
  const notText = notTextReason(buf, got);
  if (notText) throw new ReviewFormatError(notText);
  const f = new Fields(maxColumns);
  const st: ScanState = { end: 0, newlines: 0, badQuotes: false, blank: false };
  const status = scanRecord(buf, viewOf(buf), bom, got, got >= size, f, st);
  if (controlCharacter(buf, bom, status === RECORD ? st.end : got)) {
    throw new ReviewFormatError('The first line of this file holds control characters, so it is not a CSV file (it may be a binary file renamed .csv).');
  }
  if (loneCarriageReturn(buf, bom, status === RECORD ? st.end : got)) {
    throw new ReviewFormatError('The lines of this file end in a carriage return alone (an old Mac format). Billfold reads CSV files whose lines end in LF or CR LF.');
  }
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
  // Which of two columns of the same name holds the figures cannot be told.
  for (const at of [date, item, amount, device]) {
    const again = at < 0 ? -1 : lower.indexOf(lower[at] as string, at + 1);
    if (again >= 0) {
      throw new ReviewFormatError(`The header has the column ${columns[at]} twice (columns ${at + 1} and ${again + 1}), so Billfold cannot tell which one to read. Keep one of them and review the file again.`);
    }
  }
  const groups: number[] = [];
  lower.forEach((c, i) => {
    if (groupColumn.test(c)) groups.push(i);
  });
  return { columns, fieldCount: columns.length, date, item, amount, device, groups, dataStart: st.end, headerNewlines: st.newlines };
}

/** Why the first bytes of a file show it is not a UTF-8 text CSV (another encoding or another kind of file); undefined when they do not. */
function notTextReason(buf: Buffer, got: number): string | undefined {
  const starts = (...bytes: number[]) => got >= bytes.length && bytes.every((b, i) => buf[i] === b);
  // With a byte-order mark, or ASCII text with every other byte zero.
  const utf16 = starts(0xff, 0xfe) || starts(0xfe, 0xff) || (got >= 4 && ((buf[0] !== 0 && buf[1] === 0 && buf[2] !== 0 && buf[3] === 0) || (buf[0] === 0 && buf[1] !== 0 && buf[2] === 0 && buf[3] !== 0)));
  if (utf16) return "This file is saved as UTF-16 (Excel's Unicode text); save it as CSV UTF-8 and review it again.";
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) {
    return 'This file is a ZIP archive (an Excel workbook is one), not a CSV file: extract the CSV from it, or save the workbook as CSV UTF-8, and review that.';
  }
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return 'This file is a PDF, not a CSV file: review the detailed billing CSV export instead.';
  return undefined;
}

/** Whether `buf[from..to)` holds a C0 control character other than a tab, a carriage return or a line feed (which a quoted name may hold). */
function controlCharacter(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = buf[i] as number;
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) return true;
  }
  return false;
}

/** Whether `buf[from..to)` holds a carriage return followed by something other than a line feed. */
function loneCarriageReturn(buf: Buffer, from: number, to: number): boolean {
  for (let i = buf.indexOf(13, from); i >= 0 && i + 1 < to; i = buf.indexOf(13, i + 1)) if (buf[i + 1] !== 10) return true;
  return false;
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
  // A year before 1000 (a leading zero) is not a billing date.
  if (ym < 100_000) return 0;
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
  // The sign without a branch of its own: the row loop is compiled before most files show their
  // first negative amount, and an operation first run then would throw the compiled loop away.
  const first = s < e ? (buf[s] as number) : 0;
  const minus = first === 45 ? 1 : 0;
  let i = s + (minus | (first === 43 ? 1 : 0));
  const sign = 1 - 2 * minus;
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
  // (A product, not a negation in a branch: the same code runs for every amount, and -0 is 0.)
  amount.value = value * sign + 0;
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
  /** Per tag or group column, per device × value (`device * deviceGroupWidth + value`). */
  deviceGroup: PackedSums[];
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
  readonly itemMonth = new Sums(256, caps.pairs, monthWidth);
  readonly deviceMonth = new Sums(4096, caps.pairs, monthWidth);
  readonly groupMonth: Sums[] = [];
  /** Per tag or group column, sums per device × value: which values each device has. */
  readonly deviceGroup: Sums[] = [];
  readonly day = new Sums(64);
  readonly monthRow = new Sums(16);
  private readonly all: Sums[];
  /** This month's sums by item, device and tag value, moved into the pair sums by `flush`. */
  readonly itemDense = new Dense();
  readonly deviceDense = new Dense();
  readonly groupDense: Dense[] = [];
  /** The month the dense sums are for (-1: none). */
  denseMonth = -1;

  /** Empty, or holding packed totals as they are (their memory is taken over, not copied). */
  constructor(from?: PackedTables) {
    if (from) {
      this.scale = from.scale;
      this.total = from.total;
      this.absSum = from.absSum;
      this.items = KeyTable.fromPacked(from.items, caps.items, true);
      this.devices = KeyTable.fromPacked(from.devices, caps.devices);
      this.itemMonth = Sums.fromPacked(from.itemMonth, caps.pairs, monthWidth);
      this.deviceMonth = Sums.fromPacked(from.deviceMonth, caps.pairs, monthWidth);
      this.day = Sums.fromPacked(from.day);
      this.monthRow = Sums.fromPacked(from.monthRow);
      for (const m of from.months) this.monthsInSums.add(this.month(m));
    }
    this.all = [this.itemMonth, this.deviceMonth, this.day, this.monthRow];
    from?.groupNames.forEach((name, g) => {
      this.groupNames.push(name);
      this.groupKeys.push(KeyTable.fromPacked(from.groupKeys[g] as PackedKeys, caps.groupValues));
      this.groupDense.push(new Dense());
      this.addGroupSums(Sums.fromPacked(from.groupMonth[g] as PackedSums, caps.pairs, monthWidth), Sums.fromPacked(from.deviceGroup[g] as PackedSums, caps.pairs));
    });
  }

  private addGroupSums(byMonth: Sums, byDevice: Sums): void {
    this.groupMonth.push(byMonth);
    this.deviceGroup.push(byDevice);
    this.all.push(byMonth, byDevice);
  }

  /** Months the pair sums may have keys of (moved there from the dense sums, or absorbed). */
  private readonly monthsInSums = new Set<number>();

  /** Moves the dense sums into the pair sums. */
  flush(): void {
    const m = this.denseMonth;
    if (m < 0) return;
    // A month's first flush only adds new keys.
    const fresh = !this.monthsInSums.has(m);
    if (fresh && this.itemDense.touchedCount === 0 && this.deviceDense.touchedCount === 0 && this.groupDense.every((d) => d.touchedCount === 0)) return;
    this.monthsInSums.add(m);
    this.itemDense.flush(this.itemMonth, monthWidth, m, fresh);
    this.deviceDense.flush(this.deviceMonth, monthWidth, m, fresh);
    for (let g = 0; g < this.groupDense.length; g++) (this.groupDense[g] as Dense).flush(this.groupMonth[g] as Sums, monthWidth, m, fresh);
  }

  /** The slot of a tag or group column, by its header name. */
  groupSlot(name: string): number {
    let g = this.groupNames.indexOf(name);
    if (g < 0) {
      g = this.groupNames.length;
      this.groupNames.push(name);
      this.groupKeys.push(new KeyTable(caps.groupValues, 1024));
      this.groupDense.push(new Dense());
      this.addGroupSums(new Sums(4096, caps.pairs, monthWidth), new Sums(1024, caps.pairs));
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

  /**
   * Additions to the device × value sums not made yet: only the SIMs' tag and group values are
   * made of them, which a review of one file does not show, so `absorb` leaves them for when they
   * are asked for (`settle`).
   */
  private readonly deferred: (() => void)[] = [];

  /** Makes the additions `absorb` left; before reading `deviceGroup`. */
  settle(): void {
    for (const add of this.deferred.splice(0)) add();
  }

  /** Moves every sum to a finer scale. */
  setScale(scale: number): void {
    this.settle();
    const factor = pow10[scale - this.scale] ?? 1;
    for (const s of this.all) s.rescale(factor);
    for (const d of [this.itemDense, this.deviceDense, ...this.groupDense]) d.rescale(factor);
    this.total *= factor;
    this.absSum *= factor;
    this.scale = scale;
    if (this.absSum > Number.MAX_SAFE_INTEGER) throw tooLarge();
  }

  pack(): PackedTables {
    this.flush();
    this.settle();
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
      deviceGroup: this.deviceGroup.map((s) => s.pack()),
      day: this.day.pack(),
      monthRow: this.monthRow.pack(),
    };
  }

  /** Adds packed totals (of another range or thread) to these; `keep` says which of their keys keep their own total (see `mergeTables`). */
  absorb(p: PackedTables, keep?: Kept): void {
    this.flush();
    if (p.scale > this.scale) this.setScale(p.scale);
    const f = pow10[this.scale - p.scale] ?? 1;
    const itemIds = this.items.idsOf(p.items, keep?.items);
    const deviceIds = this.devices.idsOf(p.devices, keep?.devices);
    this.itemMonth.reserve(p.itemMonth.keys.length);
    this.deviceMonth.reserve(p.deviceMonth.keys.length);
    const keptMonths = keep?.months;
    const monthIds = p.months.map((m) => this.month(keptMonths === undefined || keptMonths.has(m) ? m : otherKey));
    for (const m of monthIds) this.monthsInSums.add(m);
    const pair = (s: PackedSums, ids: Int32Array, into: Sums) => {
      for (let i = 0; i < s.keys.length; i++) {
        const key = s.keys[i] as number;
        if (key < 0) {
          into.addSum(-1, (s.amounts[i] as number) * f, s.rows[i] as number);
          continue;
        }
        const k = Math.floor(key / monthWidth);
        const m = key - k * monthWidth;
        into.addSumInOrder((ids[k] as number) * monthWidth + (monthIds[m] as number), (s.amounts[i] as number) * f, s.rows[i] as number);
      }
      if (s.lost) for (const k of s.lost) into.lose(ids[k] as number);
    };
    pair(p.itemMonth, itemIds, this.itemMonth);
    pair(p.deviceMonth, deviceIds, this.deviceMonth);
    p.groupNames.forEach((name, g) => {
      const slot = this.groupSlot(name);
      const table = this.groupKeys[slot] as KeyTable;
      (this.groupMonth[slot] as Sums).reserve((p.groupMonth[g] as PackedSums).keys.length);
      const valueIds = table.idsOf(p.groupKeys[g] as PackedKeys, keep?.groups[g]);
      pair(p.groupMonth[g] as PackedSums, valueIds, this.groupMonth[slot] as Sums);
      const from = p.deviceGroup[g] as PackedSums;
      const into = this.deviceGroup[slot] as Sums;
      this.deferred.push(() => {
        into.reserve(from.keys.length);
        for (let i = 0; i < from.keys.length; i++) {
          const key = from.keys[i] as number;
          const d = Math.floor(key / deviceGroupWidth);
          const to = key < 0 ? -1 : (deviceIds[d] as number) * deviceGroupWidth + (valueIds[key - d * deviceGroupWidth] as number);
          into.addSumInOrder(to, (from.amounts[i] as number) * f, from.rows[i] as number);
        }
      });
    });
    const keptDays = keep?.days;
    for (let i = 0; i < p.day.keys.length; i++) {
      const day = p.day.keys[i] as number;
      this.day.addSum(keptDays === undefined || keptDays.has(day) ? day : -1, (p.day.amounts[i] as number) * f, p.day.rows[i] as number);
    }
    for (let i = 0; i < p.monthRow.keys.length; i++) this.monthRow.addSum(p.monthRow.keys[i] as number, (p.monthRow.amounts[i] as number) * f, p.monthRow.rows[i] as number);
    this.total += p.total * f;
    this.absSum += p.absSum * f;
    if (this.absSum > Number.MAX_SAFE_INTEGER) throw tooLarge();
  }
}

const tooLarge = () => new TooLargeError('The amounts in this file are too large to sum exactly.');

/** Which keys of one part keep their own total when parts are added up (absent: all of them). */
export interface Kept {
  items?: Uint8Array;
  devices?: Uint8Array;
  /** By the part's own tag and group columns. */
  groups: (Uint8Array | undefined)[];
  days?: Set<number>;
  months?: Set<string>;
}

/** Values every part in `over` has (each part's values distinct). */
function common<T>(over: T[][]): Set<T> {
  const seen = new Map<T, number>();
  for (const values of over) for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
  return new Set([...seen].filter(([, n]) => n === over.length).map(([v]) => v));
}

/**
 * Adds up the totals of several parts (the ranges of a file in file order, or threads' files),
 * each summed with its own caps. A part past a table's cap counted the keys it met after the cap
 * under "(other)", whichever they were: a key keeps its own total only when every part past that
 * cap named it, and the rest go to "(other)", so that every named total is exact. When no part
 * reached a cap, the first part's totals are taken over as they are and the others added.
 */
export function mergeTables(parts: PackedTables[]): Tables {
  const first = parts[0];
  if (first === undefined) return new Tables();
  const items = KeyTable.kept(parts.map((p) => p.items));
  const devices = KeyTable.kept(parts.map((p) => p.devices));
  const names = [...new Set(parts.flatMap((p) => p.groupNames))];
  const groups = names.map((name) => KeyTable.kept(parts.map((p) => p.groupKeys[p.groupNames.indexOf(name)])));
  const daysOver = parts.filter((p) => p.day.keys.includes(-1));
  const days = daysOver.length === 0 ? undefined : common(daysOver.map((p) => [...p.day.keys]));
  const monthsOver = parts.filter((p) => p.months.includes(otherKey));
  const months = monthsOver.length === 0 ? undefined : common(monthsOver.map((p) => p.months));
  if (!items && !devices && groups.every((g) => g === undefined) && !days && !months) {
    const t = new Tables(first);
    for (const p of parts.slice(1)) t.absorb(p);
    return t;
  }
  const t = new Tables();
  parts.forEach((p, i) => {
    const keep: Kept = { groups: p.groupNames.map((name) => groups[names.indexOf(name)]?.[i]) };
    if (items) keep.items = items[i] as Uint8Array;
    if (devices) keep.devices = devices[i] as Uint8Array;
    if (days) keep.days = days;
    if (months) keep.months = months;
    t.absorb(p, keep);
  });
  return t;
}

export { monthWidth };

// ---------------------------------------------------------------------------------------------
// Summaries of byte ranges

export interface RangeJob {
  path: string;
  /** A record start (or a guess at one, for all ranges but the first). */
  start: number;
  /** The range starts at the first line start at or after `start` (a split point of the file). */
  alignStart?: boolean;
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
  /** The file's bytes, read from memory instead of `path` (warming a thread up). */
  data?: Uint8Array;
  /**
   * The range's cell on a board shared with the threads summing the file's other ranges: it may
   * be cut short while it is read, and once done its thread takes the second half of another
   * range's unread bytes, as long as one has at least twice `takeBytes` left.
   */
  shared?: SharedRange;
  takeBytes?: number;
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
  index: { rows: Float64Array; offsets: Float64Array; lines: Float64Array };
}

export interface RangeResult extends RangeStats {
  tables: PackedTables;
}

/** Values written with doubled quotes, by their written bytes, and the key each stands for. */
interface Alias {
  raw: KeyTable;
  to: Int32Array;
}

/**
 * Sums the records of one byte range. `fast` sums the usual row straight from the reader's
 * buffer, adding the new devices, tag values and combinations a fleet's first day is full of;
 * whatever it does not do (a new bill item, a key written with doubled quotes, a new day or
 * month, a finer decimal scale, the buffer's end, any malformed or unusual record) it leaves to
 * `slow`, which reads that one record with the reader and sums it with every case handled. The
 * usual row thus runs through a small loop with few branches.
 */
class RangeSummer {
  readonly buf: Buffer;
  readonly view: DataView;
  readonly fStart: Int32Array;
  readonly fEnd: Int32Array;
  readonly fKind: Uint8Array;
  readonly fieldCount: number;
  readonly dateAt: number;
  readonly amountAt: number;
  readonly itemAt: number;
  readonly deviceAt: number;
  readonly groupAt: Int32Array;
  readonly groupCount: number;
  /** Fields from here on are tag and group columns or unused (see `fast`). */
  readonly tailFrom: number;
  readonly groupsInTail: boolean;
  readonly cap: number;
  readonly indexEvery: number;
  /**
   * `[0]`: stop at the first record that starts at or after this offset (moved closer when another
   * thread takes the rest). In an array, so that it is always a double: a field that held a small
   * integer and then a double would change the object's shape, and the row loop compiled for it
   * would be thrown away for the next range's.
   */
  readonly end = new Float64Array(1);
  readonly items: KeyTable;
  readonly devices: KeyTable;
  readonly groupKeys: KeyTable[];
  readonly itemDense: Dense;
  readonly deviceDense: Dense;
  readonly groupDense: Dense[];
  /** Per tag or group column, sums per device × value. */
  readonly deviceGroup: Sums[];
  /** Per key column (item, device, then each tag or group column), values with doubled quotes. */
  readonly aliases: (Alias | undefined)[];
  readonly noDevice: number;
  /** A device with its tag and group values is one sum per row, spread when flushed. */
  readonly combos: TupleTable;
  readonly comboDense: Dense;
  readonly tuple: Int32Array;
  readonly groupIds: Int32Array;
  /** Per device number, its last combo, and the tag values of its last row. */
  comboHints: Int32Array;
  hints: Int32Array;
  scratch: Buffer | undefined;
  scratchView: DataView | undefined;

  rows = 0;
  malformedCount = 0;
  blankLines = 0;
  newlines = 0;
  readonly malformed: MalformedEntry[] = [];
  readonly index = { rows: [] as number[], offsets: [] as number[], lines: [] as number[] };
  /** Rows until the next index entry. */
  untilIndex = 0;
  readonly monthsSeen = new Set<number>();
  /** Sums at `scale` not yet added to the tables' total. */
  scale: number;
  total = 0;
  absSum = 0;
  absBound: number;
  /** The date of the last row summed, its month, and where its day (or month row) is summed. */
  date = -1;
  month = -1;
  dayKey = 0;
  dayTable: Sums;
  /** The row before (positions in the buffer, valid while `prevValid`: the buffer has not moved). */
  prevValid = false;
  prevTail = 0;
  prevTailLength = -1;
  prevDateStart = 0;
  prevDateLength = -1;
  prevDeviceStart = 0;
  prevDeviceLength = -1;
  prevDeviceKind = 0;
  lastDevice = -1;
  combo = -1;
  /** Where a well-formed row `fast` read but left to `slow` ends (-1: none), and its date. */
  pendingEnd = -1;
  pendingDate = 0;

  constructor(
    readonly job: RangeJob,
    readonly t: Tables,
    readonly reader: RecordReader,
    /** The summer of the range this thread summed before, of the same file: its month's sums are carried on, not flushed. */
    before?: RangeSummer,
  ) {
    const { layout } = job;
    this.buf = reader.buf;
    this.view = reader.view;
    this.fStart = reader.fields.start;
    this.fEnd = reader.fields.end;
    this.fKind = reader.fields.kind;
    this.fieldCount = layout.fieldCount;
    this.dateAt = layout.date;
    this.amountAt = layout.amount;
    this.itemAt = layout.item;
    this.deviceAt = layout.device;
    this.groupAt = Int32Array.from(layout.groups);
    this.groupCount = layout.groups.length;
    this.tailFrom = Math.max(layout.date, layout.amount, layout.item, layout.device) + 1;
    this.groupsInTail = layout.groups.every((g) => g >= this.tailFrom);
    this.cap = job.recordCap ?? maxRecordBytes;
    this.indexEvery = job.indexEvery;
    this.end[0] = job.end;
    const slots = layout.groups.map((g) => t.groupSlot(layout.columns[g] ?? ''));
    this.items = t.items;
    this.devices = t.devices;
    this.groupKeys = slots.map((s) => t.groupKeys[s] as KeyTable);
    this.itemDense = t.itemDense;
    this.deviceDense = t.deviceDense;
    this.groupDense = slots.map((s) => t.groupDense[s] as Dense);
    this.deviceGroup = slots.map((s) => t.deviceGroup[s] as Sums);
    this.aliases = Array.from({ length: 2 + this.groupCount }, () => undefined);
    this.noDevice = layout.device < 0 ? t.devices.idOf('') : -1;
    this.tuple = new Int32Array(1 + this.groupCount);
    this.groupIds = new Int32Array(this.groupCount);
    if (before !== undefined && before.job.layout === layout) {
      this.combos = before.combos;
      this.comboDense = before.comboDense;
      this.comboHints = before.comboHints;
      this.hints = before.hints;
    } else {
      this.combos = new TupleTable(1 + this.groupCount, caps.combos);
      this.comboDense = new Dense();
      // Room for every device the tables know already (other files summed before this one).
      const known = Math.max(1024, t.devices.count + 1);
      this.comboHints = new Int32Array(known).fill(-1);
      this.hints = new Int32Array(known * Math.max(1, this.groupCount)).fill(-1);
    }
    this.scale = t.scale;
    this.absBound = Number.MAX_SAFE_INTEGER - t.absSum;
    this.dayTable = t.day;
  }

  /** Whether `length` bytes of the buffer at `x` and at `y` are the same. */
  same(x: number, y: number, length: number): boolean {
    const view = this.view;
    const e = x + length;
    while (x + 4 <= e) {
      if (view.getInt32(x, true) !== view.getInt32(y, true)) return false;
      x += 4;
      y += 4;
    }
    const buf = this.buf;
    while (x < e) {
      if (buf[x] !== buf[y]) return false;
      x++;
      y++;
    }
    return true;
  }

  /** The key number of field `i` when `table` holds it (doubled quotes undone), else -1. */
  find(table: KeyTable, slot: number, i: number): number {
    const s = this.fStart[i] as number;
    const e = this.fEnd[i] as number;
    if (this.fKind[i] !== 2) return table.find(this.view, s, e);
    const alias = this.aliases[slot];
    if (alias === undefined) return -1;
    const a = alias.raw.find(this.view, s, e);
    return a < 0 || a === alias.raw.other ? -1 : (alias.to[a] as number);
  }

  /** The key number of field `i`, doubled quotes undone, added when new. */
  keyOf(table: KeyTable, slot: number, i: number): number {
    const s = this.fStart[i] as number;
    const e = this.fEnd[i] as number;
    if (this.fKind[i] !== 2) return table.id(this.view, s, e);
    // A value with doubled quotes is undone once; later rows find it by its written bytes.
    let alias = this.aliases[slot];
    if (alias === undefined) {
      alias = { raw: new KeyTable(table.cap, 64), to: new Int32Array(64).fill(-1) };
      this.aliases[slot] = alias;
    }
    const a = alias.raw.id(this.view, s, e);
    if (a >= alias.to.length) {
      const grown = new Int32Array(Math.max(alias.to.length * 2, a + 1)).fill(-1);
      grown.set(alias.to);
      alias.to = grown;
    }
    // Past the alias table's cap its "other" key stands for many values: undo those every time.
    let k = a === alias.raw.other ? -1 : (alias.to[a] as number);
    if (k < 0) {
      const buf = this.buf;
      this.scratch ??= Buffer.allocUnsafe(maxRecordBytes);
      this.scratchView ??= viewOf(this.scratch);
      const scratch = this.scratch;
      let n = 0;
      for (let p = s; p < e; p++) {
        const c = buf[p] as number;
        scratch[n++] = c;
        if (c === 34) p++;
      }
      k = table.id(this.scratchView, 0, n);
      if (a !== alias.raw.other) alias.to[a] = k;
    }
    return k;
  }

  /** Room in the hint arrays for device `d`. */
  roomForHints(d: number): void {
    if (this.groupCount === 0) return;
    const need = (d + 1) * this.groupCount;
    if (need > this.hints.length) {
      const grown = new Int32Array(Math.max(this.hints.length * 2, need)).fill(-1);
      grown.set(this.hints);
      this.hints = grown;
    }
    if (d >= this.comboHints.length) {
      const grown = new Int32Array(Math.max(this.comboHints.length * 2, d + 1)).fill(-1);
      grown.set(this.comboHints);
      this.comboHints = grown;
    }
  }

  /** Spreads the combos' sums over the device and tag sums. */
  flushCombos(): void {
    const dense = this.comboDense;
    const n = dense.touchedCount;
    if (n === 0) return;
    for (let g = 0; g < this.groupCount; g++) this.flushDeviceGroup(g);
    const sums = dense.sums;
    for (let i = 0; i < n; i++) {
      const c = dense.touched[i] as number;
      const a = sums[2 * c] as number;
      const r = sums[2 * c + 1] as number;
      sums[2 * c] = 0;
      sums[2 * c + 1] = 0;
      this.deviceDense.addRows(this.combos.at(c, 0), a, r);
      for (let g = 0; g < this.groupCount; g++) (this.groupDense[g] as Dense).addRows(this.combos.at(c, g + 1), a, r);
    }
    dense.touchedCount = 0;
  }

  /** Adds the combos' sums to the device × value sums of column `g`. */
  private flushDeviceGroup(g: number): void {
    const dense = this.comboDense;
    const n = dense.touchedCount;
    const sums = dense.sums;
    const into = this.deviceGroup[g] as Sums;
    // Sums still empty (a range's first month) take the keys appended, without a lookup; a
    // device's key is looked up only once it has several values in the column.
    let append = into.count === 0 && into.beginAppend(n);
    if (!append) into.reserve(n);
    /** Per device, where its appended sum is (-1: none yet). */
    const entryOf = new Int32Array(append ? this.devices.count : 0).fill(-1);
    for (let i = 0; i < n; i++) {
      const c = dense.touched[i] as number;
      const a = sums[2 * c] as number;
      const r = sums[2 * c + 1] as number;
      const d = this.combos.at(c, 0);
      const key = d * deviceGroupWidth + this.combos.at(c, g + 1);
      if (append) {
        const j = entryOf[d] as number;
        if (j < 0) {
          entryOf[d] = into.count;
          into.append(key, a, r);
          continue;
        }
        if (into.keys[j] === key) {
          into.amounts[j] = (into.amounts[j] as number) + a;
          into.rows[j] = (into.rows[j] as number) + r;
          continue;
        }
        append = false;
      }
      into.addSum(key, a, r);
    }
  }

  /** Sums usual rows from the reader's buffer until one needs `slow`. */
  fast(): void {
    const reader = this.reader;
    // (Until `slow` has summed a row, `date` is -1 and no row is taken here.)
    if (reader.skipping) return;
    const { buf, view, fStart, fEnd, fKind, fieldCount, dateAt, amountAt, itemAt, deviceAt, groupAt, groupCount, tailFrom, groupsInTail, cap, indexEvery } = this;
    const { items, devices, groupKeys, itemDense, deviceDense, comboDense, combos, tuple, groupIds, scale, date, absBound, index } = this;
    let { comboHints, hints } = this;
    const len = reader.len;
    const base = reader.base;
    const stopAt = (this.end[0] as number) - base;
    /** The fields read before the tail (all of them when there is no tail). */
    const headFields = tailFrom < fieldCount ? tailFrom : fieldCount;
    let p = reader.p;
    let rows = this.rows;
    let newlines = this.newlines;
    let untilIndex = this.untilIndex;
    let total = this.total;
    let absSum = this.absSum;
    let dayAmount = 0;
    let dayRows = 0;
    let prevValid = this.prevValid;
    let prevTail = this.prevTail;
    let prevTailLength = this.prevTailLength;
    let prevDateStart = this.prevDateStart;
    let prevDateLength = this.prevDateLength;
    let prevDeviceStart = this.prevDeviceStart;
    let prevDeviceLength = this.prevDeviceLength;
    let prevDeviceKind = this.prevDeviceKind;
    let lastDevice = this.lastDevice;
    let combo = this.combo;
    let pendingEnd = -1;
    let pendingDate = 0;
    while (p < stopAt) {
      // The fields up to the last one the totals need, then the tail: as in the row before, or read.
      const head = scanFields(buf, view, p, len, 0, headFields, fieldCount, fStart, fEnd, fKind);
      if (head < 0) break;
      let end = head;
      let tail = -1;
      let tailSame = false;
      if (headFields < fieldCount) {
        tail = head;
        if (prevValid && prevTailLength >= 0 && tail + prevTailLength <= len && this.same(tail, prevTail, prevTailLength)) {
          end = tail + prevTailLength;
          tailSame = true;
        } else {
          end = scanFields(buf, view, tail, len, headFields, fieldCount, fieldCount, fStart, fEnd, fKind);
          if (end < 0) break;
        }
      }
      if (end - p > cap || (fKind[dateAt] as number) >= 2 || (fKind[amountAt] as number) >= 2) break;
      const ds = fStart[dateAt] as number;
      const dl = (fEnd[dateAt] as number) - ds;
      let rowDate = date;
      if (!(prevValid && dl === prevDateLength && this.same(ds, prevDateStart, dl))) {
        rowDate = dateNumber(buf, ds, ds + dl);
        if (rowDate === 0) break;
      }
      if (!parseAmountBytes(buf, fStart[amountAt] as number, fEnd[amountAt] as number)) break;
      // A well-formed row: what this loop does not do with it (a new day, month, decimal scale,
      // item or quoted key), `slow` does with the fields read here.
      pendingEnd = end;
      pendingDate = rowDate;
      if (rowDate !== date || amount.scale > scale) break;
      const item = this.find(items, 0, itemAt);
      if (item < 0) break;
      let d = this.noDevice;
      const devStart = deviceAt >= 0 ? (fStart[deviceAt] as number) : 0;
      const devLength = deviceAt >= 0 ? (fEnd[deviceAt] as number) - devStart : -1;
      const devKind = deviceAt >= 0 ? (fKind[deviceAt] as number) : 0;
      if (deviceAt >= 0) {
        if (prevValid && devLength === prevDeviceLength && (devKind === prevDeviceKind || (devKind < 2 && prevDeviceKind < 2)) && this.same(devStart, prevDeviceStart, devLength)) d = lastDevice;
        else {
          d = this.find(devices, 1, deviceAt);
          if (d < 0) {
            // A new device is added here (one written with doubled quotes, by `slow`).
            if (devKind === 2) break;
            d = devices.addMissed(view, devStart, devStart + devLength);
            this.roomForHints(d);
            comboHints = this.comboHints;
            hints = this.hints;
          }
        }
      }
      let c = combo;
      if (groupCount > 0 && !(tailSame && groupsInTail && d === lastDevice && combo >= 0)) {
        // A device's tags rarely change: the values its last row had are tried first.
        const hintAt = d * groupCount;
        let g = 0;
        for (; g < groupCount; g++) {
          const i = groupAt[g] as number;
          const table = groupKeys[g] as KeyTable;
          let k: number;
          if (fKind[i] === 2) {
            k = this.find(table, 2 + g, i);
            if (k < 0) break;
          } else {
            k = table.findHinted(view, fStart[i] as number, fEnd[i] as number, hints[hintAt + g] as number);
            if (k < 0) k = table.addMissed(view, fStart[i] as number, fEnd[i] as number);
          }
          hints[hintAt + g] = k;
          groupIds[g] = k;
        }
        if (g < groupCount) break;
        c = comboHints[d] as number;
        g = 0;
        if (c >= 0) while (g < groupCount && combos.at(c, g + 1) === groupIds[g]) g++;
        if (c < 0 || g < groupCount) {
          tuple[0] = d;
          for (g = 0; g < groupCount; g++) tuple[g + 1] = groupIds[g] as number;
          c = combos.find(tuple);
          // Past the cap on combos, `slow` sums the row column by column.
          if (c < 0) c = combos.addMissed(tuple);
          if (c < 0) break;
          comboHints[d] = c;
        }
      }
      // The row is summed.
      let value = amount.value;
      if (amount.scale !== scale) value *= pow10[scale - amount.scale] as number;
      total += value;
      absSum += Math.abs(value);
      if (absSum > absBound) throw tooLarge();
      if (untilIndex === 0) {
        index.rows.push(rows);
        index.offsets.push(base + p);
        index.lines.push(newlines);
        untilIndex = indexEvery;
      }
      untilIndex--;
      rows++;
      newlines++;
      dayAmount += value;
      dayRows++;
      itemDense.add(item, value);
      if (groupCount > 0) comboDense.add(c, value);
      else deviceDense.add(d, value);
      combo = c;
      lastDevice = d;
      prevValid = true;
      if (tail >= 0) {
        prevTail = tail;
        prevTailLength = end - tail;
      }
      prevDateStart = ds;
      prevDateLength = dl;
      prevDeviceStart = devStart;
      prevDeviceLength = devLength;
      prevDeviceKind = devKind;
      pendingEnd = -1;
      p = end;
    }
    reader.skipTo(p);
    this.pendingEnd = pendingEnd;
    this.pendingDate = pendingDate;
    this.rows = rows;
    this.newlines = newlines;
    this.untilIndex = untilIndex;
    this.total = total;
    this.absSum = absSum;
    if (dayRows > 0) this.dayTable.addSum(this.dayKey, dayAmount, dayRows);
    this.prevValid = prevValid;
    this.prevTail = prevTail;
    this.prevTailLength = prevTailLength;
    this.prevDateStart = prevDateStart;
    this.prevDateLength = prevDateLength;
    this.prevDeviceStart = prevDeviceStart;
    this.prevDeviceLength = prevDeviceLength;
    this.prevDeviceKind = prevDeviceKind;
    this.lastDevice = lastDevice;
    this.combo = combo;
  }

  /** Reads and sums one record with the reader (any record); false at the end of the range. */
  slow(): boolean {
    const reader = this.reader;
    // The buffer has not moved since; the row before is no longer the one `fast` knows.
    this.prevValid = false;
    if (this.pendingEnd >= 0) {
      const start = reader.position();
      reader.skipTo(this.pendingEnd);
      this.pendingEnd = -1;
      this.tally(this.pendingDate, start, 1);
      return true;
    }
    if (reader.position() >= (this.end[0] as number)) return false;
    const status = reader.next();
    if (status === END) return false;
    // The buffer may have moved.
    this.prevValid = false;
    const st = reader.st;
    const layout = this.job.layout;
    if (status === RECORD && st.blank) {
      this.blankLines++;
      this.newlines += st.newlines;
      return true;
    }
    const reason = classify(status, reader, layout);
    if (reason !== undefined) {
      this.malformedCount++;
      if (this.malformed.length < this.job.keepMalformed) {
        this.malformed.push({ lineInRange: this.newlines, reason, detail: describe(reason, reader.fields.n, layout), ...reader.rawText() });
      }
      this.newlines += st.newlines;
      return true;
    }
    this.tally(lastDate, reader.recordStart, st.newlines);
    return true;
  }

  /** Sums a well-formed row whose fields are in the field arrays, adding keys as needed. */
  private tally(date: number, recordStart: number, rowNewlines: number): void {
    const t = this.t;
    if (this.untilIndex === 0) {
      this.index.rows.push(this.rows);
      this.index.offsets.push(recordStart);
      this.index.lines.push(this.newlines);
      this.untilIndex = this.indexEvery;
    }
    this.untilIndex--;
    this.newlines += rowNewlines;
    this.rows++;
    let value = amount.value;
    if (amount.scale !== this.scale) {
      if (amount.scale > this.scale) {
        t.total += this.total;
        t.absSum += this.absSum;
        this.total = 0;
        this.absSum = 0;
        this.flushCombos();
        t.setScale(amount.scale);
        this.scale = t.scale;
        this.absBound = Number.MAX_SAFE_INTEGER - t.absSum;
      } else {
        value *= pow10[this.scale - amount.scale] as number;
      }
    }
    this.total += value;
    this.absSum += value < 0 ? -value : value;
    if (this.absSum > this.absBound) throw tooLarge();
    if (date !== this.date) {
      this.date = date;
      const month = date >= 10_000_000 ? Math.floor(date / 100) : date;
      if (month !== this.month) {
        const m = t.month(String(month));
        // (A range after another of this thread goes on with the month's sums where it left them.)
        if (m !== t.denseMonth) {
          this.flushCombos();
          t.flush();
          t.denseMonth = m;
        }
        this.month = month;
        if (this.monthsSeen.size < caps.months) this.monthsSeen.add(month);
      }
      if (date >= 10_000_000) {
        this.dayTable = t.day;
        this.dayKey = t.day.count < caps.days || t.day.has(date) ? date : -1;
      } else {
        this.dayTable = t.monthRow;
        this.dayKey = date;
      }
    }
    this.dayTable.add(this.dayKey, value);
    const item = this.keyOf(this.items, 0, this.itemAt);
    this.itemDense.ensure(item);
    this.itemDense.add(item, value);
    const d = this.deviceAt >= 0 ? this.keyOf(this.devices, 1, this.deviceAt) : this.noDevice;
    this.deviceDense.ensure(d);
    const groupCount = this.groupCount;
    if (groupCount === 0) {
      this.deviceDense.add(d, value);
    } else {
      const hintAt = d * groupCount;
      this.roomForHints(d);
      for (let g = 0; g < groupCount; g++) {
        const i = this.groupAt[g] as number;
        const table = this.groupKeys[g] as KeyTable;
        const k = this.fKind[i] === 2 ? this.keyOf(table, 2 + g, i) : table.idHinted(this.view, this.fStart[i] as number, this.fEnd[i] as number, this.hints[hintAt + g] as number);
        this.hints[hintAt + g] = k;
        this.groupIds[g] = k;
        (this.groupDense[g] as Dense).ensure(k);
        this.tuple[g + 1] = k;
      }
      this.tuple[0] = d;
      const c = this.combos.id(this.tuple);
      this.combo = c;
      if (c >= 0) {
        this.comboHints[d] = c;
        this.comboDense.ensure(c);
        this.comboDense.add(c, value);
      } else {
        // Past the cap on combos: summed column by column.
        this.deviceDense.add(d, value);
        for (let g = 0; g < groupCount; g++) {
          const v = this.groupIds[g] as number;
          (this.groupDense[g] as Dense).add(v, value);
          (this.deviceGroup[g] as Sums).add(d * deviceGroupWidth + v, value);
        }
      }
    }
    this.lastDevice = d;
  }

  /** Adds the range's total to the tables'; its month's sums stay where they are (see `finish`). */
  finishRange(): void {
    const t = this.t;
    t.total += this.total;
    t.absSum += this.absSum;
    this.total = 0;
    this.absSum = 0;
  }

  /** The range's total, and its month's sums moved into the tables. */
  finish(): void {
    this.finishRange();
    const t = this.t;
    this.flushCombos();
    t.flush();
    t.denseMonth = -1;
  }
}

/**
 * The first line start at or after `offset` (right after a line break), looking at most `cap`
 * bytes on; the file's size when there is none.
 */
export function lineStartFrom(fd: number, data: Uint8Array | undefined, offset: number, size: number, cap: number): number {
  const piece = Buffer.allocUnsafe(64 * 1024);
  for (let pos = offset - 1; pos < size && pos - offset <= cap; ) {
    const got = data ? data.subarray(pos, pos + piece.length) : piece.subarray(0, fs.readSync(fd, piece, 0, piece.length, pos));
    if (got.length === 0) break;
    const i = got.indexOf(10);
    if (i >= 0) return pos + i + 1;
    pos += got.length;
  }
  return size;
}

/**
 * Sums the records of one byte range into `t`. With `carry`, the range goes on from the one this
 * thread summed before in the same file (`carry.summer`), and leaves its month's sums for the
 * next: the caller finishes the last one (`finish`).
 */
export function summarizeInto(job: RangeJob, t: Tables, onProgress?: (bytes: number) => void, cancelled?: () => boolean, carry?: { summer?: RangeSummer }): RangeStats {
  const fd = job.data ? -1 : fs.openSync(job.path, 'r');
  try {
    const size = job.data ? job.data.length : fs.fstatSync(fd).size;
    const start = job.alignStart ? lineStartFrom(fd, job.data, job.start, size, job.recordCap ?? maxRecordBytes) : job.start;
    const reader = new RecordReader(
      fd,
      start,
      size,
      job.layout.fieldCount + 1,
      job.chunkBytes,
      (bytes) => {
        onProgress?.(bytes);
        if (cancelled?.()) throw new CancelledError();
      },
      job.recordCap,
    );
    reader.source = job.data;
    const before = carry?.summer;
    if (before === undefined) t.flush();
    const s = new RangeSummer(job, t, reader, before);
    const shared = job.shared;
    if (shared) {
      const board = new SplitBoard(shared.board);
      s.end[0] = board.claim(shared.cell, start);
      reader.beforeRead = (upTo) => {
        s.end[0] = board.claim(shared.cell, upTo);
      };
    }
    for (;;) {
      s.fast();
      if (!s.slow()) break;
    }
    if (carry) {
      s.finishRange();
      carry.summer = s;
    } else s.finish();
    return {
      start,
      stoppedAt: Math.min(reader.position(), size),
      rows: s.rows,
      malformedCount: s.malformedCount,
      blankLines: s.blankLines,
      newlines: s.newlines,
      malformed: s.malformed,
      months: [...s.monthsSeen].map(String),
      // Typed arrays: moved between threads, not copied.
      index: { rows: Float64Array.from(s.index.rows), offsets: Float64Array.from(s.index.offsets), lines: Float64Array.from(s.index.lines) },
    };
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** A made-up export with every path of the summary in it (see `warmUp`), `sims` SIMs over `days` days of two months. */
export function madeUpExport(sims = 8, days = 2): { data: Buffer; layout: Layout } {
  const items = ['"Basic fee (plan-D, s1.standard)"', '"Data fee (plan-D, upload)"', 'SMS fee'];
  const lineBytes = 160;
  const data = Buffer.allocUnsafe(200 + 2 * (days * sims * items.length + 3) * lineBytes);
  let at = data.write('\uFEFFimsi,date,billItemName,unitPrice,quantity,amount,tag:name,tag:location,group\r\n');
  // Written line by line into one buffer: a large warm-up keeps no string per line.
  const line = (text: string) => (at += data.write(`${text}\r\n`, at));
  for (const month of ['202405', '202406']) {
    for (let day = 1; day <= days; day++) {
      for (let sim = 0; sim < sims; sim++) {
        const imsi = `4401030000${String(sim).padStart(5, '0')}`;
        const tags = sim % 3 === 0 ? 'Meter,"Yokohama ""Minato Mirai""","Field test ""phase 2"""' : `Camera ${sim},"Osaka, Kita-ku",Cold chain`;
        items.forEach((item, i) => line(`${imsi},${month}${String(day).padStart(2, '0')},${item},10,1,${(sim + day + i) % 7 === 0 ? '0.5' : String(sim + i)},${tags}`));
      }
    }
    line(`,${month},"Volume discount (basic fee, 5%)",-1200,1,-1200,,,`);
    line(`,${month},SMS fee,0.25,3,0.75,,,`);
    line(`bad,${month}01,SMS fee,1,1,x,,,`);
    line('');
  }
  const written = data.subarray(0, at);
  return { data: written, layout: layoutFromHead(written, written.length, written.length) };
}

/**
 * Sums the made-up export once, so that in a fresh thread every path of the summary has run
 * before the real file: the compiler then optimizes the row loop with all it needs to know,
 * instead of throwing optimized code away (and compiling it again) the first time a file
 * reaches a path it had not seen (a second day, a known device, a negative amount…).
 */
export function warmUp(sims?: number, days?: number): void {
  const { data, layout } = madeUpExport(sims, days);
  summarizeRanges([{ path: '', data, start: layout.dataStart, end: data.length, layout, keepMalformed: 10, indexEvery: 64, chunkBytes: 16 * 1024 }]);
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
  const parts: RangeStats[] = [];
  for (const job of jobs) {
    if (job.shared === undefined) {
      parts.push(summarizeInto(job, t, onProgress, cancelled));
      continue;
    }
    // The ranges a thread takes after its own go on with its month's sums: flushed once, at the end.
    const carry: { summer?: RangeSummer } = {};
    parts.push(summarizeInto(job, t, onProgress, cancelled, carry));
    const board = new SplitBoard(job.shared.board);
    board.done(job.shared.cell);
    for (let cut = board.take(job.takeBytes ?? defaultTakeBytes); cut !== undefined; cut = board.take(job.takeBytes ?? defaultTakeBytes)) {
      const { start, end, ...shared } = cut;
      parts.push(summarizeInto({ ...job, start, end, alignStart: true, shared }, t, onProgress, cancelled, carry));
      board.done(cut.cell);
    }
    carry.summer?.finish();
  }
  return { parts, tables: t.pack() };
}

/** The least a thread takes of another range: less would be over before a new range has paid its start. */
const defaultTakeBytes = 1024 * 1024;

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

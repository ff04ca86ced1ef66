/**
 * Several file summaries (main/review/summarize.ts) combined into one review by month. Months come
 * from the rows' dates (the per-month aggregates of each summary), so a file may hold several
 * months and a month may be split across files. A month that another file of the set already
 * holds rows for on the same days is a repeat: it is named and not counted twice. Sums are exact
 * BigInts in units of 10^-9.
 */
import type { ReviewChange, ReviewChanges, ReviewChangeTable, ReviewMonthlyLine, ReviewSetDevice, ReviewSetDeviceSort, ReviewSetFile, ReviewSetMalformedRow } from '../../contract/models/review-set';
import { maxScale } from '../review/decimal';
import type { Layout } from '../review/engine';
import { otherKey } from '../review/keys';
import { capNote, splitMonthKey, type FileSummary, type Total } from '../review/summarize';

export const SET_SCALE = maxScale;
const scaleFactors = Array.from({ length: SET_SCALE + 1 }, (_, s) => 10n ** BigInt(SET_SCALE - s));

/** A file-scale amount in set units. */
function toSet(amount: number, scale: number): bigint {
  return BigInt(amount) * (scaleFactors[scale] ?? 1n);
}

/** Exact decimal text of an amount in set units: -1250000000n → "-1.25". */
export function formatSet(v: bigint): string {
  if (v === 0n) return '0';
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(SET_SCALE + 1, '0');
  const whole = digits.slice(0, -SET_SCALE);
  const frac = digits.slice(-SET_SCALE).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

const abs = (v: bigint) => (v < 0n ? -v : v);

interface Acc {
  amount: bigint;
  rows: number;
}

type MonthTable = Map<string, Map<string, Acc>>;

function addTo(table: MonthTable, month: string, key: string, amount: bigint, rows: number): void {
  let byKey = table.get(month);
  if (!byKey) table.set(month, (byKey = new Map()));
  const acc = byKey.get(key);
  if (acc) {
    acc.amount += amount;
    acc.rows += rows;
  } else byKey.set(key, { amount, rows });
}

/** A file's per-month entries, grouped by month. */
function byMonth(list: Total[]): Map<string, Total[]> {
  const out = new Map<string, Total[]>();
  for (const t of list) {
    const { month, rest } = splitMonthKey(t.key);
    let l = out.get(month);
    if (!l) out.set(month, (l = []));
    l.push({ key: rest, amount: t.amount, rows: t.rows });
  }
  return out;
}

/** What one file brings to a set: its summary, or why it has none. */
export interface SetFileInput {
  fileName: string;
  size: number;
  libraryId?: string;
  savedAt?: string;
  /** The account the file was saved for (a library file); its bills say each month's currency. */
  accountId?: string;
  summary?: FileSummary;
  layout?: Layout;
  /** Set when the file is the same as an earlier file of the set. */
  duplicateOf?: string;
  error?: { code: string; message: string };
}

interface DeviceLine {
  groups: string[];
  /** The latest month its tag/group values were taken from. */
  groupsMonth: string;
}

export interface DeviceQuery {
  sort?: ReviewSetDeviceSort;
  ascending?: boolean;
  filter?: { text: string; column?: string };
  from?: string;
  to?: string;
  only?: 'changed' | 'appeared' | 'gone';
}

/** Malformed rows kept with their text across the set (each file keeps its own bounded list too). */
export const setMalformedLimit = 5000;

export class ReviewSetModel {
  readonly files: ReviewSetFile[] = [];
  /** Malformed rows with their file, in file order, at most `setMalformedLimit`. */
  readonly malformed: ReviewSetMalformedRow[] = [];
  /** Per counted month, the account of the file it was first counted from (when that file has one). */
  private readonly monthAccount = new Map<string, string | undefined>();
  readonly groupColumns: string[] = [];
  deviceColumn: string | undefined;
  rows = 0;
  malformedRows = 0;
  /** Per month, the days (yyyyMMdd, or yyyyMM for monthly rows) already counted, and from which file. */
  private readonly taken = new Map<string, Map<string, string>>();
  private readonly items: MonthTable = new Map();
  private readonly devices: MonthTable = new Map();
  private readonly groups: MonthTable[] = [];
  private readonly monthTotals = new Map<string, Acc>();
  private readonly deviceInfo = new Map<string, DeviceLine>();
  private deviceCache: { lines: { key: string; info: DeviceLine | undefined; amounts: bigint[]; rows: number[]; total: bigint }[] } | undefined;
  private sortCache: { key: string; order: number[] } | undefined;
  /**
   * Per table, once a counted file had more distinct keys than a summary keeps: the keys every
   * such file named. The others were counted under "(other)" in one of them, so they are counted
   * there from every file, and no named total misses rows.
   */
  private readonly named = new Map<MonthTable, Set<string>>();
  /** The caps the counted files reached, in words, with the file. */
  readonly capsReached: string[] = [];

  /** Adds a file: counts the months no other file of the set already holds. */
  add(input: SetFileInput): ReviewSetFile {
    this.deviceCache = undefined;
    this.sortCache = undefined;
    const file: ReviewSetFile = { fileName: input.fileName, size: input.size, state: 'used', months: [], usedMonths: [], repeated: [], rows: 0, malformedRows: 0, total: '0' };
    if (input.libraryId !== undefined) file.libraryId = input.libraryId;
    if (input.savedAt !== undefined) file.savedAt = input.savedAt;
    this.files.push(file);
    if (input.error) {
      file.state = 'failed';
      file.error = input.error;
      return file;
    }
    if (input.duplicateOf !== undefined) {
      file.state = 'duplicate';
      file.duplicateOf = input.duplicateOf;
      return file;
    }
    const s = input.summary;
    const layout = input.layout;
    if (!s || !layout) throw new Error('A file of a review set needs its summary.');
    file.rows = s.rows;
    file.malformedRows = s.malformedCount;
    file.total = formatSet(toSet(s.total, s.scale));
    file.months = s.months;
    if (s.notUtf8) file.notUtf8 = true;
    this.malformedRows += s.malformedCount;
    for (const m of s.malformed) {
      if (this.malformed.length >= setMalformedLimit) break;
      this.malformed.push({ fileName: input.fileName, line: m.line, reason: m.reason, detail: m.detail, raw: m.raw, truncated: m.truncated });
    }
    if (s.rows === 0 || s.months.length === 0) {
      file.state = 'empty';
      return file;
    }
    if (layout.device >= 0) this.deviceColumn ??= layout.columns[layout.device];
    const groupAt = layout.groups.map((g) => {
      const name = layout.columns[g] ?? '';
      let i = this.groupColumns.indexOf(name);
      if (i < 0) {
        i = this.groupColumns.push(name) - 1;
        this.groups.push(new Map());
      }
      return i;
    });

    // The days of each month in this file.
    const days = new Map<string, string[]>();
    for (const t of [...s.byDay, ...s.byMonthRow]) {
      const month = t.key.slice(0, 6);
      let l = days.get(month);
      if (!l) days.set(month, (l = []));
      l.push(t.key);
    }
    const used = new Set<string>();
    for (const month of s.months) {
      const taken = this.taken.get(month);
      const clash = (days.get(month) ?? []).map((d) => taken?.get(d)).find((f) => f !== undefined);
      if (clash !== undefined) {
        file.repeated.push({ month, openIn: clash });
        continue;
      }
      used.add(month);
      if (!this.monthAccount.has(month)) this.monthAccount.set(month, input.accountId);
      let t = taken;
      if (!t) this.taken.set(month, (t = new Map()));
      for (const d of days.get(month) ?? []) t.set(d, input.fileName);
    }
    file.usedMonths = s.months.filter((m) => used.has(m));
    file.state = used.size === s.months.length ? 'used' : used.size === 0 ? 'repeats' : 'partly';

    if (used.size > 0) {
      for (const c of s.capped) {
        this.capsReached.push(`${input.fileName}: ${capNote(c)}`);
        if (c.table === 'items' || c.table === 'itemMonths') this.narrow(this.items, s.byItem);
        else if (c.table === 'devices' || c.table === 'deviceMonths') this.narrow(this.devices, s.byDevice);
        else if (c.table === 'group' || c.table === 'groupMonths') {
          const g = layout.groups.findIndex((at) => layout.columns[at] === c.column);
          const table = this.groups[groupAt[g] ?? -1];
          if (table) this.narrow(table, s.byGroup[g] ?? []);
        }
      }
    }
    const scale = s.scale;
    const items = byMonth(s.byMonthItem);
    const devices = byMonth(s.byDeviceMonth);
    const groups = s.byGroupMonth.map(byMonth);
    const latest = file.usedMonths.at(-1) ?? '';
    for (const month of used) {
      let monthTotal = 0n;
      let monthRows = 0;
      for (const t of items.get(month) ?? []) {
        const v = toSet(t.amount, scale);
        addTo(this.items, month, this.keyIn(this.items, t.key), v, t.rows);
        monthTotal += v;
        monthRows += t.rows;
      }
      this.rows += monthRows;
      const mt = this.monthTotals.get(month);
      if (mt) {
        mt.amount += monthTotal;
        mt.rows += monthRows;
      } else this.monthTotals.set(month, { amount: monthTotal, rows: monthRows });
      // Rows a table cannot place (a file without that column) count under the empty key, so
      // every table adds up to the month's total.
      const addAll = (table: MonthTable, list: Total[] | undefined) => {
        let amount = 0n;
        let rows = 0;
        for (const t of list ?? []) {
          const v = toSet(t.amount, scale);
          addTo(table, month, this.keyIn(table, t.key), v, t.rows);
          amount += v;
          rows += t.rows;
        }
        if (amount !== monthTotal || rows !== monthRows) addTo(table, month, this.keyIn(table, ''), monthTotal - amount, monthRows - rows);
      };
      addAll(this.devices, layout.device >= 0 ? devices.get(month) : undefined);
      this.groups.forEach((table, i) => {
        const g = groupAt.indexOf(i);
        addAll(table, g >= 0 ? groups[g]?.get(month) : undefined);
      });
    }
    if (used.size > 0) {
      const { devices, values } = s.deviceGroups;
      devices.forEach((device, d) => {
        const info = this.deviceInfo.get(device);
        if (info && info.groupsMonth > latest) return;
        const groupsOut = info?.groups ?? this.groupColumns.map(() => '');
        values.forEach((column, g) => {
          const at = groupAt[g];
          if (at !== undefined) groupsOut[at] = column[d] ?? '';
        });
        this.deviceInfo.set(device, { groups: groupsOut, groupsMonth: latest });
      });
    }
    return file;
  }

  /** Where a file's total of `key` goes in `table`: its own line, or "(other)" (see `named`). */
  private keyIn(table: MonthTable, key: string): string {
    const named = this.named.get(table);
    return named === undefined || named.has(key) ? key : otherKey;
  }

  /** A counted file past the cap of `table` named only the keys of `list`: the others go to "(other)", from the files counted already too. */
  private narrow(table: MonthTable, list: Total[]): void {
    const before = this.named.get(table);
    const named = new Set<string>();
    for (const t of list) if (t.key !== otherKey && (before === undefined || before.has(t.key))) named.add(t.key);
    this.named.set(table, named);
    for (const [month, byKey] of table) {
      for (const [key, acc] of [...byKey]) {
        if (key === otherKey || named.has(key)) continue;
        byKey.delete(key);
        addTo(table, month, otherKey, acc.amount, acc.rows);
      }
    }
  }

  /** The account each counted month was read for, when its file came from an account's saved exports. */
  accountOf(month: string): string | undefined {
    return this.monthAccount.get(month);
  }

  get months(): string[] {
    return [...this.monthTotals.keys()].sort();
  }

  monthTotalsList(): bigint[] {
    return this.months.map((m) => this.monthTotals.get(m)?.amount ?? 0n);
  }

  total(): bigint {
    let t = 0n;
    for (const acc of this.monthTotals.values()) t += acc.amount;
    return t;
  }

  private lines(table: MonthTable): ReviewMonthlyLine[] {
    const months = this.months;
    const keys = new Map<string, { amounts: bigint[]; total: bigint; rows: number }>();
    months.forEach((m, i) => {
      for (const [key, acc] of table.get(m) ?? []) {
        let line = keys.get(key);
        if (!line) keys.set(key, (line = { amounts: months.map(() => 0n), total: 0n, rows: 0 }));
        line.amounts[i] = (line.amounts[i] ?? 0n) + acc.amount;
        line.total += acc.amount;
        line.rows += acc.rows;
      }
    });
    return [...keys]
      .filter(([key, l]) => key !== '' || l.rows !== 0 || l.total !== 0n)
      .sort(([ka, a], [kb, b]) => (b.total > a.total ? 1 : b.total < a.total ? -1 : ka.localeCompare(kb)))
      .map(([key, l]) => ({ key, amounts: l.amounts.map(formatSet), total: formatSet(l.total), rows: l.rows }));
  }

  itemLines(): ReviewMonthlyLine[] {
    return this.lines(this.items);
  }

  groupLines(): { column: string; lines: ReviewMonthlyLine[] }[] {
    return this.groupColumns.map((column, i) => ({ column, lines: this.lines(this.groups[i] ?? new Map()) }));
  }

  private deviceLines() {
    const months = this.months;
    if (this.deviceCache) return this.deviceCache.lines;
    const byKey = new Map<string, { amounts: bigint[]; rows: number[]; total: bigint }>();
    months.forEach((m, i) => {
      for (const [key, acc] of this.devices.get(m) ?? []) {
        if (key === '' && acc.rows === 0 && acc.amount === 0n) continue;
        let line = byKey.get(key);
        if (!line) byKey.set(key, (line = { amounts: months.map(() => 0n), rows: months.map(() => 0), total: 0n }));
        line.amounts[i] = (line.amounts[i] ?? 0n) + acc.amount;
        line.rows[i] = (line.rows[i] ?? 0) + acc.rows;
        line.total += acc.amount;
      }
    });
    const lines = [...byKey].map(([key, l]) => ({ key, info: this.deviceInfo.get(key), ...l }));
    this.deviceCache = { lines };
    return lines;
  }

  deviceCount(): number {
    return this.deviceLines().length;
  }

  /** The two months a change is measured between: the given ones, else the last two. */
  comparedMonths(from?: string, to?: string): { from: number; to: number } {
    const months = this.months;
    const index = (m: string) => {
      const i = months.indexOf(m);
      if (i < 0) throw new MonthNotInSetError(m);
      return i;
    };
    const t = to === undefined ? months.length - 1 : index(to);
    const f = from === undefined ? (to === undefined ? months.length - 2 : t - 1) : index(from);
    return { from: f, to: t };
  }

  /** The SIM × month table, filtered and sorted: the lines and their order. */
  private deviceOrder(query: DeviceQuery) {
    const lines = this.deviceLines();
    const { from, to } = this.comparedMonths(query.from, query.to);
    const at = (l: { amounts: bigint[] }, i: number) => (i >= 0 ? (l.amounts[i] ?? 0n) : 0n);
    const has = (l: { rows: number[] }, i: number) => i >= 0 && (l.rows[i] ?? 0) > 0;
    const change = (l: { amounts: bigint[] }) => at(l, to) - at(l, from);
    const sort = query.sort ?? 'total';
    const cacheKey = JSON.stringify([sort, query.ascending ?? false, query.filter ?? null, from, to, query.only ?? null, lines.length]);
    let order = this.sortCache?.key === cacheKey ? this.sortCache.order : undefined;
    if (!order) {
      const needle = query.filter?.text.toLocaleLowerCase();
      const column = query.filter?.column;
      const groupIndex = column === undefined || column === this.deviceColumn ? -1 : this.groupColumns.indexOf(column);
      if (column !== undefined && column !== this.deviceColumn && groupIndex < 0) throw new MonthNotInSetError('', `The files have no column named ${column}.`);
      order = [];
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i] as (typeof lines)[number];
        if (needle !== undefined) {
          const values = groupIndex >= 0 ? [l.info?.groups[groupIndex] ?? ''] : column !== undefined ? [l.key] : [l.key, ...(l.info?.groups ?? [])];
          if (!values.some((v) => v.toLocaleLowerCase().includes(needle))) continue;
        }
        if (query.only === 'appeared' && !(has(l, to) && !has(l, from))) continue;
        if (query.only === 'gone' && !(has(l, from) && !has(l, to))) continue;
        if (query.only === 'changed' && change(l) === 0n && has(l, from) === has(l, to)) continue;
        order.push(i);
      }
      const value = (l: (typeof lines)[number]) => (sort === 'total' ? l.total : sort === 'last' ? at(l, to) : change(l));
      const dir = query.ascending ? 1 : -1;
      order.sort((a, b) => {
        const la = lines[a] as (typeof lines)[number];
        const lb = lines[b] as (typeof lines)[number];
        if (sort !== 'key') {
          const va = value(la);
          const vb = value(lb);
          if (va !== vb) return (va < vb ? -1 : 1) * dir;
        }
        // By device id: A to Z unless asked otherwise; ties elsewhere also by id, A to Z.
        return la.key.localeCompare(lb.key) * (sort === 'key' && query.ascending === false ? -1 : 1);
      });
      this.sortCache = { key: cacheKey, order };
    }
    const row = (i: number): ReviewSetDevice => {
      const l = lines[i] as (typeof lines)[number];
      return {
        key: l.key,
        groups: l.info?.groups ?? this.groupColumns.map(() => ''),
        amounts: l.amounts.map(formatSet),
        present: l.rows.map((r) => r > 0),
        total: formatSet(l.total),
        last: formatSet(at(l, to)),
        change: formatSet(change(l)),
      };
    };
    return { order, from, to, row, change: (i: number) => change(lines[i] as (typeof lines)[number]) };
  }

  /** The SIM × month table, filtered and sorted. */
  devicePage(query: DeviceQuery, offset: number, limit: number): { total: number; rows: ReviewSetDevice[]; from?: string; to: string; sumOfChanges: string } {
    const months = this.months;
    const { order, from, to, row, change } = this.deviceOrder(query);
    let sum = 0n;
    for (const i of order) sum += change(i);
    const rows = order.slice(offset, offset + limit).map(row);
    const out: { total: number; rows: ReviewSetDevice[]; from?: string; to: string; sumOfChanges: string } = { total: order.length, rows, to: months[to] ?? '', sumOfChanges: formatSet(sum) };
    if (from >= 0 && months[from] !== undefined) out.from = months[from];
    return out;
  }

  /** Every matching SIM, in the page order, one at a time (for a CSV of any size). */
  deviceRows(query: DeviceQuery): { from?: string; to: string; count: number; rows: Iterable<ReviewSetDevice> } {
    const months = this.months;
    const { order, from, to, row } = this.deviceOrder(query);
    const out: { from?: string; to: string; count: number; rows: Iterable<ReviewSetDevice> } = {
      to: months[to] ?? '',
      count: order.length,
      rows: (function* () {
        for (const i of order) yield row(i);
      })(),
    };
    if (from >= 0 && months[from] !== undefined) out.from = months[from];
    return out;
  }

  /** What changed from one month to another, by item, by tag/group, by SIM. */
  compare(fromMonth: string, toMonth: string): ReviewChanges {
    const { from, to } = this.comparedMonths(fromMonth, toMonth);
    const months = this.months;
    const totals = this.monthTotalsList();
    const fromTotal = totals[from] ?? 0n;
    const toTotal = totals[to] ?? 0n;
    const table = (t: MonthTable): ReviewChangeTable => {
      const a = t.get(months[from] ?? '') ?? new Map<string, Acc>();
      const b = t.get(months[to] ?? '') ?? new Map<string, Acc>();
      const keys = new Set([...a.keys(), ...b.keys()]);
      const raw: { key: string; from: bigint; to: bigint; change: bigint }[] = [];
      let sum = 0n;
      for (const key of keys) {
        const f = a.get(key);
        const g = b.get(key);
        const fv = f?.amount ?? 0n;
        const tv = g?.amount ?? 0n;
        // The empty key of a file without the column only says "nothing unplaced" when zero.
        if (key === '' && fv === 0n && tv === 0n && (f?.rows ?? 0) === 0 && (g?.rows ?? 0) === 0) continue;
        raw.push({ key, from: fv, to: tv, change: tv - fv });
        sum += tv - fv;
      }
      raw.sort((x, y) => (abs(y.change) > abs(x.change) ? 1 : abs(y.change) < abs(x.change) ? -1 : x.key.localeCompare(y.key)));
      return { lines: raw.map(asChange), sum: formatSet(sum) };
    };
    const lines = this.deviceLines();
    let changed = 0;
    let appeared = 0;
    let gone = 0;
    let sum = 0n;
    const movers: { key: string; from: bigint; to: bigint; change: bigint; absent?: 'from' | 'to' }[] = [];
    for (const l of lines) {
      const fv = l.amounts[from] ?? 0n;
      const tv = l.amounts[to] ?? 0n;
      const inFrom = (l.rows[from] ?? 0) > 0;
      const inTo = (l.rows[to] ?? 0) > 0;
      sum += tv - fv;
      if (inTo && !inFrom) appeared++;
      if (inFrom && !inTo) gone++;
      if (tv !== fv || inFrom !== inTo) changed++;
      if (l.key !== '' && tv !== fv) movers.push({ key: l.key, from: fv, to: tv, change: tv - fv, ...(inFrom ? (inTo ? {} : { absent: 'to' as const }) : { absent: 'from' as const }) });
    }
    movers.sort((x, y) => (abs(y.change) > abs(x.change) ? 1 : abs(y.change) < abs(x.change) ? -1 : x.key.localeCompare(y.key)));
    return {
      from: months[from] ?? '',
      to: months[to] ?? '',
      fromTotal: formatSet(fromTotal),
      toTotal: formatSet(toTotal),
      difference: formatSet(toTotal - fromTotal),
      byItem: table(this.items),
      byGroup: this.groupColumns.map((column, i) => ({ column, ...table(this.groups[i] ?? new Map()) })),
      devices: { changed, appeared, gone, sum: formatSet(sum) },
      topMovers: movers.slice(0, 10).map(asChange),
    };
  }
}

function asChange(c: { key: string; from: bigint; to: bigint; change: bigint; absent?: 'from' | 'to' }): ReviewChange {
  const out: ReviewChange = { key: c.key, from: formatSet(c.from), to: formatSet(c.to), change: formatSet(c.change) };
  if (c.absent) out.absent = c.absent;
  return out;
}

export class MonthNotInSetError extends Error {
  constructor(
    readonly month: string,
    message = `${month.slice(0, 4)}-${month.slice(4)} is not a month of this review.`,
  ) {
    super(message);
  }
}

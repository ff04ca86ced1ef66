/**
 * Summarizes whole files with worker threads.
 *
 * One file is cut into byte ranges at guessed record starts (the first line start at or after
 * each split point, found by the range's own thread); every range is parsed at the same time.
 * A guess is only right when the range before it, parsed from a known record start, ends exactly
 * there: quotes can hold line breaks, so a line start may sit inside a quoted field. When a guess
 * is wrong the range is parsed again from where the range before it really ended, so the result
 * is always the same as one parse from the start.
 *
 * Several files are shared out whole between the threads (each file starts at a known record
 * start, so nothing is guessed); each thread sums its files into one set of totals, and the
 * threads' totals are added up at the end.
 */
import {
  caps,
  deviceGroupWidth,
  mergeTables,
  monthWidth,
  otherKey,
  Tables,
  TooLargeError,
  type FilterJob,
  type Layout,
  type MalformedEntry,
  type PackedTables,
  type RangeJob,
  type RangeStats,
  type RowIndex,
} from './engine';
import { boardCapacity, SplitBoard } from './split';
import type { JobRunner, RangesResult, RunnerFactory, WorkerJob } from './threads';

export interface Total {
  key: string;
  /** In units of 10^-scale. */
  amount: number;
  rows: number;
}

/**
 * A table that met more distinct keys than it keeps (see `caps` in engine.ts): the rows of the
 * keys it does not name are counted under "(other)". `column`: the tag or group column.
 */
export type CapReached = { table: 'items' | 'devices' | 'days' | 'months' | 'itemMonths' | 'deviceMonths' } | { table: 'group' | 'groupMonths'; column: string };

/** What a summary says about a cap it reached. */
export function capNote(c: CapReached): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const what =
    c.table === 'group'
      ? `${count(caps.groupValues)} values of ${c.column}`
      : c.table === 'groupMonths'
        ? `${count(caps.pairs)} totals of a value of ${c.column} in a month`
        : {
            items: `${count(caps.items)} bill items`,
            devices: `${count(caps.devices)} SIMs`,
            days: `${count(caps.days)} days`,
            months: `${count(caps.months)} months`,
            itemMonths: `${count(caps.pairs)} totals of a bill item in a month`,
            deviceMonths: `${count(caps.pairs)} totals of a SIM in a month`,
          }[c.table];
  return `More than ${what}: the rest are counted under ${otherKey}.`;
}

/** The caps the totals reached. */
function capsReached(t: Tables, groupNames: string[]): CapReached[] {
  const out: CapReached[] = [];
  // A scan, not `has`: these sums may have no hash index yet, and building one would cost more.
  const summedAsOther = (s: Sums) => s.keys.subarray(0, s.count).includes(-1);
  const pastPairs = (s: Sums) => s.lost !== undefined || summedAsOther(s);
  if (t.items.other >= 0) out.push({ table: 'items' });
  if (pastPairs(t.itemMonth)) out.push({ table: 'itemMonths' });
  if (t.devices.other >= 0) out.push({ table: 'devices' });
  if (pastPairs(t.deviceMonth)) out.push({ table: 'deviceMonths' });
  for (const column of groupNames) {
    const g = t.groupNames.indexOf(column);
    if (g >= 0 && (t.groupKeys[g] as Tables['items']).other >= 0) out.push({ table: 'group', column });
    if (g >= 0 && pastPairs(t.groupMonth[g] as Sums)) out.push({ table: 'groupMonths', column });
  }
  if (summedAsOther(t.day)) out.push({ table: 'days' });
  if (t.monthIndex.has(otherKey)) out.push({ table: 'months' });
  return out;
}

/** The totals every summary has, of one file or of several. */
export interface Totals {
  rows: number;
  malformedCount: number;
  blankLines: number;
  scale: number;
  total: number;
  byItem: Total[];
  byDay: Total[];
  byMonthRow: Total[];
  byDevice: Total[];
  /** Per month × bill item; key = yyyyMM (from the row's date) + item name. See `splitMonthKey`. */
  byMonthItem: Total[];
  /** Per device × month; key = yyyyMM + device id. */
  byDeviceMonth: Total[];
  /** Every yyyyMM in the dates, oldest first. */
  months: string[];
  /** The tables that had more distinct keys than they keep. */
  capped: CapReached[];
}

/**
 * Every device's tag and group values, as columns: `values[g][i]` is the value device
 * `devices[i]` has in column `g` (columns as `byGroup`; '' where it has none).
 */
export interface DeviceGroups {
  devices: string[];
  values: string[][];
}

export interface FileSummary extends Totals {
  byGroup: Total[][];
  /** Per tag/group column (as `byGroup`), per value × month; key = yyyyMM + value. */
  byGroupMonth: Total[][];
  /**
   * Every device's tag and group values, devices in order of first appearance. When a device
   * had several values in a column, the one on most of its rows (then the first in text order).
   */
  deviceGroups: DeviceGroups;
  /** With 1-based line numbers. */
  malformed: (Omit<MalformedEntry, 'lineInRange'> & { line: number })[];
  index: RowIndex;
  /** Exact record ranges, with the number of their first row (for filters). */
  ranges: { start: number; end: number; rowBase: number }[];
  /** How many ranges had to be parsed again because their guessed start was inside a record. */
  reparsed: number;
  /** An item, device or tag name is not UTF-8: the file is in another encoding (Shift_JIS, Latin-1), so names read garbled. */
  notUtf8: boolean;
}

/** Several files summed as one. */
export interface MultiSummary extends Totals {
  /** Tag and group columns by header name, across the files. */
  groupColumns: string[];
  /** As `groupColumns`. */
  byGroup: Total[][];
  byGroupMonth: Total[][];
  /** As in `FileSummary`, columns as `groupColumns`. */
  deviceGroups: DeviceGroups;
  files: {
    path: string;
    rows: number;
    malformedCount: number;
    blankLines: number;
    /** The months of this file's dates. */
    months: string[];
    malformed: FileSummary['malformed'];
  }[];
}

export interface SummarizeOptions {
  runner: RunnerFactory;
  workers: number;
  /** Forced split guesses (tests): any byte offsets. */
  splitAt?: number[];
  onProgress?: (bytes: number) => void;
  keepMalformed?: number;
  indexEvery?: number;
  /** Files smaller than this are parsed in one range. */
  minSplitBytes?: number;
  /** Called with each runner so the caller can stop it (closing a review). */
  track?: (runner: JobRunner) => () => void;
  /** Runners started ahead (while the file was being opened), used before new ones. */
  started?: JobRunner[];
  /** The least a thread done with its range takes of another's unread bytes (see `RangeJob.takeBytes`); 0: ranges stay as cut. */
  takeBytes?: number;
}

async function run(opts: Pick<SummarizeOptions, 'runner' | 'track' | 'started'>, job: WorkerJob, onProgress?: (bytes: number) => void): Promise<RangesResult | Uint32Array> {
  const runner = opts.started?.shift() ?? opts.runner();
  const untrack = opts.track?.(runner);
  try {
    return await runner.run(job, onProgress);
  } finally {
    untrack?.();
    runner.terminate();
  }
}

/**
 * What a thread reads at a time of a range others may take from: a range is only cut after what
 * its thread has read, so this is about how far apart the threads can finish.
 */
const sharedChunkBytes = 1024 * 1024;

/** One file's ranges parsed in parallel, checked, and their totals added up. */
async function summarizeFileTables(file: string, layout: Layout, size: number, opts: SummarizeOptions): Promise<{ parts: RangeStats[]; tables: PackedTables[]; reparsed: number }> {
  const keepMalformed = opts.keepMalformed ?? 1000;
  const indexEvery = opts.indexEvery ?? 64;
  // Where the ranges after the first are cut: each starts at the first line start from there,
  // found by its own thread (so the threads get their jobs without this thread reading first).
  const starts = [layout.dataStart];
  if (opts.splitAt) {
    for (const s of [...opts.splitAt].sort((a, b) => a - b)) if (s > (starts.at(-1) as number) && s < size) starts.push(s);
  } else if (opts.workers > 1 && size - layout.dataStart >= (opts.minSplitBytes ?? 1024 * 1024)) {
    const body = size - layout.dataStart;
    for (let i = 1; i < opts.workers; i++) starts.push(layout.dataStart + Math.floor((body * i) / opts.workers));
  }
  // Runners started ahead beyond the ranges go back now, not when the summary is done: among
  // reviews opened together, the thread one holds (the first asked for hold one soonest) reads
  // another file meanwhile.
  for (const spare of opts.started?.splice(starts.length) ?? []) spare.terminate();
  const ends = starts.map((_, i) => starts[i + 1] ?? size);
  const progress = starts.map(() => 0);
  const report = (i: number, bytes: number) => {
    progress[i] = (progress[i] ?? 0) + bytes;
    opts.onProgress?.(Math.min(size, progress.reduce((a, b) => a + b, 0)));
  };
  // The threads share the ranges out as they go (split.ts): one done early takes half of what
  // another has not read yet.
  const board = starts.length > 1 && starts.length <= boardCapacity && opts.takeBytes !== 0 ? new SplitBoard(starts.map((start, i) => ({ start, end: ends[i] as number }))) : undefined;
  const runRange = async (i: number, start: number, alignStart = false, shared?: SplitBoard): Promise<RangesResult> => {
    const job: RangeJob = { path: file, start, end: ends[i] as number, layout, keepMalformed, indexEvery, alignStart };
    if (shared) Object.assign(job, { shared: { board: shared.memory, cell: i }, takeBytes: opts.takeBytes, chunkBytes: sharedChunkBytes });
    return (await run(opts, { kind: 'summarize', jobs: [job] }, (bytes) => report(i, bytes))) as RangesResult;
  };
  const results = await Promise.all(starts.map((s, i) => runRange(i, s, i > 0, board)));
  if (results.some((r) => r.parts.length > 1)) {
    // Ranges were cut while read: each one's guessed start must be where the one before it ended.
    const parts = results.flatMap((r) => r.parts).sort((a, b) => a.start - b.start || a.stoppedAt - b.stoppedAt);
    if (parts.every((p, k) => k === 0 || p.start === (parts[k - 1] as RangeStats).stoppedAt)) return { parts, tables: results.map((r) => r.tables), reparsed: 0 };
    // A cut fell inside a quoted field: its totals are mixed with other ranges' in a thread's,
    // so the file is summed again in fixed ranges, each checked as below.
    const again = await summarizeFileTables(file, layout, size, { ...opts, takeBytes: 0 });
    return { ...again, reparsed: again.reparsed + 1 };
  }
  // Every range but the first is summed only once its start is checked against where the range
  // before it ended.
  let reparsed = 0;
  for (let i = 1; i < results.length; i++) {
    const before = (results[i - 1] as RangesResult).parts[0] as RangeStats;
    if (((results[i] as RangesResult).parts[0] as RangeStats).start !== before.stoppedAt) {
      reparsed++;
      results[i] = await runRange(i, before.stoppedAt);
    }
  }
  return { parts: results.map((r) => r.parts[0] as RangeStats), tables: results.map((r) => r.tables), reparsed };
}

export async function summarizeFile(file: string, layout: Layout, size: number, opts: SummarizeOptions): Promise<FileSummary> {
  const keepMalformed = opts.keepMalformed ?? 1000;
  const { parts, tables: ranges, reparsed } = await summarizeFileTables(file, layout, size, opts);
  const threads = ranges.length;
  const tables = mergeTables(ranges);
  const stats = mergeStats(parts, layout, keepMalformed);
  const totals = totalsOf(tables, stats);
  const names = layout.groups.map((g) => layout.columns[g] ?? '');
  if (layout.device < 0) {
    totals.byDevice = [];
    totals.byDeviceMonth = [];
  }
  totals.capped = capsReached(tables, names).filter((c) => (c.table !== 'devices' && c.table !== 'deviceMonths') || layout.device >= 0);
  // What only a review of several files (and the cache) reads is made when first read: a review
  // of one file shows its totals without waiting for it.
  let held: Tables | undefined = tables;
  let byGroupMonth: Total[][] | undefined;
  let deviceGroups: DeviceGroups | undefined;
  const release = () => {
    if (byGroupMonth && deviceGroups) held = undefined;
  };
  return {
    ...totals,
    byGroup: groupTotals(tables, names, false).byGroup,
    get byGroupMonth() {
      byGroupMonth ??= groupTotals(held as Tables, names).byGroupMonth;
      release();
      return byGroupMonth;
    },
    get deviceGroups() {
      deviceGroups ??= layout.device < 0 ? { devices: [], values: names.map(() => []) } : deviceGroupsOf(held as Tables, names);
      release();
      return deviceGroups;
    },
    malformed: stats.malformed,
    index: stats.index,
    ranges: joinRanges(stats.ranges, threads),
    reparsed,
    notUtf8: ![tables.items, tables.devices, ...tables.groupKeys].every((keys) => keys.isUtf8()),
  };
}

/** The files to sum, with their layouts (from `readLayout`). */
export interface FileToSum {
  path: string;
  layout: Layout;
  size: number;
}

/**
 * Several files summed into one result (months × items, devices × months, tags × months),
 * with each file's own counts. Files are shared out whole between the workers, largest first.
 */
export async function summarizeFiles(files: FileToSum[], opts: SummarizeOptions): Promise<MultiSummary> {
  const keepMalformed = opts.keepMalformed ?? 1000;
  const indexEvery = opts.indexEvery ?? 1 << 30;
  const workers = Math.max(1, opts.workers);
  /** The totals of each range or thread, in file order. */
  const parts: PackedTables[] = [];
  const perFile: { stats: RangeStats[]; layout: Layout }[] = files.map((f) => ({ stats: [], layout: f.layout }));
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const onProgress = (bytes: number) => {
    done += bytes;
    opts.onProgress?.(Math.min(done, total));
  };
  if (files.length < workers && files.length > 0) {
    // Too few files to keep every thread busy: each file is split between them instead.
    for (const [i, f] of files.entries()) {
      const before = done;
      const r = await summarizeFileTables(f.path, f.layout, f.size, { ...opts, onProgress: (bytes) => opts.onProgress?.(Math.min(before + bytes, total)) });
      done = before + f.size;
      parts.push(...r.tables);
      (perFile[i] as (typeof perFile)[number]).stats = r.parts;
    }
  } else {
    const order = files.map((f, i) => ({ f, i })).sort((a, b) => b.f.size - a.f.size);
    const shares: { bytes: number; items: { f: FileToSum; i: number }[] }[] = Array.from({ length: Math.min(workers, files.length) }, () => ({ bytes: 0, items: [] }));
    for (const item of order) {
      const share = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
      share.items.push(item);
      share.bytes += item.f.size;
    }
    const results = await Promise.all(
      shares.map(async (share) => {
        const jobs: RangeJob[] = share.items.map(({ f }) => ({ path: f.path, start: f.layout.dataStart, end: f.size, layout: f.layout, keepMalformed, indexEvery }));
        const result = (await run(opts, { kind: 'summarize', jobs }, onProgress)) as RangesResult;
        share.items.forEach(({ i }, k) => ((perFile[i] as (typeof perFile)[number]).stats = [result.parts[k] as RangeStats]));
        return result;
      }),
    );
    parts.push(...results.map((r) => r.tables));
  }
  const tables = mergeTables(parts);
  const fileStats = perFile.map((p) => mergeStats(p.stats, p.layout, keepMalformed));
  const all = {
    rows: fileStats.reduce((n, s) => n + s.rows, 0),
    malformedCount: fileStats.reduce((n, s) => n + s.malformedCount, 0),
    blankLines: fileStats.reduce((n, s) => n + s.blankLines, 0),
  };
  const groupColumns = [...tables.groupNames];
  return {
    ...totalsOf(tables, all),
    capped: capsReached(tables, groupColumns),
    groupColumns,
    ...groupTotals(tables, groupColumns),
    deviceGroups: files.every((f) => f.layout.device < 0) ? { devices: [], values: groupColumns.map(() => []) } : deviceGroupsOf(tables, groupColumns),
    files: files.map((f, i) => {
      const s = fileStats[i] as ReturnType<typeof mergeStats>;
      return { path: f.path, rows: s.rows, malformedCount: s.malformedCount, blankLines: s.blankLines, months: s.months, malformed: s.malformed };
    }),
  };
}

/** Totals such as a thread posts for a range: `devices` SIMs with a tag and a group each, over two months. */
function madeUpTables(devices: number): PackedTables {
  const t = new Tables();
  const groups = [t.groupSlot('tag:name'), t.groupSlot('group')];
  const months = [t.month('202405'), t.month('202406')];
  for (let i = 0; i < devices; i++) {
    const d = t.devices.idOf(`4401030000${String(i).padStart(5, '0')}`);
    const values = [`Meter ${i}`, `Group ${i % 7}`];
    for (const m of months) {
      const item = t.items.idOf(`Item ${i % 5}`);
      t.itemMonth.addSum(item * monthWidth + m, i, 1);
      t.deviceMonth.addSum(d * monthWidth + m, i, 1);
      groups.forEach((g, k) => {
        const v = (t.groupKeys[g] as Tables['items']).idOf(values[k] as string);
        (t.groupMonth[g] as Tables['day']).addSum(v * monthWidth + m, i, 1);
        (t.deviceGroup[g] as Tables['day']).addSum(d * deviceGroupWidth + v, i, 1);
      });
    }
    t.day.addSum(20240501 + (i % 28), i, 2);
  }
  return t.pack();
}

/**
 * Runs this thread's part of a summary (taking over one range's totals, adding another's, the
 * totals as lists) on made-up totals a few times, so that the first review after start-up
 * does not spend its last moments compiling it. A few milliseconds at a time.
 */
export async function warmUpTotals(): Promise<void> {
  const names = ['tag:name', 'group'];
  const counts = { rows: 0, malformedCount: 0, blankLines: 0 };
  for (let i = 0; i < 10; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const tables = new Tables(madeUpTables(300));
    tables.absorb(madeUpTables(300));
    totalsOf(tables, counts);
    groupTotals(tables, names);
    deviceGroupsOf(tables, names);
  }
}

/** A per-month key (`yyyyMM` + rest) as its month and the rest. */
export function splitMonthKey(key: string): { month: string; rest: string } {
  return { month: key.slice(0, 6), rest: key.slice(6) };
}

function mergeStats(parts: RangeStats[], layout: Layout, keepMalformed: number) {
  let rows = 0;
  let newlines = 0;
  let malformedCount = 0;
  let blankLines = 0;
  const malformed: FileSummary['malformed'] = [];
  const ranges: FileSummary['ranges'] = [];
  const months = new Set<string>();
  for (const r of parts) {
    ranges.push({ start: r.start, end: r.stoppedAt, rowBase: rows });
    for (const m of r.malformed) {
      if (malformed.length >= keepMalformed) break;
      const { lineInRange, ...rest } = m;
      malformed.push({ ...rest, line: layout.headerNewlines + newlines + lineInRange + 1 });
    }
    for (const m of r.months) months.add(m);
    rows += r.rows;
    newlines += r.newlines;
    malformedCount += r.malformedCount;
    blankLines += r.blankLines;
  }
  return {
    rows,
    malformedCount,
    blankLines,
    malformed,
    months: [...months].sort(),
    ranges,
    index: joinIndex(parts),
  };
}

/**
 * Ranges that follow each other joined into at most `count` of about the same size: a filter
 * runs one thread per range, and ranges cut while summing can be many.
 */
function joinRanges(ranges: FileSummary['ranges'], count: number): FileSummary['ranges'] {
  const first = ranges[0];
  if (ranges.length <= count || first === undefined) return ranges;
  const bytes = (ranges.at(-1) as FileSummary['ranges'][number]).end - first.start;
  const out: FileSummary['ranges'] = [];
  for (const r of ranges) {
    const last = out.at(-1);
    if (last && (out.length >= count || r.start - first.start < (bytes * out.length) / count)) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** The ranges' row indexes as one, numbered from the first range's start. */
function joinIndex(parts: RangeStats[]): RowIndex {
  const count = parts.reduce((n, r) => n + r.index.rows.length, 0);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only) return { rows: only.index.rows, offsets: only.index.offsets, lines: only.index.lines, count };
  const index: RowIndex = { rows: new Float64Array(count), offsets: new Float64Array(count), lines: new Float64Array(count), count };
  let at = 0;
  let rows = 0;
  let newlines = 0;
  for (const r of parts) {
    const n = r.index.rows.length;
    for (let k = 0; k < n; k++) {
      index.rows[at + k] = rows + (r.index.rows[k] as number);
      index.lines[at + k] = newlines + (r.index.lines[k] as number);
    }
    index.offsets.set(r.index.offsets, at);
    at += n;
    rows += r.rows;
    newlines += r.newlines;
  }
  return index;
}

function safe(t: Total): Total {
  if (!Number.isSafeInteger(t.amount)) throw new TooLargeError('The amounts in this file are too large to sum exactly.');
  return t;
}

/**
 * Pair sums (`key * monthWidth + month`) as totals over all months and (unless `byMonth` is
 * false) per-month totals. The rows of `other` (the key past the table's cap), of the keys some
 * of whose rows went past the cap on pairs (`sums.lost`), and of that cap's -1 are one "(other)"
 * total.
 */
function pairTotals(sums: Sums, keys: string[], months: string[], other: number, byMonth = true): { byKey: Total[]; byMonthKey: Total[] } {
  const n = sums.count;
  const lost = sums.lost;
  /** Per key number (+1; 0 is the "other" row), its total over all months. */
  const byId: (Total | undefined)[] = new Array<Total | undefined>(keys.length + 1);
  const order: Total[] = [];
  const byMonthKey: Total[] = new Array<Total>(n);
  let at = 0;
  /** Per month, the "(other)" total in `byMonthKey`. */
  const otherByMonth = new Map<string, Total>();
  for (let i = 0; i < n; i++) {
    const key = sums.keys[i] as number;
    const amount = sums.amounts[i] as number;
    const rows = sums.rows[i] as number;
    let k = key < 0 ? -1 : Math.floor(key / monthWidth);
    const month = k < 0 ? '' : (months[key - k * monthWidth] ?? otherKey);
    if (k >= 0 && (k === other || lost?.has(k) === true)) k = -1;
    if (byMonth) {
      if (k >= 0 || key < 0) byMonthKey[at++] = safe({ key: k < 0 ? otherKey : month + (keys[k] ?? otherKey), amount, rows });
      else {
        const t = otherByMonth.get(month);
        if (t === undefined) {
          const total = { key: month + otherKey, amount, rows };
          otherByMonth.set(month, total);
          byMonthKey[at++] = total;
        } else {
          t.amount += amount;
          t.rows += rows;
        }
      }
    }
    const t = byId[k + 1];
    if (t === undefined) {
      const total = { key: k < 0 ? otherKey : (keys[k] ?? otherKey), amount, rows };
      byId[k + 1] = total;
      order.push(total);
    } else {
      t.amount += amount;
      t.rows += rows;
    }
  }
  byMonthKey.length = at;
  for (const t of otherByMonth.values()) safe(t);
  return { byKey: order.map(safe), byMonthKey };
}

type Sums = Tables['day'];

function plainTotals(sums: Sums): Total[] {
  const out: Total[] = [];
  for (let i = 0; i < sums.count; i++) {
    const key = sums.keys[i] as number;
    out.push(safe({ key: key < 0 ? otherKey : String(key), amount: sums.amounts[i] as number, rows: sums.rows[i] as number }));
  }
  return out;
}

function totalsOf(t: Tables, counts: { rows: number; malformedCount: number; blankLines: number }): Totals {
  const items = t.items.texts();
  const devices = t.devices.texts();
  const item = pairTotals(t.itemMonth, items, t.months, t.items.other);
  const device = pairTotals(t.deviceMonth, devices, t.months, t.devices.other);
  if (!Number.isSafeInteger(t.total)) throw new TooLargeError('The amounts in this file are too large to sum exactly.');
  return {
    rows: counts.rows,
    malformedCount: counts.malformedCount,
    blankLines: counts.blankLines,
    scale: t.scale,
    total: t.total,
    byItem: item.byKey,
    byDay: plainTotals(t.day),
    byMonthRow: plainTotals(t.monthRow),
    byDevice: t.devices.count === 0 ? [] : device.byKey,
    byMonthItem: item.byMonthKey,
    byDeviceMonth: device.byMonthKey,
    months: [...t.months].sort(),
    capped: [],
  };
}

/** Per tag or group column, its totals, and (unless `byMonth` is false) its totals per month. */
function groupTotals(t: Tables, names: string[], byMonth = true): { byGroup: Total[][]; byGroupMonth: Total[][] } {
  const byGroup: Total[][] = [];
  const byGroupMonth: Total[][] = [];
  for (const name of names) {
    const g = t.groupNames.indexOf(name);
    if (g < 0) {
      byGroup.push([]);
      byGroupMonth.push([]);
      continue;
    }
    const table = t.groupKeys[g] as Tables['items'];
    const r = pairTotals(t.groupMonth[g] as Sums, table.texts(), t.months, table.other, byMonth);
    byGroup.push(r.byKey);
    byGroupMonth.push(r.byMonthKey);
  }
  return { byGroup, byGroupMonth };
}

/** Each device's values in the columns `names`: per column, the value on most of its rows. */
function deviceGroupsOf(t: Tables, names: string[]): DeviceGroups {
  t.settle();
  const devices = [...t.devices.texts()];
  const values = names.map(() => new Array<string>(devices.length).fill(''));
  names.forEach((name, column) => {
    const g = t.groupNames.indexOf(name);
    if (g < 0) return;
    const texts = (t.groupKeys[g] as Tables['items']).texts();
    const sums = t.deviceGroup[g] as Sums;
    const bestRows = new Float64Array(devices.length);
    const best = values[column] as string[];
    for (let i = 0; i < sums.count; i++) {
      const key = sums.keys[i] as number;
      if (key < 0) continue;
      const d = Math.floor(key / deviceGroupWidth);
      const text = texts[key - d * deviceGroupWidth] ?? otherKey;
      const rows = sums.rows[i] as number;
      if (rows > (bestRows[d] as number) || (rows === bestRows[d] && text < (best[d] as string))) {
        bestRows[d] = rows;
        best[d] = text;
      }
    }
  });
  return { devices, values };
}

/** Global numbers of the rows matching a filter, with one runner per range. */
export async function filterFile(file: string, layout: Layout, summary: Pick<FileSummary, 'ranges'>, filter: FilterJob['filter'], opts: Pick<SummarizeOptions, 'runner' | 'track'>): Promise<Uint32Array> {
  const parts = await Promise.all(
    summary.ranges.map(async (r) => (await run(opts, { kind: 'filter', job: { path: file, start: r.start, end: r.end, rowBase: r.rowBase, layout, filter } })) as Uint32Array),
  );
  const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

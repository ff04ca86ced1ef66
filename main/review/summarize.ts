/**
 * Summarizes a whole file with several worker threads. The data is cut into byte ranges at
 * guessed record starts (the line start after each split point); every range is parsed at the
 * same time. A guess is only right when the range before it, parsed from a known record start,
 * ends exactly there: quotes can hold line breaks, so a line start may sit inside a quoted field.
 * When a guess is wrong the range is parsed again from where the range before it really ended,
 * so the result is always the same as one parse from the start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  filterRange,
  summarizeRange,
  TooLargeError,
  type FilterJob,
  type Layout,
  type MalformedEntry,
  type RangeJob,
  type RangeResult,
  type RowIndex,
  type TotalEntry,
} from './engine';
import { pow10 } from './decimal';
import { AppError } from '../http/errors';

/** What pending work of a stopped runner (a closed or evicted review) is rejected with. */
export const closedError = () => new AppError('cancelled', 'This review was closed before it finished. Open the file again.');

export type WorkerJob = { kind: 'summarize'; job: RangeJob } | { kind: 'filter'; job: FilterJob };

export type WorkerReply =
  | { type: 'progress'; bytes: number }
  | { type: 'summary'; result: RangeResult }
  | { type: 'filter'; rows: Uint32Array }
  | { type: 'error'; message: string; tooLarge: boolean };

/** One job at a time, in a worker thread or inline. */
export interface JobRunner {
  run(job: WorkerJob, onProgress?: (bytes: number) => void): Promise<RangeResult | Uint32Array>;
  terminate(): void;
}

export type RunnerFactory = () => JobRunner;

/** Runs a job in this thread (tests, and the fallback when the worker script is missing). */
export function runJob(job: WorkerJob, onProgress?: (bytes: number) => void): RangeResult | Uint32Array {
  return job.kind === 'summarize' ? summarizeRange(job.job, onProgress) : filterRange(job.job);
}

export const inlineRunner: RunnerFactory = () => {
  let stopped = false;
  const pending = new Set<(error: Error) => void>();
  return {
    run: (job, onProgress) =>
      new Promise((resolve, reject) => {
        if (stopped) return reject(closedError());
        pending.add(reject);
        // Asynchronous like a worker, so callers see the same ordering.
        setImmediate(() => {
          if (!pending.delete(reject)) return;
          try {
            resolve(runJob(job, onProgress));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      }),
    terminate: () => {
      stopped = true;
      for (const reject of pending) reject(closedError());
      pending.clear();
    },
  };
};

/** A fresh worker thread per job, from the bundled worker script. */
export function threadRunner(script: string): RunnerFactory {
  return () => {
    // Inside a packaged app the script sits in app.asar, which only Electron's fs can read.
    // A small young generation: the parse makes short-lived strings by the million, and a
    // large nursery only raises the peak memory without making the parse faster.
    const resourceLimits = { maxYoungGenerationSizeMb: 6 };
    const worker = script.includes(`.asar${path.sep}`)
      ? new Worker(fs.readFileSync(script, 'utf8'), { eval: true, resourceLimits })
      : new Worker(script, { resourceLimits });
    worker.unref();
    let settled = false;
    let stopped = false;
    /** Rejects the job in progress; set while one runs. */
    let fail: ((error: Error) => void) | undefined;
    return {
      run: (job, onProgress) =>
        new Promise((resolve, reject) => {
          if (stopped) return reject(closedError());
          fail = (error) => {
            if (settled) return;
            settled = true;
            reject(error);
          };
          worker.on('message', (reply: WorkerReply) => {
            if (reply.type === 'progress') return onProgress?.(reply.bytes);
            if (settled) return;
            settled = true;
            void worker.terminate();
            if (reply.type === 'summary') resolve(reply.result);
            else if (reply.type === 'filter') resolve(reply.rows);
            else reject(reply.tooLarge ? new TooLargeError(reply.message) : new Error(reply.message));
          });
          worker.on('error', (error) => fail?.(error));
          worker.on('exit', () => fail?.(stopped ? closedError() : new Error('The review worker stopped.')));
          worker.postMessage(job);
        }),
      terminate: () => {
        stopped = true;
        // Pending work answers at once: a closed or evicted review must not leave calls hanging.
        fail?.(closedError());
        void worker.terminate();
      },
    };
  };
}

/** The bundled worker script next to the running bundle (dist/main, dist/harness, dist/bench). */
export function bundledWorkerScript(): string | undefined {
  const dir = typeof __dirname === 'string' ? __dirname : undefined;
  if (dir === undefined) return undefined;
  const file = path.join(dir, 'review-worker.cjs');
  return fs.existsSync(file) ? file : undefined;
}

export interface Total {
  key: string;
  /** In units of 10^-scale. */
  amount: number;
  rows: number;
}

export interface FileSummary {
  rows: number;
  malformedCount: number;
  blankLines: number;
  scale: number;
  total: number;
  byItem: Total[];
  byDay: Total[];
  byMonthRow: Total[];
  byDevice: Total[];
  byGroup: Total[][];
  months: string[];
  /** With 1-based line numbers. */
  malformed: (Omit<MalformedEntry, 'lineInRange'> & { line: number })[];
  index: RowIndex;
  /** Exact record ranges, with the number of their first row (for filters). */
  ranges: { start: number; end: number; rowBase: number }[];
  /** How many ranges had to be parsed again because their guessed start was inside a record. */
  reparsed: number;
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
}

/** The start of the line after `offset` (a guess at a record start), or undefined. */
async function nextLineStart(handle: fs.promises.FileHandle, offset: number, size: number): Promise<number | undefined> {
  const buf = Buffer.allocUnsafe(64 * 1024);
  let pos = offset;
  while (pos < size) {
    const { bytesRead: got } = await handle.read(buf, 0, buf.length, pos);
    if (got === 0) return undefined;
    const i = buf.indexOf(10);
    if (i >= 0 && i < got) return pos + i + 1 < size ? pos + i + 1 : undefined;
    pos += got;
  }
  return undefined;
}

export async function summarizeFile(file: string, layout: Layout, size: number, opts: SummarizeOptions): Promise<FileSummary> {
  const keepMalformed = opts.keepMalformed ?? 1000;
  const indexEvery = opts.indexEvery ?? 64;
  const starts = [layout.dataStart];
  if (opts.splitAt) {
    for (const s of [...opts.splitAt].sort((a, b) => a - b)) if (s > (starts.at(-1) as number) && s < size) starts.push(s);
  } else if (opts.workers > 1 && size - layout.dataStart >= (opts.minSplitBytes ?? 1024 * 1024)) {
    // Asynchronous reads: this runs on the main thread, which must keep answering other calls.
    const handle = await fs.promises.open(file, 'r');
    try {
      const body = size - layout.dataStart;
      for (let i = 1; i < opts.workers; i++) {
        const guess = await nextLineStart(handle, layout.dataStart + Math.floor((body * i) / opts.workers), size);
        if (guess !== undefined && guess > (starts.at(-1) as number)) starts.push(guess);
      }
    } finally {
      await handle.close();
    }
  }
  const ends = starts.map((_, i) => starts[i + 1] ?? size);
  const progress = starts.map(() => 0);
  const report = (i: number, bytes: number) => {
    progress[i] = (progress[i] ?? 0) + bytes;
    opts.onProgress?.(Math.min(size, progress.reduce((a, b) => a + b, 0)));
  };
  const run = async (i: number, start: number): Promise<RangeResult> => {
    const runner = opts.runner();
    const untrack = opts.track?.(runner);
    try {
      const job: RangeJob = { path: file, start, end: ends[i] as number, layout, keepMalformed, indexEvery };
      return (await runner.run({ kind: 'summarize', job }, (bytes) => report(i, bytes))) as RangeResult;
    } finally {
      untrack?.();
      runner.terminate();
    }
  };
  const results = await Promise.all(starts.map((s, i) => run(i, s)));
  let reparsed = 0;
  for (let i = 1; i < results.length; i++) {
    const before = (results[i - 1] as RangeResult).stoppedAt;
    if ((results[i] as RangeResult).start !== before) {
      reparsed++;
      results[i] = await run(i, before);
    }
  }
  return merge(results, layout, keepMalformed, reparsed);
}

function mergeTotals(lists: TotalEntry[][], factors: number[]): Total[] {
  const map = new Map<string, Total>();
  lists.forEach((list, r) => {
    const f = factors[r] as number;
    for (const [key, amount, rows] of list) {
      const t = map.get(key);
      if (t === undefined) map.set(key, { key, amount: amount * f, rows });
      else {
        t.amount += amount * f;
        t.rows += rows;
      }
    }
  });
  const out = [...map.values()];
  for (const t of out) if (!Number.isSafeInteger(t.amount)) throw new TooLargeError('The amounts in this file are too large to sum exactly.');
  return out;
}

function merge(results: RangeResult[], layout: Layout, keepMalformed: number, reparsed: number): FileSummary {
  const scale = Math.max(...results.map((r) => r.scale));
  const factors = results.map((r) => pow10[scale - r.scale] ?? 1);
  let rows = 0;
  let newlines = 0;
  let malformedCount = 0;
  let blankLines = 0;
  let total = 0;
  const malformed: FileSummary['malformed'] = [];
  const indexRows: number[] = [];
  const indexOffsets: number[] = [];
  const indexLines: number[] = [];
  const ranges: FileSummary['ranges'] = [];
  const months = new Set<string>();
  results.forEach((r, i) => {
    ranges.push({ start: r.start, end: r.stoppedAt, rowBase: rows });
    for (const m of r.malformed) {
      if (malformed.length >= keepMalformed) break;
      const { lineInRange, ...rest } = m;
      malformed.push({ ...rest, line: layout.headerNewlines + newlines + lineInRange + 1 });
    }
    for (let k = 0; k < r.index.rows.length; k++) {
      indexRows.push(rows + (r.index.rows[k] as number));
      indexOffsets.push(r.index.offsets[k] as number);
      indexLines.push(newlines + (r.index.lines[k] as number));
    }
    for (const m of r.months) months.add(m);
    rows += r.rows;
    newlines += r.newlines;
    malformedCount += r.malformedCount;
    blankLines += r.blankLines;
    total += r.total * (factors[i] as number);
  });
  if (!Number.isSafeInteger(total)) throw new TooLargeError('The amounts in this file are too large to sum exactly.');
  return {
    rows,
    malformedCount,
    blankLines,
    scale,
    total,
    byItem: mergeTotals(results.map((r) => r.byItem), factors),
    byDay: mergeTotals(results.map((r) => r.byDay), factors),
    byMonthRow: mergeTotals(results.map((r) => r.byMonthRow), factors),
    byDevice: mergeTotals(results.map((r) => r.byDevice), factors),
    byGroup: layout.groups.map((_, g) => mergeTotals(results.map((r) => r.byGroup[g] ?? []), factors)),
    months: [...months].sort(),
    malformed,
    index: { rows: Float64Array.from(indexRows), offsets: Float64Array.from(indexOffsets), lines: Float64Array.from(indexLines), count: indexRows.length },
    ranges,
    reparsed,
  };
}

/** Global numbers of the rows matching a filter, with one runner per range. */
export async function filterFile(file: string, layout: Layout, summary: FileSummary, filter: FilterJob['filter'], opts: Pick<SummarizeOptions, 'runner' | 'track'>): Promise<Uint32Array> {
  const parts = await Promise.all(
    summary.ranges.map(async (r) => {
      const runner = opts.runner();
      const untrack = opts.track?.(runner);
      try {
        return (await runner.run({ kind: 'filter', job: { path: file, start: r.start, end: r.end, rowBase: r.rowBase, layout, filter } })) as Uint32Array;
      } finally {
        untrack?.();
        runner.terminate();
      }
    }),
  );
  const out = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

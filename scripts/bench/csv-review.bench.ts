/**
 * CSV review benchmark.
 *
 *   npm run bench                 generates (once) six deterministic monthly detailed CSVs of
 *                                 1,000,000 rows each in .bench/, then reports, each measured in
 *                                 a child process of its own and the worst of several runs: the
 *                                 engine and DuckDB (2 threads, amounts as DECIMAL(18,9)) on one
 *                                 file and on the six, checking that both find the same totals,
 *                                 as in the running app (the review threads started ahead, as
 *                                 the window does, DuckDB's database open) and in a fresh process
 *                                 (also counted from the process's start, for both);
 *                                 the engine's peak memory; the time to the first rows and to the
 *                                 totals of a file already summarized (cache); and hostile files
 *                                 (no line break for 2 GB, a quote that never closes over 88 MB,
 *                                 one 50 MB line), generated on the fly and deleted afterwards.
 *   npm run bench -- --hostile    only the hostile files.
 *   npm run bench -- --csv FILE [FILE...] [--cache DIR] [--warm]
 *                                 summarizes the files with the engine the app uses and prints
 *                                 one JSON line: rows, malformedRows, totalsByItem, totalsByMonth
 *                                 (yyyyMM -> amount), devices, topDevices ([imsi, amount], the 20
 *                                 largest), files, ms, sinceStartMs, peakRssMB (one file: also firstRowsMs and
 *                                 whether the totals came from the cache in DIR). With --warm the
 *                                 review threads are started a second before, as the window
 *                                 starts them when it shows a view reviews open from.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { detailedCsvChunks, type DetailedCsvOptions } from '../../main/sandbox/soracom/csv';
import { formatScaled } from '../../main/review/decimal';
import { readLayout } from '../../main/review/engine';
import { SummaryCache } from '../../main/review/cache';
import { openReviewFile } from '../../main/review/session';
import { summarizeFiles, warmUpTotals, type Totals } from '../../main/review/summarize';
import { bundledWorkerScript, inlineRunner, threadPool, threadRunner } from '../../main/review/threads';
import { report } from './report';

const benchDir = path.resolve('.bench');
const months = ['202401', '202402', '202403', '202404', '202405', '202406'];
const monthOptions = (yyyyMM: string): DetailedCsvOptions => ({ seed: 20240501, yyyyMM, currency: 'JPY', minRows: 1_000_000 });
const monthFile = (yyyyMM: string) => path.join(benchDir, `soracom-detailed-${yyyyMM}-1m.csv`);
/** Runs of each measurement; the worst is reported. */
const runs = Number(process.env.BENCH_RUNS ?? 3);
const threads = 2;

const workers = Math.max(1, Math.min(threads, os.availableParallelism()));

/** The engine as a review opens it: threads started for it, or (warm) kept since the app started. */
async function engineOptions(warm: boolean) {
  const script = bundledWorkerScript();
  if (!script) return { runner: inlineRunner, workers };
  if (!warm) return { runner: threadRunner(script), workers };
  const pool = threadPool(script, workers);
  pool.prestart();
  await warmUpTotals();
  // The window starts them when it shows the Library or Review; a review is opened after that.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { runner: pool.runner, workers };
}

/** Exact decimals as JSON numbers (their text is exact, whatever a reader does with it). */
const dec = (text: string) => ({ __dec: text });
function exactJson(value: unknown): string {
  return JSON.stringify(value).replace(/\{"__dec":"(-?\d+(?:\.\d+)?)"\}/g, '$1');
}

export interface CsvFigures {
  rows: number;
  malformedRows: number;
  totalsByItem: Record<string, string>;
  totalsByMonth: Record<string, string>;
  devices: number;
  topDevices: [string, string][];
  files: number;
  ms: number;
  /** From the process's start (before its modules were loaded) to the same moment as `ms`. */
  sinceStartMs?: number;
  /** CPU time of every thread of the process. */
  cpuMs?: number;
  peakRssMB: number;
  firstRowsMs?: number;
  cached?: boolean;
  deviceMonths?: number;
  error?: string;
}

function figuresOf(s: Totals): Omit<CsvFigures, 'files' | 'ms' | 'peakRssMB'> {
  const f = (amount: number) => formatScaled(amount, s.scale);
  const totalsByItem: Record<string, string> = {};
  for (const t of [...s.byItem].sort((a, b) => a.key.localeCompare(b.key))) totalsByItem[t.key] = f(t.amount);
  const byMonth = new Map<string, number>();
  for (const t of s.byMonthItem) byMonth.set(t.key.slice(0, 6), (byMonth.get(t.key.slice(0, 6)) ?? 0) + t.amount);
  const totalsByMonth: Record<string, string> = {};
  for (const m of [...byMonth.keys()].sort()) totalsByMonth[m] = f(byMonth.get(m) as number);
  const devices = s.byDevice.filter((t) => t.key !== '');
  const topDevices = [...devices]
    .sort((a, b) => b.amount - a.amount || (a.key < b.key ? -1 : 1))
    .slice(0, 20)
    .map((t): [string, string] => [t.key, f(t.amount)]);
  return {
    rows: s.rows,
    malformedRows: s.malformedCount,
    totalsByItem,
    totalsByMonth,
    devices: devices.length,
    topDevices,
    deviceMonths: s.byDeviceMonth.filter((t) => t.key.length > 6).length,
  };
}

/** Milliseconds since the process started (`performance.now()` counts from there). */
const sinceStart = () => Math.round(performance.now());
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU time of the whole process, every thread. */
const cpuMs = () => {
  const u = process.resourceUsage();
  return Math.round((u.userCPUTime + u.systemCPUTime) / 1000);
};

/** The engine on the files: what the app does when they are opened, to the full totals. */
async function summarizeCsv(files: string[], cacheDir: string | undefined, asStrings: boolean, warm: boolean): Promise<void> {
  const options = await engineOptions(warm);
  const started = performance.now();
  let out: CsvFigures;
  try {
    if (files.length === 1) {
      const cache = cacheDir ? new SummaryCache(cacheDir) : undefined;
      const session = await openReviewFile(path.resolve(files[0] as string), { ...options, ...(cache ? { cache } : {}) });
      const summary = await session.summary;
      const ms = Math.round(performance.now() - started);
      out = { ...figuresOf(summary), files: 1, ms, sinceStartMs: sinceStart(), cpuMs: cpuMs(), peakRssMB: peakRssMB(), firstRowsMs: Math.round(session.firstRowsMs * 10) / 10, cached: session.cached };
      await session.cacheWrite;
      session.close();
    } else {
      const list = files.map((file) => {
        const p = path.resolve(file);
        const fd = fs.openSync(p, 'r');
        try {
          const size = fs.fstatSync(fd).size;
          return { path: p, layout: readLayout(fd, size), size };
        } finally {
          fs.closeSync(fd);
        }
      });
      const summary = await summarizeFiles(list, options);
      const ms = Math.round(performance.now() - started);
      out = { ...figuresOf(summary), files: files.length, ms, sinceStartMs: sinceStart(), cpuMs: cpuMs(), peakRssMB: peakRssMB() };
    }
  } catch (error) {
    out = {
      rows: 0,
      malformedRows: 0,
      totalsByItem: {},
      totalsByMonth: {},
      devices: 0,
      topDevices: [],
      files: files.length,
      ms: Math.round(performance.now() - started),
      peakRssMB: peakRssMB(),
      error: error instanceof Error ? error.message : String(error),
    };
  }
  if (asStrings) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const printable = {
    ...out,
    totalsByItem: Object.fromEntries(Object.entries(out.totalsByItem).map(([k, v]) => [k, dec(v)])),
    totalsByMonth: Object.fromEntries(Object.entries(out.totalsByMonth).map(([k, v]) => [k, dec(v)])),
    topDevices: out.topDevices.map(([k, v]) => [k, dec(v)]),
  };
  process.stdout.write(`${exactJson(printable)}\n`);
}

/** Writes one month's file unless it is already there (its options and size are recorded beside it). */
async function ensureMonthFile(yyyyMM: string): Promise<number> {
  const file = monthFile(yyyyMM);
  const sidecar = `${file}.json`;
  const wanted = JSON.stringify(monthOptions(yyyyMM));
  try {
    const meta = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { options: string; size: number };
    if (meta.options === wanted && fs.statSync(file).size === meta.size) return meta.size;
  } catch {
    // Missing or different: generate it.
  }
  fs.mkdirSync(benchDir, { recursive: true });
  const started = performance.now();
  const tmp = `${file}.tmp`;
  const out = fs.createWriteStream(tmp);
  let pending: string[] = [];
  let pendingLength = 0;
  for (const chunk of detailedCsvChunks(monthOptions(yyyyMM), 5000)) {
    pending.push(chunk);
    pendingLength += chunk.length;
    if (pendingLength > 4 * 1024 * 1024) {
      if (!out.write(pending.join(''))) await once(out, 'drain');
      pending = [];
      pendingLength = 0;
    }
  }
  out.end(pending.join(''));
  await once(out, 'finish');
  fs.renameSync(tmp, file);
  const size = fs.statSync(file).size;
  fs.writeFileSync(sidecar, JSON.stringify({ options: wanted, size }));
  console.log(`generated ${path.relative(process.cwd(), file)}: ${(size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - started)} ms`);
  return size;
}

/** Runs a child process and returns its last JSON line. */
function child<T>(command: string, args: string[], timeoutMs = 120_000): T {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs });
  const line = (result.stdout ?? '')
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (result.status !== 0 || !line) throw new Error(`${path.basename(args[0] ?? command)} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return JSON.parse(line) as T;
}

// Amounts come back as strings (--strings), so they compare as exact decimal text.
const engineRun = (files: string[], extra: string[] = [], timeoutMs?: number) =>
  child<CsvFigures>(process.execPath, [process.argv[1] ?? 'dist/bench/run.cjs', '--csv', ...files, '--strings', ...extra], timeoutMs);
const duckdbRun = (files: string[], extra: string[] = []) =>
  child<CsvFigures>(process.execPath, [path.resolve('scripts/bench-duckdb.mjs'), '--strings', '--threads', String(threads), ...extra, ...files]);

/** The same figures, amounts compared as numbers of the same decimal text. */
function sameTotals(a: CsvFigures, b: CsvFigures): string[] {
  const diffs: string[] = [];
  const norm = (v: string | undefined) => v;
  if (a.rows !== b.rows) diffs.push(`rows ${a.rows} vs ${b.rows}`);
  if (a.devices !== b.devices) diffs.push(`devices ${a.devices} vs ${b.devices}`);
  for (const field of ['totalsByItem', 'totalsByMonth'] as const) {
    const keys = new Set([...Object.keys(a[field]), ...Object.keys(b[field])]);
    for (const k of keys) if (norm(a[field][k]) !== norm(b[field][k])) diffs.push(`${field}[${k}] ${a[field][k]} vs ${b[field][k]}`);
  }
  if (JSON.stringify(a.topDevices.map(([k, v]) => [k, norm(v)])) !== JSON.stringify(b.topDevices.map(([k, v]) => [k, norm(v)]))) diffs.push('topDevices differ');
  if (a.deviceMonths !== undefined && b.deviceMonths !== undefined && a.deviceMonths !== b.deviceMonths) diffs.push(`SIM-months ${a.deviceMonths} vs ${b.deviceMonths}`);
  return diffs;
}

interface Runs<T> {
  worst: T;
  best: T;
  maxRss: number;
  all: number[];
  results: T[];
}

function summaryOf<T extends { ms: number; peakRssMB: number }>(results: T[]): Runs<T> {
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  return { worst: sorted.at(-1) as T, best: sorted[0] as T, maxRss: Math.max(...results.map((r) => r.peakRssMB)), all: results.map((r) => r.ms), results };
}

function worstOf<T extends { ms: number; peakRssMB: number }>(measure: () => T): Runs<T> {
  const results: T[] = [];
  for (let i = 0; i < runs; i++) results.push(measure());
  return summaryOf(results);
}

/** The engine and DuckDB on the same files, one run of each in turn (so a busy moment hits both). */
function engineAgainstDuckDB(label: string, files: string[], warm: boolean): { engine: Runs<CsvFigures>; duckdb: Runs<CsvFigures> } {
  const extra = warm ? ['--warm'] : [];
  const e: CsvFigures[] = [];
  const d: CsvFigures[] = [];
  for (let i = 0; i < runs; i++) {
    e.push(engineRun(files, extra));
    d.push(duckdbRun(files, extra));
  }
  const engine = summaryOf(e);
  const duckdb = summaryOf(d);
  const diff = sameTotals(engine.worst, duckdb.worst);
  console.log(`  ${label}: engine ${engine.all.join('/')} ms, DuckDB ${duckdb.all.join('/')} ms${diff.length ? `; DIFFERENT TOTALS: ${diff.join('; ')}` : '; same totals'}`);
  return { engine, duckdb };
}

/**
 * A fresh process counted from its start, for both: the figure above includes the engine starting
 * its threads but not DuckDB loading its library. Figures for reading, without a budget.
 */
function reportSinceStart(what: string, fresh: { engine: Runs<CsvFigures>; duckdb: Runs<CsvFigures> }): void {
  const worst = (r: Runs<CsvFigures>) => Math.max(...r.results.map((f) => f.sinceStartMs ?? 0));
  report(`DuckDB: ${what}, fresh process counted from its start (worst)`, worst(fresh.duckdb), 'ms');
  report(`CSV review: ${what}, fresh process counted from its start (worst)`, worst(fresh.engine), 'ms');
}

// ---------------------------------------------------------------------------------------------
// Hostile files

const header = 'imsi,date,billItemName,unitPrice,quantity,amount,tag:name,tag:location,group\r\n';
const goodRow = (i: number) => `4401030000${String(i).padStart(5, '0')},20240501,Basic fee (plan-D),10,1,10,Meter ${i},Tokyo,Cold chain\r\n`;

/** Writes `bytes` of `unit` repeated (cut to fit) through a 1 MiB block. */
function writeRepeated(fd: number, unit: string, bytes: number): void {
  const block = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length))).subarray(0, 1024 * 1024);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, block.length);
    fs.writeSync(fd, block, 0, n);
    left -= n;
  }
}

interface Hostile {
  name: string;
  write: (fd: number) => void;
}

const hostileFiles: Hostile[] = [
  {
    name: '2 GB with no line break',
    write: (fd) => {
      fs.writeSync(fd, header + goodRow(1) + goodRow(2));
      fs.writeSync(fd, '440103000000003,20240501,Basic fee');
      writeRepeated(fd, 'no line break here, ever ', 2 * 1024 * 1024 * 1024);
    },
  },
  {
    name: 'a quote that never closes, 88 MB',
    write: (fd) => {
      fs.writeSync(fd, header + goodRow(1) + goodRow(2));
      fs.writeSync(fd, '440103000000003,20240501,"Basic fee');
      writeRepeated(fd, goodRow(4), 88 * 1000 * 1000);
    },
  },
  {
    name: 'one 50 MB line',
    write: (fd) => {
      fs.writeSync(fd, header + goodRow(1) + goodRow(2));
      fs.writeSync(fd, '440103000000003,20240501,Basic fee,10,1,10,');
      writeRepeated(fd, 'a very long tag, ', 50 * 1000 * 1000);
      fs.writeSync(fd, '\r\n' + goodRow(4) + goodRow(5));
    },
  },
];

/** Time to read a file once in 4 MiB pieces (what any reader of it must spend). */
function plainReadMs(file: string): number {
  const started = performance.now();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
  return Math.round(performance.now() - started);
}

async function hostileBench(): Promise<void> {
  for (const h of hostileFiles) {
    const file = path.join(benchDir, `hostile-${h.name.replace(/\W+/g, '-')}.csv`);
    const fd = fs.openSync(file, 'w');
    try {
      h.write(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      const size = fs.statSync(file).size;
      const readMs = plainReadMs(file);
      const r = worstOf(() => engineRun([file], [], 60_000));
      const e = r.worst;
      const what = e.error ? `error: ${e.error}` : `${e.rows} rows, ${e.malformedRows} malformed`;
      console.log(`  hostile, ${h.name} (${(size / 1e6).toFixed(0)} MB): ${what}`);
      report(`hostile ${h.name}: answer after reading it (engine ${e.ms} ms - plain read ${readMs} ms)`, Math.max(0, e.ms - readMs), 'ms', 2000);
      report(`hostile ${h.name}: peak memory (RSS)`, r.maxRss, 'MB', 250);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }
}

export default async function csvReviewBench(args: string[]): Promise<void> {
  const csvAt = args.indexOf('--csv');
  if (csvAt >= 0) {
    const cacheAt = args.indexOf('--cache');
    const cacheDir = cacheAt >= 0 ? args[cacheAt + 1] : undefined;
    const files = args.slice(csvAt + 1).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--cache');
    if (files.length === 0) {
      console.error('usage: npm run bench -- --csv FILE [FILE...] [--cache DIR] [--warm]');
      process.exit(2);
    }
    await summarizeCsv(files, cacheDir, args.includes('--strings'), args.includes('--warm'));
    // --csv prints its one JSON line and nothing else.
    process.exit(0);
  }
  if (args.includes('--hostile')) {
    fs.mkdirSync(benchDir, { recursive: true });
    await hostileBench();
    return;
  }

  const sizes: number[] = [];
  for (const m of months) sizes.push(await ensureMonthFile(m));
  const files = months.map(monthFile);
  const one = files[4] as string;
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`CSV review: six months of 1,000,000 rows (${(total / 1e6).toFixed(0)} MB in all), ${os.availableParallelism()} cores, ${threads} threads each, worst of ${runs} runs`);

  // Warm the page cache so every reader reads from memory, and let the machine settle after
  // building and reading: one run of each, not counted.
  for (const f of files) plainReadMs(f);
  engineRun([one]);
  duckdbRun([one]);

  // In the running app: the review threads started ahead (--warm), and DuckDB's
  // database already open. In a fresh process: both start from nothing.
  const app1 = engineAgainstDuckDB('one file, in the running app', [one], true);
  report('DuckDB: 1,000,000-row summary, database open (worst)', app1.duckdb.worst.ms, 'ms');
  report('CSV review: 1,000,000-row summary in the running app (worst)', app1.engine.worst.ms, 'ms', app1.duckdb.worst.ms);
  const fresh1 = engineAgainstDuckDB('one file, a fresh process', [one], false);
  report('DuckDB: 1,000,000-row summary, fresh process (worst)', fresh1.duckdb.worst.ms, 'ms');
  report('CSV review: 1,000,000-row summary, fresh process (worst)', fresh1.engine.worst.ms, 'ms', fresh1.duckdb.worst.ms);
  reportSinceStart('1,000,000-row summary', fresh1);
  report('CSV review: peak memory, one file', Math.max(app1.engine.maxRss, fresh1.engine.maxRss), 'MB', 250);

  const app6 = engineAgainstDuckDB('six files, in the running app', files, true);
  report('DuckDB: six files into the per-SIM-per-month table, database open (worst)', app6.duckdb.worst.ms, 'ms');
  report('CSV review: six files into the per-SIM-per-month table in the running app (worst)', app6.engine.worst.ms, 'ms', app6.duckdb.worst.ms);
  const fresh6 = engineAgainstDuckDB('six files, a fresh process', files, false);
  report('DuckDB: six files into the per-SIM-per-month table, fresh process (worst)', fresh6.duckdb.worst.ms, 'ms');
  report('CSV review: six files into the per-SIM-per-month table, fresh process (worst)', fresh6.engine.worst.ms, 'ms', fresh6.duckdb.worst.ms);
  reportSinceStart('six files', fresh6);
  report('CSV review: peak memory, six files', Math.max(app6.engine.maxRss, fresh6.engine.maxRss), 'MB', 250);

  // A file already summarized: its totals come from the cache.
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-bench-cache-'));
  try {
    engineRun([one], ['--cache', cacheDir]);
    const again = worstOf(() => engineRun([one], ['--cache', cacheDir]));
    if (!again.worst.cached) console.log('  note: the second open did not use the cache');
    report('CSV review: totals of a file already summarized (worst)', again.worst.ms, 'ms', 100);
    report('CSV review: first rows visible (worst)', Math.max(...[fresh1.engine.worst, app1.engine.worst, again.worst].map((r) => r.firstRowsMs ?? 0)), 'ms', 300);
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }

  await hostileBench();
}

/**
 * CSV review benchmark.
 *
 *   npm run bench                 generates (once) a deterministic 1,000,000-row detailed CSV in
 *                                 .bench/, then reports: a single-threaded papaparse stream over
 *                                 it, the review engine's time to a full summary and its ratio to
 *                                 papaparse, the engine's peak memory, and the time to the first
 *                                 page of rows.
 *   npm run bench -- --csv FILE   summarizes FILE with the engine the app uses and prints one JSON
 *                                 line: {"rows","malformedRows","totalsByItem","ms","peakRssMB"}.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { detailedCsvChunks, type DetailedCsvOptions } from '../../main/sandbox/soracom/csv';
import { formatScaled } from '../../main/review/decimal';
import { openReviewFile } from '../../main/review/session';
import { bundledWorkerScript, inlineRunner, threadRunner } from '../../main/review/summarize';
import { report } from './report';

const benchDir = path.resolve('.bench');
const benchFile = path.join(benchDir, 'soracom-detailed-1m.csv');
const benchOptions: DetailedCsvOptions = { seed: 20240501, yyyyMM: '202405', currency: 'JPY', minRows: 1_000_000 };

function engineOptions() {
  const script = bundledWorkerScript();
  return {
    runner: script ? threadRunner(script) : inlineRunner,
    workers: Math.max(1, Math.min(4, os.availableParallelism())),
  };
}

/** The engine on one file: what the app does when the file is opened, to the full summary. */
async function summarizeCsv(file: string): Promise<void> {
  const started = performance.now();
  const session = await openReviewFile(path.resolve(file), engineOptions());
  const summary = await session.summary;
  const ms = Math.round(performance.now() - started);
  const totalsByItem: Record<string, number> = {};
  for (const t of summary.byItem) totalsByItem[t.key] = Number(formatScaled(t.amount, summary.scale));
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ rows: summary.rows, malformedRows: summary.malformedCount, totalsByItem, ms, peakRssMB })}\n`);
}

/** Writes the benchmark file unless it is already there (its size is recorded beside it). */
async function ensureBenchFile(): Promise<number> {
  const sidecar = `${benchFile}.json`;
  const wanted = JSON.stringify(benchOptions);
  try {
    const meta = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { options: string; size: number };
    if (meta.options === wanted && fs.statSync(benchFile).size === meta.size) return meta.size;
  } catch {
    // Missing or different: generate it.
  }
  fs.mkdirSync(benchDir, { recursive: true });
  const started = performance.now();
  const tmp = `${benchFile}.tmp`;
  const out = fs.createWriteStream(tmp);
  let pending: string[] = [];
  let pendingLength = 0;
  for (const chunk of detailedCsvChunks(benchOptions, 5000)) {
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
  fs.renameSync(tmp, benchFile);
  const size = fs.statSync(benchFile).size;
  fs.writeFileSync(sidecar, JSON.stringify({ options: wanted, size }));
  console.log(`generated ${path.relative(process.cwd(), benchFile)}: ${(size / 1e6).toFixed(1)} MB in ${Math.round(performance.now() - started)} ms`);
  return size;
}

/** The baseline: one papaparse stream over the file, summing amounts by bill item. */
async function papaparseBaseline(file: string): Promise<{ ms: number; rows: number }> {
  const Papa = (await import('papaparse')).default;
  const started = performance.now();
  let rows = 0;
  let item = -1;
  let amount = -1;
  const totals = new Map<string, number>();
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1024 * 1024 }) as unknown as File, {
      skipEmptyLines: true,
      chunk: (results) => {
        for (const row of results.data) {
          if (item < 0) {
            const header = row.map((c) => c.replace(/^\uFEFF/, ''));
            item = header.indexOf('billItemName');
            amount = header.indexOf('amount');
            continue;
          }
          rows++;
          const key = row[item] ?? '';
          totals.set(key, (totals.get(key) ?? 0) + Number(row[amount]));
        }
      },
      complete: () => resolve(),
      error: (error: Error) => reject(error),
    });
  });
  return { ms: Math.round(performance.now() - started), rows };
}

export default async function csvReviewBench(args: string[]): Promise<void> {
  const csvAt = args.indexOf('--csv');
  if (csvAt >= 0) {
    const file = args[csvAt + 1];
    if (!file) {
      console.error('usage: npm run bench -- --csv <file>');
      process.exit(2);
    }
    await summarizeCsv(file);
    // --csv prints its one JSON line and nothing else.
    process.exit(0);
  }

  const size = await ensureBenchFile();
  console.log(`CSV review: ${path.relative(process.cwd(), benchFile)} (${(size / 1e6).toFixed(1)} MB), ${os.availableParallelism()} cores`);

  // Warm the page cache so both parsers read from memory.
  void fs.readFileSync(benchFile);

  // The engine runs in a child process of its own, so its peak memory is its own.
  const child = spawnSync(process.execPath, [process.argv[1] ?? 'dist/bench/run.cjs', '--csv', benchFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const line = child.stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"rows"'));
  if (child.status !== 0 || !line) throw new Error(`The engine run failed: ${child.stderr}`);
  const engine = JSON.parse(line) as { rows: number; malformedRows: number; ms: number; peakRssMB: number };

  const baseline = await papaparseBaseline(benchFile);
  report('papaparse single-stream baseline', baseline.ms, 'ms');
  report('CSV review: full summary', engine.ms, 'ms', Math.round(baseline.ms * 0.75));
  report('CSV review: time / papaparse time', Math.round((engine.ms / baseline.ms) * 100) / 100, 'ratio', 0.75);
  report('CSV review: peak memory (RSS)', engine.peakRssMB, 'MB', 250);
  if (engine.rows !== baseline.rows) console.log(`  note: the engine counted ${engine.rows} rows, papaparse ${baseline.rows}`);

  // First rows: opening parses only the header and the first page; the summary goes on in workers.
  const started = performance.now();
  const session = await openReviewFile(benchFile, engineOptions());
  const firstRowsMs = Math.round((performance.now() - started) * 10) / 10;
  report('CSV review: first rows visible', firstRowsMs, 'ms', 300);
  await session.summary;
  session.close();
}

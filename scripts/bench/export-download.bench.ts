/**
 * Memory while downloading and saving a 200 MB Soracom export. Budget: 150 MB for the process.
 *
 * A local server sends a 200 MB detailed-billing CSV; a child process (so the figure is only the
 * app's) takes it the way `soracom.exportBilling` and `files.saveSoracomExport` do: the download
 * streamed into a file as it arrives, its rows counted from the file, its first bytes checked,
 * then copied into the account's folder a chunk at a time. The figure is the child's peak RSS.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { detailedCsvChunks } from '../../main/sandbox/soracom/csv';
import { expectContent } from '../../main/files/sniff';
import { writeNewFile } from '../../main/files/write';
import { readHead } from '../../main/fs/read-head';
import { createHttpClient } from '../../main/http/client';
import { parseSoracomError } from '../../main/providers/soracom/auth';
import { countCsvRowsInFile, createDownloadedExports } from '../../main/services/soracom';
import { report } from './report';

const exportBytes = 200_000_000;
const childFlag = '--export-download-child';

/** A realistic block of rows (the sandbox's generator), repeated up to `exportBytes`. */
function exportBody(): { header: Buffer; block: Buffer } {
  const text = [...detailedCsvChunks({ seed: 7, yyyyMM: '202405', currency: 'JPY', minRows: 8000 })].join('');
  const firstBreak = text.indexOf('\n') + 1;
  const header = Buffer.from(text.slice(0, firstBreak));
  const rows = text.slice(firstBreak);
  return { header, block: Buffer.from(rows.slice(0, rows.lastIndexOf('\n') + 1)) };
}

async function serve(): Promise<{ url: string; close: () => Promise<void> }> {
  const { header, block } = exportBody();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': String(exportBytes), 'Content-Disposition': 'attachment; filename="export.csv"' });
    res.write(header);
    let sent = header.length;
    const pump = () => {
      while (sent < exportBytes) {
        const piece = block.subarray(0, Math.min(block.length, exportBytes - sent));
        sent += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** In the child: download and save as the app does, then print the figures as one JSON line. */
async function child(url: string, dir: string): Promise<void> {
  const started = performance.now();
  const exports = createDownloadedExports(4, path.join(dir, 'exports'));
  const client = createHttpClient({ baseUrl: url, provider: 'Soracom', parseError: parseSoracomError });
  const file = await exports.newFile();
  const res = await client.download(`${url}/files/export.csv`, { toFile: file });
  const rows = await countCsvRowsInFile(file);
  exports.put({ exportedFileId: 'bench', accountId: 'bench', yyyyMM: '202405', file, byteLength: res.size });
  expectContent(await readHead(file, 1025), 'csv', 'The export');
  const saved = await writeNewFile(path.join(dir, 'Soracom'), 'Soracom billing 2024-05.csv', createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>);
  await exports.clear();
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ exportDownload: { bytes: res.size, saved: saved.size, rows, ms: Math.round(performance.now() - started), peakRssMB } })}\n`);
}

export default async function exportDownloadBench(args: string[]): Promise<void> {
  if (args.includes('--csv')) return;
  const at = args.indexOf(childFlag);
  if (at >= 0) return child(args[at + 1] ?? '', args[at + 2] ?? '');

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-bench-export-'));
  const server = await serve();
  try {
    const out = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const proc = spawn(process.execPath, [process.argv[1] ?? 'dist/bench/run.cjs', childFlag, server.url, dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BILLFOLD_BENCH_ONLY: 'export-download' },
      });
      proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      proc.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`the export download child failed (${code})`))));
    });
    const line = out.split('\n').find((l) => l.startsWith('{"exportDownload"'));
    if (!line) throw new Error('the export download child printed no figures');
    const figures = (JSON.parse(line) as { exportDownload: { bytes: number; saved: number; rows: number; ms: number; peakRssMB: number } }).exportDownload;
    if (figures.saved !== exportBytes || figures.bytes !== exportBytes) throw new Error(`the export was not saved whole: ${JSON.stringify(figures)}`);
    report('peak memory while downloading and saving a 200 MB Soracom export', figures.peakRssMB, 'MB', 150);
    report('time to download and save that export (local server)', figures.ms, 'ms');
  } finally {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Open reviews: one per opened file, holding the layout, the first page, the summary (when it
 * is done), the row index and the last filter's matches. Rows themselves are never all kept:
 * windows are read from the file on demand through the index.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readLayout, readRows, ReviewFormatError, type Layout, type ReadRow, type RowFilter, type RowIndex } from './engine';
import { filterFile, summarizeFile, type FileSummary, type JobRunner, type RunnerFactory } from './summarize';

export interface SessionOptions {
  runner: RunnerFactory;
  workers: number;
  firstPageRows?: number;
  splitAt?: number[];
  onProgress?: (session: ReviewSession, bytes: number) => void;
  now?: () => number;
}

export class ReviewSession {
  readonly id = randomBytes(12).toString('base64url');
  summary: Promise<FileSummary>;
  result: FileSummary | undefined;
  summaryMs: number | undefined;
  private filterCache: { key: string; rows: Promise<Uint32Array> } | undefined;
  private readonly runners = new Set<JobRunner>();
  private closed = false;

  constructor(
    readonly path: string,
    readonly size: number,
    readonly layout: Layout,
    readonly firstRows: ReadRow[],
    readonly firstRowsMs: number,
    private readonly opts: SessionOptions,
    startedAt: number,
  ) {
    const now = opts.now ?? (() => performance.now());
    this.summary = summarizeFile(path, layout, size, {
      runner: opts.runner,
      workers: opts.workers,
      ...(opts.splitAt ? { splitAt: opts.splitAt } : {}),
      onProgress: (bytes) => opts.onProgress?.(this, bytes),
      track: (runner) => this.track(runner),
    }).then((result) => {
      if (this.closed) throw new ReviewFormatError('This review was closed.');
      this.result = result;
      this.summaryMs = now() - startedAt;
      return result;
    });
    // Callers await it; this keeps an early failure from being reported as unhandled.
    this.summary.catch(() => undefined);
  }

  get fileName(): string {
    return path.basename(this.path);
  }

  private track(runner: JobRunner): () => void {
    if (this.closed) runner.terminate();
    this.runners.add(runner);
    return () => this.runners.delete(runner);
  }

  /** Rows `offset`… of the table (all rows, or those matching `filter`). */
  async rows(offset: number, limit: number, filter?: RowFilter): Promise<{ total: number; rows: ReadRow[] }> {
    if (!filter && !this.result && offset + limit <= this.firstRows.length) {
      // Before the summary is done only the first page is known; it is served at once.
      return { total: this.firstRows.length, rows: this.firstRows.slice(offset, offset + limit) };
    }
    const summary = await this.summary;
    if (!filter) {
      const end = Math.min(summary.rows, offset + limit);
      const targets: number[] = [];
      for (let i = offset; i < end; i++) targets.push(i);
      return { total: summary.rows, rows: this.read(summary.index, targets) };
    }
    const matches = await this.matches(summary, filter);
    return { total: matches.length, rows: this.read(summary.index, matches.subarray(offset, Math.min(matches.length, offset + limit))) };
  }

  private read(index: RowIndex, targets: ArrayLike<number>): ReadRow[] {
    return readRows(this.path, this.layout, index, targets, this.layout.headerNewlines);
  }

  private matches(summary: FileSummary, filter: RowFilter): Promise<Uint32Array> {
    const key = JSON.stringify([filter.text, filter.column ?? null, filter.exact ?? false]);
    if (this.filterCache?.key !== key) {
      const rows = filterFile(this.path, this.layout, summary, filter, { runner: this.opts.runner, track: (r) => this.track(r) });
      rows.catch(() => undefined);
      this.filterCache = { key, rows };
    }
    return this.filterCache.rows;
  }

  close(): void {
    this.closed = true;
    for (const runner of this.runners) runner.terminate();
    this.runners.clear();
    this.filterCache = undefined;
  }
}

export class ReviewPathError extends Error {}

/** Opens a file: checks it, reads the header and the first page; the summary starts in the background. */
export function openSession(file: string, opts: SessionOptions): ReviewSession {
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  if (!path.isAbsolute(file)) throw new ReviewPathError('Billfold needs the full path of the file.');
  if (!/\.csv$/i.test(file)) throw new ReviewPathError('Only CSV files (.csv) can be reviewed.');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ReviewPathError(`Billfold cannot find ${path.basename(file)}. It may have been moved or deleted.`);
  }
  if (!stat.isFile()) throw new ReviewPathError(`${path.basename(file)} is not a file.`);
  const fd = fs.openSync(file, 'r');
  let layout: Layout;
  try {
    layout = readLayout(fd, stat.size);
  } finally {
    fs.closeSync(fd);
  }
  const firstIndex: RowIndex = { rows: Float64Array.of(0), offsets: Float64Array.of(layout.dataStart), lines: Float64Array.of(0), count: 1 };
  const pageRows = opts.firstPageRows ?? 100;
  const targets = Array.from({ length: pageRows }, (_, i) => i);
  const firstRows = readRows(file, layout, firstIndex, targets, layout.headerNewlines);
  return new ReviewSession(file, stat.size, layout, firstRows, now() - startedAt, opts, startedAt);
}

/** The open reviews; the oldest is closed when too many are open. */
export class ReviewSessions {
  private readonly sessions = new Map<string, ReviewSession>();
  constructor(private readonly max = 4) {}

  add(session: ReviewSession): void {
    this.sessions.set(session.id, session);
    while (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value as string;
      this.close(oldest);
    }
  }

  get(id: string): ReviewSession | undefined {
    return this.sessions.get(id);
  }

  close(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session) return false;
    session.close();
    this.sessions.delete(id);
    return true;
  }

  closeAll(): void {
    for (const id of [...this.sessions.keys()]) this.close(id);
  }
}

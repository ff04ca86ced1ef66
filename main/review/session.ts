/**
 * Open reviews: one per opened file, holding the layout, the first page, the summary (when it
 * is done), the row index and the last filter's matches. Rows themselves are never all kept:
 * windows are read from the file on demand through the index.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { contentKey, type SummaryCache } from './cache';
import { readLayoutAsync, readRows, type Layout, type ReadRow, type RowFilter, type RowIndex } from './engine';
import { filterFile, summarizeFile, type FileSummary } from './summarize';
import { closedError, type JobRunner, type RunnerFactory } from './threads';

export interface SessionOptions {
  runner: RunnerFactory;
  workers: number;
  firstPageRows?: number;
  splitAt?: number[];
  /** See `SummarizeOptions.takeBytes`. */
  takeBytes?: number;
  onProgress?: (session: ReviewSession, bytes: number) => void;
  now?: () => number;
  /** Summaries of files already read (kept in the user-data folder). */
  cache?: SummaryCache;
  /** Any file name, not only `.csv` (a file the user named on the command line, not one a page asks for). */
  anyExtension?: boolean;
}

/** The first page reads at most this far into the file, whatever the file holds. */
const firstPageBytes = 8 * 1024 * 1024;

export class ReviewSession {
  readonly id = randomBytes(12).toString('base64url');
  summary: Promise<FileSummary>;
  result: FileSummary | undefined;
  summaryMs: number | undefined;
  /** The summary came from the cache. */
  cached = false;
  /** Settles when the summary has been written to the cache (or could not be). */
  cacheWrite: Promise<void> = Promise.resolve();
  private filterCache: { key: string; rows: Promise<Uint32Array> } | undefined;
  private readonly runners = new Set<JobRunner>();
  private closed = false;

  constructor(
    readonly path: string,
    readonly size: number,
    /** The file as it was when opened: a summary of another version is refused. */
    private readonly opened: { mtimeMs: number; ino: number },
    readonly layout: Layout,
    /** The first page of rows (read while the summary starts: set before the session is handed out). */
    public firstRows: ReadRow[],
    public firstRowsMs: number,
    private readonly opts: SessionOptions,
    startedAt: number,
    cached?: FileSummary,
    cacheKey?: string,
    started: JobRunner[] = [],
  ) {
    const now = opts.now ?? (() => performance.now());
    this.cached = cached !== undefined;
    for (const runner of started) this.track(runner);
    if (cached) for (const runner of started.splice(0)) runner.terminate();
    const summary = cached
      ? Promise.resolve(cached)
      : summarizeFile(path, layout, size, {
          runner: opts.runner,
          workers: opts.workers,
          ...(opts.splitAt ? { splitAt: opts.splitAt } : {}),
          ...(opts.takeBytes !== undefined ? { takeBytes: opts.takeBytes } : {}),
          onProgress: (bytes) => opts.onProgress?.(this, bytes),
          track: (runner) => this.track(runner),
          started,
        }).then(async (result) => {
          await this.checkUnchanged();
          return result;
        });
    this.summary = summary.then((result) => {
      if (this.closed) throw closedError();
      this.result = result;
      this.summaryMs = now() - startedAt;
      if (!cached && cacheKey !== undefined && opts.cache) this.cacheWrite = opts.cache.put(path, cacheKey, result).catch(() => undefined);
      // The parts of a summary made when first read (see `summarizeFile`) are made right after
      // the totals are handed on, so the tables they are made from are not kept with the review.
      setImmediate(() => {
        try {
          void result.byGroupMonth;
          void result.deviceGroups;
        } catch {
          // Said when they are read (a total too large to be exact).
        }
      });
      return result;
    });
    // Callers await it; this keeps an early failure from being reported as unhandled.
    this.summary.catch(() => undefined);
    // Threads started ahead that the summary did not need (a small file is one range).
    void this.summary.catch(() => undefined).finally(() => {
      for (const runner of started.splice(0)) {
        runner.terminate();
        this.runners.delete(runner);
      }
    });
  }

  get fileName(): string {
    return path.basename(this.path);
  }

  /** Throws when the file was written, cut or replaced since it was opened: its totals would mix two versions. */
  private async checkUnchanged(): Promise<void> {
    const now = await fs.promises.lstat(this.path).catch(() => undefined);
    if (now?.isFile() && now.size === this.size && now.mtimeMs === this.opened.mtimeMs && now.ino === this.opened.ino) return;
    throw new FileChangedError(`${path.basename(this.path)} changed while it was being read, so its totals would mix two versions. Open it again once it is written.`);
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
      return { total: summary.rows, rows: await this.read(summary.index, targets) };
    }
    const matches = await this.matches(summary, filter);
    return { total: matches.length, rows: await this.read(summary.index, matches.subarray(offset, Math.min(matches.length, offset + limit))) };
  }

  private read(index: RowIndex, targets: ArrayLike<number>): Promise<ReadRow[]> {
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

/** The file changed while it was summarized. */
export class FileChangedError extends Error {}

/**
 * Refuses paths Billfold must not open for the (untrusted) renderer: relative paths, other
 * extensions (unless `anyExtension`), and network or device paths (`\\server\share`, `//host/…`, `\\?\…`, `\\.\…`),
 * which could make the machine authenticate to a remote host or block on a slow share.
 */
export function checkReviewPath(file: string, platform: NodeJS.Platform = process.platform, anyExtension = false): void {
  const p = platform === 'win32' ? path.win32 : path.posix;
  if (file.includes('\0')) throw new ReviewPathError('That is not a valid file path.');
  if (/^[\\/]{2}/.test(file)) throw new ReviewPathError('Billfold only reviews files on this computer, not on a network share.');
  if (!p.isAbsolute(file)) throw new ReviewPathError('Billfold needs the full path of the file.');
  // A drive-relative or alternate-stream path (`C:foo.csv`, `C:\\x.csv:stream.csv`) is not a plain file path.
  if (platform === 'win32' && (!/^[A-Za-z]:[\\/]/.test(file) || file.indexOf(':', 2) >= 0)) throw new ReviewPathError('That is not a plain file path on this computer.');
  if (!anyExtension && !/\.csv$/i.test(file)) throw new ReviewPathError('Only CSV files (.csv) can be reviewed.');
}

const notFound = (file: string) => new ReviewPathError(`Billfold cannot find ${path.basename(file)}. It may have been moved or deleted.`);

/** Opens a file without following a link and without blocking on a FIFO or device (where the OS allows). */
const openFlags = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Opens a file for review with asynchronous file access only (the main thread keeps answering
 * other calls however slow the disk): checks the path, that it is a regular file and not a link,
 * reads the header and the first page; the summary starts in the background.
 */
export async function openReviewFile(file: string, opts: SessionOptions): Promise<ReviewSession> {
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  checkReviewPath(file, process.platform, opts.anyExtension);
  // The summary's threads start now, while the file is checked and its first rows read; not for
  // a file the cache has an entry for (it usually opens from it: starting threads would only
  // take the processor from that; they start if the entry turns out stale).
  const started = opts.cache?.has(file) ? [] : Array.from({ length: Math.max(1, opts.workers) }, () => opts.runner());
  try {
    return await openChecked(file, opts, startedAt, started);
  } catch (error) {
    for (const runner of started) runner.terminate();
    throw error;
  }
}

async function openChecked(file: string, opts: SessionOptions, startedAt: number, started: JobRunner[]): Promise<ReviewSession> {
  const now = opts.now ?? (() => performance.now());
  const link = await fs.promises.lstat(file).catch(() => undefined);
  if (!link) throw notFound(file);
  if (link.isSymbolicLink()) throw new ReviewPathError(`${path.basename(file)} is a link; open the file it points to instead.`);
  if (!link.isFile()) throw new ReviewPathError(`${path.basename(file)} is not a file.`);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, openFlags);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ReviewPathError(`${path.basename(file)} is a link; open the file it points to instead.`);
    throw error;
  }
  let layout: Layout;
  let size: number;
  let opened: { mtimeMs: number; ino: number };
  let cacheKey: string | undefined;
  let cached: FileSummary | undefined;
  try {
    const stat = await handle.stat();
    // The path was swapped between the check and the open.
    if (!stat.isFile() || stat.ino !== link.ino || stat.dev !== link.dev) throw new ReviewPathError(`${path.basename(file)} changed while it was being opened. Try again.`);
    size = stat.size;
    opened = { mtimeMs: stat.mtimeMs, ino: stat.ino };
    layout = await readLayoutAsync(handle, size);
    if (opts.cache) cacheKey = await contentKey(handle, stat);
  } finally {
    await handle.close();
  }
  const readFirstRows = () => readRows(file, layout, firstIndexOf(layout), firstTargets(opts), layout.headerNewlines, firstPageBytes);
  if (started.length > 0 && started.every((runner) => runner.threaded)) {
    // No cache entry and threads to read it: the summary starts now, so they have their job as
    // soon as they are up, and the first rows are read meanwhile (inline, the summary would hold
    // this thread and the first rows would wait for it).
    const session = new ReviewSession(file, size, opened, layout, [], 0, opts, startedAt, undefined, cacheKey, started);
    try {
      session.firstRows = await readFirstRows();
      session.firstRowsMs = now() - startedAt;
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }
  // The cache is read while the first rows are: the rows do not wait for it.
  const fromCache = opts.cache && cacheKey !== undefined ? opts.cache.get(file, cacheKey) : undefined;
  fromCache?.catch(() => undefined);
  const firstRows = await readFirstRows();
  const firstRowsMs = now() - startedAt;
  if (fromCache) cached = await fromCache;
  return new ReviewSession(file, size, opened, layout, firstRows, firstRowsMs, opts, startedAt, cached, cacheKey, started);
}

const firstIndexOf = (layout: Layout): RowIndex => ({ rows: Float64Array.of(0), offsets: Float64Array.of(layout.dataStart), lines: Float64Array.of(0), count: 1 });
const firstTargets = (opts: SessionOptions) => Array.from({ length: opts.firstPageRows ?? 100 }, (_, i) => i);

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

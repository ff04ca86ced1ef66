/**
 * Summaries of files already read, kept in the user-data folder so a file opens its totals
 * again at once. An entry is keyed by the file's size, modification time and a hash of its
 * first and last 64 KiB; when the file changes its entry is dropped and the file read again.
 * Entries are named after a hash of the file's path, so one file has at most one entry, and
 * the oldest entries go when there are more than `maxEntries`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { FileSummary } from './summarize';

const probeBytes = 64 * 1024;
const version = 1;

/** The identity of a file's content as far as the cache is concerned. */
export async function contentKey(handle: fs.promises.FileHandle, stat: { size: number; mtimeMs: number }): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${version}:${stat.size}:${stat.mtimeMs}:`);
  const head = Buffer.allocUnsafe(Math.min(probeBytes, stat.size));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  hash.update(head.subarray(0, bytesRead));
  if (stat.size > probeBytes) {
    const tail = Buffer.allocUnsafe(Math.min(probeBytes, stat.size - probeBytes));
    const got = (await handle.read(tail, 0, tail.length, stat.size - tail.length)).bytesRead;
    hash.update(tail.subarray(0, got));
  }
  return hash.digest('hex');
}

interface Entry {
  version: number;
  key: string;
  summary: FileSummary;
}

export class SummaryCache {
  constructor(
    readonly dir: string,
    private readonly maxEntries = 32,
  ) {}

  private fileOf(filePath: string): string {
    return path.join(this.dir, `${createHash('sha256').update(filePath).digest('hex').slice(0, 32)}.summary`);
  }

  /** The cached summary of `filePath` when its key is `key`; an entry with another key is dropped. */
  async get(filePath: string, key: string): Promise<FileSummary | undefined> {
    const file = this.fileOf(filePath);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(file);
    } catch {
      return undefined;
    }
    try {
      const entry = v8.deserialize(bytes) as Entry;
      if (entry.version === version && entry.key === key) {
        // Most recently used last when the oldest are removed.
        const now = new Date();
        await fs.promises.utimes(file, now, now).catch(() => undefined);
        return entry.summary;
      }
    } catch {
      // Unreadable: dropped below like a stale one.
    }
    await fs.promises.rm(file, { force: true }).catch(() => undefined);
    return undefined;
  }

  /** Stores a summary (written to a temporary name and renamed, so a reader never sees half of it). */
  async put(filePath: string, key: string, summary: FileSummary): Promise<void> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const file = this.fileOf(filePath);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, v8.serialize({ version, key, summary } satisfies Entry));
    await fs.promises.rename(tmp, file);
    await this.trim(path.basename(file));
  }

  /** Whether `filePath` has an entry (any key). */
  has(filePath: string): boolean {
    return fs.existsSync(this.fileOf(filePath));
  }

  /** Removes the least recently used entries past `maxEntries`, never `keep` (the one just written). */
  private async trim(keep: string): Promise<void> {
    const names = (await fs.promises.readdir(this.dir)).filter((n) => n.endsWith('.summary') && n !== keep);
    if (names.length < this.maxEntries) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await fs.promises.stat(path.join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => a.t - b.t);
    for (const { n } of dated.slice(0, dated.length - (this.maxEntries - 1))) await fs.promises.rm(path.join(this.dir, n), { force: true });
  }
}

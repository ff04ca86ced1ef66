/**
 * Summaries of files already read, kept in the user-data folder so a file opens its totals
 * again at once. An entry is keyed by the file's size, modification time and a hash of its
 * first and last 64 KiB; when the file changes its entry is dropped and the file read again.
 * Entries are named after a hash of the file's path, so one file has at most one entry, and
 * the oldest entries go when there are more than `maxEntries`. An entry is written to a temporary
 * name first; one that a stopped process left behind is removed after `staleTempMs`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import { makePrivateFolder } from '../fs/io-errors';
import type { FileSummary, Total } from './summarize';

const probeBytes = 64 * 1024;
const version = 4;
/** No entry takes this long to write: a temporary file older than this was left by a process that stopped. */
const staleTempMs = 10 * 60_000;

/**
 * Strings as one text and each one's length: any text round-trips (a key may hold any
 * character, a NUL too), and it is fast to write and read back.
 */
interface PackedStrings {
  text: string;
  lengths: Uint32Array;
}

function packStrings(list: readonly string[]): PackedStrings {
  const lengths = new Uint32Array(list.length);
  list.forEach((s, i) => (lengths[i] = s.length));
  return { text: list.join(''), lengths };
}

function unpackStrings(p: PackedStrings): string[] {
  const out = new Array<string>(p.lengths.length);
  let at = 0;
  for (let i = 0; i < out.length; i++) {
    const end = at + (p.lengths[i] as number);
    out[i] = p.text.slice(at, end);
    at = end;
  }
  return out;
}

/** A list of totals as columns: the keys (see `PackedStrings`) and two arrays. */
interface PackedTotals {
  keys: PackedStrings;
  amounts: Float64Array;
  rows: Float64Array;
}

function packTotals(list: Total[]): PackedTotals {
  const amounts = new Float64Array(list.length);
  const rows = new Float64Array(list.length);
  list.forEach((t, i) => {
    amounts[i] = t.amount;
    rows[i] = t.rows;
  });
  return { keys: packStrings(list.map((t) => t.key)), amounts, rows };
}

function unpackTotals(p: PackedTotals): Total[] {
  const keys = unpackStrings(p.keys);
  const out = new Array<Total>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = { key: keys[i] as string, amount: p.amounts[i] as number, rows: p.rows[i] as number };
  return out;
}

const listFields = ['byItem', 'byDay', 'byMonthRow', 'byDevice', 'byMonthItem', 'byDeviceMonth'] as const;

/** Devices' tag values (see `PackedStrings`). */
interface PackedDeviceGroups {
  devices: PackedStrings;
  values: PackedStrings[];
}

type PackedSummary = Omit<FileSummary, (typeof listFields)[number] | 'byGroup' | 'byGroupMonth' | 'deviceGroups'> & {
  lists: Record<(typeof listFields)[number], PackedTotals>;
  byGroup: PackedTotals[];
  byGroupMonth: PackedTotals[];
  deviceGroups: PackedDeviceGroups;
};

function packDeviceGroups(d: FileSummary['deviceGroups']): PackedDeviceGroups {
  return { devices: packStrings(d.devices), values: d.values.map(packStrings) };
}

function unpackDeviceGroups(p: PackedDeviceGroups): FileSummary['deviceGroups'] {
  return { devices: unpackStrings(p.devices), values: p.values.map(unpackStrings) };
}

function packSummary(s: FileSummary): PackedSummary {
  const { byItem, byDay, byMonthRow, byDevice, byMonthItem, byDeviceMonth, byGroup, byGroupMonth, deviceGroups, ...rest } = s;
  const lists = { byItem, byDay, byMonthRow, byDevice, byMonthItem, byDeviceMonth };
  return {
    ...rest,
    lists: Object.fromEntries(listFields.map((f) => [f, packTotals(lists[f])])) as PackedSummary['lists'],
    byGroup: byGroup.map(packTotals),
    byGroupMonth: byGroupMonth.map(packTotals),
    deviceGroups: packDeviceGroups(deviceGroups),
  };
}

function unpackSummary(p: PackedSummary): FileSummary {
  const { lists, byGroup, byGroupMonth, deviceGroups, ...rest } = p;
  return {
    ...rest,
    byItem: unpackTotals(lists.byItem),
    byDay: unpackTotals(lists.byDay),
    byMonthRow: unpackTotals(lists.byMonthRow),
    byDevice: unpackTotals(lists.byDevice),
    byMonthItem: unpackTotals(lists.byMonthItem),
    byDeviceMonth: unpackTotals(lists.byDeviceMonth),
    byGroup: byGroup.map(unpackTotals),
    byGroupMonth: byGroupMonth.map(unpackTotals),
    deviceGroups: unpackDeviceGroups(deviceGroups),
  };
}

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
  summary: PackedSummary;
}

export class SummaryCache {
  /** Entries being written. */
  private readonly writing = new Set<Promise<void>>();

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
        return unpackSummary(entry.summary);
      }
    } catch {
      // Unreadable: dropped below like a stale one.
    }
    await fs.promises.rm(file, { force: true }).catch(() => undefined);
    return undefined;
  }

  /**
   * Stores a summary. It is written to a temporary name and renamed, so a reader never sees half
   * of it; a write that fails (a full disk) removes its temporary file.
   */
  put(filePath: string, key: string, summary: FileSummary): Promise<void> {
    const write = this.write(filePath, key, summary);
    this.writing.add(write);
    const done = () => this.writing.delete(write);
    write.then(done, done);
    return write;
  }

  /** Waits for the entries being written (before the process exits). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.writing]);
  }

  private async write(filePath: string, key: string, summary: FileSummary): Promise<void> {
    await makePrivateFolder(this.dir);
    const file = this.fileOf(filePath);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      await fs.promises.writeFile(tmp, v8.serialize({ version, key, summary: packSummary(summary) } satisfies Entry), { mode: 0o600 });
      await fs.promises.rename(tmp, file);
    } catch (error) {
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      throw error;
    }
    await this.trim(path.basename(file));
  }

  /** Whether `filePath` has an entry (any key). */
  has(filePath: string): boolean {
    return fs.existsSync(this.fileOf(filePath));
  }

  /** Removes the least recently used entries past `maxEntries`, never `keep` (the one just written), and stale temporary files. */
  private async trim(keep: string): Promise<void> {
    const all = await fs.promises.readdir(this.dir);
    const now = Date.now();
    for (const n of all.filter((n) => n.endsWith('.tmp'))) {
      const at = path.join(this.dir, n);
      const stat = await fs.promises.stat(at).catch(() => undefined);
      if (stat && now - stat.mtimeMs > staleTempMs) await fs.promises.rm(at, { force: true }).catch(() => undefined);
    }
    const names = all.filter((n) => n.endsWith('.summary') && n !== keep);
    if (names.length < this.maxEntries) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, t: (await fs.promises.stat(path.join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => a.t - b.t);
    for (const { n } of dated.slice(0, dated.length - (this.maxEntries - 1))) await fs.promises.rm(path.join(this.dir, n), { force: true });
  }
}

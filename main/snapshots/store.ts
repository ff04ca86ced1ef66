import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic-write';

/**
 * The last answer of every read channel, per account, so every view can render offline and
 * say how old its data is. One versioned JSON file per account, written atomically.
 */
export interface Snapshot {
  value: unknown;
  syncedAt: string;
}

export interface SnapshotStore {
  get(accountId: string, key: string): Promise<Snapshot | undefined>;
  put(accountId: string, key: string, value: unknown): Promise<void>;
  /** Every kept answer of one channel for an account, with the arguments it was called with. */
  list(accountId: string, channel: string): Promise<{ args: Record<string, unknown>; snapshot: Snapshot }[]>;
  forget(accountId: string): Promise<void>;
  /** Removes one entry (a view's snapshot that cannot be shown). */
  drop(accountId: string, key: string): Promise<void>;
  /** Waits for pending writes (tests, shutdown). */
  flush(): Promise<void>;
}

export const snapshotVersion = 1;

const fileSchema = z.object({
  version: z.literal(snapshotVersion),
  entries: z.record(z.string(), z.object({ syncedAt: z.string(), value: z.unknown() })),
});

/** Stable key for a channel call: the channel and its arguments other than the account, with sorted keys. */
export function snapshotKey(channel: string, args: Record<string, unknown>): string {
  const rest = Object.keys(args)
    .filter((k) => k !== 'accountId' && args[k] !== undefined)
    .sort()
    .map((k) => [k, args[k]]);
  return `${channel} ${JSON.stringify(rest)}`;
}

export function createSnapshotStore(userDataDir: string, opts: { onDiscarded?: (accountId: string) => void; now?: () => Date } = {}): SnapshotStore {
  const dir = path.join(userDataDir, 'snapshots');
  const now = opts.now ?? (() => new Date());
  const loaded = new Map<string, Promise<Map<string, Snapshot>>>();
  const writes = new Map<string, Promise<void>>();
  const dirty = new Set<string>();
  const fileOf = (accountId: string) => path.join(dir, `${encodeURIComponent(accountId)}.json`);

  async function load(accountId: string): Promise<Map<string, Snapshot>> {
    let text: string;
    try {
      text = await fs.readFile(fileOf(accountId), 'utf8');
    } catch {
      return new Map();
    }
    try {
      const parsed = fileSchema.parse(JSON.parse(text));
      return new Map(Object.entries(parsed.entries).map(([k, v]) => [k, { syncedAt: v.syncedAt, value: v.value }]));
    } catch {
      // Unreadable or from another version: the next sync rebuilds it, so it is dropped, not fatal.
      await fs.rm(fileOf(accountId), { force: true });
      opts.onDiscarded?.(accountId);
      return new Map();
    }
  }

  const entriesOf = (accountId: string) => {
    let entries = loaded.get(accountId);
    if (!entries) {
      entries = load(accountId);
      loaded.set(accountId, entries);
    }
    return entries;
  };

  function scheduleWrite(accountId: string): Promise<void> {
    dirty.add(accountId);
    const pending = writes.get(accountId);
    if (pending) return pending;
    const write = (async () => {
      // Let calls that finish together share one write.
      await new Promise((resolve) => setTimeout(resolve, 20));
      while (dirty.has(accountId)) {
        dirty.delete(accountId);
        const entries = await entriesOf(accountId);
        await writeFileAtomic(fileOf(accountId), JSON.stringify({ version: snapshotVersion, entries: Object.fromEntries(entries) }), 'the offline data');
      }
    })().finally(() => writes.delete(accountId));
    writes.set(accountId, write);
    return write;
  }

  return {
    async get(accountId, key) {
      return (await entriesOf(accountId)).get(key);
    },
    async put(accountId, key, value) {
      (await entriesOf(accountId)).set(key, { value, syncedAt: now().toISOString() });
      await scheduleWrite(accountId);
    },
    async list(accountId, channel) {
      const out: { args: Record<string, unknown>; snapshot: Snapshot }[] = [];
      for (const [key, snapshot] of await entriesOf(accountId)) {
        if (!key.startsWith(`${channel} `)) continue;
        try {
          out.push({ args: Object.fromEntries(JSON.parse(key.slice(channel.length + 1)) as [string, unknown][]), snapshot });
        } catch {
          // A key from another version: not an answer this reader understands.
        }
      }
      return out;
    },
    async drop(accountId, key) {
      if ((await entriesOf(accountId)).delete(key)) await scheduleWrite(accountId);
    },
    async forget(accountId) {
      await writes.get(accountId);
      loaded.set(accountId, Promise.resolve(new Map()));
      dirty.delete(accountId);
      await fs.rm(fileOf(accountId), { force: true });
    },
    async flush() {
      await Promise.all(writes.values());
    },
  };
}

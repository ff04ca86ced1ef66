import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { DownloadItem, DownloadRequest, UnfinishedDownload } from '../../contract/models/download';
import { writeFileAtomic } from '../fs/atomic-write';

/**
 * The journal of a "download everything" run (`downloads-journal.json` in the user-data folder):
 * the request, and each document finished so far. It is written after every document, so a run
 * cut short by a quit or a crash goes on where it stopped; a document saved but not yet in the
 * journal is found again in the library (same provider document, same hash) and skipped.
 */
export const journalFileName = 'downloads-journal.json';
const journalVersion = 1;

const itemSchema = z.object({
  key: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  provider: z.enum(['spatialflow', 'agilicus', 'soracom']),
  kind: z.enum(['spatialflow-invoice-pdf', 'soracom-bill-csv', 'soracom-statement-pdf', 'agilicus-usage-statement-pdf', 'listing']),
  period: z.string().optional(),
  label: z.string(),
  state: z.enum(['fetched', 'skipped', 'failed', 'cancelled']),
  fileId: z.string().optional(),
  fileName: z.string().optional(),
  path: z.string().optional(),
  bytes: z.number().optional(),
  reason: z.object({ code: z.string(), message: z.string() }).optional(),
});

const journalSchema = z.object({
  version: z.literal(journalVersion),
  request: z.object({ from: z.string(), to: z.string(), accountId: z.string().optional() }),
  startedAt: z.string(),
  finished: z.boolean(),
  /** Documents known so far (planned); grows as each account's list is read. */
  planned: z.number(),
  /** Finished documents by key. */
  done: z.record(z.string(), itemSchema),
});
export type JournalData = z.infer<typeof journalSchema>;

export const sameRequest = (a: { from: string; to: string; accountId?: string | undefined }, b: DownloadRequest) => a.from === b.from && a.to === b.to && (a.accountId ?? '') === (b.accountId ?? '');

const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

export interface DownloadJournal {
  /** The journal on disk, if readable. */
  read(): Promise<JournalData | undefined>;
  /** The unfinished run, if any, for the window's "Resume". */
  unfinished(): Promise<UnfinishedDownload | null>;
  /** Starts a run: the earlier one if it is the same request and unfinished, else a new journal. */
  begin(request: DownloadRequest, now: Date): Promise<{ resumed: boolean; done: Map<string, DownloadItem> }>;
  setPlanned(count: number): Promise<void>;
  /** Records a finished document (fetched, skipped or failed). */
  record(item: DownloadItem): Promise<void>;
  /** Marks the run finished; an interrupted run stays resumable. */
  finish(): Promise<void>;
}

export function createDownloadJournal(userDataDir: string): DownloadJournal {
  const file = path.join(userDataDir, journalFileName);
  let data: JournalData | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  /** Writes go one after the other; the latest state wins. */
  const save = () => {
    const snapshot = data ? JSON.stringify(data) : undefined;
    const run = chain.then(() => (snapshot === undefined ? undefined : writeFileAtomic(file, snapshot)));
    chain = run.catch(() => undefined);
    return run;
  };

  async function read(): Promise<JournalData | undefined> {
    try {
      return journalSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
    } catch {
      return undefined;
    }
  }

  return {
    read,
    async unfinished() {
      const j = data ?? (await read());
      if (!j || j.finished) return null;
      const out: UnfinishedDownload = { from: j.request.from, to: j.request.to, startedAt: j.startedAt, total: Math.max(j.planned, Object.keys(j.done).length), done: Object.keys(j.done).length };
      if (j.request.accountId !== undefined) out.accountId = j.request.accountId;
      return out;
    },
    async begin(request, now) {
      const previous = await read();
      const resumed = previous !== undefined && !previous.finished && sameRequest(previous.request, request);
      const kept: JournalData['done'] = {};
      // Failed and cancelled documents are tried again; fetched and skipped ones are done.
      if (resumed) for (const [key, item] of Object.entries(previous.done)) if (item.state === 'fetched' || item.state === 'skipped') kept[key] = item;
      data = {
        version: journalVersion,
        request: strip(request),
        startedAt: resumed ? previous.startedAt : now.toISOString(),
        finished: false,
        planned: resumed ? previous.planned : 0,
        done: kept,
      };
      await save();
      return { resumed, done: new Map(Object.entries(kept).map(([k, v]) => [k, strip(v) as DownloadItem])) };
    },
    async setPlanned(count) {
      if (!data) return;
      data.planned = count;
      await save();
    },
    async record(item) {
      if (!data) return;
      data.done[item.key] = strip(item);
      await save();
    },
    async finish() {
      if (!data) return;
      data.finished = true;
      await save();
    },
  };
}

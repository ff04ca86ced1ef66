import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SoracomResults } from '../../contract/channels/soracom';
import type { SoracomExportResult } from '../../contract/models/soracom';
import { createTaskRegistry, type TaskRegistry } from '../files/tasks';
import { tempFileIn } from '../files/write';
import { isFileSystemError, makePrivateFolder, writeFailure } from '../fs/io-errors';
import { AppError } from '../http/errors';
import type { SoracomClient, WaitForExportOptions } from '../providers/soracom/client';
import { mapBillingHistory, mapDailyBills, mapLatestBill, mapMonthlyBill } from '../providers/soracom/map';
import type { HandlerTable, ServiceContext } from '../router/types';

export interface DownloadedExport {
  exportedFileId: string;
  /** The Billfold account it was downloaded for. */
  accountId: string;
  /** yyyyMM, or 'latest' for the current month's export. */
  yyyyMM: string;
  /** The downloaded CSV, streamed to this file as it arrived (exports reach 200 MiB: never in memory). */
  file: string;
  byteLength: number;
  contentType?: string;
  suggestedName?: string;
}

/**
 * Finished exports, held as files for the files service to save (the export result that crosses
 * IPC carries only the id and the size). One per service instance; it keeps the newest few
 * only, so the disk they take stays bounded, and removes a file when it lets its export go.
 */
export interface DownloadedExports {
  /** A new file name for an export being downloaded (in the folder of held exports). */
  newFile(): Promise<string>;
  put(e: DownloadedExport): void;
  /** The export if still held and downloaded for this account. */
  get(exportedFileId: string, accountId: string): DownloadedExport | undefined;
  /** Hands over and forgets (the caller owns the file from then on). */
  take(exportedFileId: string): DownloadedExport | undefined;
  /** Removes every held file (at shutdown). */
  clear(): Promise<void>;
}

/**
 * `dir` holds the files; its temporary names (`.billfold-<pid>-….part`) let the start-up cleanup
 * remove those a killed process left. Default: a folder of this process under the OS temp folder.
 */
export function createDownloadedExports(max = 4, dir = path.join(os.tmpdir(), `billfold-exports-${process.pid}`)): DownloadedExports {
  const held = new Map<string, DownloadedExport>();
  const drop = (e: DownloadedExport) => void fs.rm(e.file, { force: true }).catch(() => undefined);
  return {
    async newFile() {
      await makePrivateFolder(dir);
      return tempFileIn(dir);
    },
    put(e) {
      const previous = held.get(e.exportedFileId);
      if (previous && previous.file !== e.file) drop(previous);
      held.delete(e.exportedFileId);
      held.set(e.exportedFileId, e);
      while (held.size > max) {
        const oldest = held.values().next().value;
        if (oldest === undefined) break;
        held.delete(oldest.exportedFileId);
        drop(oldest);
      }
    },
    get(exportedFileId, accountId) {
      const e = held.get(exportedFileId);
      return e && e.accountId === accountId ? e : undefined;
    },
    take(exportedFileId) {
      const e = held.get(exportedFileId);
      held.delete(exportedFileId);
      return e;
    },
    async clear() {
      const files = [...held.values()].map((e) => e.file);
      held.clear();
      await Promise.all(files.map((f) => fs.rm(f, { force: true }).catch(() => undefined)));
    },
  };
}

/** Data rows of a CSV file, read in chunks (see `countCsvRows`). */
export async function countCsvRowsInFile(file: string): Promise<number> {
  let lines = 0;
  let quoted = false;
  let last = -1;
  let any = false;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    any = any || chunk.length > 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0x22) quoted = !quoted;
      else if (b === 0x0a && !quoted) lines += 1;
    }
    if (chunk.length > 0) last = chunk[chunk.length - 1] ?? -1;
  }
  if (any && last !== 0x0a) lines += 1;
  return Math.max(0, lines - 1);
}

/** Data rows of a CSV: line breaks outside quotes, minus the header, ignoring a final line break. */
export function countCsvRows(bytes: Uint8Array): number {
  let lines = 0;
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) quoted = !quoted;
    else if (b === 0x0a && !quoted) lines += 1;
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) lines += 1;
  return Math.max(0, lines - 1);
}

function monthLabel(yyyyMM: string): string {
  return yyyyMM === 'latest' ? 'current month' : `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`;
}

const PROGRESS_EVERY_MS = 100;

/** Start, poll, download: the whole async export, reported as `task.progress`. */
async function runExport(
  client: SoracomClient,
  exports: DownloadedExports,
  accountId: string,
  ctx: ServiceContext,
  yyyyMM: string,
  taskId: string,
  poll: ExportPollTiming,
  tasks: TaskRegistry,
): Promise<SoracomExportResult> {
  const label = `Soracom billing CSV (${monthLabel(yyyyMM)})`;
  const progress = (what: string, done: number, total?: number) =>
    ctx.events.emit('task.progress', {
      taskId,
      label: `${label}: ${what}`,
      done,
      ...(total === undefined ? {} : { total }),
      state: 'running',
    });
  // Registered before anything is reported, so a second export with the same id is refused whole.
  const controller = tasks.start(taskId);
  const { signal } = controller;
  progress('requesting export', 0);
  try {
    if (signal.aborted) throw new AppError('cancelled', 'The export was cancelled.');
    const started = yyyyMM === 'latest' ? await client.exportLatestBilling({ mode: 'async', signal }) : await client.exportBilling(yyyyMM, { mode: 'async', signal });
    if (signal.aborted) throw new AppError('cancelled', 'The export was cancelled.');
    let exportedFileId = started.exportedFileId;
    let url = started.url;
    if (exportedFileId === undefined) {
      // A server that ignores export_mode=async answers like sync: the URL is already there.
      if (url === undefined) throw new AppError('invalid_response', 'Soracom started the export but sent neither an id nor a URL.');
      exportedFileId = `sync-${randomUUID()}`;
    } else {
      progress('being prepared by Soracom', 0);
      ({ url } = await client.waitForExport(exportedFileId, {
        ...poll,
        signal,
        onProgress: (p) => progress(p.status === 'exported' ? 'ready' : 'being prepared by Soracom', 0),
      }));
    }
    let lastEmit = 0;
    // Streamed to a file as it arrives: an export of up to 200 MiB never sits in memory.
    const target = await exports.newFile();
    const file = await client
      .downloadExport(url, {
        signal,
        toFile: target,
        onProgress: (p) => {
          const t = Date.now();
          if (t - lastEmit < PROGRESS_EVERY_MS) return;
          lastEmit = t;
          progress('downloading', p.receivedBytes, p.totalBytes);
        },
      })
      .catch((error: unknown) => {
        // Only the disk's failure is said as a folder that could not be written.
        throw isFileSystemError(error) ? writeFailure(error, `download the ${label}`, path.dirname(target)) : error;
      });
    const byteLength = file.size;
    let rows: number;
    try {
      rows = await countCsvRowsInFile(target);
    } catch (error) {
      await fs.rm(target, { force: true });
      throw error;
    }
    const parked: DownloadedExport = { exportedFileId, accountId, yyyyMM, file: target, byteLength };
    if (file.contentType !== undefined) parked.contentType = file.contentType;
    if (file.suggestedName !== undefined) parked.suggestedName = file.suggestedName;
    exports.put(parked);
    ctx.events.emit('task.progress', { taskId, label: `${label}: downloaded`, done: byteLength, total: byteLength, state: 'done' });
    // The pre-signed download URL stays in the main process; the window has no use for it.
    return { exportedFileId, byteLength, rows };
  } catch (e) {
    const cancelled = signal.aborted || (e instanceof AppError && e.code === 'cancelled');
    ctx.events.emit('task.progress', {
      taskId,
      label: `${label}: ${cancelled ? 'cancelled' : 'failed'}`,
      done: 0,
      state: cancelled ? 'cancelled' : 'failed',
    });
    if (cancelled && !(e instanceof AppError && e.code === 'cancelled')) throw new AppError('cancelled', 'The export was cancelled.', { cause: e });
    throw e;
  } finally {
    tasks.finish(taskId, controller);
  }
}

export type ExportPollTiming = Pick<WaitForExportOptions, 'pollIntervalMs' | 'maxPollIntervalMs' | 'timeoutMs'>;

export function createSoracomHandlers(
  resolveClient: (accountId: string) => Promise<SoracomClient>,
  opts: {
    exportPoll?: ExportPollTiming;
    exports?: DownloadedExports;
    /** Running tasks, shared with the files service so `files.cancel {taskId}` cancels an export. */
    tasks?: TaskRegistry;
  } = {},
): HandlerTable<keyof SoracomResults> {
  const poll = opts.exportPoll ?? {};
  const exports = opts.exports ?? createDownloadedExports();
  const tasks = opts.tasks ?? createTaskRegistry();
  return {
    'soracom.getBillingHistory': async ({ accountId }) => {
      const client = await resolveClient(accountId);
      return mapBillingHistory(await client.getBillingHistory(), client.defaultCurrency);
    },
    'soracom.getBilling': async ({ accountId, yyyyMM }) => {
      const client = await resolveClient(accountId);
      return mapMonthlyBill(await client.getBilling(yyyyMM), client.defaultCurrency, yyyyMM);
    },
    'soracom.getBillingPerDay': async ({ accountId, yyyyMM }) => {
      const client = await resolveClient(accountId);
      return mapDailyBills(yyyyMM, await client.getBillingPerDay(yyyyMM), client.defaultCurrency);
    },
    'soracom.getLatestBilling': async ({ accountId }) => {
      const client = await resolveClient(accountId);
      return mapLatestBill(await client.getLatestBilling(), client.defaultCurrency);
    },
    'soracom.exportBilling': async ({ accountId, yyyyMM, taskId }, ctx) => {
      const client = await resolveClient(accountId);
      return runExport(client, exports, accountId, ctx, yyyyMM, taskId ?? `soracom-export-${yyyyMM}-${randomUUID()}`, poll, tasks);
    },
    'soracom.exportLatestBilling': async ({ accountId, taskId }, ctx) => {
      const client = await resolveClient(accountId);
      return runExport(client, exports, accountId, ctx, 'latest', taskId ?? `soracom-export-latest-${randomUUID()}`, poll, tasks);
    },
  };
}

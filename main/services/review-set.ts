/**
 * Several saved bill exports in one review (channels `reviewSet.*`): files are named by library
 * id or chosen in the OS dialog, never by a path from the renderer. Each file is summarized by
 * the review engine, one after the other, then combined by month (review-set-model.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReviewSetResults } from '../../contract/channels/review-set';
import type { Envelope } from '../../contract/errors';
import type { Events } from '../../contract/events';
import type { SavedFile } from '../../contract/models/files';
import type { AccountList } from '../../contract/models/app';
import { preliminaryBill, type SoracomBillState, type SoracomMonthlyBill } from '../../contract/models/soracom';
import { monthEndMs, type ReviewSetCurrency, type ReviewSetFile, type ReviewSetMonthCurrency, type ReviewSetOpened, type ReviewSetSummary } from '../../contract/models/review-set';
import type { DroppedFileStore } from '../files/dropped';
import type { LibraryIndex } from '../files/library-index';
import { AppError } from '../http/errors';
import type { Platform } from '../platform';
import { ReviewFormatError, TooLargeError } from '../review/engine';
import { FileChangedError, openReviewFile, ReviewPathError, type ReviewSession } from '../review/session';
import { bundledWorkerScript, inlineRunner, threadRunner, type RunnerFactory } from '../review/threads';
import type { EventSink, HandlerTable } from '../router/types';
import { tableCsvChunks } from '../files/csv';
import { snapshotKey, type SnapshotStore } from '../snapshots/store';
import type { SaveTableCsv } from './files';
import { findMonthBill, notUtf8Note } from './review';
import { ColumnNotInSetError, setCurrency, setTableCsv, type SetCsv } from './review-set-csv';
import { formatSet, MonthNotInSetError, ReviewSetModel, type DeviceQuery, type SetFileInput } from './review-set-model';

type CallableChannel = 'soracom.exportBilling' | 'files.saveSoracomExport' | 'soracom.getBilling';

export interface ReviewSetServiceDeps {
  platform: Pick<Platform, 'chooseFile' | 'chooseFiles'>;
  events: EventSink;
  library: Pick<LibraryIndex, 'all' | 'get'>;
  /** Files dropped on the window, by the ids the preload's drop channel gave. */
  dropped: Pick<DroppedFileStore, 'pathOf'>;
  /**
   * Calls a channel through the router: the existing export and save path, and the month's bill.
   * With `events`, the events the call sends go there instead of straight to the window.
   */
  call: (channel: CallableChannel, args: Record<string, unknown>, events?: EventSink) => Promise<Envelope<unknown>>;
  /** The accounts, to name the one whose bills give each month's currency. */
  listAccounts: () => Promise<AccountList>;
  /** Offline bills, when a month's bill cannot be fetched now. */
  snapshots: Pick<SnapshotStore, 'get'>;
  /** Saves a table the main process builds, as `files.saveTableCsv` saves one. */
  saveTableCsv: SaveTableCsv;
  runner?: RunnerFactory;
  workers?: number;
  /** Open sets kept at once; the oldest is closed. */
  maxSets?: number;
  log?: (line: string) => void;
}

interface SetSource {
  path: string;
  fileName: string;
  libraryId?: string;
  savedAt?: string;
  accountId?: string;
}

/** Bytes of the head and of the tail that identify a file before it is hashed whole. */
const probeBytes = 64 * 1024;

async function probe(file: string, size: number): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const hash = createHash('sha256').update(String(size));
    const head = Buffer.alloc(Math.min(probeBytes, size));
    await handle.read(head, 0, head.length, 0);
    hash.update(head);
    if (size > probeBytes) {
      const tail = Buffer.alloc(Math.min(probeBytes, size - probeBytes));
      await handle.read(tail, 0, tail.length, size - tail.length);
      hash.update(tail);
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

async function fullHash(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The notes of a set: which files are not UTF-8. */
function notesOf(files: ReviewSetFile[]): string[] {
  const names = files.filter((f) => f.notUtf8).map((f) => f.fileName);
  return names.length === 0 ? [] : [notUtf8Note(names.join(', '), names.length)];
}

function asErrorInfo(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof ReviewPathError) return { code: 'not_allowed', message: error.message };
  if (error instanceof ReviewFormatError) return { code: 'validation', message: error.message };
  if (error instanceof FileChangedError) return { code: 'conflict', message: error.message };
  if (error instanceof TooLargeError) return { code: 'too_large', message: error.message };
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return { code: 'io_error', message: `Billfold could not read the file (${code}).` };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

class ReviewSet {
  readonly id = randomBytes(12).toString('base64url');
  readonly taskId = `review-set-${this.id}`;
  readonly model = new ReviewSetModel();
  readonly done: Promise<void>;
  readonly startedAt = performance.now();
  ms = 0;
  /** Each month's currency, looked up once the files are read. */
  currency: Promise<ReviewSetCurrency> | undefined;
  private closed = false;
  private current: ReviewSession | undefined;

  constructor(
    readonly sources: (SetSource & { size: number })[],
    private readonly opts: { runner: RunnerFactory; workers: number; events: EventSink },
  ) {
    this.done = this.run();
    this.done.catch(() => undefined);
  }

  private emit(label: string, done: number, total: number, state: 'running' | 'done' | 'failed' | 'cancelled') {
    this.opts.events.emit('task.progress', { taskId: this.taskId, label, done, total, state });
  }

  private async run(): Promise<void> {
    const total = this.sources.reduce((n, s) => n + s.size, 0);
    let before = 0;
    const seen: { path: string; fileName: string; size: number; probe: string; full?: string }[] = [];
    const count = this.sources.length;
    for (const [i, source] of this.sources.entries()) {
      if (this.closed) break;
      const label = `Reading ${source.fileName} (${i + 1} of ${count})`;
      this.emit(label, before, total, 'running');
      const input: SetFileInput = { fileName: source.fileName, size: source.size };
      if (source.libraryId !== undefined) input.libraryId = source.libraryId;
      if (source.savedAt !== undefined) input.savedAt = source.savedAt;
      if (source.accountId !== undefined) input.accountId = source.accountId;
      try {
        const same = seen.find((s) => s.path === source.path);
        let duplicateOf = same?.fileName;
        if (duplicateOf === undefined) {
          const p = await probe(source.path, source.size);
          for (const s of seen) {
            if (s.probe !== p || s.size !== source.size) continue;
            s.full ??= await fullHash(s.path);
            if ((await fullHash(source.path)) === s.full) {
              duplicateOf = s.fileName;
              break;
            }
          }
          if (duplicateOf === undefined) seen.push({ path: source.path, fileName: source.fileName, size: source.size, probe: p });
        }
        if (this.closed) break;
        if (duplicateOf !== undefined) input.duplicateOf = duplicateOf;
        else {
          const session = await openReviewFile(source.path, {
            runner: this.opts.runner,
            workers: this.opts.workers,
            firstPageRows: 1,
            onProgress: (_s, bytes) => this.emit(label, before + Math.min(bytes, source.size), total, 'running'),
          });
          // Closed while the file was opening: nothing held it to stop, so its reading stops now.
          if (this.closed) {
            session.close();
            break;
          }
          this.current = session;
          try {
            input.summary = await session.summary;
            input.layout = session.layout;
          } finally {
            session.close();
            this.current = undefined;
          }
        }
      } catch (error) {
        if (this.closed) break;
        input.error = asErrorInfo(error);
      }
      if (this.closed) break;
      try {
        this.model.add(input);
      } catch (error) {
        this.model.add({ fileName: source.fileName, size: source.size, error: asErrorInfo(error) });
      }
      before += source.size;
    }
    this.ms = performance.now() - this.startedAt;
    if (this.closed) {
      this.emit('Closed', before, total, 'cancelled');
      throw new AppError('cancelled', 'This review was closed before it finished. Open the files again.');
    }
    this.emit(`Read ${count} ${count === 1 ? 'file' : 'files'}`, total, total, 'done');
  }

  close(): void {
    this.closed = true;
    this.current?.close();
  }
}

function deviceQueryOf({ sort, ascending, filter, from, to, only }: { sort?: DeviceQuery['sort']; ascending?: boolean | undefined; filter?: { text: string; column?: string | undefined } | undefined; from?: string | undefined; to?: string | undefined; only?: DeviceQuery['only'] }): DeviceQuery {
  return {
    ...(sort ? { sort } : {}),
    ...(ascending !== undefined ? { ascending } : {}),
    ...(filter ? { filter: { text: filter.text, ...(filter.column !== undefined ? { column: filter.column } : {}) } } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(only ? { only } : {}),
  };
}

export function createReviewSetService(deps: ReviewSetServiceDeps) {
  const sets = new Map<string, ReviewSet>();
  const maxSets = deps.maxSets ?? 3;
  const workers = deps.workers ?? Math.max(1, Math.min(4, os.availableParallelism()));
  let runner = deps.runner;
  if (!runner) {
    const script = bundledWorkerScript();
    runner = script ? threadRunner(script) : inlineRunner;
  }
  const opts = { runner, workers, events: deps.events };

  async function open(sources: SetSource[]): Promise<ReviewSetOpened> {
    if (sources.length === 0) throw new AppError('validation', 'Choose at least one bill export to review.');
    const sized = await Promise.all(
      sources.map(async (s) => ({ ...s, size: (await fs.promises.stat(s.path).catch(() => undefined))?.size ?? 0 })),
    );
    const set = new ReviewSet(sized, opts);
    sets.set(set.id, set);
    while (sets.size > maxSets) {
      const oldest = sets.keys().next().value as string;
      sets.get(oldest)?.close();
      sets.delete(oldest);
    }
    return { setId: set.id, taskId: set.taskId, files: sized.map((s) => ({ fileName: s.fileName, size: s.size })) };
  }

  function fromLibrary(f: SavedFile): SetSource {
    if (f.kind !== 'bill-csv') throw new AppError('validation', `${f.fileName} is not a bill export; only bill exports can be reviewed.`);
    return { path: f.path, fileName: f.fileName, libraryId: f.id, savedAt: f.savedAt, ...(f.accountId !== undefined ? { accountId: f.accountId } : {}) };
  }

  /** Each month's currency from the bill of that month of the account its file was saved for. */
  async function currencyOf(set: ReviewSet): Promise<ReviewSetCurrency> {
    const m = set.model;
    const months = m.months;
    // The accounts or a bill that cannot be read leave the currency unknown; the review itself still opens.
    const accounts = await deps.listAccounts().catch(() => ({ accounts: [] as AccountList['accounts'] }));
    const soracom = new Map(accounts.accounts.filter((a) => a.provider === 'soracom').map((a) => [a.id, a.name]));
    const perMonth: ReviewSetMonthCurrency[] = new Array<ReviewSetMonthCurrency>(months.length);
    let next = 0;
    // A few months at a time: years of months would otherwise wait on each other's answers.
    const worker = async () => {
      while (next < months.length) {
        const i = next++;
        const month = months[i] as string;
        const accountId = m.accountOf(month);
        const accountName = accountId === undefined ? undefined : soracom.get(accountId);
        if (accountId === undefined || accountName === undefined) {
          perMonth[i] = { month, reason: accountId === undefined ? 'The file belongs to no account in Billfold.' : 'The file’s account is no longer a Soracom account in Billfold.' };
          continue;
        }
        const found = await findMonthBill({ call: deps.call, snapshots: deps.snapshots }, accountId, month).catch((error: unknown) => ({
          message: error instanceof Error ? error.message : 'The bill could not be read.',
        }));
        perMonth[i] =
          'bill' in found
            ? { month, code: found.bill.amount.currency, source: found.source, ...(found.bill.state !== undefined ? { state: found.bill.state } : {}), accountName }
            : { month, accountName, reason: `No bill of ${accountName} for this month: ${found.message}` };
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return setCurrency(perMonth, m.monthTotalsList());
  }

  function find(setId: string): ReviewSet {
    const set = sets.get(setId);
    if (!set) throw new AppError('not_found', 'This review is no longer open. Open the files again.');
    return set;
  }

  async function finished(setId: string): Promise<ReviewSet> {
    const set = find(setId);
    await set.done;
    return set;
  }

  const monthError = (error: unknown): never => {
    if (error instanceof MonthNotInSetError || error instanceof ColumnNotInSetError) throw new AppError('validation', error.message);
    throw error;
  };

  const iso = (yyyyMM: string) => `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4)}`;

  /** The state of the month's bill, fetched now or as last synced; undefined when neither says. */
  async function billState(accountId: string, month: string): Promise<SoracomBillState | undefined> {
    const live = await deps.call('soracom.getBilling', { accountId, yyyyMM: month });
    if (live.ok) return (live.value as SoracomMonthlyBill).state;
    const snap = await deps.snapshots.get(accountId, snapshotKey('soracom.getBilling', { accountId, yyyyMM: month })).catch(() => undefined);
    return (snap?.value as SoracomMonthlyBill | undefined)?.state;
  }
  const unwrap = <T>(envelope: Envelope<unknown>): T => {
    if (!envelope.ok) {
      const { code, message, ...extra } = envelope.error;
      throw new AppError(code, message, extra);
    }
    return envelope.value as T;
  };

  const handlers: HandlerTable<keyof ReviewSetResults> = {
    'reviewSet.open': async ({ libraryIds }) => open(await Promise.all(libraryIds.map(async (id) => fromLibrary(await deps.library.get(id))))),
    'reviewSet.openAccount': async ({ accountId }) => {
      const files = (await deps.library.all()).filter((f) => f.kind === 'bill-csv' && f.accountId === accountId);
      if (files.length === 0) throw new AppError('not_found', 'This account has no saved bill exports yet. Export a month’s CSV from its bills first.');
      // Newest saved first: when a month was exported twice, the later export is the one counted.
      files.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
      return open(files.map(fromLibrary));
    },
    'reviewSet.openDropped': ({ dropIds }) =>
      open(
        dropIds.map((id) => {
          const p = deps.dropped.pathOf(id);
          return { path: p, fileName: path.basename(p) };
        }),
      ),
    'reviewSet.choose': async () => {
      const request = { title: 'Open bill CSVs', filters: [{ name: 'CSV files', extensions: ['csv'] }] };
      const chosen = deps.platform.chooseFiles ? await deps.platform.chooseFiles(request) : await deps.platform.chooseFile(request).then((f) => (f === undefined ? undefined : [f]));
      if (chosen === undefined || chosen.length === 0) return null;
      return open(chosen.map((p) => ({ path: p, fileName: path.basename(p) })));
    },
    'reviewSet.summary': async ({ setId }) => {
      const set = await finished(setId);
      const m = set.model;
      const summary: ReviewSetSummary = {
        setId,
        files: m.files,
        months: m.months,
        monthTotals: m.monthTotalsList().map(formatSet),
        total: formatSet(m.total()),
        rows: m.rows,
        malformedRows: m.malformedRows,
        byItem: m.itemLines(),
        devices: m.deviceCount(),
        groupColumns: m.groupColumns,
        byGroup: m.groupLines(),
        currency: await (set.currency ??= currencyOf(set)),
        ms: Math.round(set.ms),
        notes: notesOf(m.files),
      };
      if (m.deviceColumn !== undefined) summary.deviceColumn = m.deviceColumn;
      if (m.capsReached.length > 0) summary.capsReached = [...m.capsReached];
      return summary;
    },
    'reviewSet.devices': async ({ setId, offset, limit, ...query }) => {
      const set = await finished(setId);
      try {
        const page = set.model.devicePage(deviceQueryOf(query), offset, limit);
        return { ...page, offset };
      } catch (error) {
        return monthError(error);
      }
    },
    'reviewSet.malformed': async ({ setId, offset, limit }) => {
      const m = (await finished(setId)).model;
      return { total: m.malformedRows, listed: m.malformed.length, rows: m.malformed.slice(offset, offset + limit) };
    },
    'reviewSet.saveCsv': async ({ setId, table, column, taskId, ...query }, ctx) => {
      const set = await finished(setId);
      const currency = await (set.currency ??= currencyOf(set));
      let csv: SetCsv;
      try {
        csv = setTableCsv(set.model, currency, table, column, deviceQueryOf(query));
      } catch (error) {
        return monthError(error);
      }
      // Into the account's folder when every file is that account's, else the shared one.
      const accountIds = new Set(set.sources.map((s) => s.accountId));
      const [only] = accountIds;
      const known = only !== undefined && accountIds.size === 1 && (await deps.listAccounts()).accounts.some((a) => a.id === only);
      return deps.saveTableCsv(ctx, { accountId: known ? only : undefined, title: csv.title, chunks: tableCsvChunks(csv.columns, csv.rows), taskId });
    },
    'reviewSet.compare': async ({ setId, from, to }) => {
      const set = await finished(setId);
      if (from === to) throw new AppError('validation', 'Choose two different months to compare.');
      try {
        return set.model.compare(from, to);
      } catch (error) {
        return monthError(error);
      }
    },
    'reviewSet.fetchMonths': async ({ accountId, months, taskId }, ctx) => {
      const id = taskId ?? `review-fetch-${randomBytes(6).toString('hex')}`;
      const wanted = [...new Set(months)].sort();
      const out = { libraryIds: [] as string[], fetched: [] as string[], reused: [] as string[] };
      const progress = (label: string, done: number, state: 'running' | 'done' | 'failed') =>
        ctx.events.emit('task.progress', { taskId: id, label, done, total: wanted.length, state });
      try {
        for (const [i, month] of wanted.entries()) {
          const saved = (await deps.library.all())
            .filter((f) => f.kind === 'bill-csv' && f.accountId === accountId && f.period === iso(month))
            .sort((a, b) => b.savedAt.localeCompare(a.savedAt))[0];
          // A saved export is the whole month only when it was saved after the month ended and the
          // bill is not still preliminary; else the month is exported again, as it is now.
          const stale = saved !== undefined && (Date.parse(saved.savedAt) < monthEndMs(month) || preliminaryBill(await billState(accountId, month)) !== undefined);
          if (saved && !stale) {
            out.libraryIds.push(saved.id);
            out.reused.push(month);
            progress(`${iso(month)} is already in the library (${i + 1} of ${wanted.length})`, i + 1, 'running');
            continue;
          }
          progress(`Exporting ${iso(month)}${stale ? ' again, as it is now' : ''} (${i + 1} of ${wanted.length})`, i, 'running');
          // The export's own progress reaches the caller as `<taskId>.<month>`. The export runs under
          // a short id of its own: the caller's may already take all 64 characters an export's may have.
          const exportId = `review-fetch-${createHash('sha256').update(id).digest('hex').slice(0, 16)}.${month}`;
          const relay: EventSink = {
            emit: (event, payload) => {
              const p = payload as Events['task.progress'];
              if (event === 'task.progress' && p.taskId === exportId) ctx.events.emit('task.progress', { ...p, taskId: `${id}.${month}` });
              else ctx.events.emit(event, payload);
            },
          };
          let file: SavedFile;
          try {
            const exported = unwrap<{ exportedFileId: string }>(await deps.call('soracom.exportBilling', { accountId, yyyyMM: month, taskId: exportId }, relay));
            progress(`Saving ${iso(month)} (${i + 1} of ${wanted.length})`, i, 'running');
            file = unwrap<SavedFile>(await deps.call('files.saveSoracomExport', { accountId, exportedFileId: exported.exportedFileId, yyyyMM: month }));
          } catch (error) {
            // Soracom unreachable or failing, or the save failed: the saved export is used, and the
            // review says when it was saved. A cancel stops the comparison.
            if (!saved || (error instanceof AppError && error.code === 'cancelled')) throw error;
            out.libraryIds.push(saved.id);
            out.reused.push(month);
            progress(`${iso(month)} could not be exported again; using the saved export (${i + 1} of ${wanted.length})`, i + 1, 'running');
            continue;
          }
          out.libraryIds.push(file.id);
          out.fetched.push(month);
          progress(`Saved ${iso(month)} (${i + 1} of ${wanted.length})`, i + 1, 'running');
        }
      } catch (error) {
        progress('Failed', 0, 'failed');
        throw error;
      }
      progress('Ready', wanted.length, 'done');
      return out;
    },
    'reviewSet.close': ({ setId }) => {
      const set = sets.get(setId);
      set?.close();
      return Promise.resolve({ closed: sets.delete(setId) });
    },
  };

  return {
    handlers,
    close: () => {
      for (const set of sets.values()) set.close();
      sets.clear();
    },
  };
}

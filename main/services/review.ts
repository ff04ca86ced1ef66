import os from 'node:os';
import type { Envelope } from '../../contract/errors';
import { minorDigits, type Money } from '../../contract/money';
import type { AccountList } from '../../contract/models/app';
import type { ReviewColumnTotals, ReviewOpened, ReviewReconciliation, ReviewSummary, ReviewTotal } from '../../contract/models/review';
import type { SoracomMonthlyBill } from '../../contract/models/soracom';
import { AppError } from '../http/errors';
import type { DroppedFileStore } from '../files/dropped';
import type { Platform } from '../platform';
import { SummaryCache } from '../review/cache';
import { decimalToMinor, formatScaled } from '../review/decimal';
import { ReviewFormatError, TooLargeError } from '../review/engine';
import { FileChangedError, openReviewFile, ReviewPathError, ReviewSessions, type ReviewSession, type SessionOptions } from '../review/session';
import { capNote, type FileSummary, type Total } from '../review/summarize';
import { bundledWorkerScript, inlineRunner, threadRunner, type RunnerFactory } from '../review/threads';
import type { EventSink, HandlerTable } from '../router/types';
import { snapshotKey, type SnapshotStore } from '../snapshots/store';

type ReviewChannel = 'review.choose' | 'review.openDropped' | 'review.openLibrary' | 'review.summary' | 'review.rows' | 'review.malformed' | 'review.reconcile' | 'review.close' | 'review.prepare';

export interface ReviewServiceDeps {
  platform: Pick<Platform, 'chooseFile'>;
  /** The paths behind dropped-file ids (the page never sends a path). */
  dropped: Pick<DroppedFileStore, 'pathOf'>;
  /** The path of a library file, by its id (only files the library lists). */
  libraryPath: (id: string) => Promise<string>;
  events: EventSink;
  /** The accounts, to find the Soracom ones for reconciliation. */
  listAccounts: () => Promise<AccountList>;
  /** Calls a channel through the router (the live Soracom bill, recorded like any other call). */
  call: (channel: 'soracom.getBilling', args: { accountId: string; yyyyMM: string }) => Promise<Envelope<unknown>>;
  snapshots: Pick<SnapshotStore, 'get'>;
  /** Worker threads by default (inline when the bundled worker script is missing). */
  runner?: RunnerFactory;
  workers?: number;
  log?: (line: string) => void;
  /** Where summaries of files already read are kept (in the user-data folder); none when absent. */
  cacheDir?: string;
  /** Starts the review threads ahead (see `review.prepare`); false when there are none. */
  prepare?: () => boolean;
}

/** Said with the totals of files whose names are not UTF-8: `subject` is "This file" or the files' names. */
export function notUtf8Note(subject: string, count: number): string {
  const it = count === 1 ? 'it' : 'them';
  return `${subject} ${count === 1 ? 'is' : 'are'} not UTF-8: names may be garbled; save ${it} as CSV UTF-8 and review ${it} again.`;
}

export const defaultCurrency = { code: 'JPY', source: 'default' as const, note: 'The file does not say its currency: amounts are shown in yen (JPY), the currency of Soracom Japan, until a bill for the month says otherwise.' };

function toTotal(t: Total, scale: number): ReviewTotal {
  return { key: t.key, amount: formatScaled(t.amount, scale), rows: t.rows };
}

function columnTotals(column: string, list: Total[], scale: number, top: number): ReviewColumnTotals {
  const sorted = [...list].sort((a, b) => Math.abs(b.amount) - Math.abs(a.amount) || a.key.localeCompare(b.key));
  const shown = sorted.slice(0, top);
  const out: ReviewColumnTotals = { column, top: shown.map((t) => toTotal(t, scale)), distinct: list.length };
  if (sorted.length > top) {
    let amount = 0;
    let rows = 0;
    for (const t of sorted.slice(top)) {
      amount += t.amount;
      rows += t.rows;
    }
    out.others = { values: sorted.length - top, amount: formatScaled(amount, scale), rows };
  }
  return out;
}

/** The summary the renderer sees, from the engine's result. */
export function summaryModel(session: ReviewSession, s: FileSummary, top: number): ReviewSummary {
  const { layout } = session;
  const byItem = [...s.byItem].sort((a, b) => b.amount - a.amount || a.key.localeCompare(b.key)).map((t) => toTotal(t, s.scale));
  const byDay = [...s.byDay].sort((a, b) => a.key.localeCompare(b.key)).map((t) => toTotal(t, s.scale));
  const monthlyRows = [...s.byMonthRow].sort((a, b) => a.key.localeCompare(b.key)).map((t) => toTotal(t, s.scale));
  const out: ReviewSummary = {
    sessionId: session.id,
    rows: s.rows,
    malformedRows: s.malformedCount,
    blankLines: s.blankLines,
    total: formatScaled(s.total, s.scale),
    currency: defaultCurrency,
    months: s.months,
    byItem,
    byDay,
    monthlyRows,
    byGroup: layout.groups.map((g, i) => columnTotals(layout.columns[g] ?? '', s.byGroup[i] ?? [], s.scale, top)),
    ms: Math.round(session.summaryMs ?? 0),
    workers: s.ranges.length,
    notes: s.notUtf8 ? [notUtf8Note('This file', 1)] : [],
  };
  if (s.months.length === 1 && s.months[0]) out.month = s.months[0];
  if (layout.device >= 0) out.byDevice = columnTotals(layout.columns[layout.device] ?? 'imsi', s.byDevice, s.scale, top);
  if (s.capped.length > 0) out.capsReached = s.capped.map(capNote);
  return out;
}

/** A bill with its amount: one without (Soracom may leave it out) has nothing to compare with. */
type BillWithAmount = SoracomMonthlyBill & { amount: Money };
export type MonthBillFound = { bill: BillWithAmount; source: 'live' | 'offline'; syncedAt?: string } | { message: string };

const noAmountMessage = 'Soracom’s bill for this month came without an amount, so there is nothing to compare with.';

/**
 * A Soracom account's bill of one month: fetched now (through the router, recorded like any
 * other call), else the account's last synced bill of that month; why not, when neither.
 */
export async function findMonthBill(deps: Pick<ReviewServiceDeps, 'call' | 'snapshots'>, accountId: string, month: string): Promise<MonthBillFound> {
  const withAmount = (bill: SoracomMonthlyBill): bill is BillWithAmount => bill.amount !== null;
  const live = await deps.call('soracom.getBilling', { accountId, yyyyMM: month });
  if (live.ok) {
    const bill = live.value as SoracomMonthlyBill;
    return withAmount(bill) ? { bill, source: 'live' } : { message: noAmountMessage };
  }
  const snap = await deps.snapshots.get(accountId, snapshotKey('soracom.getBilling', { accountId, yyyyMM: month }));
  if (snap) {
    const bill = snap.value as SoracomMonthlyBill;
    return withAmount(bill) ? { bill, source: 'offline', syncedAt: snap.syncedAt } : { message: noAmountMessage };
  }
  return { message: live.error.message || 'No bill for this month.' };
}

/**
 * Why a file could not be opened, in one message whatever the cause: a missing file, a link, a
 * folder, another extension and a CSV that is not a bill all read the same, and nothing of the
 * file's contents is repeated, so a page cannot learn what is on the disk by trying names.
 */
export const cannotReviewMessage = 'Billfold cannot review this file: it is not a Soracom detailed billing CSV, or it could not be read.';

function openFailure(error: unknown): never {
  if (error instanceof TooLargeError) throw new AppError('too_large', error.message);
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof ReviewPathError || error instanceof ReviewFormatError || (typeof errno === 'string' && /^E[A-Z]+$/.test(errno))) {
    throw new AppError('validation', cannotReviewMessage, { cause: error });
  }
  throw error;
}

function asAppError(error: unknown): never {
  if (error instanceof AppError) throw error;
  if (error instanceof ReviewPathError) throw new AppError('not_allowed', error.message);
  if (error instanceof ReviewFormatError) throw new AppError('validation', error.message);
  if (error instanceof FileChangedError) throw new AppError('conflict', error.message);
  if (error instanceof TooLargeError) throw new AppError('too_large', error.message);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    throw new AppError('io_error', `Billfold could not read the file (${code}).`, { cause: error });
  }
  throw error;
}

export function createReviewService(deps: ReviewServiceDeps) {
  const sessions = new ReviewSessions();
  const workers = deps.workers ?? Math.max(1, Math.min(4, os.availableParallelism()));
  let runner = deps.runner;
  if (!runner) {
    const script = bundledWorkerScript();
    if (script) runner = threadRunner(script);
    else {
      deps.log?.('[review] the worker script is missing; CSV files are summarized on the main thread.');
      runner = inlineRunner;
    }
  }
  const cache = deps.cacheDir ? new SummaryCache(deps.cacheDir) : undefined;
  const options: SessionOptions = {
    runner,
    workers,
    ...(cache ? { cache } : {}),
    onProgress: (session, bytes) =>
      deps.events.emit('task.progress', { taskId: taskIdOf(session), label: `Reading ${session.fileName}`, done: bytes, total: session.size, state: 'running' }),
  };

  const taskIdOf = (session: ReviewSession) => `review-${session.id}`;

  /**
   * Opens a file. `named`: the user named it on the command line, so any file name is read and a
   * file that cannot be reviewed says why; a page gets `cannotReviewMessage` whatever the cause.
   */
  async function open(file: string, named = false): Promise<ReviewOpened> {
    let session: ReviewSession;
    try {
      session = await openReviewFile(file, named ? { ...options, anyExtension: true } : options);
    } catch (error) {
      if (named) asAppError(error);
      openFailure(error);
    }
    sessions.add(session);
    session.summary.then(
      () => deps.events.emit('task.progress', { taskId: taskIdOf(session), label: `Read ${session.fileName}`, done: session.size, total: session.size, state: 'done' }),
      (error: unknown) =>
        error instanceof AppError && error.code === 'cancelled'
          ? deps.events.emit('task.progress', { taskId: taskIdOf(session), label: `Closed ${session.fileName}`, done: 0, total: session.size, state: 'cancelled' })
          : deps.events.emit('task.progress', { taskId: taskIdOf(session), label: `Could not read ${session.fileName}`, done: 0, total: session.size, state: 'failed' }),
    );
    const { layout } = session;
    const roles: ReviewOpened['roles'] = {
      date: layout.columns[layout.date] ?? '',
      item: layout.columns[layout.item] ?? '',
      amount: layout.columns[layout.amount] ?? '',
      groups: layout.groups.map((g) => layout.columns[g] ?? ''),
    };
    if (layout.device >= 0) roles.device = layout.columns[layout.device] ?? '';
    return {
      sessionId: session.id,
      fileName: session.fileName,
      path: session.path,
      size: session.size,
      columns: layout.columns,
      roles,
      firstRows: session.firstRows,
      firstRowsMs: Math.round(session.firstRowsMs * 10) / 10,
      taskId: taskIdOf(session),
    };
  }

  function find(sessionId: string): ReviewSession {
    const session = sessions.get(sessionId);
    if (!session) throw new AppError('not_found', 'This review is no longer open. Open the file again.');
    return session;
  }

  async function summaryOf(session: ReviewSession): Promise<FileSummary> {
    try {
      return await session.summary;
    } catch (error) {
      asAppError(error);
    }
  }

  async function reconcile(session: ReviewSession): Promise<ReviewReconciliation> {
    const summary = await summaryOf(session);
    if (summary.months.length === 0) return { reason: 'The file has no rows with a date, so its month is unknown.', matches: [], unavailable: [] };
    if (summary.months.length > 1) return { reason: `The file covers several months (${summary.months.join(', ')}); a bill covers one.`, matches: [], unavailable: [] };
    const month = summary.months[0] as string;
    const soracom = (await deps.listAccounts()).accounts.filter((a) => a.provider === 'soracom');
    if (soracom.length === 0) return { month, reason: 'There is no Soracom account in Billfold to compare with.', matches: [], unavailable: [] };
    const total = formatScaled(summary.total, summary.scale);
    const result: ReviewReconciliation = { month, matches: [], unavailable: [] };
    for (const account of soracom) {
      const found = await findMonthBill(deps, account.id, month);
      if (!('bill' in found)) {
        result.unavailable.push({ accountId: account.id, accountName: account.name, message: found.message });
        continue;
      }
      const { bill, source, syncedAt } = found;
      const currency = bill.amount.currency;
      const csv = decimalToMinor(total, minorDigits(currency));
      const match: ReviewReconciliation['matches'][number] = {
        accountId: account.id,
        accountName: account.name,
        source,
        bill: bill.amount,
        csvTotal: { minor: csv.minor, currency },
        csvRounded: !csv.exact,
        difference: { minor: csv.minor - bill.amount.minor, currency },
      };
      if (syncedAt !== undefined) match.syncedAt = syncedAt;
      if (bill.state !== undefined) match.state = bill.state;
      result.matches.push(match);
    }
    return result;
  }

  const handlers: HandlerTable<ReviewChannel> = {
    'review.choose': async () => {
      const file = await deps.platform.chooseFile({ title: 'Open a bill CSV', filters: [{ name: 'CSV files', extensions: ['csv'] }] });
      return file === undefined ? null : await open(file);
    },
    'review.openDropped': ({ dropId }) => open(deps.dropped.pathOf(dropId)),
    'review.openLibrary': async ({ id }) => open(await deps.libraryPath(id)),
    'review.summary': async ({ sessionId, top }) => {
      const session = find(sessionId);
      const summary = await summaryOf(session);
      return summaryModel(session, summary, top ?? 20);
    },
    'review.rows': async ({ sessionId, offset, limit, filter }) => {
      const session = find(sessionId);
      try {
        const filterArg = filter ? { text: filter.text, ...(filter.column !== undefined ? { column: filter.column } : {}), ...(filter.exact !== undefined ? { exact: filter.exact } : {}) } : undefined;
        const page = await session.rows(offset, limit, filterArg);
        return { total: page.total, offset, rows: page.rows };
      } catch (error) {
        asAppError(error);
      }
    },
    'review.malformed': async ({ sessionId, offset, limit }) => {
      const summary = await summaryOf(find(sessionId));
      return { total: summary.malformedCount, listed: summary.malformed.length, rows: summary.malformed.slice(offset, offset + limit) };
    },
    'review.reconcile': ({ sessionId }) => reconcile(find(sessionId)),
    'review.close': ({ sessionId }) => Promise.resolve({ closed: sessions.close(sessionId) }),
    'review.prepare': () => Promise.resolve({ threads: deps.prepare?.() ?? false }),
  };

  return {
    handlers,
    /** Closes every review; resolves once the summaries being kept in the cache are written. */
    close: async () => {
      sessions.closeAll();
      await cache?.settled();
    },
    /** The same review without the channels, for the command line: open a file by path, then its totals. */
    files: {
      open: (file: string) => open(file, true),
      summary: async (sessionId: string, top = 20): Promise<ReviewSummary> => {
        const session = find(sessionId);
        return summaryModel(session, await summaryOf(session), top);
      },
      reconcile: (sessionId: string) => reconcile(find(sessionId)),
      close: (sessionId: string) => sessions.close(sessionId),
    },
  };
}

export type ReviewFiles = ReturnType<typeof createReviewService>['files'];

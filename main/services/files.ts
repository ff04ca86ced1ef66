import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FilesResults } from '../../contract/channels/files';
import type { SettingsResults } from '../../contract/channels/settings';
import type { AccountSummary, ProviderId } from '../../contract/models/app';
import type { SavedFile, SavedFileKind } from '../../contract/models/files';
import type { AccountService } from '../accounts/service';
import type { LibraryIndex } from '../files/library-index';
import { tableCsvChunks } from '../files/csv';
import { canonical, sha256 as sha256Hex, soracomStatementData, sourceKeys } from '../files/document-source';
import { safeFileName } from '../files/safe-name';
import type { SettingsStore } from '../files/settings';
import { createTaskRegistry, type TaskRegistry } from '../files/tasks';
import { expectContent } from '../files/sniff';
import { placeFile, tempFileIn, writeNewFile } from '../files/write';
import { readHead } from '../fs/read-head';
import { makeFolder, writeFailure } from '../fs/io-errors';
import { AppError } from '../http/errors';
import type { DownloadProgress } from '../http/types';
import type { Platform } from '../platform';
import { mapBillingAccount, mapUsageRecordList } from '../providers/agilicus/map';
import { mapInvoice } from '../providers/spatialflow/map';
import { mapDailyBills, mapMonthlyBill } from '../providers/soracom/map';
import type { HandlerTable, ServiceContext } from '../router/types';
import type { DownloadedExports } from './soracom';

export interface FilesServiceDeps {
  platform: Pick<Platform, 'chooseFolder'>;
  accounts: Pick<AccountService, 'client' | 'list'>;
  library: LibraryIndex;
  settings: SettingsStore;
  soracomExports: DownloadedExports;
  /** Running tasks, shared with the Soracom export handlers so `files.cancel` reaches exports too. */
  tasks?: TaskRegistry;
  now?: () => Date;
}

const progressEveryMs = 100;
/** Agilicus answers at most this many usage records in one call. */
const usageRecordLimit = 10_000;

const month = (yyyyMM: string) => `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`;

/** A table the main process builds itself, saved as `files.saveTableCsv` saves one (see `saveTableCsv`). */
export interface TableCsvSource {
  accountId?: string | undefined;
  /** Also the start of the file name (the date is added). */
  title: string;
  /** The file's bytes a chunk at a time (`tableCsvChunks`), never whole in memory. */
  chunks: AsyncIterable<Uint8Array>;
  taskId?: string | undefined;
}

export type SaveTableCsv = (ctx: ServiceContext, table: TableCsvSource) => Promise<SavedFile>;

/**
 * Saving files: invoice PDFs, Soracom exports, tables as CSV and generated PDF statements, each
 * into the account's folder under the downloads folder, through `writeNewFile` (temporary file,
 * then a name that is never an existing file's), and into the library. Also the same table save
 * for services that build a table in the main process.
 */
export function createFilesService(deps: FilesServiceDeps): { handlers: HandlerTable<keyof FilesResults | keyof SettingsResults>; saveTableCsv: SaveTableCsv } {
  const { accounts, library, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const tasks = deps.tasks ?? createTaskRegistry();

  async function accountOf<P extends ProviderId>(accountId: string, provider?: P): Promise<AccountSummary> {
    const account = (await accounts.list()).accounts.find((a) => a.id === accountId);
    if (!account) throw new AppError('not_found', 'That account no longer exists. It may have been removed.');
    if (provider !== undefined && account.provider !== provider) throw new AppError('not_found', `That account is not a ${provider} account.`);
    return account;
  }

  /** Runs a save as a cancellable task that reports `task.progress`. */
  async function task<T>(
    ctx: ServiceContext,
    taskId: string | undefined,
    label: string,
    work: (signal: AbortSignal, progress: (p: DownloadProgress) => void) => Promise<T>,
  ): Promise<T> {
    const id = taskId ?? `save-${randomUUID()}`;
    const controller = tasks.start(id);
    let lastEmit = 0;
    const emit = (state: 'running' | 'done' | 'failed' | 'cancelled', what: string, done: number, total?: number) =>
      ctx.events.emit('task.progress', { taskId: id, label: `${label}: ${what}`, done, ...(total === undefined ? {} : { total }), state });
    emit('running', 'starting', 0);
    try {
      if (controller.signal.aborted) throw new AppError('cancelled', 'The save was cancelled.');
      const result = await work(controller.signal, (p) => {
        const t = Date.now();
        if (t - lastEmit < progressEveryMs) return;
        lastEmit = t;
        emit('running', 'downloading', p.receivedBytes, p.totalBytes);
      });
      // The work returned: the file is on disk and in the library, so a cancel that came too late
      // must not report it as not saved.
      emit('done', 'saved', 1, 1);
      return result;
    } catch (error) {
      const cancelled = controller.signal.aborted || (error instanceof AppError && error.code === 'cancelled');
      emit(cancelled ? 'cancelled' : 'failed', cancelled ? 'cancelled' : 'failed', 0);
      if (cancelled && !(error instanceof AppError && error.code === 'cancelled')) throw new AppError('cancelled', 'The save was cancelled.');
      throw error;
    } finally {
      tasks.finish(id, controller);
    }
  }

  /** Writes the bytes into the account's folder (or the shared one) and adds them to the library. */
  async function store(
    account: AccountSummary | undefined,
    fileName: string,
    bytes: Uint8Array | AsyncIterable<Uint8Array> | { temp: string; dir: string },
    meta: { kind: SavedFileKind; period?: string; formulas?: boolean; source?: { key: string; hash: string }; sha256?: string },
    signal?: AbortSignal,
  ): Promise<SavedFile> {
    const sha256 = meta.sha256 ?? (await sha256Of(bytes));
    const same = await sameSaved(account, { ...meta, ...(sha256 === undefined ? {} : { sha256 }) });
    if (same) {
      if (!(bytes instanceof Uint8Array) && 'temp' in bytes) await fs.rm(bytes.temp, { force: true }).catch(() => undefined);
      return same;
    }
    let saved: SavedFile | undefined;
    // Recorded in the library before the write lets go of its temporary file; if the library
    // cannot be written (a full or read-only disk), the save fails and leaves no file behind.
    const record = async (written: { path: string; fileName: string; size: number }) => {
      const entry: Omit<SavedFile, 'id'> = { kind: meta.kind, fileName: written.fileName, path: written.path, size: written.size, savedAt: now().toISOString() };
      if (sha256 !== undefined) entry.sha256 = sha256;
      if (account) {
        entry.accountId = account.id;
        entry.accountName = account.name;
      }
      if (meta.period !== undefined) entry.period = meta.period;
      if (meta.formulas) entry.formulas = true;
      if (account && meta.source) entry.source = meta.source;
      saved = await library.add(entry);
    };
    if (!(bytes instanceof Uint8Array) && 'temp' in bytes) {
      // Already downloaded into the folder under a temporary name: moved into place.
      await placeFile(bytes.temp, bytes.dir, fileName, { record });
      return saved as SavedFile;
    }
    await writeNewFile(await folderOf(account), fileName, bytes, { ...(signal ? { signal } : {}), record });
    return saved as SavedFile;
  }

  /**
   * The same document already in the Library, to answer with rather than write "name (2)": the
   * same provider document with the same data (a statement made again differs only in the date
   * it carries), or the same bytes. A lookup only: a library that cannot be read lets the save
   * say what fails.
   */
  async function sameSaved(
    account: AccountSummary | undefined,
    meta: { kind: SavedFileKind; period?: string; source?: { key: string; hash: string }; sha256?: string },
  ): Promise<SavedFile | undefined> {
    const bySource = account && meta.source ? await library.findSource(account.id, meta.source).catch(() => undefined) : undefined;
    const same =
      bySource ??
      (meta.sha256 === undefined
        ? undefined
        : (await library.all().catch(() => [])).find((f) => f.sha256 === meta.sha256 && f.kind === meta.kind && f.accountId === account?.id && f.period === meta.period));
    return same && { ...same, alreadySaved: true };
  }

  /** `billing-detail-202611.csv` → `billing-detail-202611 so far 2026-11-29 00.13 UTC.csv`. */
  const soFarName = (fileName: string) => {
    const at = now().toISOString();
    return safeFileName(`${fileName.replace(/\.csv$/i, '')} so far ${at.slice(0, 10)} ${at.slice(11, 13)}.${at.slice(14, 16)} UTC`, '.csv');
  };

  /** SHA-256 of what is saved, when it can be read without consuming it (not a one-pass stream). */
  async function sha256Of(bytes: Uint8Array | AsyncIterable<Uint8Array> | { temp: string; dir: string }): Promise<string | undefined> {
    if (bytes instanceof Uint8Array) return createHash('sha256').update(bytes).digest('hex');
    if (!('temp' in bytes)) return undefined;
    return sha256OfFile(bytes.temp);
  }

  async function sha256OfFile(file: string): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }

  async function folderOf(account: AccountSummary | undefined): Promise<string> {
    const { downloadsFolder } = await settings.get();
    return library.folderFor(downloadsFolder, account ? { id: account.id, name: account.name } : undefined);
  }

  async function chooseFolder(folder: string) {
    if (!path.isAbsolute(folder)) throw new AppError('invalid_args', 'Choose a folder with a full path.');
    try {
      await makeFolder(folder);
      await fs.access(folder, fs.constants.W_OK);
    } catch (error) {
      throw writeFailure(error, 'save files there', folder);
    }
    return settings.setDownloadsFolder(folder);
  }

  const tableFileName = (title: string) => {
    const date = now().toISOString().slice(0, 10);
    return safeFileName(`${title} ${date}`, '.csv', `Table ${date}`);
  };

  const saveTableCsv: SaveTableCsv = async (ctx, { accountId, title, chunks, taskId }) => {
    const account = accountId === undefined ? undefined : await accountOf(accountId);
    return task(ctx, taskId, title, async (signal, progress) => {
      let written = 0;
      async function* counted() {
        for await (const chunk of chunks) {
          if (signal.aborted) throw new AppError('cancelled', 'The save was cancelled.');
          written += chunk.byteLength;
          progress({ receivedBytes: written });
          yield chunk;
        }
      }
      return store(account, tableFileName(title), counted(), { kind: 'table-csv' }, signal);
    });
  };

  const handlers: HandlerTable<keyof FilesResults | keyof SettingsResults> = {
    'files.saveInvoicePdf': async ({ accountId, invoiceId, taskId }, ctx) => {
      const account = await accountOf(accountId, 'spatialflow');
      return task(ctx, taskId, `Invoice ${invoiceId}`, async (signal, onProgress) => {
        const client = await accounts.client('spatialflow', accountId);
        // Streamed into the account's folder under a temporary name as it arrives, checked, then
        // moved into place; a failed or cancelled download leaves nothing behind.
        const dir = await folderOf(account);
        const temp = tempFileIn(dir);
        try {
          // The invoice gives the billing period the Library shows (its month, as a download of everything records it).
          const [pdf, invoice] = await Promise.all([
            client.fetchInvoicePdf(invoiceId, { signal, onProgress, toFile: temp }),
            client.getInvoice(invoiceId, { signal }).then(mapInvoice, () => undefined),
          ]);
          expectContent(await readHead(temp, 1025), 'pdf', 'The invoice file from SpatialFlow');
          const fileName = safeFileName(pdf.suggestedName ?? `Invoice ${invoiceId}`, '.pdf', `Invoice ${invoiceId}`);
          if (signal.aborted) throw new AppError('cancelled', 'The download was cancelled.');
          const hash = await sha256OfFile(temp);
          const meta = { kind: 'invoice-pdf' as const, source: { key: sourceKeys.spatialflowInvoice(invoiceId), hash }, sha256: hash };
          return await store(account, fileName, { temp, dir }, invoice ? { ...meta, period: invoice.periodStart.slice(0, 7) } : meta, signal);
        } catch (error) {
          await fs.rm(temp, { force: true }).catch(() => undefined);
          throw writeFailure(error, 'save the invoice', dir);
        }
      });
    },

    'files.saveSoracomExport': async ({ accountId, exportedFileId, yyyyMM }, ctx) => {
      const account = await accountOf(accountId, 'soracom');
      const held = deps.soracomExports.get(exportedFileId, accountId);
      if (!held) throw new AppError('not_found', 'That export is no longer held in memory. Export the month again, then save it.');
      const which = yyyyMM ?? (held.yyyyMM === 'latest' ? undefined : held.yyyyMM);
      const period = which === undefined ? month(now().toISOString().slice(0, 7).replace('-', '')) : month(which);
      return task(ctx, undefined, `Soracom billing CSV (${period})`, async (signal) => {
        expectContent(await readHead(held.file, 1025).catch(() => new Uint8Array()), 'csv', 'The export Soracom sent');
        const fileName = safeFileName(held.suggestedName ?? `Soracom billing ${period}`, '.csv', `Soracom billing ${period}`);
        // Saved byte for byte, formulas and all (it is Soracom's record), but marked so Open asks first;
        // copied from the downloaded file a chunk at a time, never whole in memory.
        const { csvFileHasFormulas } = await import('../files/csv');
        const formulas = await csvFileHasFormulas(held.file);
        const hash = await sha256OfFile(held.file);
        const source = { key: sourceKeys.soracomBillCsv(period.replace('-', '')), hash };
        const already = await sameSaved(account, { kind: 'bill-csv', period, source, sha256: hash });
        if (already) return already;
        // The month so far changes as the month goes on: a new version is kept beside the earlier
        // one and says in its name what it is, rather than being "(2)".
        const earlier = which === undefined && (await library.all().catch(() => [])).some((f) => f.kind === 'bill-csv' && f.accountId === account.id && f.period === period);
        const name = earlier ? soFarName(fileName) : fileName;
        return store(account, name, createReadStream(held.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>, { kind: 'bill-csv', period, formulas, source, sha256: hash }, signal);
      });
    },

    'files.saveTableCsv': ({ accountId, title, columns, rows }, ctx) => saveTableCsv(ctx, { accountId, title, chunks: tableCsvChunks(columns, rows) }),

    'files.saveSoracomStatement': async ({ accountId, yyyyMM, taskId }, ctx) => {
      const account = await accountOf(accountId, 'soracom');
      return task(ctx, taskId, `Soracom statement (${month(yyyyMM)})`, async (signal) => {
        const client = await accounts.client('soracom', accountId);
        const [bill, daily] = await Promise.all([client.getBilling(yyyyMM, { signal }), client.getBillingPerDay(yyyyMM, { signal })]);
        const [{ soracomStatement }, { renderPdf }] = await Promise.all([import('../files/statements'), import('../files/pdf')]);
        const monthly = mapMonthlyBill(bill, client.defaultCurrency, yyyyMM);
        const dailyBills = mapDailyBills(yyyyMM, daily, client.defaultCurrency);
        const bytes = await renderPdf(soracomStatement({ accountName: account.name, yyyyMM, bill: monthly, daily: dailyBills, generatedAt: now() }));
        expectContent(bytes, 'pdf', 'The generated statement');
        const source = { key: sourceKeys.soracomStatement(yyyyMM), hash: sha256Hex(soracomStatementData(monthly, dailyBills)) };
        return store(account, safeFileName(`Soracom statement ${month(yyyyMM)}`, '.pdf'), bytes, { kind: 'statement-pdf', period: month(yyyyMM), source }, signal);
      });
    },

    'files.saveAgilicusUsageStatement': async ({ accountId, billingAccountId, taskId }, ctx) => {
      const account = await accountOf(accountId, 'agilicus');
      return task(ctx, taskId, `Agilicus usage statement (${billingAccountId})`, async (signal) => {
        const client = await accounts.client('agilicus', accountId);
        const [ba, usage] = await Promise.all([
          client.getBillingAccount(billingAccountId, { getCustomerData: true, getSubscriptionData: true }, { signal }),
          client.getUsageRecords(billingAccountId, { limit: usageRecordLimit }, { signal }),
        ]);
        const billingAccount = mapBillingAccount(ba);
        const records = mapUsageRecordList(usage);
        const [{ agilicusUsageStatement }, { renderPdf }] = await Promise.all([import('../files/statements'), import('../files/pdf')]);
        const bytes = await renderPdf(agilicusUsageStatement({ accountName: account.name, billingAccount, usage: records, generatedAt: now() }));
        expectContent(bytes, 'pdf', 'The generated statement');
        const dates = records.records.map((r) => r.date).filter((d): d is string => d !== null).sort();
        const period = dates.length > 0 ? `${dates[0]} to ${dates[dates.length - 1]}` : billingAccountId;
        const who = billingAccount.customer?.name ?? billingAccount.customerId ?? billingAccountId;
        const fileName = safeFileName(`Agilicus usage statement ${who} ${now().toISOString().slice(0, 10)}`, '.pdf', 'Agilicus usage statement');
        const data = canonical({ billingAccount: billingAccountId, customer: billingAccount.customer?.name ?? billingAccount.customerId, records: records.records });
        const source = { key: sourceKeys.agilicusUsageStatementAll(billingAccountId), hash: sha256Hex(data) };
        return store(account, fileName, bytes, { kind: 'statement-pdf', period, source }, signal);
      });
    },

    'files.cancel': ({ taskId }) => Promise.resolve({ cancelled: tasks.cancel(taskId) }),

    'settings.get': () => settings.get(),

    'settings.chooseDownloadsFolder': async () => {
      const current = await settings.get();
      const chosen = await deps.platform.chooseFolder({ title: 'Choose where Billfold saves files', defaultPath: current.downloadsFolder });
      return chosen === undefined ? current : chooseFolder(chosen);
    },

    'settings.resetDownloadsFolder': () => settings.setDownloadsFolder(undefined),
  };
  return { handlers, saveTableCsv };
}

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import type { DownloadResults } from '../../contract/channels/download';
import type { AccountSummary, ProviderId } from '../../contract/models/app';
import type { AgilicusBillingAccount, AgilicusUsageRecord } from '../../contract/models/agilicus';
import type { ArchiveDocumentKind, DownloadItem, DownloadRequest, DownloadSummary } from '../../contract/models/download';
import type { SavedFile, SavedFileKind } from '../../contract/models/files';
import type { AccountService } from '../accounts/service';
import type { DownloadJournal } from '../files/download-journal';
import type { LibraryIndex } from '../files/library-index';
import { createProviderGate, type ProviderGate } from '../files/provider-gate';
import { safeFileName } from '../files/safe-name';
import type { SettingsStore } from '../files/settings';
import { expectContent } from '../files/sniff';
import type { TaskRegistry } from '../files/tasks';
import { placeFile, tempFileIn, writeNewFile, type WrittenFile } from '../files/write';
import { csvFileHasFormulas } from '../files/csv';
import { canonical, sha256, soracomStatementData, sourceKeys } from '../files/document-source';
import { isFileSystemError, writeFailure } from '../fs/io-errors';
import { readHead } from '../fs/read-head';
import { AppError } from '../http/errors';
import { mapBillingAccount, mapBillingAccountList, mapUsageRecordList } from '../providers/agilicus/map';
import { mapBillingHistory, mapDailyBills, mapMonthlyBill } from '../providers/soracom/map';
import { mapInvoice } from '../providers/spatialflow/map';
import type { HandlerTable, ServiceContext } from '../router/types';

/**
 * "Download everything": every document of a period from one account or all of them, into the
 * library. Each document has a stable key (its provider document) and a hash of what the
 * provider sent; one already in the library with both is skipped, so a run never duplicates a
 * file. A journal in the user-data folder lets an interrupted run go on where it stopped.
 */

export interface DownloadServiceDeps {
  accounts: Pick<AccountService, 'client' | 'list'>;
  library: LibraryIndex;
  settings: SettingsStore;
  tasks: TaskRegistry;
  journal: DownloadJournal;
  /** Requests at once per provider (across its accounts). */
  limits?: Partial<Record<ProviderId, number>>;
  /** Soracom export polling, shortened in tests. */
  exportPoll?: { pollIntervalMs?: number; maxPollIntervalMs?: number; timeoutMs?: number };
  now?: () => Date;
}

const defaultLimits: Record<ProviderId, number> = { spatialflow: 3, agilicus: 2, soracom: 3 };
/** Soracom prepares an export in a few seconds: polled sooner than a single export in the window is. */
const defaultExportPoll = { pollIntervalMs: 1_000, maxPollIntervalMs: 5_000 };
const progressEveryMs = 100;
const usageRecordLimit = 10_000;
/** Agilicus lists billing accounts without a cursor (500 by default): one answer must hold them all. */
const billingAccountLimit = 10_000;

/**
 * What fetching a document gave: its hash, then its content. A provider's file is already on disk,
 * streamed into a temporary file of the account's folder; a statement Billfold makes is made only
 * if it is not already saved.
 */
interface Fetched {
  hash: string;
  received: number;
  fileName: string;
  kind: SavedFileKind;
  content: { temp: string; sha256: string } | { make: () => Promise<Uint8Array> };
}

interface Planned {
  item: Omit<DownloadItem, 'state'>;
  /** The provider document's key, the same for every account (the account is kept beside it). */
  source: string;
  /** `temp` is a new temporary file name in the account's folder, for a document that is downloaded. */
  fetch: (signal: AbortSignal, onBytes: (received: number) => void, temp: string) => Promise<Fetched>;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
const toMonth = (yyyyMM: string) => `${yyyyMM.slice(0, 4)}-${yyyyMM.slice(4, 6)}`;
const inPeriod = (month: string, r: DownloadRequest) => month >= r.from && month <= r.to;

function reasonOf(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

export function createDownloadService(deps: DownloadServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const limits = { ...defaultLimits, ...deps.limits };
  let running: string | undefined;

  function itemBase(account: AccountSummary, source: string, kind: ArchiveDocumentKind, period: string, label: string): Omit<DownloadItem, 'state'> {
    return { key: `${account.id}/${source}`, accountId: account.id, accountName: account.name, provider: account.provider, kind, period, label };
  }

  async function planSpatialFlow(account: AccountSummary, request: DownloadRequest, signal: AbortSignal): Promise<Planned[]> {
    const client = await deps.accounts.client('spatialflow', account.id);
    const planned: Planned[] = [];
    for await (const page of client.iterateInvoices({ signal })) {
      for (const raw of page) {
        const invoice = mapInvoice(raw);
        const month = invoice.periodStart.slice(0, 7);
        if (!invoice.hasPdf || !inPeriod(month, request)) continue;
        const source = sourceKeys.spatialflowInvoice(invoice.id);
        planned.push({
          item: itemBase(account, source, 'spatialflow-invoice-pdf', month, `Invoice ${invoice.number || invoice.id}`),
          source,
          fetch: async (sig, onBytes, temp) => {
            const pdf = await client.fetchInvoicePdf(invoice.id, { signal: sig, onProgress: (p) => onBytes(p.receivedBytes), toFile: temp });
            expectContent(await readHead(temp, 1025), 'pdf', 'The invoice file from SpatialFlow');
            const hash = await sha256OfFile(temp);
            return {
              hash,
              received: pdf.size,
              fileName: safeFileName(pdf.suggestedName ?? `Invoice ${invoice.number || invoice.id}`, '.pdf', `Invoice ${invoice.id}`),
              kind: 'invoice-pdf',
              content: { temp, sha256: hash },
            };
          },
        });
      }
    }
    return planned;
  }

  async function planSoracom(account: AccountSummary, request: DownloadRequest, signal: AbortSignal): Promise<Planned[]> {
    const client = await deps.accounts.client('soracom', account.id);
    const history = mapBillingHistory(await client.getBillingHistory({ signal }), client.defaultCurrency);
    const planned: Planned[] = [];
    for (const bill of [...history.bills].sort((a, b) => a.yearMonth.localeCompare(b.yearMonth))) {
      const yyyyMM = bill.yearMonth;
      const month = toMonth(yyyyMM);
      if (!inPeriod(month, request)) continue;
      const csvSource = sourceKeys.soracomBillCsv(yyyyMM);
      planned.push({
        item: itemBase(account, csvSource, 'soracom-bill-csv', month, `Soracom billing CSV ${month}`),
        source: csvSource,
        fetch: async (sig, onBytes, temp) => {
          const started = await client.exportBilling(yyyyMM, { mode: 'async', signal: sig });
          let url = started.url;
          if (started.exportedFileId !== undefined) ({ url } = await client.waitForExport(started.exportedFileId, { ...defaultExportPoll, ...deps.exportPoll, signal: sig }));
          if (url === undefined) throw new AppError('invalid_response', 'Soracom started the export but sent neither an id nor a URL.');
          const file = await client.downloadExport(url, { signal: sig, onProgress: (p) => onBytes(p.receivedBytes), toFile: temp });
          expectContent(await readHead(temp, 1025), 'csv', 'The export Soracom sent');
          const hash = await sha256OfFile(temp);
          return {
            hash,
            received: file.size,
            fileName: safeFileName(file.suggestedName ?? `Soracom billing ${month}`, '.csv', `Soracom billing ${month}`),
            kind: 'bill-csv',
            content: { temp, sha256: hash },
          };
        },
      });
      const statementSource = sourceKeys.soracomStatement(yyyyMM);
      planned.push({
        item: itemBase(account, statementSource, 'soracom-statement-pdf', month, `Soracom statement ${month}`),
        source: statementSource,
        fetch: async (sig) => {
          const [rawBill, rawDaily] = await Promise.all([client.getBilling(yyyyMM, { signal: sig }), client.getBillingPerDay(yyyyMM, { signal: sig })]);
          const monthly = mapMonthlyBill(rawBill, client.defaultCurrency, yyyyMM);
          const daily = mapDailyBills(yyyyMM, rawDaily, client.defaultCurrency);
          const data = soracomStatementData(monthly, daily);
          return {
            // A statement is made by Billfold: its hash is the hash of the provider data it shows.
            hash: sha256(data),
            received: Buffer.byteLength(data),
            fileName: safeFileName(`Soracom statement ${month}`, '.pdf'),
            kind: 'statement-pdf',
            content: { make: async () => {
              const [{ soracomStatement }, { renderPdf }] = await Promise.all([import('../files/statements'), import('../files/pdf')]);
              const pdf = await renderPdf(soracomStatement({ accountName: account.name, yyyyMM, bill: monthly, daily, generatedAt: now() }));
              expectContent(pdf, 'pdf', 'The generated statement');
              return pdf;
            } },
          };
        },
      });
    }
    return planned;
  }

  async function planAgilicus(account: AccountSummary, request: DownloadRequest, signal: AbortSignal, gate: ProviderGate, incomplete: (message: string) => void): Promise<Planned[]> {
    const client = await deps.accounts.client('agilicus', account.id);
    const list = mapBillingAccountList(await client.listBillingAccounts({ limit: billingAccountLimit }, { signal }));
    if (list.mayBeTruncated) incomplete(`Agilicus listed only the first ${list.limit} billing accounts, the most it answers at once: the usage statements of any others were not downloaded.`);
    const planned: Planned[] = [];
    for (const listed of list.accounts) {
      const usage = mapUsageRecordList(await gate.run(() => client.getUsageRecords(listed.id, { limit: usageRecordLimit }, { signal }), signal));
      const byMonth = new Map<string, AgilicusUsageRecord[]>();
      for (const record of usage.records) {
        const month = record.date?.slice(0, 7);
        if (month === undefined || !inPeriod(month, request)) continue;
        byMonth.set(month, [...(byMonth.get(month) ?? []), record]);
      }
      let details: Promise<AgilicusBillingAccount> | undefined;
      for (const [month, records] of [...byMonth].sort(([a], [b]) => a.localeCompare(b))) {
        const source = sourceKeys.agilicusUsageStatement(listed.id, month);
        planned.push({
          item: itemBase(account, source, 'agilicus-usage-statement-pdf', month, `Agilicus usage statement ${listed.id} ${month}`),
          source,
          fetch: async (sig) => {
            details ??= client
              .getBillingAccount(listed.id, { getCustomerData: true, getSubscriptionData: true }, { signal: sig })
              .then(mapBillingAccount)
              .catch((error: unknown) => {
                details = undefined;
                throw error;
              });
            const billingAccount = await details;
            const monthUsage = { limit: usage.limit, mayBeTruncated: usage.mayBeTruncated, records, totalQuantity: records.reduce((sum, r) => sum + (r.quantity ?? 0), 0) };
            // The usage is what the statement is about: the billing account's own timestamps
            // (created, updated) do not make it a new document.
            const data = canonical({ billingAccount: listed.id, customer: billingAccount.customer?.name ?? billingAccount.customerId, records });
            const who = billingAccount.customer?.name ?? billingAccount.customerId ?? listed.id;
            return {
              hash: sha256(data),
              received: Buffer.byteLength(data),
              fileName: safeFileName(`Agilicus usage statement ${who} ${month}`, '.pdf', 'Agilicus usage statement'),
              kind: 'statement-pdf',
              content: { make: async () => {
                const [{ agilicusUsageStatement }, { renderPdf }] = await Promise.all([import('../files/statements'), import('../files/pdf')]);
                const pdf = await renderPdf(agilicusUsageStatement({ accountName: account.name, billingAccount, usage: monthUsage, generatedAt: now() }));
                expectContent(pdf, 'pdf', 'The generated statement');
                return pdf;
              } },
            };
          },
        });
      }
    }
    return planned;
  }

  /** `incomplete` is told when the provider's list of documents may leave some out. */
  function plan(account: AccountSummary, request: DownloadRequest, signal: AbortSignal, gate: ProviderGate, incomplete: (message: string) => void): Promise<Planned[]> {
    switch (account.provider) {
      case 'spatialflow':
        return gate.run(() => planSpatialFlow(account, request, signal), signal);
      case 'soracom':
        return gate.run(() => planSoracom(account, request, signal), signal);
      case 'agilicus':
        return planAgilicus(account, request, signal, gate, incomplete);
    }
  }

  async function folderOf(account: AccountSummary): Promise<string> {
    const { downloadsFolder } = await deps.settings.get();
    return deps.library.folderFor(downloadsFolder, { id: account.id, name: account.name });
  }

  /**
   * The document as the library may already hold it without knowing its provider document: saved
   * from the window (the same bytes), or left by a run that was stopped between writing the file
   * and recording it (the document's own name, no hash, no source). It is given the source, so it is
   * skipped from now on instead of being saved a second time.
   */
  async function alreadyThere(account: AccountSummary, fetched: Fetched, source: string, period: string | undefined): Promise<SavedFile | undefined> {
    const there = await deps.library.findSource(account.id, { key: source, hash: fetched.hash });
    if (there) return there;
    const sha = 'temp' in fetched.content ? fetched.content.sha256 : undefined;
    const mine = (await deps.library.all()).filter((f) => f.accountId === account.id && f.kind === fetched.kind && f.source === undefined);
    const same =
      mine.find((f) => sha !== undefined && f.sha256 === sha) ??
      mine.find((f) => f.sha256 === undefined && f.fileName === fetched.fileName) ??
      // A statement saved from the window before saves were given their source: the month's
      // statement under its own name, whatever its bytes (each PDF carries the time it was made).
      ('make' in fetched.content && period !== undefined ? mine.find((f) => f.period === period && f.fileName === fetched.fileName) : undefined);
    if (!same) return undefined;
    const { id: _id, ...entry } = same;
    // A file left unrecorded has no hash yet: it gets the hash of what is on disk.
    const contentHash = same.sha256 ?? (await sha256OfFile(same.path));
    return deps.library.add({ ...entry, ...(period === undefined ? {} : { period }), sha256: contentHash, source: { key: source, hash: fetched.hash } });
  }

  async function store(account: AccountSummary, fetched: Fetched, source: string, period: string | undefined, signal: AbortSignal): Promise<SavedFile> {
    const dir = await folderOf(account);
    let saved: SavedFile | undefined;
    let contentHash = 'temp' in fetched.content ? fetched.content.sha256 : undefined;
    const formulas = fetched.kind === 'bill-csv' && 'temp' in fetched.content ? await csvFileHasFormulas(fetched.content.temp) : false;
    // Recorded in the library while the temporary file still exists: a run stopped half-way leaves
    // either a recorded file or one the next start-up finds and adopts, never an unknown one.
    const record = async (written: WrittenFile) => {
      const entry: Omit<SavedFile, 'id'> = {
        kind: fetched.kind,
        accountId: account.id,
        accountName: account.name,
        fileName: written.fileName,
        path: written.path,
        size: written.size,
        savedAt: now().toISOString(),
        source: { key: source, hash: fetched.hash },
      };
      if (contentHash !== undefined) entry.sha256 = contentHash;
      if (period !== undefined) entry.period = period;
      if (formulas) entry.formulas = true;
      saved = await deps.library.add(entry);
    };
    if ('temp' in fetched.content) {
      await placeFile(fetched.content.temp, dir, fetched.fileName, { record });
    } else {
      const bytes = await fetched.content.make();
      contentHash = sha256(bytes);
      await writeNewFile(dir, fetched.fileName, bytes, { signal, record });
    }
    return saved as SavedFile;
  }

  async function everything(request: { from: string; to: string; accountId?: string | undefined; taskId?: string | undefined }, ctx: ServiceContext): Promise<DownloadSummary> {
    if (running !== undefined) throw new AppError('conflict', 'A download of everything is already running. Wait for it, or cancel it first.');
    const taskId = request.taskId ?? `download-${randomUUID()}`;
    running = taskId;
    try {
      return await run(request, taskId, ctx);
    } finally {
      running = undefined;
    }
  }

  async function run(request: { from: string; to: string; accountId?: string | undefined }, taskId: string, ctx: ServiceContext): Promise<DownloadSummary> {
    const wanted: DownloadRequest = { from: request.from, to: request.to, ...(request.accountId === undefined ? {} : { accountId: request.accountId }) };
    const all = (await deps.accounts.list()).accounts;
    const accounts = wanted.accountId === undefined ? all : all.filter((a) => a.id === wanted.accountId);
    if (wanted.accountId !== undefined && accounts.length === 0) throw new AppError('not_found', 'That account no longer exists. It may have been removed.');

    const controller = deps.tasks.start(taskId);
    // Every waiting document listens for a cancel on the same signal.
    setMaxListeners(0, controller.signal);
    const { signal } = controller;
    const items: DownloadItem[] = [];
    const inFlight = new Map<string, number>();
    let bytesDone = 0;
    let total = 0;
    let lastEmit = 0;
    const counts = () => ({
      fetched: items.filter((i) => i.state === 'fetched').length,
      skipped: items.filter((i) => i.state === 'skipped').length,
      failed: items.filter((i) => i.state === 'failed').length,
    });
    const bytesNow = () => bytesDone + [...inFlight.values()].reduce((a, b) => a + b, 0);
    const emit = (state: 'running' | 'done' | 'failed' | 'cancelled', force = false) => {
      const t = Date.now();
      if (!force && t - lastEmit < progressEveryMs) return;
      lastEmit = t;
      const c = counts();
      const done = c.fetched + c.skipped + c.failed;
      const mb = (bytesNow() / (1024 * 1024)).toFixed(1);
      const label =
        state === 'running'
          ? `Downloading everything: ${done} of ${total || '…'} documents, ${mb} MB`
          : `Download ${state === 'done' ? 'finished' : state}: ${c.fetched} fetched, ${c.skipped} already saved, ${c.failed} failed`;
      ctx.events.emit('task.progress', { taskId, label, done, total, bytes: bytesNow(), state });
    };

    try {
      const begun = await deps.journal.begin(wanted, now());
      emit('running', true);
      const gates = new Map<ProviderId, ProviderGate>();
      const gateFor = (p: ProviderId) => {
        let gate = gates.get(p);
        if (!gate) gates.set(p, (gate = createProviderGate({ limit: limits[p] })));
        return gate;
      };

      const planned: Planned[] = [];
      await Promise.all(
        accounts.map(async (account) => {
          const incomplete = (message: string) => {
            items.push({ key: `${account.id}/listing-incomplete`, accountId: account.id, accountName: account.name, provider: account.provider, kind: 'listing', label: `The list of documents of ${account.name}`, state: 'failed', reason: { code: 'incomplete', message } });
          };
          try {
            planned.push(...(await plan(account, wanted, signal, gateFor(account.provider), incomplete)));
          } catch (error) {
            if (signal.aborted) return;
            items.push({ key: `${account.id}/listing`, accountId: account.id, accountName: account.name, provider: account.provider, kind: 'listing', label: `The documents of ${account.name}`, state: 'failed', reason: reasonOf(error) });
          }
        }),
      );
      total = planned.length + items.length;
      await deps.journal.setPlanned(planned.length);
      emit('running', true);

      await Promise.all(
        planned.map(async (p) => {
          const account = accounts.find((a) => a.id === p.item.accountId) as AccountSummary;
          const earlier = begun.done.get(p.item.key);
          if (earlier) {
            // Saved before the interruption: counted as already there, not fetched again.
            items.push({ ...earlier, state: 'skipped', reason: { code: 'already_saved', message: `Saved before the download was interrupted${earlier.fileName ? `, as ${earlier.fileName}` : ''}.` } });
            emit('running');
            return;
          }
          if (signal.aborted) {
            items.push({ ...p.item, state: 'cancelled' });
            return;
          }
          let result: DownloadItem;
          let temp: string | undefined;
          try {
            result = await gateFor(p.item.provider).run(async () => {
              const dir = await folderOf(account);
              temp = tempFileIn(dir);
              const fetched = await p
                .fetch(signal, (received) => {
                  inFlight.set(p.item.key, received);
                  emit('running');
                }, temp)
                // A provider's file that did not fit on the disk is the disk's failure, said as every save
                // says it; any other failure (the provider's, or the program's) is said as what it is.
                .catch((error: unknown) => {
                  throw isFileSystemError(error) ? writeFailure(error, `save ${p.item.label}`, dir) : error;
                });
              inFlight.delete(p.item.key);
              bytesDone += fetched.received;
              const there = await alreadyThere(account, fetched, p.source, p.item.period);
              if (there) {
                return { ...p.item, state: 'skipped', fileId: there.id, fileName: there.fileName, path: there.path, bytes: fetched.received, reason: { code: 'already_saved', message: `Already in the library as ${there.fileName}.` } };
              }
              const saved = await store(account, fetched, p.source, p.item.period, signal);
              return { ...p.item, state: 'fetched', fileId: saved.id, fileName: saved.fileName, path: saved.path, bytes: fetched.received };
            }, signal);
          } catch (error) {
            inFlight.delete(p.item.key);
            result = signal.aborted ? { ...p.item, state: 'cancelled' } : { ...p.item, state: 'failed', reason: reasonOf(error) };
          } finally {
            // Whatever was not moved into place (skipped, failed, cancelled) goes.
            if (temp !== undefined) await fs.rm(temp, { force: true }).catch(() => undefined);
          }
          items.push(result);
          if (result.state !== 'cancelled') await deps.journal.record(result);
          emit('running');
        }),
      );

      const c = counts();
      const cancelled = signal.aborted;
      // A run with failures stays resumable: resuming tries only what failed.
      if (!cancelled && c.failed === 0) await deps.journal.finish();
      emit(cancelled ? 'cancelled' : c.failed > 0 ? 'failed' : 'done', true);
      const order = new Map(planned.map((p, i) => [p.item.key, i]));
      items.sort((a, b) => (order.get(a.key) ?? -1) - (order.get(b.key) ?? -1));
      const { downloadsFolder: folder } = await deps.settings.get();
      return { ...wanted, taskId, resumed: begun.resumed, cancelled, ...c, bytes: bytesNow(), folder, items };
    } catch (error) {
      emit(signal.aborted ? 'cancelled' : 'failed', true);
      throw error;
    } finally {
      deps.tasks.finish(taskId, controller);
    }
  }

  const handlers: HandlerTable<keyof DownloadResults> = {
    'download.everything': (args, ctx) => everything(args, ctx),
    'download.unfinished': () => deps.journal.unfinished(),
  };
  return { handlers };
}

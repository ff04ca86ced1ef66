import os from 'node:os';
import path from 'node:path';
import type { Channel } from '../contract';
import type { EventMessage } from '../contract/events';
import { providerConnectors } from './accounts/connectors';
import { keytarSecretStore, type SecretStore } from './accounts/keychain';
import { createRegistry } from './accounts/registry';
import { accountLevelFailures, createAccountService, credentialFailures, type AccountService, type DemoEndpoints } from './accounts/service';
import { createDemoSandboxes } from './demo';
import { AppError } from './http/errors';
import type { Platform } from './platform';
import { createRouter, type HandlerMap, type Router } from './router/router';
import { scrubErrorInfo, scrubText, secretValuesOf } from './security/scrub';
import type { EventSink, Handler, HandlerTable } from './router/types';
import { isReadChannel } from '../contract/channels/snapshots';
import { createSnapshotStore, snapshotKey, type SnapshotStore } from './snapshots/store';
import { createAccountHandlers } from './services/accounts';
import { createSnapshotHandlers } from './services/snapshots';
import { createAgilicusHandlers } from './services/agilicus';
import { createAppHandlers } from './services/app';
import { createDownloadedExports, createSoracomHandlers } from './services/soracom';
import { createDroppedFileStore, type DroppedFileStore } from './files/dropped';
import { createLibraryIndex } from './files/library-index';
import { removeStaleTempFiles } from './files/write';
import { removeStaleAtomicTemps } from './fs/atomic-write';
import { createSettingsStore } from './files/settings';
import { createTaskRegistry } from './files/tasks';
import { createFilesService } from './services/files';
import { createLibraryHandlers } from './services/library';
import { createSpatialFlowHandlers } from './services/spatialflow';
import { createReviewService, type ReviewFiles } from './services/review';
import { createDownloadService } from './services/download';
import { createDownloadJournal } from './files/download-journal';
import { createArchiveService, exportsFolder, isFocusExportName, type ArchiveService } from './services/archive';
import { argSchemas } from '../contract';
import { createAlertStore } from './insight/alerts';
import { createInsightService } from './insight/service';
import { createSyncScheduler, type SyncScheduler } from './insight/scheduler';
import { createInsightHandlers } from './services/insight';
import { createReviewSetService } from './services/review-set';
import { warmUpTotals } from './review/summarize';
import { bundledWorkerScript, threadPool } from './review/threads';

export interface MainServicesOptions {
  platform: Platform;
  /** Delivers an event to every renderer: IPC in Electron, server-sent events in the harness. */
  emit: (message: EventMessage) => void;
  log: (line: string) => void;
  /** The OS keychain by default. */
  secrets?: SecretStore;
  /** Demo accounts' credentials and sessions; in memory by default (see the account service). */
  demoSecrets?: SecretStore;
  demo?: DemoEndpoints & { close(): Promise<void> };
  /** Background sync: wait before the first scheduled run (default 20 s); `false` builds the scheduler without starting it. */
  backgroundSync?: { firstRunDelayMs?: number } | false;
}

export interface MainServices {
  router: Router;
  accounts: AccountService;
  /** Files dropped on the window: the preload's drop channel (and the harness's upload) hand them in here. */
  dropped: DroppedFileStore;
  /** The review by file path, for the command line (the window goes through the review channels). */
  review: ReviewFiles;
  /** Period packs and FOCUS exports, for front doors that name their own files (the command line). */
  archive: ArchiveService;
  /** The start-up cleanup of what killed writes left behind; settles once it is done (it never rejects). */
  cleanedUp: Promise<void>;
  scheduler: SyncScheduler;
  close(): Promise<void>;
}

/**
 * Provider calls also keep the account's sync state (shown in the sidebar) up to date, and the
 * answers of read channels are kept as the account's offline snapshot.
 */
function recordingOutcomes<C extends Channel>(
  table: HandlerTable<C>,
  accounts: AccountService,
  snapshots: SnapshotStore,
  log: (line: string) => void,
  diskTrouble: (error: AppError) => void = () => undefined,
): HandlerTable<C> {
  // Bookkeeping never turns a call that worked into a failure (nor hides the real error); a full
  // or read-only disk is still told to the user, since offline data stops being kept.
  const keep = (what: string, work: () => Promise<void>) =>
    work().catch((error: unknown) => {
      log(`[${what}] ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof AppError && (error.code === 'disk_full' || error.code === 'read_only')) diskTrouble(error);
    });
  const wrapped = {} as Record<string, unknown>;
  for (const [channel, handler] of Object.entries(table) as [C, Handler<C>][]) {
    const keepsSnapshot = isReadChannel(channel);
    wrapped[channel] = async (args: { accountId: string } & Record<string, unknown>, ctx: Parameters<Handler<C>>[1]) => {
      let result: unknown;
      try {
        result = await (handler as (a: unknown, c: unknown) => Promise<unknown>)(args, ctx);
      } catch (error) {
        // The sidebar's sync state is about the account's data: a provider's trouble with one
        // export, download or change is that call's error, shown where it was made, unless it is
        // about the credentials.
        if (error instanceof AppError && accountLevelFailures.has(error.code) && (keepsSnapshot || credentialFailures.has(error.code))) {
          const message = scrubText(error.message, await accounts.secretValues(args.accountId));
          await keep('sync state', () => accounts.recordOutcome(args.accountId, { code: error.code, message }));
        }
        throw error;
      }
      await keep('sync state', () => accounts.recordOutcome(args.accountId));
      // An account removed while this call was under way keeps no offline data.
      if (keepsSnapshot && (await accounts.exists(args.accountId))) {
        await keep('snapshot', () => snapshots.put(args.accountId, snapshotKey(channel, args), result));
      }
      if (subscriptionWrites.has(channel)) {
        await keep('snapshot', async () => {
          const { accountId } = args;
          const invoicesArgs = argSchemas['spatialflow.listInvoices'].parse({ accountId });
          const readInvoices = (table as Record<string, (a: unknown, c: unknown) => Promise<unknown>>)['spatialflow.listInvoices'];
          const invoices = channel === 'spatialflow.changePlan' && readInvoices ? await readInvoices(invoicesArgs, ctx) : undefined;
          if (!(await accounts.exists(accountId))) return;
          if (invoices !== undefined) await snapshots.put(accountId, snapshotKey('spatialflow.listInvoices', invoicesArgs), invoices);
          const subscription = (result as { subscription?: unknown }).subscription;
          if (subscription !== undefined) await snapshots.put(accountId, snapshotKey('spatialflow.getSubscription', argSchemas['spatialflow.getSubscription'].parse({ accountId })), subscription);
        });
      }
      return result;
    };
  }
  return wrapped as HandlerTable<C>;
}

/**
 * Writes that change what a read answers: the subscription and, for a plan change, the invoices
 * (an upgrade is invoiced at once). As soon as one succeeds, those reads' offline snapshots are
 * brought up to date together (the subscription from the write's own answer, the invoices read
 * again), so the figures and the payment calendar, both computed from the snapshots, change at
 * the same moment instead of one waiting for the next sync.
 */
const subscriptionWrites = new Set<string>(['spatialflow.changePlan', 'spatialflow.cancelSubscription', 'spatialflow.reactivateSubscription']);

/** The secrets an error of a call may hold: the named account's, those typed into the call, or (neither) every account's. */
async function callSecrets(accounts: AccountService, rawArgs: unknown): Promise<Set<string>> {
  const args = typeof rawArgs === 'object' && rawArgs !== null ? (rawArgs as Record<string, unknown>) : {};
  const named = [args['accountId'], args['id']].filter((v): v is string => typeof v === 'string' && v.length <= 64);
  const out = named.length > 0 ? new Set<string>() : await accounts.secretValues();
  for (const id of named) for (const v of await accounts.secretValues(id)) out.add(v);
  if (args['credentials'] !== undefined) secretValuesOf(args['credentials'], out);
  // A new account (`accounts.add`) carries its credentials inside it.
  const account = args['account'];
  if (typeof account === 'object' && account !== null && 'credentials' in account) secretValuesOf(account.credentials, out);
  return out;
}

/** Builds every service and the router once; the Electron glue and the test harness both call this. */
export function createMainServices(opts: MainServicesOptions): MainServices {
  const events: EventSink = { emit: (event, payload) => opts.emit({ event, payload } as EventMessage) };
  const demo = opts.demo ?? createDemoSandboxes();
  const snapshots = createSnapshotStore(opts.platform.userDataDir, {
    onDiscarded: () =>
      events.emit('app.notice', { level: 'warning', message: 'Saved offline data for an account could not be read and was discarded; it is rebuilt on the next sync.' }),
  });
  const notice = (message: string) => events.emit('app.notice', { level: 'warning', message });
  // Background writes (offline data, sync state) that hit a full or read-only disk: said once per
  // problem and ten minutes, not after every call.
  const toldAt = new Map<string, number>();
  const diskTrouble = (error: AppError) => {
    const last = toldAt.get(error.message);
    if (last !== undefined && Date.now() - last < 10 * 60_000) return;
    toldAt.set(error.message, Date.now());
    events.emit('app.notice', { level: 'error', message: error.message });
  };
  const alerts = createAlertStore(opts.platform.userDataDir, { onDiscarded: () => notice('Billfold’s list of past alerts could not be read and was started again.') });
  const settings = createSettingsStore(opts.platform.userDataDir, opts.platform.documentsDir, {
    onDiscarded: (reason) => notice(`Billfold’s settings could not be read: ${reason}. The downloads folder, budgets and sync schedule are back to their defaults.`),
  });
  const trashItem = opts.platform.trashItem?.bind(opts.platform);
  const library = createLibraryIndex(opts.platform.userDataDir, {
    downloadsRoot: async () => (await settings.get()).downloadsFolder,
    onNotice: notice,
    // Deleting from the Library moves the file to the system trash, so a slip can be undone.
    ...(trashItem ? { trash: trashItem } : {}),
  });
  // What a killed or crashed run left: half-written files in the user-data folder and its
  // snapshots, unfinished downloads in every account folder (whole files it left unrecorded go
  // into the library). Runs in the background; this process's own writes are never touched.
  const cleanedUp = (async () => {
    for (const dir of ['', 'snapshots', 'exports'].map((sub) => path.join(opts.platform.userDataDir, sub))) {
      await removeStaleAtomicTemps(dir);
      await removeStaleTempFiles(dir);
    }
    const done = await library.cleanUp();
    if (done.adopted > 0) opts.log(`[start-up] ${done.adopted} saved file(s) a stopped run had not recorded were added to the library.`);
    // FOCUS exports a stopped run left half-written. Their folder holds no manifest, so only
    // temporary files of the export names go.
    await removeStaleAtomicTemps(exportsFolder((await settings.get()).downloadsFolder), { targets: isFocusExportName });
  })().catch((error: unknown) => opts.log(`[start-up] cleanup: ${error instanceof Error ? error.message : String(error)}`));
  // Finished Soracom exports wait as files in the user-data folder until they are saved.
  const soracomExports = createDownloadedExports(4, path.join(opts.platform.userDataDir, 'exports'));
  // One registry of running downloads and exports, so files.cancel reaches every one of them.
  const tasks = createTaskRegistry();
  const accounts = createAccountService({
    registry: createRegistry(opts.platform.userDataDir),
    secrets: opts.secrets ?? keytarSecretStore(),
    ...(opts.demoSecrets ? { demoSecrets: opts.demoSecrets } : {}),
    connectors: providerConnectors,
    demo,
    forgetCachedData: async (id) => {
      await snapshots.forget(id);
      await alerts.forgetAccount(id);
    },
    deleteSavedFiles: (id) => library.deleteForAccount(id),
    renameSavedFiles: (id, name) => library.renameAccount(id, name),
    onSyncChanged: (accountId, sync) => {
      events.emit('account.sync', { accountId, sync });
      // The overview's offline flags come from the sync state: a check that clears "Sync failed"
      // (which writes no snapshot) must bring the overview along, not leave it for the next sync.
      insight.schedule();
    },
    onRetryWait: (accountId, ms) => events.emit('account.retrying', { accountId, seconds: Math.max(1, Math.ceil(ms / 1000)) }),
  });
  const dropped = createDroppedFileStore();
  const secretsFor = (rawArgs: unknown) => callSecrets(accounts, rawArgs);
  const reviewWorkers = Math.max(1, Math.min(4, os.availableParallelism()));
  const workerScript = bundledWorkerScript();
  // One pool for reviews and review sets: at most twice one review's threads are alive at once,
  // however many are opened together (further jobs wait for a thread to come back).
  const reviewThreads = workerScript ? threadPool(workerScript, reviewWorkers) : undefined;
  // A view reviews open from is on screen (`review.prepare`): the threads start now, and the main
  // thread's part is compiled too, when they were not running.
  const prepareReview = () => {
    if (!reviewThreads) return false;
    if (reviewThreads.prestart() > 0) warmUpTotals().catch((error: unknown) => opts.log(`[review] warming up the totals failed: ${String(error)}`));
    return true;
  };
  const review = createReviewService({
    platform: opts.platform,
    ...(reviewThreads ? { runner: reviewThreads.runner } : {}),
    workers: reviewWorkers,
    prepare: prepareReview,
    dropped,
    libraryPath: async (id) => (await library.get(id)).path,
    events,
    listAccounts: () => accounts.list(),
    call: (channel, args) => router.handle(channel, args),
    snapshots,
    log: opts.log,
    cacheDir: path.join(opts.platform.userDataDir, 'review-cache'),
  });
  const downloads = createDownloadService({ accounts, library, settings, tasks, journal: createDownloadJournal(opts.platform.userDataDir) });
  const archive = createArchiveService({ platform: opts.platform, accounts, library, settings, snapshots, tasks });
  // Spend insight is computed from the snapshots: every write of one re-evaluates it (once per burst).
  const insight = createInsightService({
    listAccounts: async () => (await accounts.list()).accounts,
    snapshots,
    alerts,
    getBudgets: () => settings.getBudgets(),
    platform: opts.platform,
    events,
    log: opts.log,
  });
  const put = snapshots.put.bind(snapshots);
  snapshots.put = async (accountId, key, value) => {
    await put(accountId, key, value);
    insight.schedule();
  };
  const scheduler = createSyncScheduler({
    listAccounts: async () => (await accounts.list()).accounts,
    getSchedule: () => settings.getSync(),
    saveSchedule: (schedule) => settings.setSync(schedule),
    // Straight to the handlers (not the router's envelope), so a Retry-After survives for the back-off.
    call: async (channel, args) => {
      const parsed = argSchemas[channel].parse(args) as never;
      return (handlers[channel] as (a: unknown, c: unknown) => Promise<unknown>)(parsed, { events });
    },
    onSynced: () => insight.schedule(),
    log: opts.log,
    ...(opts.backgroundSync ? opts.backgroundSync : {}),
  });
  const files = createFilesService({ platform: opts.platform, accounts, library, settings, soracomExports, tasks });
  const reviewSet = createReviewSetService({
    platform: opts.platform,
    ...(reviewThreads ? { runner: reviewThreads.runner } : {}),
    workers: reviewWorkers,
    events,
    library,
    dropped,
    call: (channel, args, sink) => (sink ? routerWith(sink) : router).handle(channel, args),
    listAccounts: () => accounts.list(),
    snapshots,
    saveTableCsv: files.saveTableCsv,
    log: opts.log,
  });
  const handlers: HandlerMap = {
    ...createAppHandlers(opts.platform),
    ...createAccountHandlers(accounts),
    ...createSnapshotHandlers(snapshots, {
      onDiscarded: () => notice('Saved offline data for one view could not be read and was discarded; it is rebuilt on the next sync.'),
    }),
    ...recordingOutcomes(createSpatialFlowHandlers((id) => accounts.client('spatialflow', id)), accounts, snapshots, opts.log, diskTrouble),
    ...recordingOutcomes(createAgilicusHandlers((id) => accounts.client('agilicus', id)), accounts, snapshots, opts.log, diskTrouble),
    ...recordingOutcomes(createSoracomHandlers((id) => accounts.client('soracom', id), { exports: soracomExports, tasks }), accounts, snapshots, opts.log, diskTrouble),
    ...files.handlers,
    ...createLibraryHandlers({ platform: opts.platform, accounts, library, settings }),
    ...review.handlers,
    ...downloads.handlers,
    ...archive.handlers,
    ...createInsightHandlers({ insight, alerts, settings, scheduler }),
    ...reviewSet.handlers,
  };
  if (opts.backgroundSync !== false) {
    void scheduler.start().catch((error: unknown) => opts.log(`[sync] ${error instanceof Error ? error.message : String(error)}`));
  }
  const routerOptions = {
    onInternalError: (channel: string, error: unknown) => {
      const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : typeof error;
      opts.log(`[router] unexpected error on ${channel}: ${detail}`);
    },
  };
  // No error crosses to the window with a credential or session value of an account in it: a
  // provider that echoes the token in its 401 text would otherwise put it on screen.
  const scrubbing = (inner: Router): Router => ({
    async handle(channel, rawArgs) {
      const reply = await inner.handle(channel, rawArgs);
      if (reply.ok) return reply;
      return { ok: false, error: scrubErrorInfo(reply.error, await secretsFor(rawArgs)) };
    },
  });
  const router = scrubbing(createRouter(handlers, { events }, routerOptions));
  /** The router for a call made by a service whose events go to `sink` first (which passes them on). */
  const routerWith = (sink: EventSink): Router => scrubbing(createRouter(handlers, { events: sink }, routerOptions));
  return {
    router,
    accounts,
    dropped,
    review: review.files,
    archive,
    cleanedUp,
    scheduler,
    close: async () => {
      await cleanedUp;
      await scheduler.close();
      await insight.close();
      await review.close();
      await soracomExports.clear();
      reviewSet.close();
      reviewThreads?.close();
      await snapshots.flush();
      await demo.close();
    },
  };
}

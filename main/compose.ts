import type { Channel } from '../contract';
import type { EventMessage } from '../contract/events';
import { providerConnectors } from './accounts/connectors';
import { keytarSecretStore, type SecretStore } from './accounts/keychain';
import { createRegistry } from './accounts/registry';
import { accountLevelFailures, createAccountService, type AccountService, type DemoEndpoints } from './accounts/service';
import { createDemoSandboxes } from './demo';
import { AppError } from './http/errors';
import type { Platform } from './platform';
import { createRouter, type HandlerMap, type Router } from './router/router';
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
import { createSettingsStore } from './files/settings';
import { createTaskRegistry } from './files/tasks';
import { createFilesHandlers } from './services/files';
import { createLibraryHandlers } from './services/library';
import { createSpatialFlowHandlers } from './services/spatialflow';
import { createReviewService, type ReviewFiles } from './services/review';
import { createDownloadService } from './services/download';
import { createDownloadJournal } from './files/download-journal';
import { createArchiveService, type ArchiveService } from './services/archive';

export interface MainServicesOptions {
  platform: Platform;
  /** Delivers an event to every renderer: IPC in Electron, server-sent events in the harness. */
  emit: (message: EventMessage) => void;
  log: (line: string) => void;
  /** The OS keychain by default. */
  secrets?: SecretStore;
  demo?: DemoEndpoints & { close(): Promise<void> };
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
): HandlerTable<C> {
  // Bookkeeping never turns a call that worked into a failure (nor hides the real error).
  const keep = (what: string, work: () => Promise<void>) =>
    work().catch((error: unknown) => log(`[${what}] ${error instanceof Error ? error.message : String(error)}`));
  const wrapped = {} as Record<string, unknown>;
  for (const [channel, handler] of Object.entries(table) as [C, Handler<C>][]) {
    const keepsSnapshot = isReadChannel(channel);
    wrapped[channel] = async (args: { accountId: string } & Record<string, unknown>, ctx: Parameters<Handler<C>>[1]) => {
      let result: unknown;
      try {
        result = await (handler as (a: unknown, c: unknown) => Promise<unknown>)(args, ctx);
      } catch (error) {
        if (error instanceof AppError && accountLevelFailures.has(error.code)) {
          await keep('sync state', () => accounts.recordOutcome(args.accountId, { code: error.code, message: error.message }));
        }
        throw error;
      }
      await keep('sync state', () => accounts.recordOutcome(args.accountId));
      // An account removed while this call was under way keeps no offline data.
      if (keepsSnapshot && (await accounts.exists(args.accountId))) {
        await keep('snapshot', () => snapshots.put(args.accountId, snapshotKey(channel, args), result));
      }
      return result;
    };
  }
  return wrapped as HandlerTable<C>;
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
  const settings = createSettingsStore(opts.platform.userDataDir, opts.platform.documentsDir, {
    onDiscarded: () => notice('Billfold’s settings could not be read; the downloads folder is back to its default.'),
  });
  const trashItem = opts.platform.trashItem?.bind(opts.platform);
  const library = createLibraryIndex(opts.platform.userDataDir, {
    downloadsRoot: async () => (await settings.get()).downloadsFolder,
    onNotice: notice,
    // Deleting from the Library moves the file to the system trash, so a slip can be undone.
    ...(trashItem ? { trash: trashItem } : {}),
  });
  const soracomExports = createDownloadedExports();
  // One registry of running downloads and exports, so files.cancel reaches every one of them.
  const tasks = createTaskRegistry();
  const accounts = createAccountService({
    registry: createRegistry(opts.platform.userDataDir),
    secrets: opts.secrets ?? keytarSecretStore(),
    connectors: providerConnectors,
    demo,
    forgetCachedData: (id) => snapshots.forget(id),
    deleteSavedFiles: (id) => library.deleteForAccount(id),
    onSyncChanged: (accountId, sync) => events.emit('account.sync', { accountId, sync }),
  });
  const dropped = createDroppedFileStore();
  const review = createReviewService({
    platform: opts.platform,
    dropped,
    libraryPath: async (id) => (await library.get(id)).path,
    events,
    listAccounts: () => accounts.list(),
    call: (channel, args) => router.handle(channel, args),
    snapshots,
    log: opts.log,
  });
  const downloads = createDownloadService({ accounts, library, settings, tasks, journal: createDownloadJournal(opts.platform.userDataDir) });
  const archive = createArchiveService({ platform: opts.platform, accounts, library, settings, snapshots, tasks });
  const handlers: HandlerMap = {
    ...createAppHandlers(opts.platform),
    ...createAccountHandlers(accounts),
    ...createSnapshotHandlers(snapshots),
    ...recordingOutcomes(createSpatialFlowHandlers((id) => accounts.client('spatialflow', id)), accounts, snapshots, opts.log),
    ...recordingOutcomes(createAgilicusHandlers((id) => accounts.client('agilicus', id)), accounts, snapshots, opts.log),
    ...recordingOutcomes(createSoracomHandlers((id) => accounts.client('soracom', id), { exports: soracomExports, tasks }), accounts, snapshots, opts.log),
    ...createFilesHandlers({ platform: opts.platform, accounts, library, settings, soracomExports, tasks }),
    ...createLibraryHandlers({ platform: opts.platform, accounts, library, settings }),
    ...review.handlers,
    ...downloads.handlers,
    ...archive.handlers,
  };
  const router = createRouter(handlers, { events }, {
    onInternalError: (channel, error) => {
      const detail = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : typeof error;
      opts.log(`[router] unexpected error on ${channel}: ${detail}`);
    },
  });
  return {
    router,
    accounts,
    dropped,
    review: review.files,
    archive,
    close: async () => {
      review.close();
      await snapshots.flush();
      await demo.close();
    },
  };
}

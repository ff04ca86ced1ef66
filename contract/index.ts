import type { z } from 'zod';
import type { DroppedFiles } from './drops';
import type { Envelope } from './errors';
import type { EventName, Events } from './events';
import { accountsArgs, type AccountsResults } from './channels/accounts';
import { appArgs, type AppResults } from './channels/app';
import { filesArgs, type FilesResults } from './channels/files';
import { libraryArgs, type LibraryResults } from './channels/library';
import { settingsArgs, type SettingsResults } from './channels/settings';
import { snapshotsArgs, type SnapshotsResults } from './channels/snapshots';
import { agilicusArgs, type AgilicusResults } from './channels/agilicus';
import { soracomArgs, type SoracomResults } from './channels/soracom';
import { spatialflowArgs, type SpatialFlowResults } from './channels/spatialflow';
import { reviewArgs, type ReviewResults } from './channels/review';
import { downloadArgs, type DownloadResults } from './channels/download';
import { archiveArgs, type ArchiveResults } from './channels/archive';
import { insightArgs, type InsightResults } from './channels/insight';
import { reviewSetArgs, type ReviewSetResults } from './channels/review-set';

/** Run-time argument schemas for every channel; the main process validates every call with these. */
export const argSchemas = {
  ...appArgs,
  ...accountsArgs,
  ...snapshotsArgs,
  ...filesArgs,
  ...libraryArgs,
  ...settingsArgs,
  ...spatialflowArgs,
  ...agilicusArgs,
  ...soracomArgs,
  ...reviewArgs,
  ...downloadArgs,
  ...archiveArgs,
  ...insightArgs,
  ...reviewSetArgs,
};

/** What each channel answers with. */
export interface Results
  extends AppResults,
    AccountsResults,
    SnapshotsResults,
    FilesResults,
    LibraryResults,
    SettingsResults,
    SpatialFlowResults,
    AgilicusResults,
    SoracomResults,
    ReviewResults,
    DownloadResults,
    ArchiveResults,
    InsightResults,
    ReviewSetResults {}

export type Channel = keyof typeof argSchemas & keyof Results;
export type ArgsIn<C extends Channel> = z.input<(typeof argSchemas)[C]>;
export type ArgsOut<C extends Channel> = z.output<(typeof argSchemas)[C]>;
export type Result<C extends Channel> = Results[C];

// Every channel has both a schema and a result type.
type MissingResult = Exclude<keyof typeof argSchemas, keyof Results>;
type MissingSchema = Exclude<keyof Results, keyof typeof argSchemas>;
const contractIsComplete: [MissingResult, MissingSchema] extends [never, never] ? true : false = true;
void contractIsComplete;

/** The API the preload exposes as `window.billing`. */
export interface BillingApi {
  invoke<C extends Channel>(channel: C, args: ArgsIn<C>): Promise<Envelope<Result<C>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /**
   * Hands the main process files the user dropped on the window (several at once, at most
   * `maxDroppedFiles`) and answers an id for each that review channels accept. The page never
   * sees or sends a path: in Electron the preload asks `webUtils.getPathForFile` itself (a `File`
   * the page made has no path and is refused); the browser harness uploads the bytes instead.
   */
  openDropped(files: readonly File[]): Promise<Envelope<DroppedFiles>>;
}

export type { Envelope, ErrorInfo, ErrorCode } from './errors';
export type { DroppedFile, DroppedFiles } from './drops';
export type { Events, EventName, EventMessage } from './events';

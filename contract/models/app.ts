export type ProviderId = 'spatialflow' | 'agilicus' | 'soracom';

export const providerNames: Record<ProviderId, string> = {
  spatialflow: 'SpatialFlow',
  agilicus: 'Agilicus',
  soracom: 'Soracom',
};

/** What the host around the window can do; the renderer shows only what works there. */
export interface AppCapabilities {
  /** The OS's file and folder dialogs: Open… in the review, Change folder… in the Library. Without them (the browser) files are uploaded. */
  fileDialogs: boolean;
  /** Saved files open with the OS and show in their folder. Without it (the browser) they are downloaded (`library.download`). */
  openFiles: boolean;
}

export interface AppInfo {
  name: string;
  version: string;
  /** Which shell carries the channels: the Electron app, or the browser harness used in tests and `npm run web`. */
  shell: 'electron' | 'web' | 'cli';
  platform: string;
  capabilities: AppCapabilities;
}

export type CredentialKind = 'password' | 'token' | 'authKey' | 'root' | 'sam';

export interface SyncState {
  /** ISO time of the last successful call to the provider. */
  lastSuccessAt?: string;
  /** The last failure, when it came after the last success. */
  lastError?: { code: string; message: string; at: string };
}

export interface AccountSummary {
  id: string;
  name: string;
  provider: ProviderId;
  baseUrl: string;
  credentialKind: CredentialKind;
  /** Demo accounts talk to the built-in sandboxes. */
  demo: boolean;
  sync: SyncState;
}

export interface KeychainStatus {
  available: boolean;
  /** Why not, in words, when it is not. */
  reason?: string;
}

export interface AccountList {
  accounts: AccountSummary[];
  activeAccountId?: string;
  keychain: KeychainStatus;
  /** Problems met while loading the registry (a corrupt file moved aside, say). */
  notices: string[];
}

export interface ConnectionTest {
  ok: true;
  message: string;
}

export interface DemoStart {
  accounts: AccountSummary[];
}

/** The last answer a read channel gave, kept for offline use. */
export interface Snapshot {
  value: unknown;
  /** ISO time it was fetched. */
  syncedAt: string;
}

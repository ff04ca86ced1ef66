export type ProviderId = 'spatialflow' | 'agilicus' | 'soracom';

export const providerNames: Record<ProviderId, string> = {
  spatialflow: 'SpatialFlow',
  agilicus: 'Agilicus',
  soracom: 'Soracom',
};

export interface AppInfo {
  name: string;
  version: string;
  /** Which shell carries the channels: the Electron app, or the browser harness used in tests and `npm run web`. */
  shell: 'electron' | 'web' | 'cli';
  platform: string;
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

import type * as KeytarModule from 'keytar';
import { AppError } from '../http/errors';
import type { KeychainStatus } from '../../contract/models/app';

/** The OS keychain, reduced to what Billfold needs. Every secret lives here and nowhere else. */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, secret: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Checks that the keychain answers, and says why in words when it does not. */
  status(): Promise<KeychainStatus>;
}

export const keychainService = 'Billfold';

type Keytar = typeof KeytarModule;

/** Turns libsecret / Keychain / Credential Manager failures into a reason a person can act on. */
export function describeKeychainFailure(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/org\.freedesktop\.secrets|ServiceUnknown|not provided by any \.service|DBus|D-Bus|Could not connect|X11|DISPLAY/i.test(text)) {
    return 'No keychain service is running (the Secret Service, such as GNOME Keyring or KWallet, is not available on this desktop session).';
  }
  if (/locked|unlock/i.test(text)) return 'The keychain is locked. Unlock it and try again.';
  if (/denied|cancel|dismissed|not allowed/i.test(text)) return 'Access to the keychain was denied.';
  if (/Cannot find module|compiled against|NODE_MODULE_VERSION|libsecret/i.test(text)) {
    return 'The keychain library could not be loaded on this system.';
  }
  return 'The keychain did not answer.';
}

/** The real keychain through keytar, loaded on first use so start-up does not wait for it. */
export function keytarSecretStore(service = keychainService): SecretStore {
  let keytar: Promise<Keytar> | undefined;
  const load = () => (keytar ??= import('keytar').then((m) => ('default' in m ? (m.default as Keytar) : m)));

  async function guard<T>(work: (k: Keytar) => Promise<T>): Promise<T> {
    try {
      return await work(await load());
    } catch (error) {
      throw new AppError('keychain_unavailable', describeKeychainFailure(error), { cause: error });
    }
  }

  return {
    get: (key) => guard(async (k) => (await k.getPassword(service, key)) ?? undefined),
    set: (key, secret) => guard((k) => k.setPassword(service, key, secret)),
    delete: (key) => guard(async (k) => void (await k.deletePassword(service, key))),
    async status() {
      try {
        // Reads one entry that never exists: proves the keychain answers without reading any secret.
        await guard((k) => k.getPassword(service, 'keychain-probe'));
        return { available: true };
      } catch (error) {
        return { available: false, reason: error instanceof AppError ? error.message : 'The keychain did not answer.' };
      }
    },
  };
}

/** An in-memory store for tests that are not about the keychain. */
export function memorySecretStore(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (key) => Promise.resolve(entries.get(key)),
    set: (key, secret) => {
      entries.set(key, secret);
      return Promise.resolve();
    },
    delete: (key) => {
      entries.delete(key);
      return Promise.resolve();
    },
    status: () => Promise.resolve({ available: true }),
  };
}

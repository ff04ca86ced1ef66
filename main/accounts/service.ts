import { randomBytes } from 'node:crypto';
import { agilicusCredentials, soracomCredentials, spatialflowCredentials, type NewAccount } from '../../contract/channels/accounts';
import type { AccountList, AccountSummary, CredentialKind, ProviderId } from '../../contract/models/app';
import { AppError } from '../http/errors';
import { memorySessionStore, type SessionStore } from '../providers/session-store';
import { describeConnection, type Connectors, type ProviderClients, type ProviderCredentials } from './connectors';
import { memorySecretStore, type SecretStore } from './keychain';
import type { Registry } from './registry';
import { scrubErrorInfo, secretValuesOf } from '../security/scrub';

const credentialSchemas = { spatialflow: spatialflowCredentials, agilicus: agilicusCredentials, soracom: soracomCredentials };

const credentialsKey = (id: string) => `${id}/credentials`;
const sessionKey = (id: string) => `${id}/session`;

/** Where demo accounts' sandboxes live this run; they move to new ports on every start. */
export interface DemoEndpoints {
  ensure(): Promise<{ [P in ProviderId]: { apiUrl: string; credentials: ProviderCredentials[P] } }>;
}

export interface AccountServiceDeps {
  registry: Registry;
  secrets: SecretStore;
  /** Where demo accounts keep their sandboxes' made-up credentials and sessions: memory unless a test looks in. */
  demoSecrets?: SecretStore;
  connectors: Connectors;
  demo?: DemoEndpoints;
  /** Removes what Billfold cached for an account (offline snapshots); saved files are kept. */
  forgetCachedData?: (accountId: string) => Promise<void>;
  /** Deletes the files saved from an account (only when the user asked for it); answers how many. */
  deleteSavedFiles?: (accountId: string) => Promise<number>;
  /** Records an account's new name with the files saved from it, which outlive the account. */
  renameSavedFiles?: (accountId: string, name: string) => Promise<void>;
  onSyncChanged?: (accountId: string, sync: AccountSummary['sync']) => void;
  /** A provider asked to wait before a call of this account is tried again (shown in its view). */
  onRetryWait?: (accountId: string, ms: number) => void;
  now?: () => Date;
}

export type AccountService = ReturnType<typeof createAccountService>;

function keychainSession(secrets: SecretStore, id: string): SessionStore<never> {
  return {
    async load() {
      const raw = await secrets.get(sessionKey(id));
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw) as never;
      } catch {
        return undefined;
      }
    },
    save: (value) => secrets.set(sessionKey(id), JSON.stringify(value)),
    clear: () => secrets.delete(sessionKey(id)),
  };
}

/** Failures that say the account cannot be reached or used, unlike a 404 for one invoice. */
export const accountLevelFailures: ReadonlySet<string> = new Set(['auth_failed', 'auth_expired', 'forbidden', 'rate_limited', 'server', 'network', 'timeout', 'invalid_response']);

/** Of those, the ones about the account's credentials or rights, whatever the call that met them. */
export const credentialFailures: ReadonlySet<string> = new Set(['auth_failed', 'auth_expired', 'forbidden']);

export function createAccountService(deps: AccountServiceDeps) {
  const { registry, secrets, connectors } = deps;
  const now = deps.now ?? (() => new Date());
  const clients = new Map<string, { baseUrl: string; client: ProviderClients[ProviderId] }>();
  // Demo accounts reach only the built-in sandboxes, whose credentials are made up each run: they
  // are kept in memory, so the demo works where no keychain does. Every other secret is the keychain's.
  const demoSecrets = deps.demoSecrets ?? memorySecretStore();
  const storeFor = (account: Pick<AccountSummary, 'demo'>): SecretStore => (account.demo ? demoSecrets : secrets);

  async function requireKeychain(action: string): Promise<void> {
    const status = await secrets.status();
    if (!status.available) {
      throw new AppError('keychain_unavailable', `Billfold keeps credentials only in your keychain, so it cannot ${action}. ${status.reason ?? ''}`.trim());
    }
  }

  async function find(id: string): Promise<AccountSummary> {
    const account = (await registry.read()).accounts.find((a) => a.id === id);
    if (!account) throw new AppError('not_found', 'That account no longer exists. It may have been removed.');
    return account;
  }

  async function readCredentials<P extends ProviderId>(account: AccountSummary & { provider: P }): Promise<ProviderCredentials[P]> {
    const raw = await storeFor(account).get(credentialsKey(account.id));
    if (raw === undefined) {
      throw new AppError('auth_failed', `The keychain holds no credentials for “${account.name}”. Edit the account and enter them again.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const checked = credentialSchemas[account.provider].safeParse(parsed);
    if (!checked.success) {
      throw new AppError('auth_failed', `The credentials stored for “${account.name}” are unreadable. Edit the account and enter them again.`);
    }
    return checked.data as ProviderCredentials[P];
  }

  function connect<P extends ProviderId>(provider: P, baseUrl: string, credentials: ProviderCredentials[P], session: SessionStore<never>, accountId?: string) {
    const onRetryWait = deps.onRetryWait;
    const http = accountId !== undefined && onRetryWait ? { onRetryWait: (w: { ms: number }) => onRetryWait(accountId, w.ms) } : {};
    return (connectors[provider] as (b: string, c: ProviderCredentials[P], s: SessionStore<never>, h: object) => ProviderClients[P])(baseUrl, credentials, session, http);
  }

  /** Demo accounts follow their sandboxes to this run's ports and credentials. */
  async function refreshDemoAccount(account: AccountSummary): Promise<AccountSummary> {
    if (!account.demo || !deps.demo) return account;
    const endpoint = (await deps.demo.ensure())[account.provider];
    const known = (await demoSecrets.get(credentialsKey(account.id))) !== undefined;
    if (account.baseUrl === endpoint.apiUrl && known) return account;
    await demoSecrets.set(credentialsKey(account.id), JSON.stringify(endpoint.credentials));
    await demoSecrets.delete(sessionKey(account.id));
    if (account.baseUrl === endpoint.apiUrl) return account;
    return registry.update((data) => {
      const target = data.accounts.find((a) => a.id === account.id);
      if (target) target.baseUrl = endpoint.apiUrl;
      return { data, result: target ?? account };
    });
  }

  async function client<P extends ProviderId>(provider: P, id: string): Promise<ProviderClients[P]> {
    let account = await find(id);
    if (account.provider !== provider) throw new AppError('not_found', `That account is not a ${provider} account.`);
    account = await refreshDemoAccount(account);
    const cached = clients.get(id);
    if (cached && cached.baseUrl === account.baseUrl) return cached.client as ProviderClients[P];
    const credentials = await readCredentials(account as AccountSummary & { provider: P });
    const made = connect(provider, account.baseUrl, credentials, keychainSession(storeFor(account), id), id);
    clients.set(id, { baseUrl: account.baseUrl, client: made });
    return made;
  }

  /**
   * Two accounts called the same (whatever the case) look the same in every list, alert and file
   * name, so a name another account has is refused. Registries that already hold such names still load.
   */
  function refuseTakenName(accounts: AccountSummary[], name: string, exceptId?: string): void {
    const key = nameKey(name);
    const other = accounts.find((a) => a.id !== exceptId && nameKey(a.name) === key);
    if (!other) return;
    const message = `Another account is already called ${other.name}; give this one a name you can tell apart.`;
    throw new AppError('invalid_args', message, { issues: [{ path: 'name', message }] });
  }

  async function add(input: NewAccount, opts: { testFirst?: boolean; demo?: boolean } = {}): Promise<AccountSummary> {
    const demo = opts.demo === true;
    const store = storeFor({ demo });
    if (!demo) refuseTakenName((await registry.read()).accounts, input.name);
    if (!demo) await requireKeychain('save this account');
    if (opts.testFirst) {
      const session = probeSessionStore();
      const probe = connect(input.provider, input.baseUrl, input.credentials as never, session);
      try {
        await describeConnection(input.provider, probe);
      } catch (error) {
        // The window never had the tokens this test signed in for: a provider that echoes them in
        // its error must not hand them over, nor the credentials typed in.
        if (error instanceof AppError) throw scrubbed(error, secretValuesOf({ credentials: input.credentials, sessions: session.saved }));
        throw error;
      }
    }
    const id = `acc_${randomBytes(8).toString('hex')}`;
    await store.set(credentialsKey(id), JSON.stringify(input.credentials));
    const account: AccountSummary = {
      id,
      name: input.name,
      provider: input.provider,
      baseUrl: input.baseUrl,
      credentialKind: input.credentials.kind as CredentialKind,
      demo,
      sync: {},
    };
    try {
      return await registry.update((data) => {
        // Again here: another add may have taken the name while this one was being tested.
        if (!demo) refuseTakenName(data.accounts, account.name);
        data.accounts.push(account);
        data.activeAccountId ??= id;
        return { data, result: account };
      });
    } catch (error) {
      // The registry could not be written: take the secret back out rather than leave it orphaned.
      await store.delete(credentialsKey(id)).catch(() => undefined);
      if (error instanceof AppError && error.code === 'invalid_args') throw error;
      // A full or read-only disk keeps its own code and the folder it names.
      if (error instanceof AppError && (error.code === 'disk_full' || error.code === 'read_only')) {
        throw new AppError(error.code, `${error.message} Nothing was added.`, { cause: error });
      }
      throw new AppError('io_error', 'Billfold could not save the account list. Nothing was added.', { cause: error });
    }
  }

  const service = {
    client,
    add,

    async list(): Promise<AccountList> {
      const [data, keychain] = await Promise.all([registry.read(), secrets.status()]);
      const list: AccountList = { accounts: data.accounts, keychain, notices: registry.notices() };
      if (data.activeAccountId !== undefined) list.activeAccountId = data.activeAccountId;
      return list;
    },

    async update(change: { id: string; name?: string; baseUrl?: string; credentials?: ProviderCredentials[ProviderId] }): Promise<AccountSummary> {
      const account = await find(change.id);
      // Only a new name is checked: an account that already shares its name can still be edited otherwise.
      const renames = change.name !== undefined && change.name !== account.name;
      if (renames) refuseTakenName((await registry.read()).accounts, change.name as string, account.id);
      const movesOrigin = change.baseUrl !== undefined && originOf(change.baseUrl) !== originOf(account.baseUrl);
      // A demo account's secrets are not kept in the keychain, so it never points anywhere but its sandbox.
      if (account.demo && movesOrigin) {
        throw new AppError('not_allowed', 'A demo account talks only to its built-in sandbox. Add an account of your own to use another API address.');
      }
      // Credentials were entered for one API origin and go nowhere else: a new origin needs them again.
      if (movesOrigin && change.credentials === undefined) {
        throw new AppError('invalid_args', 'Enter the credentials again when you change the API address: Billfold sends them only to the address they were entered for.', {
          issues: [{ path: 'credentials', message: 'Required when the API address changes.' }],
        });
      }
      if (change.credentials !== undefined) {
        const checked = credentialSchemas[account.provider].safeParse(change.credentials);
        if (!checked.success) throw new AppError('invalid_args', `Those credentials are not ${account.provider} credentials.`);
        const store = storeFor(account);
        if (!account.demo) await requireKeychain('save the new credentials');
        await store.set(credentialsKey(account.id), JSON.stringify(checked.data));
        await store.delete(sessionKey(account.id));
      }
      clients.delete(account.id);
      const updated = await registry.update((data) => {
        const target = data.accounts.find((a) => a.id === account.id);
        if (!target) throw new AppError('not_found', 'That account no longer exists.');
        if (renames && change.name !== undefined) {
          refuseTakenName(data.accounts, change.name, target.id);
          target.name = change.name;
        }
        if (change.baseUrl !== undefined && change.baseUrl !== target.baseUrl) {
          target.baseUrl = change.baseUrl;
          target.sync = {};
        }
        if (change.credentials !== undefined) target.credentialKind = change.credentials.kind;
        return { data, result: target };
      });
      // The account is renamed either way: while it exists the library shows its current name, and
      // removing it records that name with its files again.
      if (updated.name !== account.name) await deps.renameSavedFiles?.(account.id, updated.name).catch(() => undefined);
      return updated;
    },

    async remove(id: string, opts: { deleteFiles?: boolean } = {}): Promise<void> {
      const account = await find(id);
      // Files first: if they cannot be deleted the account is still there to try again.
      if (opts.deleteFiles) await deps.deleteSavedFiles?.(id);
      // Kept files outlive the account under the name it has now (a rename may not have reached them).
      else await deps.renameSavedFiles?.(id, account.name).catch(() => undefined);
      await registry.update((data) => {
        data.accounts = data.accounts.filter((a) => a.id !== id);
        if (data.activeAccountId === id) {
          const next = data.accounts[0]?.id;
          if (next === undefined) delete data.activeAccountId;
          else data.activeAccountId = next;
        }
        return { data, result: undefined };
      });
      clients.delete(id);
      const store = storeFor(account);
      await Promise.all([store.delete(credentialsKey(id)), store.delete(sessionKey(id)), deps.forgetCachedData?.(id)]);
      // Earlier versions kept demo credentials in the keychain: take them out where it answers.
      if (account.demo) await Promise.all([secrets.delete(credentialsKey(id)), secrets.delete(sessionKey(id))]).catch(() => undefined);
    },

    /**
     * The credential and session values of an account (of every account when `id` is undefined),
     * so errors can be cleaned of them before they reach the window. Nothing when the keychain
     * cannot be read.
     */
    async secretValues(id?: string): Promise<Set<string>> {
      const out = new Set<string>();
      let known: AccountSummary[];
      try {
        known = (await registry.read()).accounts;
      } catch {
        return out;
      }
      const ids = id === undefined ? known.map((a) => a.id) : [id];
      for (const one of ids) {
        const store = storeFor(known.find((a) => a.id === one) ?? { demo: false });
        try {
          for (const key of [credentialsKey(one), sessionKey(one)]) {
            const raw = await store.get(key);
            if (raw !== undefined) secretValuesOf(raw, out);
          }
        } catch {
          // The keychain is unavailable: then no call could have used a secret of this account either.
        }
      }
      return out;
    },

    async exists(id: string): Promise<boolean> {
      return (await registry.read()).accounts.some((a) => a.id === id);
    },

    async setActive(id: string): Promise<string> {
      await find(id);
      return registry.update((data) => {
        data.activeAccountId = id;
        return { data, result: id };
      });
    },

    /** Also the sync state's check: a failed account that answers again is shown as synced, without its views being opened. */
    async testConnection(id: string): Promise<string> {
      const account = await find(id);
      let message: string;
      try {
        message = await describeConnection(account.provider, await client(account.provider, id));
      } catch (error) {
        if (error instanceof AppError && accountLevelFailures.has(error.code)) await service.recordOutcome(id, { code: error.code, message: error.message });
        throw error;
      }
      await service.recordOutcome(id);
      return message;
    },

    /** Records how the last provider call of an account went, for the sidebar's sync state. */
    async recordOutcome(id: string, error?: { code: string; message: string }): Promise<void> {
      const account = (await registry.read()).accounts.find((a) => a.id === id);
      if (!account) return;
      const at = now().toISOString();
      const last = account.sync.lastSuccessAt ? Date.parse(account.sync.lastSuccessAt) : 0;
      // Successes in a row are written at most once a minute; any change of state is written at once.
      if (!error && !account.sync.lastError && now().getTime() - last < 60_000) return;
      const sync = await registry.update((data) => {
        const target = data.accounts.find((a) => a.id === id);
        if (target) target.sync = error ? { ...target.sync, lastError: { ...error, at } } : { lastSuccessAt: at };
        return { data, result: target?.sync };
      });
      if (sync) deps.onSyncChanged?.(id, sync);
    },

    /** Adds the demo accounts (one per provider) that are not there, and answers all of them. */
    async startDemo(): Promise<AccountSummary[]> {
      if (!deps.demo) throw new AppError('not_allowed', 'Demo mode is not available in this build.');
      const existing = await Promise.all((await registry.read()).accounts.filter((a) => a.demo).map(refreshDemoAccount));
      // A demo account the user removed comes back; the ones still there are kept as they are.
      const missing = (['spatialflow', 'agilicus', 'soracom'] as const).filter((p) => !existing.some((a) => a.provider === p));
      if (missing.length === 0) return existing;
      const endpoints = await deps.demo.ensure();
      const names = { spatialflow: 'SpatialFlow (demo)', agilicus: 'Agilicus (demo)', soracom: 'Soracom (demo)' } as const;
      const added: AccountSummary[] = [...existing];
      for (const provider of missing) {
        const endpoint = endpoints[provider];
        added.push(
          await add({ provider, name: names[provider], baseUrl: endpoint.apiUrl, credentials: endpoint.credentials } as NewAccount, { demo: true }),
        );
      }
      return added;
    },
  };
  return service;
}

/** A name as two accounts must not share it: the same letters in any case or width. */
function nameKey(name: string): string {
  return name.trim().normalize('NFKC').toLowerCase();
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * A session store for a one-off connection test: tokens obtained there live in memory only, and
 * every one saved (even if cleared since) is remembered so an error can be cleaned of it.
 */
function probeSessionStore(): SessionStore<never> & { saved: unknown[] } {
  const inner = memorySessionStore<never>();
  const saved: unknown[] = [];
  return {
    load: inner.load,
    save: (value) => {
      saved.push(value);
      return inner.save(value);
    },
    clear: inner.clear,
    saved,
  };
}

/** The same error without any of these secrets in its texts; its cause (which holds them) is left behind. */
function scrubbed(error: AppError, secrets: Set<string>): AppError {
  const info = scrubErrorInfo(error.toInfo(), secrets);
  const extra: ConstructorParameters<typeof AppError>[2] = {};
  if (info.providerCode !== undefined) extra.providerCode = info.providerCode;
  if (info.providerMessage !== undefined) extra.providerMessage = info.providerMessage;
  if (info.issues !== undefined) extra.issues = info.issues;
  if (error.status !== undefined) extra.status = error.status;
  if (error.retryAfterMs !== undefined) extra.retryAfterMs = error.retryAfterMs;
  return new AppError(info.code, info.message, extra);
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { AccountSummary } from '../../contract/models/app';
import { writeFileAtomic } from '../fs/atomic-write';

/** The account registry: everything about the accounts except their secrets. */
export interface RegistryData {
  accounts: AccountSummary[];
  activeAccountId?: string;
}

export const registryVersion = 2;
export const registryFileName = 'accounts.json';

const syncState = z.object({
  lastSuccessAt: z.string().optional(),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
});

const accountV2 = z.object({
  id: z.string().min(1).max(64),
  name: z.string().min(1).max(80),
  provider: z.enum(['spatialflow', 'agilicus', 'soracom']),
  baseUrl: z.string().min(1).max(2048),
  credentialKind: z.enum(['password', 'token', 'authKey', 'root', 'sam']),
  demo: z.boolean().default(false),
  sync: syncState.default({}),
});

const fileV2 = z.object({
  version: z.literal(2),
  accounts: z.array(accountV2),
  activeAccountId: z.string().optional(),
});

/** Version 1 kept a label, a URL and the active account's id; credential kinds were implied by the provider. */
const fileV1 = z.object({
  version: z.literal(1),
  accounts: z.array(
    z.object({ id: z.string().min(1).max(64), label: z.string().min(1).max(80), provider: z.enum(['spatialflow', 'agilicus', 'soracom']), url: z.string().min(1) }),
  ),
  active: z.string().optional(),
});

const v1DefaultKinds = { spatialflow: 'password', agilicus: 'token', soracom: 'authKey' } as const;

/** Any version 2 or later: the accounts are read one by one, so one Billfold cannot read costs no other. */
const fileV2OrLater = z.object({ version: z.number().int().min(2), accounts: z.array(z.unknown()), activeAccountId: z.unknown().optional() });

interface PartialRead {
  data: RegistryData;
  version: number;
  /** The accounts that could not be read: their names where readable, else their place in the list. */
  unreadable: string[];
}

/** Reads what it can of a version 2 or newer file; undefined when the file is not one. */
function readAccountByAccount(raw: unknown): PartialRead | undefined {
  const file = fileV2OrLater.safeParse(raw);
  if (!file.success) return undefined;
  const accounts: z.output<typeof accountV2>[] = [];
  const unreadable: string[] = [];
  const seen = new Set<string>();
  file.data.accounts.forEach((entry, i) => {
    const account = accountV2.safeParse(entry);
    if (account.success && !seen.has(account.data.id)) {
      seen.add(account.data.id);
      accounts.push(account.data);
      return;
    }
    const name = (entry as { name?: unknown } | null)?.name;
    unreadable.push(typeof name === 'string' && name.length > 0 ? `“${name.slice(0, 80)}”` : `number ${i + 1}`);
  });
  const active = typeof file.data.activeAccountId === 'string' ? file.data.activeAccountId : undefined;
  return { data: stripUndefined({ accounts, activeAccountId: active }), version: file.data.version, unreadable };
}

function migrate(raw: unknown): RegistryData | undefined {
  const v2 = fileV2.safeParse(raw);
  if (v2.success) return stripUndefined(v2.data);
  const v1 = fileV1.safeParse(raw);
  if (v1.success) {
    return stripUndefined({
      accounts: v1.data.accounts.map((a) => ({
        id: a.id,
        name: a.label,
        provider: a.provider,
        baseUrl: a.url,
        credentialKind: v1DefaultKinds[a.provider],
        demo: false,
        sync: {},
      })),
      activeAccountId: v1.data.active,
    });
  }
  return undefined;
}

function stripUndefined(data: { accounts: z.output<typeof accountV2>[]; activeAccountId?: string | undefined }): RegistryData {
  const accounts = data.accounts.map((a) => {
    const sync: AccountSummary['sync'] = {};
    if (a.sync.lastSuccessAt !== undefined) sync.lastSuccessAt = a.sync.lastSuccessAt;
    if (a.sync.lastError !== undefined) sync.lastError = a.sync.lastError;
    return { ...a, sync };
  });
  const activeAccountId = accounts.some((a) => a.id === data.activeAccountId) ? data.activeAccountId : undefined;
  return activeAccountId === undefined ? { accounts } : { accounts, activeAccountId };
}

export interface Registry {
  /** The current data, loading it on first use. */
  read(): Promise<RegistryData>;
  /** Applies `change` to the current data and writes the result; calls are serialised, so none is lost. */
  update<T>(change: (data: RegistryData) => { data: RegistryData; result: T }): Promise<T>;
  /** What went wrong while loading, for the user to read. */
  notices(): string[];
}

export function createRegistry(userDataDir: string, now: () => Date = () => new Date()): Registry {
  const file = path.join(userDataDir, registryFileName);
  const notices: string[] = [];
  let current: Promise<RegistryData> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<RegistryData> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: [] };
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const data = parsed === undefined ? undefined : migrate(parsed);
    if (data) return data;
    const stamp = now().toISOString().replace(/[:.]/g, '-');
    // Written by a newer Billfold, or holding accounts this one cannot read: every account it can
    // read is kept, and the file as it was is set aside (copied, never moved) for the rest.
    const partial = parsed === undefined ? undefined : readAccountByAccount(parsed);
    if (partial) {
      const aside = path.join(userDataDir, `accounts.set-aside-${stamp}.json`);
      await fs.copyFile(file, aside, fs.constants.COPYFILE_EXCL);
      const kept = partial.data.accounts.length;
      const keptWords = `${kept} ${kept === 1 ? 'account' : 'accounts'}`;
      const where = `The file as it was is kept as ${path.basename(aside)} in ${userDataDir}.`;
      if (partial.version > registryVersion) {
        const lost = partial.unreadable.length === 0 ? '' : ` It could not read ${partial.unreadable.length} of them (${partial.unreadable.join(', ')}).`;
        notices.push(`The account list was written by a newer version of Billfold (file version ${partial.version}). This version shows the ${keptWords} it can read.${lost} ${where}`);
      } else {
        notices.push(
          `${partial.unreadable.length} ${partial.unreadable.length === 1 ? 'account' : 'accounts'} in the account list could not be read (${partial.unreadable.join(', ')}) and ${partial.unreadable.length === 1 ? 'was' : 'were'} set aside; the other ${keptWords} are here. ${where}`,
        );
      }
      return partial.data;
    }
    const aside = path.join(userDataDir, `accounts.corrupt-${stamp}.json`);
    await fs.rename(file, aside);
    notices.push(
      `The account list could not be read, so Billfold started with an empty one. The old file was kept as ${path.basename(aside)} in ${userDataDir}.`,
    );
    return { accounts: [] };
  }

  /** Loads once; a failed read (a busy or locked file) is tried again next time rather than kept. */
  const loaded = () =>
    (current ??= load().catch((error: unknown) => {
      current = undefined;
      throw error;
    }));

  return {
    read: loaded,
    update<T>(change: (data: RegistryData) => { data: RegistryData; result: T }): Promise<T> {
      const run = queue.then(async () => {
        const before = await loaded();
        const { data, result } = change(structuredClone(before));
        await writeFileAtomic(file, `${JSON.stringify({ version: registryVersion, ...data }, null, 2)}\n`, 'the account list');
        current = Promise.resolve(data);
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    notices: () => [...notices],
  };
}

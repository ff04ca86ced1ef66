import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FilesSettings } from '../../contract/models/files';
import { writeFileAtomic } from '../fs/atomic-write';

const settingsVersion = 1;
const moneySchema = z.object({ minor: z.int().min(1).max(Number.MAX_SAFE_INTEGER), currency: z.string().regex(/^[A-Z]{3}$/) });
const fileSchema = z.object({
  version: z.literal(settingsVersion),
  downloadsFolder: z.string().min(1).max(4096).optional(),
  /** Monthly budgets (spend insight). */
  budgets: z
    .object({
      accounts: z.array(z.object({ accountId: z.string().min(1).max(64), amount: moneySchema })),
      currencies: z.array(z.object({ currency: z.string().regex(/^[A-Z]{3}$/), amount: moneySchema })),
    })
    .optional(),
  /** The background sync schedule. */
  sync: z.object({ enabled: z.boolean(), intervalMinutes: z.int().min(5).max(1440) }).optional(),
});

/** Why a settings file that is JSON is not one Billfold reads, after its path ("… has no …"). */
function discardedBecause(json: unknown, error: z.ZodError): string {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'is not a JSON object';
  const version = (json as Record<string, unknown>)['version'];
  if (version === undefined) return `has no "version": ${settingsVersion}; add "version": ${settingsVersion} beside the other settings`;
  if (version !== settingsVersion) return `is of version ${JSON.stringify(version)}, which this Billfold does not read (it reads "version": ${settingsVersion})`;
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `"${issue.path.map(String).join('.')}"` : 'a setting';
  return `has a value Billfold cannot use: ${where}${issue ? ` (${issue.message})` : ''}`;
}

export type Budgets = NonNullable<z.infer<typeof fileSchema>['budgets']>;
export type SyncSchedule = NonNullable<z.infer<typeof fileSchema>['sync']>;
export const defaultSyncSchedule: SyncSchedule = { enabled: true, intervalMinutes: 60 };

export interface SettingsStore {
  get(): Promise<FilesSettings>;
  /** `undefined` goes back to the default folder. */
  setDownloadsFolder(folder: string | undefined): Promise<FilesSettings>;
  getBudgets(): Promise<Budgets>;
  setBudgets(budgets: Budgets): Promise<Budgets>;
  getSync(): Promise<SyncSchedule>;
  setSync(schedule: SyncSchedule): Promise<SyncSchedule>;
}

/**
 * The user's settings (the downloads folder, budgets, the sync schedule), in a small versioned
 * JSON file written atomically. Each change keeps the other settings.
 */
export function createSettingsStore(userDataDir: string, documentsDir: string, opts: { onDiscarded?: (reason: string) => void } = {}): SettingsStore {
  const file = path.join(userDataDir, 'settings.json');
  const defaultDownloadsFolder = path.join(documentsDir, 'Billfold');
  let cached: Promise<z.infer<typeof fileSchema>> | undefined;

  async function load(): Promise<z.infer<typeof fileSchema>> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return { version: settingsVersion };
    }
    // Unreadable settings fall back to the defaults; the file is replaced on the next change.
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      opts.onDiscarded?.(`${file} is not valid JSON (${(error as Error).message})`);
      return { version: settingsVersion };
    }
    const parsed = fileSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    opts.onDiscarded?.(`${file} ${discardedBecause(json, parsed.error)}`);
    return { version: settingsVersion };
  }

  const view = (data: z.infer<typeof fileSchema>): FilesSettings => ({
    downloadsFolder: data.downloadsFolder ?? defaultDownloadsFolder,
    defaultDownloadsFolder,
    isDefault: data.downloadsFolder === undefined,
  });

  let writing: Promise<unknown> = Promise.resolve();
  /** Changes one setting and writes the file, one change at a time. */
  function change(edit: (data: z.infer<typeof fileSchema>) => void): Promise<z.infer<typeof fileSchema>> {
    const next = writing.then(async () => {
      const data = structuredClone(await (cached ??= load()));
      edit(data);
      await writeFileAtomic(file, JSON.stringify(data, null, 2), 'the settings');
      cached = Promise.resolve(data);
      return data;
    });
    writing = next.catch(() => undefined);
    return next;
  }

  return {
    async get() {
      return view(await (cached ??= load()));
    },
    async setDownloadsFolder(folder) {
      const data = await change((d) => {
        delete d.downloadsFolder;
        if (folder !== undefined) d.downloadsFolder = path.resolve(folder);
      });
      return view(data);
    },
    async getBudgets() {
      return (await (cached ??= load())).budgets ?? { accounts: [], currencies: [] };
    },
    async setBudgets(budgets) {
      return (await change((d) => (d.budgets = budgets))).budgets ?? budgets;
    },
    async getSync() {
      return (await (cached ??= load())).sync ?? defaultSyncSchedule;
    },
    async setSync(schedule) {
      return (await change((d) => (d.sync = schedule))).sync ?? schedule;
    },
  };
}

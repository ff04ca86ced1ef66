import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FilesSettings } from '../../contract/models/files';
import { writeFileAtomic } from '../fs/atomic-write';

const settingsVersion = 1;
const fileSchema = z.object({
  version: z.literal(settingsVersion),
  downloadsFolder: z.string().min(1).max(4096).optional(),
});

export interface SettingsStore {
  get(): Promise<FilesSettings>;
  /** `undefined` goes back to the default folder. */
  setDownloadsFolder(folder: string | undefined): Promise<FilesSettings>;
}

/** The user's file settings (the downloads folder), in a small versioned JSON file written atomically. */
export function createSettingsStore(userDataDir: string, documentsDir: string, opts: { onDiscarded?: () => void } = {}): SettingsStore {
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
    try {
      return fileSchema.parse(JSON.parse(text));
    } catch {
      // Unreadable settings fall back to the defaults; the file is replaced on the next change.
      opts.onDiscarded?.();
      return { version: settingsVersion };
    }
  }

  const view = (data: z.infer<typeof fileSchema>): FilesSettings => ({
    downloadsFolder: data.downloadsFolder ?? defaultDownloadsFolder,
    defaultDownloadsFolder,
    isDefault: data.downloadsFolder === undefined,
  });

  return {
    async get() {
      return view(await (cached ??= load()));
    },
    async setDownloadsFolder(folder) {
      const data: z.infer<typeof fileSchema> = { version: settingsVersion };
      if (folder !== undefined) data.downloadsFolder = path.resolve(folder);
      await writeFileAtomic(file, JSON.stringify(data, null, 2), 'the settings');
      cached = Promise.resolve(data);
      return view(data);
    },
  };
}

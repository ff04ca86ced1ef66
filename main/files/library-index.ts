import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { LibraryRebuild, SavedFile, SavedFileKind } from '../../contract/models/files';
import { writeFileAtomic } from '../fs/atomic-write';
import { AppError } from '../http/errors';
import { numberedName, safeFolderName } from './safe-name';
import { describeIoError, removeStaleTempFiles } from './write';

/**
 * The library: every file Billfold saved, across accounts. The index (`library.json` in the
 * user-data folder) is a cache: each download folder also keeps a small manifest of what it holds
 * (`.billfold-folder.json`: the account and each file's kind and period), so the index can be
 * rebuilt from the folders if it is lost or damaged. Only files a manifest lists are ever taken
 * in, and only folders with a manifest are Billfold's: the downloads folder may be the user's own
 * Documents, and nothing Billfold did not save must become deletable through the library.
 */

const indexVersion = 1;
const manifestVersion = 1;
export const manifestName = '.billfold-folder.json';
/** The folder for files that belong to no single account (e.g. the overview's tables). */
export const sharedFolderName = 'All accounts';

const kindSchema = z.enum(['invoice-pdf', 'bill-csv', 'table-csv', 'statement-pdf']);
const savedFileSchema = z.object({
  id: z.string(),
  kind: kindSchema,
  accountId: z.string().optional(),
  accountName: z.string().optional(),
  period: z.string().optional(),
  fileName: z.string(),
  path: z.string(),
  size: z.number(),
  savedAt: z.string(),
  sha256: z.string().optional(),
  source: z.object({ key: z.string(), hash: z.string() }).optional(),
});
const indexSchema = z.object({ version: z.literal(indexVersion), files: z.array(savedFileSchema) });
const manifestSchema = z.object({
  version: z.literal(manifestVersion),
  accountId: z.string().optional(),
  accountName: z.string().optional(),
  files: z.record(
    z.string(),
    z.object({
      kind: kindSchema,
      period: z.string().optional(),
      savedAt: z.string(),
      sha256: z.string().optional(),
      source: z.object({ key: z.string(), hash: z.string() }).optional(),
    }),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;

const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

/** Ids are derived from the path, so a rebuilt index keeps the ids the renderer already has. */
export const fileIdOf = (file: string) => createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 24);

export function inferFromName(fileName: string): { kind: SavedFileKind; period?: string } | undefined {
  const ext = path.extname(fileName).toLowerCase();
  if (ext !== '.pdf' && ext !== '.csv') return undefined;
  const month = /(20\d{2})-?(0[1-9]|1[0-2])(?!\d)/.exec(fileName);
  const period = month ? `${month[1]}-${month[2]}` : undefined;
  let kind: SavedFileKind;
  if (ext === '.pdf') kind = /statement/i.test(fileName) ? 'statement-pdf' : 'invoice-pdf';
  else kind = /bill|export/i.test(fileName) && !/table/i.test(fileName) ? 'bill-csv' : 'table-csv';
  return period === undefined ? { kind } : { kind, period };
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return manifestSchema.parse(JSON.parse(await fs.readFile(path.join(dir, manifestName), 'utf8')));
  } catch {
    return undefined;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await fs.stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

export interface LibraryIndex {
  /** Every indexed file that is still on disk, newest first. */
  all(): Promise<SavedFile[]>;
  get(id: string): Promise<SavedFile>;
  /** A file of this account made from this provider document with this content hash, still on disk. */
  findSource(accountId: string, source: { key: string; hash: string }): Promise<SavedFile | undefined>;
  add(entry: Omit<SavedFile, 'id'>): Promise<SavedFile>;
  /** Deletes the file from disk (if still there) and from the library. */
  delete(id: string): Promise<SavedFile>;
  /** Deletes every file saved from an account; answers how many. */
  deleteForAccount(accountId: string): Promise<number>;
  rebuild(): Promise<LibraryRebuild>;
  /** The folder an account's files go to under `root` (created, with its manifest). */
  folderFor(root: string, account: { id: string; name: string } | undefined): Promise<string>;
}

export function createLibraryIndex(
  userDataDir: string,
  opts: {
    downloadsRoot: () => Promise<string>;
    onNotice?: (message: string) => void;
    /** Moves a file to the system trash; without it, deleted files are removed from disk. */
    trash?: (file: string) => Promise<void>;
  },
): LibraryIndex {
  const indexFile = path.join(userDataDir, 'library.json');
  let files: Promise<SavedFile[]> | undefined;
  /** Every change goes through this chain, so two saves never write the index over each other. */
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };

  async function load(): Promise<SavedFile[]> {
    let text: string | undefined;
    try {
      text = await fs.readFile(indexFile, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      try {
        return indexSchema.parse(JSON.parse(text)).files.map((f) => strip(f) as SavedFile);
      } catch {
        opts.onNotice?.('The library index could not be read; it was rebuilt from your download folders.');
      }
    }
    // Lost or unreadable: rebuilt from the folders.
    const rebuilt = await scan(await opts.downloadsRoot(), []);
    await save(rebuilt.files);
    return rebuilt.files;
  }

  const current = () => (files ??= load().catch((error: unknown) => {
    files = undefined;
    throw error;
  }));

  async function save(list: SavedFile[]): Promise<void> {
    await writeFileAtomic(indexFile, JSON.stringify({ version: indexVersion, files: list }));
    files = Promise.resolve(list);
  }

  async function updateManifest(dir: string, change: (m: Manifest) => void): Promise<void> {
    const manifest = (await readManifest(dir)) ?? { version: manifestVersion, files: {} };
    change(manifest);
    await writeFileAtomic(path.join(dir, manifestName), JSON.stringify(manifest, null, 1));
  }

  /** Reads the folders under `root`; entries of `previous` outside it are kept while their files exist. */
  async function scan(root: string, previous: SavedFile[]): Promise<{ files: SavedFile[]; removedPartial: number }> {
    const found: SavedFile[] = [];
    let removedPartial = 0;
    const entries = await fs.readdir(root).catch(() => [] as string[]);
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const dir = path.join(root, name);
      if (!(await isDirectory(dir))) continue;
      // Billfold's own abandoned temporary files (`.billfold-<pid>-….part`) are removed wherever they are.
      removedPartial += await removeStaleTempFiles(dir);
      // A folder without a manifest is not Billfold's (or not any more): nothing in it is taken in.
      const manifest = await readManifest(dir);
      if (!manifest) continue;
      for (const fileName of await fs.readdir(dir)) {
        if (fileName.startsWith('.') || !inferFromName(fileName)) continue;
        // Only what Billfold saved here: a file the user put in the folder is not listed.
        if (!Object.hasOwn(manifest.files, fileName)) continue;
        const meta = manifest.files[fileName] as Manifest['files'][string];
        const file = path.join(dir, fileName);
        const stat = await fs.lstat(file).catch(() => undefined);
        if (!stat?.isFile()) continue;
        const entry: SavedFile = { id: fileIdOf(file), kind: meta.kind, fileName, path: file, size: stat.size, savedAt: meta.savedAt };
        if (meta.period !== undefined) entry.period = meta.period;
        if (meta.sha256 !== undefined) entry.sha256 = meta.sha256;
        if (meta.source !== undefined) entry.source = { key: meta.source.key, hash: meta.source.hash };
        if (manifest.accountId !== undefined) entry.accountId = manifest.accountId;
        if (name !== sharedFolderName || manifest.accountId !== undefined) entry.accountName = manifest.accountName ?? name;
        found.push(entry);
      }
    }
    const seen = new Set(found.map((f) => f.id));
    for (const f of previous) {
      if (seen.has(f.id) || path.resolve(path.dirname(path.dirname(f.path))) === path.resolve(root)) continue;
      if ((await fs.lstat(f.path).catch(() => undefined))?.isFile()) found.push(f);
    }
    return { files: found, removedPartial };
  }

  async function existing(): Promise<SavedFile[]> {
    const missing = new Set<string>();
    for (const f of await current()) if (!(await fs.lstat(f.path).catch(() => undefined))?.isFile()) missing.add(f.id);
    // The list is read again inside the serial section: a save that finished meanwhile is kept,
    // and only the files found missing are dropped.
    const list = missing.size === 0 ? await current() : await serial(async () => {
      const present = (await current()).filter((f) => !missing.has(f.id));
      await save(present);
      return present;
    });
    return list.filter((f) => !missing.has(f.id)).sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  async function removeOne(f: SavedFile): Promise<void> {
    try {
      const there = (await fs.lstat(f.path).catch(() => undefined))?.isFile() === true;
      if (there && opts.trash) await opts.trash(f.path);
      else await fs.rm(f.path, { force: true });
    } catch (error) {
      throw new AppError('io_error', `Billfold could not delete ${f.fileName}: ${describeIoError(error)}`, { cause: error });
    }
    await updateManifest(path.dirname(f.path), (m) => {
      m.files = Object.fromEntries(Object.entries(m.files).filter(([name]) => name !== f.fileName));
    }).catch(() => undefined);
  }

  return {
    all: existing,

    async get(id) {
      const found = (await current()).find((f) => f.id === id);
      if (!found) throw new AppError('not_found', 'That file is no longer in the library.');
      if (!(await fs.lstat(found.path).catch(() => undefined))?.isFile()) {
        await serial(async () => save((await current()).filter((f) => f.id !== id)));
        throw new AppError('not_found', `${found.fileName} is no longer in its folder; it was removed from the library.`);
      }
      return found;
    },

    async findSource(accountId, source) {
      for (const f of await current()) {
        if (f.accountId !== accountId || f.source?.key !== source.key || f.source.hash !== source.hash) continue;
        if ((await fs.lstat(f.path).catch(() => undefined))?.isFile()) return f;
      }
      return undefined;
    },

    add(entry) {
      return serial(async () => {
        const saved: SavedFile = { id: fileIdOf(entry.path), ...entry };
        const manifestEntry: Manifest['files'][string] = { kind: saved.kind, savedAt: saved.savedAt };
        if (saved.period !== undefined) manifestEntry.period = saved.period;
        if (saved.sha256 !== undefined) manifestEntry.sha256 = saved.sha256;
        if (saved.source !== undefined) manifestEntry.source = saved.source;
        await updateManifest(path.dirname(saved.path), (m) => {
          m.files[saved.fileName] = manifestEntry;
        });
        const list = (await current()).filter((f) => f.id !== saved.id);
        await save([saved, ...list]);
        return saved;
      });
    },

    async delete(id) {
      const target = (await current()).find((f) => f.id === id);
      if (!target) throw new AppError('not_found', 'That file is no longer in the library.');
      return serial(async () => {
        await removeOne(target);
        await save((await current()).filter((f) => f.id !== id));
        return target;
      });
    },

    deleteForAccount(accountId) {
      return serial(async () => {
        const list = await current();
        const mine = list.filter((f) => f.accountId === accountId);
        for (const f of mine) await removeOne(f);
        await save(list.filter((f) => f.accountId !== accountId));
        return mine.length;
      });
    },

    rebuild() {
      return serial(async () => {
        const previous = await current().catch(() => [] as SavedFile[]);
        const result = await scan(await opts.downloadsRoot(), previous);
        await save(result.files);
        return { files: result.files.length, removedPartial: result.removedPartial };
      });
    },

    folderFor(root, account) {
      return serial(async () => {
        const base = account ? safeFolderName(account.name) : sharedFolderName;
        for (let n = 1; n < 100; n++) {
          const dir = path.join(root, numberedName(base, n));
          const manifest = await readManifest(dir);
          if (manifest !== undefined && manifest.accountId !== account?.id) continue;
          try {
            if (manifest === undefined) {
              // A folder without a manifest (made by hand, or by another program) is never adopted:
              // writing a manifest into it would make the user's own files part of the library.
              // Only a folder this call creates gets one (mkdir fails if anything has the name).
              await fs.mkdir(root, { recursive: true });
              const created = await fs.mkdir(dir).then(
                () => true,
                (error: unknown) => {
                  if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
                  throw error;
                },
              );
              if (!created) continue;
            }
            await updateManifest(dir, (m) => {
              if (account) {
                m.accountId = account.id;
                m.accountName = account.name;
              }
            });
          } catch (error) {
            throw new AppError('io_error', `Billfold could not create the folder ${dir}: ${describeIoError(error)}`, { cause: error });
          }
          return dir;
        }
        throw new AppError('io_error', `Too many folders named like ${base} in ${root}.`);
      });
    },
  };
}

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { LibraryRebuild, SavedFile, SavedFileKind } from '../../contract/models/files';
import { atomicTempTarget, removeStaleAtomicTemps, writeFileAtomic } from '../fs/atomic-write';
import { makeFolder, writeFailure } from '../fs/io-errors';
import { AppError } from '../http/errors';
import { numberedName, safeFolderName } from './safe-name';
import { removeStaleTempFiles } from './write';

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
  formulas: z.literal(true).optional(),
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
      formulas: z.literal(true).optional(),
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

/**
 * Whether an index entry names one of Billfold's own files: a plain file (not a link) whose
 * folder (not a link either) holds a Billfold manifest that lists it under the same name. The
 * index lives in the user-data folder and is only a cache; an entry that points anywhere else
 * (an edited or damaged index) must never be opened, revealed or deleted.
 */
export async function isBillfoldFile(entry: Pick<SavedFile, 'path' | 'fileName'>): Promise<boolean> {
  const file = entry.path;
  if (!path.isAbsolute(file) || file.includes('\0') || path.basename(file) !== entry.fileName || entry.fileName.startsWith('.')) return false;
  if (!inferFromName(entry.fileName)) return false;
  const dir = path.dirname(file);
  const [dirStat, fileStat] = await Promise.all([fs.lstat(dir).catch(() => undefined), fs.lstat(file).catch(() => undefined)]);
  if (!dirStat?.isDirectory() || !fileStat?.isFile()) return false;
  const manifest = await readManifest(dir);
  return manifest !== undefined && Object.hasOwn(manifest.files, entry.fileName);
}

/**
 * Whether `dir` is a folder Billfold made whose first manifest write was stopped (the process died
 * before renaming its temporary file): a folder, not a link, that holds nothing but temporary
 * manifests of processes that are gone, none of them written for another account. Those are
 * removed, and the folder is empty again for the account's manifest.
 */
async function unfinishedFolderOf(dir: string, accountId: string | undefined): Promise<boolean> {
  if (!(await fs.lstat(dir).catch(() => undefined))?.isDirectory()) return false;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  if (names.length === 0 || names.some((name) => atomicTempTarget(name) !== manifestName)) return false;
  for (const name of names) {
    const file = path.join(dir, name);
    if (!(await fs.lstat(file).catch(() => undefined))?.isFile()) return false;
    // Written whole before the process died, it says which account it was for.
    let written: Manifest | undefined;
    try {
      written = manifestSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
    } catch {
      written = undefined;
    }
    if (written && written.accountId !== accountId) return false;
  }
  await removeStaleAtomicTemps(dir, { targets: (target) => target === manifestName });
  return (await fs.readdir(dir).catch(() => names)).length === 0;
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
  /**
   * The start-up cleanup of every account folder: removes what killed writes left, and records
   * whole files a kill left unrecorded (the library index is rebuilt when there were any).
   */
  cleanUp(): Promise<{ removedPartial: number; adopted: number }>;
  /**
   * Records an account's new name with its saved files (index entries and folder manifests), so
   * they keep it once the account is removed and after a rebuild. The folders keep their names.
   */
  renameAccount(accountId: string, name: string): Promise<void>;
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
      let listed: SavedFile[] | undefined;
      try {
        listed = indexSchema.parse(JSON.parse(text)).files.map((f) => strip(f) as SavedFile);
      } catch {
        opts.onNotice?.('The library index could not be read; it was rebuilt from your download folders.');
      }
      if (listed) return dropForeign(listed);
    }
    // Lost or unreadable: rebuilt from the folders.
    const rebuilt = await scan(await opts.downloadsRoot(), []);
    await save(rebuilt.files);
    return rebuilt.files;
  }

  /**
   * Entries whose file exists but is not one of Billfold's own are dropped, with a notice (missing
   * files are dropped quietly later, as always).
   */
  async function dropForeign(listed: SavedFile[]): Promise<SavedFile[]> {
    const kept: SavedFile[] = [];
    let foreign = 0;
    for (const f of listed) {
      if (await isBillfoldFile(f)) kept.push(f);
      else if (await fs.lstat(f.path).then(() => true, () => false)) foreign += 1;
      else kept.push(f);
    }
    if (foreign === 0) return listed;
    await writeFileAtomic(indexFile, JSON.stringify({ version: indexVersion, files: kept }));
    opts.onNotice?.(
      `${foreign === 1 ? 'One library entry pointed' : `${foreign} library entries pointed`} to a file outside Billfold’s folders and ${foreign === 1 ? 'was' : 'were'} removed from the library. The file${foreign === 1 ? ' itself was' : 's themselves were'} not touched.`,
    );
    return kept;
  }

  /** The entry, if it still names one of Billfold's own files; otherwise it leaves the index and `not_found` is thrown. */
  async function own(id: string): Promise<SavedFile> {
    const found = (await current()).find((f) => f.id === id);
    if (!found) throw new AppError('not_found', 'That file is no longer in the library.');
    if (!(await isBillfoldFile(found))) {
      await serial(async () => save((await current()).filter((f) => f.id !== id)));
      throw new AppError('not_found', `${found.fileName} is no longer in its folder; it was removed from the library.`);
    }
    return found;
  }

  const current = () => (files ??= load().catch((error: unknown) => {
    files = undefined;
    throw error;
  }));

  async function save(list: SavedFile[]): Promise<void> {
    await writeFileAtomic(indexFile, JSON.stringify({ version: indexVersion, files: list }), 'the library index');
    files = Promise.resolve(list);
  }

  async function updateManifest(dir: string, change: (m: Manifest) => void): Promise<void> {
    const manifest = (await readManifest(dir)) ?? { version: manifestVersion, files: {} };
    change(manifest);
    await writeFileAtomic(path.join(dir, manifestName), JSON.stringify(manifest, null, 1), 'the list of files saved in the folder');
  }

  /**
   * Removes what killed writes left in an account folder: unfinished downloads (`.part`) and
   * half-written manifests (`.tmp`). A whole file whose writer was killed before recording it (its
   * `.part` is a second name of it) is entered in the folder's manifest, so the library lists it.
   * Only for a folder with Billfold's manifest: any other folder of the downloads folder is the
   * user's, and files there of a shape like Billfold's temporary ones are left alone.
   */
  async function cleanFolder(dir: string): Promise<{ removedPartial: number; adopted: number }> {
    if (!(await readManifest(dir))) return { removedPartial: 0, adopted: 0 };
    let adopted = 0;
    await removeStaleAtomicTemps(dir, { targets: (target) => target === manifestName });
    const removedPartial = await removeStaleTempFiles(dir, {
      onWhole: async (fileName) => {
        const inferred = inferFromName(fileName);
        const manifest = await readManifest(dir);
        // Only into a folder that is Billfold's, and only a file kind it saves.
        if (!manifest || !inferred) return;
        // Stopped after the folder's list had it but before the library index did: listed again by the rescan.
        if (Object.hasOwn(manifest.files, fileName)) {
          adopted += 1;
          return;
        }
        const stat = await fs.stat(path.join(dir, fileName));
        await updateManifest(dir, (m) => {
          m.files[fileName] = { kind: inferred.kind, savedAt: stat.mtime.toISOString(), ...(inferred.period === undefined ? {} : { period: inferred.period }) };
        });
        adopted += 1;
      },
    });
    return { removedPartial, adopted };
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
      // A folder without a manifest is not Billfold's (or not any more): nothing in it is taken in
      // or removed.
      removedPartial += (await cleanFolder(dir)).removedPartial;
      // Read after the cleanup, which may have entered a file a stopped run had not recorded.
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
        if (meta.formulas) entry.formulas = true;
        if (manifest.accountId !== undefined) entry.accountId = manifest.accountId;
        if (name !== sharedFolderName || manifest.accountId !== undefined) entry.accountName = manifest.accountName ?? name;
        found.push(entry);
      }
    }
    const seen = new Set(found.map((f) => f.id));
    for (const f of previous) {
      if (seen.has(f.id) || path.resolve(path.dirname(path.dirname(f.path))) === path.resolve(root)) continue;
      if (await isBillfoldFile(f)) found.push(f);
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
      throw writeFailure(error, `delete ${f.fileName}`, path.dirname(f.path));
    }
    await updateManifest(path.dirname(f.path), (m) => {
      m.files = Object.fromEntries(Object.entries(m.files).filter(([name]) => name !== f.fileName));
    }).catch(() => undefined);
  }

  return {
    all: existing,

    get: own,

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
        if (saved.formulas) manifestEntry.formulas = true;
        await updateManifest(path.dirname(saved.path), (m) => {
          m.files[saved.fileName] = manifestEntry;
        });
        const list = (await current()).filter((f) => f.id !== saved.id);
        await save([saved, ...list]);
        return saved;
      });
    },

    async delete(id) {
      const target = await own(id);
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
        // Only Billfold's own files are deleted; an entry pointing elsewhere just leaves the index.
        for (const f of mine) if (await isBillfoldFile(f)) await removeOne(f);
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

    cleanUp() {
      return serial(async () => {
        const root = await opts.downloadsRoot();
        let removedPartial = 0;
        let adopted = 0;
        for (const name of await fs.readdir(root).catch(() => [] as string[])) {
          const dir = path.join(root, name);
          if (name.startsWith('.') || !(await isDirectory(dir))) continue;
          const done = await cleanFolder(dir);
          removedPartial += done.removedPartial;
          adopted += done.adopted;
        }
        if (adopted > 0) await save((await scan(root, await current().catch(() => [] as SavedFile[]))).files);
        return { removedPartial, adopted };
      });
    },

    renameAccount(accountId, name) {
      return serial(async () => {
        const list = await current();
        // The account's folders: those of its indexed files, and any under the downloads folder
        // (files saved into a former downloads folder are reached through the index).
        const dirs = new Set(list.filter((f) => f.accountId === accountId).map((f) => path.dirname(f.path)));
        const root = await opts.downloadsRoot();
        for (const entry of await fs.readdir(root).catch(() => [] as string[])) if (!entry.startsWith('.')) dirs.add(path.join(root, entry));
        for (const dir of dirs) {
          const manifest = await readManifest(dir);
          if (manifest?.accountId !== accountId || manifest.accountName === name) continue;
          await updateManifest(dir, (m) => {
            m.accountName = name;
          });
        }
        if (list.some((f) => f.accountId === accountId && f.accountName !== name)) {
          await save(list.map((f) => (f.accountId === accountId ? { ...f, accountName: name } : f)));
        }
      });
    },

    folderFor(root, account) {
      return serial(async () => {
        const base = account ? safeFolderName(account.name) : sharedFolderName;
        for (let n = 1; n < 100; n++) {
          const dir = path.join(root, numberedName(base, n, 'folder'));
          const manifest = await readManifest(dir);
          if (manifest !== undefined && manifest.accountId !== account?.id) continue;
          let created = false;
          try {
            if (manifest === undefined) {
              // A folder without a manifest (made by hand, or by another program) is never adopted:
              // writing a manifest into it would make the user's own files part of the library.
              // Only a folder this call creates gets one (mkdir fails if anything has the name), or
              // one an earlier save made and died before its manifest was in place: that one is
              // taken back, or the account's files would be split between it and "<name> (2)".
              await makeFolder(root);
              created = await fs.mkdir(dir, { mode: 0o700 }).then(
                () => true,
                (error: unknown) => {
                  if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
                  throw error;
                },
              );
              if (!created) created = await unfinishedFolderOf(dir, account?.id);
              if (!created) continue;
            }
            // A folder of Billfold's from before files were kept private becomes private too.
            if (manifest !== undefined && process.platform !== 'win32') await fs.chmod(dir, 0o700).catch(() => undefined);
            await updateManifest(dir, (m) => {
              if (account) {
                m.accountId = account.id;
                m.accountName = account.name;
              }
            });
          } catch (error) {
            // A folder made here without its manifest would never be taken as this account's
            // again (see above), and the next save would make another one beside it.
            if (created) await fs.rmdir(dir).catch(() => undefined);
            throw writeFailure(error, `create the folder ${path.basename(dir)}`, root);
          }
          return dir;
        }
        throw new AppError('io_error', `Too many folders named like ${base} in ${root}.`);
      });
    },
  };
}

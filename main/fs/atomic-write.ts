import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeFolder, writeFailure } from './io-errors';
import { processIsAlive } from './process-alive';

/** Atomic-write temporary files: `.<name>.<pid>-<12 hex>.tmp` beside their target (older versions had no pid). */
export const isAtomicTempName = (name: string) => /^\..+\.(\d+-)?[0-9a-f]{12}\.tmp$/.test(name);

/** The process that wrote an atomic-write temporary file, when its name says. */
export const atomicTempOwner = (name: string): number | undefined => {
  const pid = /\.(\d+)-[0-9a-f]{12}\.tmp$/.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
};

/**
 * Writes to a temporary file beside the target, flushes it, then renames it over the
 * target, so readers see the old content or the new, never half of one. A failure leaves the
 * old file and no temporary one, and throws `disk_full`, `read_only` or `io_error` naming the
 * folder; `what` says what was being saved ("the account list").
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, what = path.basename(file)): Promise<void> {
  const dir = path.dirname(file);
  // The writer's pid is in the name, so the start-up cleanup leaves a write in progress alone.
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await makeFolder(dir);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw writeFailure(error, `save ${what}`, dir);
  }
}

/** The name of the file an atomic-write temporary file was to become (`.a.json.<pid>-<hex>.tmp` -> `a.json`). */
export const atomicTempTarget = (name: string): string | undefined => (isAtomicTempName(name) ? name.slice(1).replace(/\.(\d+-)?[0-9a-f]{12}\.tmp$/, '') : undefined);

/**
 * Removes the atomic-write temporary files a killed or crashed process left in `dir`: those of
 * processes that are gone, those without a pid (older versions), and any other process's older
 * than a day. This process's own writes in progress are left alone. With `targets`, only
 * temporary files of the names it accepts are considered (in a folder other programs write to,
 * a file of that shape may be theirs). Answers how many went.
 */
export async function removeStaleAtomicTemps(dir: string, opts: { now?: number; targets?: (target: string) => boolean } = {}): Promise<number> {
  const now = opts.now ?? Date.now();
  const { targets } = opts;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names.filter((n) => isAtomicTempName(n) && (targets === undefined || targets(atomicTempTarget(n) ?? '')))) {
    const pid = atomicTempOwner(name);
    if (pid === process.pid) continue;
    const file = path.join(dir, name);
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const gone = pid === undefined || !processIsAlive(pid);
    if (!gone && now - stat.mtimeMs < 24 * 3600_000) continue;
    await fs.rm(file, { force: true }).catch(() => undefined);
    removed += 1;
  }
  return removed;
}

/** Error codes of file systems without hard links (FAT, some network shares). */
const noHardLinks = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);

/**
 * Writes several files that belong together (a FOCUS export and its usage file) so that a
 * failure leaves each of them as it was: every new content is written and flushed to a
 * temporary file first, and only then are they renamed into place. Should a rename fail, the
 * files already replaced get their old content back (kept under a second name meanwhile), or
 * are removed when there was none. Fails like `writeFileAtomic`; `what` names the set.
 */
export async function writeFilesAtomic(files: readonly { file: string; data: string | Uint8Array }[], what: string): Promise<void> {
  const tempOf = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const staged = files.map((f) => ({ ...f, temp: tempOf(f.file), old: undefined as string | undefined }));
  const replaced: typeof staged = [];
  let current = staged[0]?.file ?? '';
  try {
    for (const f of staged) {
      current = f.file;
      await makeFolder(path.dirname(f.file));
      const handle = await fs.open(f.temp, 'wx', 0o600);
      try {
        await handle.writeFile(f.data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (const f of staged) {
      current = f.file;
      const old = tempOf(f.file);
      try {
        await fs.link(f.file, old);
        f.old = old;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (code === 'ENOENT') continue;
        if (!noHardLinks.has(code)) throw error;
        await fs.copyFile(f.file, old, fs.constants.COPYFILE_EXCL);
        f.old = old;
      }
    }
    for (const f of staged) {
      current = f.file;
      await fs.rename(f.temp, f.file);
      replaced.push(f);
    }
  } catch (error) {
    for (const f of replaced.reverse()) {
      // Kept under its second name if it cannot get its own back.
      if (f.old !== undefined) await fs.rename(f.old, f.file).catch(() => (f.old = undefined));
      else await fs.rm(f.file, { force: true }).catch(() => undefined);
    }
    throw writeFailure(error, `save ${what}`, path.dirname(current));
  } finally {
    for (const f of staged) {
      await fs.rm(f.temp, { force: true }).catch(() => undefined);
      if (f.old !== undefined) await fs.rm(f.old, { force: true }).catch(() => undefined);
    }
  }
}

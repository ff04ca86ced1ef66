import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeIoError, makeFolder, writeFailure } from '../fs/io-errors';
import { AppError } from '../http/errors';
import { numberedName } from './safe-name';
import { processIsAlive } from '../fs/process-alive';

/** Temporary files start with this and end with `.part`; the library never lists them. */
export const tempPrefix = '.billfold-';
export const tempSuffix = '.part';

export const isTempName = (name: string) => name.startsWith(tempPrefix) && name.endsWith(tempSuffix);

export interface WrittenFile {
  path: string;
  fileName: string;
  size: number;
}

const maxAttempts = 999;

/**
 * Writes `data` into `dir` under `fileName` without ever overwriting or exposing half a file:
 * the bytes go to a hidden temporary file, are flushed, and only then get their name, through a
 * hard link that fails if the name is taken (then `name (2).ext`, `name (3).ext` …). A process
 * killed half-way leaves at most a hidden `.part` file, which `removeStaleTempFiles` cleans up.
 */
export async function writeNewFile(
  dir: string,
  fileName: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  opts: {
    signal?: AbortSignal;
    /**
     * Records the named file (in the library) while the temporary file still exists: a process
     * killed before this finishes leaves the temporary file as a second name of the whole file, so
     * the start-up cleanup can tell a whole file that was never recorded from an unfinished one.
     * If it fails, the named file is removed again and the error thrown.
     */
    record?: (written: WrittenFile) => Promise<void>;
  } = {},
): Promise<WrittenFile> {
  const temp = tempFileIn(dir);
  let size = 0;
  try {
    await makeFolder(dir);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      if (data instanceof Uint8Array) {
        await handle.writeFile(data);
        size = data.byteLength;
      } else {
        for await (const chunk of data) {
          if (opts.signal?.aborted) throw new AppError('cancelled', 'The download was cancelled.');
          await handle.write(chunk);
          size += chunk.byteLength;
        }
      }
      if (opts.signal?.aborted) throw new AppError('cancelled', 'The download was cancelled.');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return await named(temp, dir, fileName, size, opts.record);
  } catch (error) {
    throw writeFailure(error, `save ${fileName}`, dir);
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** A new temporary file name in `dir`. The writer's pid is in it, so a later cleanup can tell an abandoned file from one being written. */
export function tempFileIn(dir: string): string {
  return path.join(dir, `${tempPrefix}${process.pid}-${randomBytes(8).toString('hex')}${tempSuffix}`);
}

/**
 * Moves a finished temporary file of `dir` (see `tempFileIn`; a download streamed to disk) into
 * place under the first free name like `fileName`, records it, and removes the temporary name.
 * Fails like `writeNewFile`, leaving no file behind.
 */
export async function placeFile(temp: string, dir: string, fileName: string, opts: { record?: (written: WrittenFile) => Promise<void> } = {}): Promise<WrittenFile> {
  try {
    const { size } = await fs.stat(temp);
    return await named(temp, dir, fileName, size, opts.record);
  } catch (error) {
    throw writeFailure(error, `save ${fileName}`, dir);
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

async function named(temp: string, dir: string, fileName: string, size: number, record: ((written: WrittenFile) => Promise<void>) | undefined): Promise<WrittenFile> {
  const target = await claimName(temp, dir, fileName);
  const written = { path: target, fileName: path.basename(target), size };
  if (record) {
    try {
      await record(written);
    } catch (error) {
      // Not recorded: a save reported as failed leaves no file behind.
      await fs.rm(target, { force: true }).catch(() => undefined);
      throw error;
    }
  }
  return written;
}

/** Gives the finished temporary file its final name: the first free one of `name`, `name (2)` … */
async function claimName(temp: string, dir: string, fileName: string): Promise<string> {
  for (let n = 1; n <= maxAttempts; n++) {
    const target = path.join(dir, numberedName(fileName, n));
    try {
      await fs.link(temp, target);
      return target;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS') {
        // File systems without hard links (FAT, some network shares): an exclusive copy still never overwrites.
        try {
          await fs.copyFile(temp, target, fs.constants.COPYFILE_EXCL);
          return target;
        } catch (copyError) {
          if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') continue;
          // A copy that failed half-way (a full disk) must not leave half a file under the name.
          await fs.rm(target, { force: true }).catch(() => undefined);
          throw copyError;
        }
      }
      throw error;
    }
  }
  throw new AppError('io_error', `There are already ${maxAttempts} files named like ${fileName}; nothing was saved.`);
}

const abandonedAfterMs = 24 * 3600_000;

/**
 * Removes temporary files left by writes that never finished (a crash, a killed process): those
 * of processes that are gone, and any older than a day. Writes in progress are left alone. A
 * temporary file that is a second name of a named file (the writer was killed after naming the
 * file, before recording it) is a whole file: `onWhole` gets the named file's name first, and
 * only unfinished downloads are counted as removed.
 */
export async function removeStaleTempFiles(dir: string, opts: { now?: number; onWhole?: (fileName: string) => Promise<void> } = {}): Promise<number> {
  const now = opts.now ?? Date.now();
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter(isTempName)) {
    const pid = Number(/^\.billfold-(\d+)-/.exec(name)?.[1]);
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) continue;
    const ownerGone = Number.isInteger(pid) && pid !== process.pid && !processIsAlive(pid);
    if (!ownerGone && now - stat.mtimeMs < abandonedAfterMs) continue;
    const whole = stat.nlink > 1 ? await namedTwin(dir, names, stat) : undefined;
    if (whole !== undefined) await opts.onWhole?.(whole);
    await fs.rm(file, { force: true });
    if (whole === undefined) removed += 1;
  }
  return removed;
}

/** The visible file of `dir` that is the same file as `stat` (a hard link to it). */
async function namedTwin(dir: string, names: string[], stat: { ino: number; dev: number }): Promise<string | undefined> {
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const other = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (other?.isFile() && other.ino === stat.ino && other.dev === stat.dev) return name;
  }
  return undefined;
}

export { describeIoError };

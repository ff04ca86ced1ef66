import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../http/errors';

const fullCodes = new Set(['ENOSPC', 'EDQUOT']);
const readOnlyCodes = new Set(['EROFS', 'EACCES', 'EPERM']);

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the file-system errors that say a disk is full or a folder cannot be written. */
export function isDiskError(error: unknown): boolean {
  const code = errnoOf(error);
  return code !== undefined && (fullCodes.has(code) || readOnlyCodes.has(code));
}

/**
 * The file-system errors of a write: a full or read-only disk, a failing device, a missing folder,
 * a file too large. Any other error (a provider's, or a program's own) is not the disk's.
 */
const fileSystemCodes = new Set([...fullCodes, ...readOnlyCodes, 'EIO', 'EFBIG', 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG']);

/** True for an error the file system gave, as opposed to a provider's or the program's own. */
export function isFileSystemError(error: unknown): boolean {
  const code = errnoOf(error);
  return code !== undefined && fileSystemCodes.has(code);
}

/** A few words on a file-system error, for messages. */
export function describeIoError(error: unknown): string {
  const code = errnoOf(error);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full.';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied.';
    case 'EROFS':
      return 'the folder is read-only.';
    case 'ENOENT':
      return 'the folder does not exist.';
    case 'ENAMETOOLONG':
      return 'the path is too long.';
    case 'EFBIG':
      return 'the file is larger than that disk, or the file size limit, allows.';
    default:
      return code ? `${code}.` : 'unknown error.';
  }
}

/**
 * The error for a failed write, with the folder named: `disk_full` when the disk is full,
 * `read_only` when the folder is read-only or not writable, `io_error` otherwise. `action` says
 * what was being done ("save the account list"). An AppError is passed through unchanged.
 */
export function writeFailure(error: unknown, action: string, folder: string): AppError {
  if (error instanceof AppError) return error;
  const code = errnoOf(error);
  if (code !== undefined && fullCodes.has(code)) {
    return new AppError('disk_full', `Billfold could not ${action}: the disk that holds ${folder} is full. Free some space, then try again.`, { cause: error });
  }
  if (code === 'EROFS') {
    return new AppError('read_only', `Billfold could not ${action}: ${folder} is on a read-only disk.`, { cause: error });
  }
  if (code !== undefined && readOnlyCodes.has(code)) {
    return new AppError('read_only', `Billfold could not ${action}: it is not allowed to write in ${folder}.`, { cause: error });
  }
  return new AppError('io_error', `Billfold could not ${action} in ${folder}: ${describeIoError(error)}`, { cause: error });
}

/**
 * For errors no service caught: a file-system error that names its file still says which
 * folder could not be written, rather than a generic "something went wrong".
 */
export function diskErrorFromErrno(error: unknown): AppError | undefined {
  if (!isDiskError(error)) return undefined;
  const file = (error as NodeJS.ErrnoException).path;
  const folder = typeof file === 'string' ? path.dirname(file) : 'a folder it uses';
  return writeFailure(error, 'write a file', folder);
}

/**
 * `mkdir -p` that reports the real reason it failed: Node's recursive mkdir answers ENOENT on
 * a read-only disk, which would read as "the folder does not exist".
 */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
    let missing = dir;
    for (;;) {
      const parent = path.dirname(missing);
      if (parent === missing) throw error;
      if (await fs.stat(parent).then(() => true, () => false)) break;
      missing = parent;
    }
    // Creating the first missing folder by itself fails with the real error (EROFS, EACCES).
    await fs.mkdir(missing, { mode: 0o700 });
    throw error;
  }
}

/**
 * `makeFolder` for a folder of Billfold's own data: owner-only (POSIX) also when it already existed
 * more open (made by an older version), since the folder around it may be readable by others.
 */
export async function makePrivateFolder(dir: string): Promise<void> {
  await makeFolder(dir);
  if (process.platform === 'win32') return;
  const stat = await fs.lstat(dir);
  if (stat.isDirectory() && (stat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700).catch(() => undefined);
}

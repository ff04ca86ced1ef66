import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../http/errors';
import { errnoOf, makeFolder, writeFailure } from './io-errors';
import { processIsAlive } from './process-alive';
import { localDateTime } from '../cli/text';

/**
 * One Billfold process per user-data folder. Two processes writing the same account list lose
 * each other's changes, so every front door that opens the folder (the window, the test harness,
 * the command line) takes this lock first: a file in the folder naming the process that holds it.
 * A lock left by a process that is gone (killed, crashed) is taken over.
 */
export const lockFileName = 'billfold.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** What holds it: "the window", "the test harness", "the command line". */
  holder: string;
  startedAt: string;
}

export interface InstanceLock {
  readonly file: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still this process's. Safe to call more than once. */
  release(): void;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const raw = JSON.parse(fsSync.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof raw.pid !== 'number' || !Number.isInteger(raw.pid) || raw.pid <= 0) return undefined;
    return {
      pid: raw.pid,
      hostname: typeof raw.hostname === 'string' ? raw.hostname : '',
      holder: typeof raw.holder === 'string' ? raw.holder.slice(0, 80) : 'Billfold',
      startedAt: typeof raw.startedAt === 'string' ? raw.startedAt.slice(0, 40) : '',
    };
  } catch {
    return undefined;
  }
}

/** A lock whose owner is gone: a dead process on this machine, or a file nobody can read. */
function isStale(owner: LockOwner | undefined): boolean {
  if (owner === undefined) return true;
  if (owner.hostname !== '' && owner.hostname !== os.hostname()) return false;
  return owner.pid !== process.pid && !processIsAlive(owner.pid);
}

function describeOwner(owner: LockOwner): string {
  const since = Number.isNaN(Date.parse(owner.startedAt)) ? '' : `, started ${localDateTime(owner.startedAt)}`;
  const where = owner.hostname !== '' && owner.hostname !== os.hostname() ? ` on ${owner.hostname}` : '';
  return `${owner.holder} (process ${owner.pid}${where}${since})`;
}

export function inUseError(dir: string, owner: LockOwner): AppError {
  return new AppError(
    'in_use',
    `Another Billfold is already using the folder ${dir}: ${describeOwner(owner)}. Close it first, or start this one with another user-data folder.`,
  );
}

/**
 * Takes the lock on `dir`, or throws AppError `in_use` naming the folder and the process that
 * holds it. The lock file appears with its content in one step (written aside, then hard-linked
 * to its name, which fails if the name exists), so a reader never sees half of it.
 */
export async function acquireInstanceLock(dir: string, holder: string): Promise<InstanceLock> {
  try {
    return await takeLock(dir, holder);
  } catch (error) {
    // A folder that is a file, on a read-only disk or a full one: say so, with a code, rather
    // than an errno and a stack trace.
    const code = errnoOf(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new AppError('io_error', `Billfold cannot use ${dir} as its user-data folder: it, or a folder above it, is a file.`, { cause: error });
    }
    throw writeFailure(error, 'take the lock on its user-data folder', dir);
  }
}

async function takeLock(dir: string, holder: string): Promise<InstanceLock> {
  await makeFolder(dir);
  const file = path.join(dir, lockFileName);
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), holder, startedAt: new Date().toISOString() };
  const candidate = path.join(dir, `.${lockFileName}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    // Inside the try: on a full disk the file is made and its content is not, and it must go.
    await fs.writeFile(candidate, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await fs.link(candidate, file);
        return lockFor(file, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readOwner(file);
      if (!isStale(current)) throw inUseError(dir, current as LockOwner);
      // Taken over: the stale file is moved aside under a name of our own, so of two processes
      // taking over at once only one moves the stale file and the other finds the winner's lock.
      const aside = `${candidate}.stale`;
      try {
        await fs.rename(file, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = readOwner(aside);
      if (moved !== undefined && !isStale(moved)) {
        // Between our read and the rename another process took the lock: give it back.
        await fs.link(aside, file).catch(() => undefined);
        await fs.rm(aside, { force: true });
        throw inUseError(dir, moved);
      }
      await fs.rm(aside, { force: true });
    }
    throw new AppError('in_use', `Billfold could not take the lock on the folder ${dir}: other processes keep taking it.`);
  } finally {
    await fs.rm(candidate, { force: true }).catch(() => undefined);
  }
}

function lockFor(file: string, owner: LockOwner): InstanceLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const current = readOwner(file);
    if (current?.pid === owner.pid && current.startedAt === owner.startedAt) fsSync.rmSync(file, { force: true });
  };
  // However the process ends normally (exit, an uncaught error), the lock goes with it; a killed
  // process leaves it behind, and the next start takes it over.
  process.on('exit', release);
  return { file, owner, release };
}

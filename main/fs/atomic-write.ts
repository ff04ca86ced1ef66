import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeFolder, writeFailure } from './io-errors';

/** Atomic-write temporary files: `.<name>.<12 hex>.tmp` beside their target. */
export const isAtomicTempName = (name: string) => /^\..+\.[0-9a-f]{12}\.tmp$/.test(name);

/**
 * Writes to a temporary file beside the target, flushes it, then renames it over the
 * target, so readers see the old content or the new, never half of one. A failure leaves the
 * old file and no temporary one, and throws `disk_full`, `read_only` or `io_error` naming the
 * folder; `what` says what was being saved ("the account list").
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, what = path.basename(file)): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
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

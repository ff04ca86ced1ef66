import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Real small disks for tests of full and read-only folders: a size-limited tmpfs mounted on a
 * folder (root only; `available` says whether this machine allows it).
 */
export const smallDisk = {
  async available(probeDir: string): Promise<boolean> {
    const dir = path.join(probeDir, 'probe');
    await fs.mkdir(dir, { recursive: true });
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      await run('umount', [dir]);
      return true;
    } catch {
      return false;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  },

  async mount(dir: string, sizeKiB = 512): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir]);
  },

  /** Fills the disk that holds `dir` until not one more byte fits. */
  async fill(dir: string): Promise<void> {
    const handle = await fs.open(path.join(dir, 'filler.bin'), 'w');
    const chunk = new Uint8Array(4096);
    try {
      for (;;) await handle.write(chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      await handle.close();
    }
  },

  async readOnly(dir: string): Promise<void> {
    await run('mount', ['-o', 'remount,ro', dir]);
  },

  async unmount(dir: string): Promise<void> {
    await run('umount', ['-l', dir]).catch(() => undefined);
  },
};

/** Every file below `dir`, relative, sorted. */
export async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    for (const entry of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full));
    }
  }
  await walk(dir);
  return out.sort();
}

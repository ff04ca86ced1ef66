import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { droppedFilesMessage, type DroppedFile, type DroppedFiles } from '../../contract/drops';
import type { Envelope } from '../../contract/errors';
import { AppError } from '../http/errors';

/** How many dropped files are remembered; the oldest ids stop working beyond this. */
const maxRemembered = 500;

export interface DroppedFileStore {
  /**
   * Takes a drop as the preload (or the harness) sends it and answers an id per usable file.
   * Never throws: a malformed message is an `invalid_args` envelope.
   */
  receive(message: unknown): Promise<Envelope<DroppedFiles>>;
  /** The path behind an id; `not_found` for an id this run did not give. */
  pathOf(dropId: string): string;
}

/** A plain local path: absolute, no NUL, not a network or device path. */
export function isPlainLocalPath(file: string, platform: NodeJS.Platform = process.platform): boolean {
  if (file.includes('\0') || /^[\\/]{2}/.test(file)) return false;
  if (platform === 'win32') return /^[A-Za-z]:[\\/]/.test(file) && file.indexOf(':', 2) < 0;
  return path.posix.isAbsolute(file);
}

export function createDroppedFileStore(): DroppedFileStore {
  const paths = new Map<string, string>();

  async function accept(name: string, file: string): Promise<DroppedFile | { fileName: string; message: string }> {
    const fileName = file === '' ? name.slice(0, 255) || 'The dropped item' : path.basename(file);
    if (file === '') return { fileName, message: `${fileName} has no file on this computer behind it. Save it to a folder first, then drop it here.` };
    const stat = isPlainLocalPath(file) ? await fs.stat(file).catch(() => undefined) : undefined;
    if (!stat?.isFile()) return { fileName, message: `${fileName} is not a file Billfold can open.` };
    const dropId = randomBytes(18).toString('base64url');
    paths.set(dropId, file);
    for (const oldest of paths.keys()) {
      if (paths.size <= maxRemembered) break;
      paths.delete(oldest);
    }
    return { dropId, fileName, size: stat.size };
  }

  return {
    async receive(message) {
      const parsed = droppedFilesMessage.safeParse(message);
      if (!parsed.success) return { ok: false, error: { code: 'invalid_args', message: 'That is not a list of dropped files.' } };
      const out: DroppedFiles = { files: [], refused: [] };
      for (const { name, path: file } of parsed.data.files) {
        const result = await accept(name, file);
        if ('dropId' in result) out.files.push(result);
        else out.refused.push(result);
      }
      return { ok: true, value: out };
    },
    pathOf(dropId) {
      const file = paths.get(dropId);
      if (file === undefined) throw new AppError('not_found', 'That dropped file is no longer known. Drop it again.');
      return file;
    },
  };
}

import fs from 'node:fs';
import tty from 'node:tty';
import type { CliStream } from './context';

/**
 * stdout or stderr of the process, for the command line. A write that fails (a full disk, a file
 * size limit, a reader that went away) is kept in `failure` instead of ending the process with a
 * stack trace, and later writes are dropped, so the command can say what happened and exit with
 * a code that shows it.
 */
export class ProcessOutput implements CliStream {
  readonly isTTY: boolean;
  failure: NodeJS.ErrnoException | undefined;
  /** A file or a device: written here, since Node's own stream ignores a short write (a full disk). */
  private readonly direct: boolean;

  constructor(
    private readonly fd: number,
    private readonly stream: NodeJS.WritableStream,
  ) {
    this.isTTY = tty.isatty(fd);
    this.direct = !this.isTTY && isFileOrDevice(fd);
    stream.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
  }

  write(text: string): boolean {
    if (this.failure) return false;
    if (!this.direct) return this.stream.write(text, (error?: Error | null) => error && this.fail(error));
    const bytes = Buffer.from(text, 'utf8');
    try {
      for (let done = 0; done < bytes.length; ) {
        const n = fs.writeSync(this.fd, bytes, done, bytes.length - done);
        // A write that takes nothing would loop for ever; the kernel answers ENOSPC or EFBIG next.
        if (n <= 0) throw Object.assign(new Error('write took no bytes'), { code: 'EIO' });
        done += n;
      }
    } catch (error) {
      this.fail(error as NodeJS.ErrnoException);
      return false;
    }
    return true;
  }

  /** Resolves once what was written has left the process (or failed). */
  drained(): Promise<void> {
    if (this.direct || this.failure) return Promise.resolve();
    return new Promise((resolve) => this.stream.write('', () => resolve()));
  }

  private fail(error: NodeJS.ErrnoException): void {
    this.failure ??= error;
  }
}

function isFileOrDevice(fd: number): boolean {
  try {
    const stat = fs.fstatSync(fd);
    return stat.isFile() || stat.isCharacterDevice() || stat.isBlockDevice();
  } catch {
    return false;
  }
}

/** True when the reader of a pipe went away (`billfold … | head`): not a failure of the command. */
export function readerGone(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
}

/** What stderr says when stdout could not be written. */
export function outputFailureMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'could not write the output: the disk is full, so what was written is incomplete.';
    case 'EFBIG':
      return 'could not write the output: the file reached its size limit, so what was written is incomplete.';
    default:
      return `could not write the output (${error.code ?? error.message}), so what was written is incomplete.`;
  }
}

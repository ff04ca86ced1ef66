import { acquireInstanceLock } from '../fs/instance-lock';
import path from 'node:path';
import type { Command } from 'commander';
import type { EventMessage } from '../../contract/events';
import type { ErrorInfo } from '../../contract/errors';
import type { SecretStore } from '../accounts/keychain';
import { createMainServices, type MainServices } from '../compose';
import { diskErrorFromErrno } from '../fs/io-errors';
import { AppError } from '../http/errors';
import type { Platform } from '../platform';
import { exitCodeFor, exitCodes, type ExitCode } from './exit-codes';
import { jsonText, printable } from './text';

/** A stream the command line writes to; `isTTY` decides whether progress is shown. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The error that stopped the writing (a full disk, a reader that went away), once one has. */
  readonly failure?: NodeJS.ErrnoException | undefined;
  /** Resolves once what was written has left the process. */
  drained?(): Promise<void>;
}

/** What starts the command line: the `billfold` script under Node, or the installed app with `--cli`. */
export interface CliHost {
  shell: Platform['shell'];
  version: string;
  /** The folder the window uses; `--user-data DIR` replaces it. */
  defaultUserDataDir: string;
  /** Downloads go below it (`Documents/Billfold`) unless the user chose another folder in the app. */
  documentsDir: string;
  stdout: CliStream;
  stderr: CliStream;
  /** The OS keychain unless a test passes another. */
  secrets?: SecretStore;
}

/** One command's run: the services over the chosen user-data folder, and its output. */
export interface CliSession {
  services: MainServices;
  userDataDir: string;
  /** `--json` was given: stdout carries one JSON document and nothing else. */
  json: boolean;
  /** Prints the result: JSON with `--json`, else the text. */
  result(value: unknown, text: () => string): void;
  /** A line of progress on stderr, only when stderr is a terminal. */
  progress(text: string): void;
  /** A warning on stderr (always: stderr is never parsed). */
  warn(text: string): void;
  /** Throws a usage error (exit 2). */
  usage(message: string): never;
}

/** A wrong command line, found after parsing (an unknown account id, say): exit 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** A command that finished but with failures, already reported in its result: exits with `code`. */
export class CliPartialFailure extends Error {
  constructor(readonly code: ExitCode) {
    super('Some parts failed.');
    this.name = 'CliPartialFailure';
  }
}

interface GlobalOptions {
  userData?: string;
  json?: boolean;
}

/**
 * Takes the user-data lock, so the window, the test harness and the command line never write the
 * same account list at once. This is the one place the command line takes it.
 */
function lockUserData(dir: string): Promise<{ release(): void }> {
  return acquireInstanceLock(dir, 'the command line');
}

function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof AppError) return error.toInfo();
  if (error instanceof CliUsageError) return { code: 'invalid_args', message: error.message };
  // A full or read-only disk no service caught is still the user's to fix, not a bug to trace.
  const disk = diskErrorFromErrno(error);
  if (disk) return disk.toInfo();
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Writes progress as one line that rewrites itself. */
function progressWriter(stderr: CliStream) {
  let shown = false;
  return {
    line(text: string) {
      if (!stderr.isTTY) return;
      stderr.write(`\r\x1b[2K${printable(text).slice(0, 160)}`);
      shown = true;
    },
    clear() {
      if (shown) stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/**
 * Runs one command's work with the services open on the chosen user-data folder, prints its
 * result or its error, and answers the exit code.
 */
export async function runSession(host: CliHost, command: Command, work: (session: CliSession) => Promise<void>): Promise<ExitCode> {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const json = opts.json === true;
  const userDataDir = path.resolve(opts.userData ?? host.defaultUserDataDir);
  const progress = progressWriter(host.stderr);
  const warn = (text: string) => {
    progress.clear();
    host.stderr.write(`billfold: ${printable(text, { lines: true })}\n`);
  };
  let lock: { release(): void } | undefined;
  let services: MainServices | undefined;
  try {
    lock = await lockUserData(userDataDir);
    services = createMainServices({
      platform: {
        shell: host.shell,
        version: host.version,
        userDataDir,
        documentsDir: host.documentsDir,
        openExternal: () => Promise.reject(new AppError('not_allowed', 'The command line opens nothing.')),
        openPath: () => Promise.reject(new AppError('not_allowed', 'The command line opens nothing.')),
        showItemInFolder: () => Promise.reject(new AppError('not_allowed', 'The command line opens nothing.')),
        chooseFile: () => Promise.resolve(undefined),
        chooseFolder: () => Promise.resolve(undefined),
      },
      emit: (message: EventMessage) => {
        if (message.event === 'task.progress') {
          const p = message.payload as EventMessage<'task.progress'>['payload'];
          if (p.state === 'running') progress.line(p.total ? `${p.label} ${Math.round((p.done / p.total) * 100)}%` : p.label);
        } else if (message.event === 'app.notice') {
          warn((message.payload as EventMessage<'app.notice'>['payload']).message);
        }
      },
      log: (line) => {
        if (process.env['BILLFOLD_DEBUG']) warn(line);
      },
      // One command, then exit: no background schedule.
      backgroundSync: false,
      ...(host.secrets ? { secrets: host.secrets } : {}),
    });
    const session: CliSession = {
      services,
      userDataDir,
      json,
      result(value, text) {
        progress.clear();
        // Text from a CSV or a provider must not drive the terminal, in text or in JSON.
        host.stdout.write(json ? jsonText(value) : `${printable(text(), { lines: true })}\n`);
      },
      progress: (text) => progress.line(text),
      warn,
      usage(message) {
        throw new CliUsageError(message);
      },
    };
    await work(session);
    return exitCodes.ok;
  } catch (error) {
    progress.clear();
    if (error instanceof CliPartialFailure) return error.code;
    const info = errorInfo(error);
    if (info.code === 'internal' && !(error instanceof AppError)) host.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    if (json) host.stdout.write(jsonText({ error: info }));
    host.stderr.write(`billfold: ${printable(info.message, { lines: true })}\n`);
    return error instanceof CliUsageError ? exitCodes.usage : exitCodeFor(info.code);
  } finally {
    await services?.close().catch(() => undefined);
    lock?.release();
  }
}

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const cliScript = path.join(repoRoot, 'dist', 'cli', 'billfold.cjs');

/** `npm test` builds before the unit tests; a lone `vitest run` builds the command line itself. */
export function ensureBuiltCli(): void {
  if (existsSync(cliScript)) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--mode', 'cli', '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A home and a user-data folder of their own, so nothing touches the developer's files. */
export async function cliFolders(): Promise<{ home: string; userData: string; cleanup(): Promise<void> }> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-cli-'));
  const home = path.join(base, 'home');
  const userData = path.join(base, 'user-data');
  await fs.mkdir(home, { recursive: true });
  return { home, userData, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}

/** Runs the built `billfold` as a child process, as a script or cron would, and collects its output. */
export function runBillfold(
  args: string[],
  opts: {
    home: string;
    env?: Record<string, string>;
    /** Called once the process runs, with a way to signal it. */
    started?: (kill: (signal: NodeJS.Signals) => void) => void;
    /** stdout goes to this file descriptor (a file, /dev/full) instead of a pipe; `stdout` then stays empty. */
    stdoutFd?: number;
    /** A shell line run before billfold, in the same shell (`ulimit -f 1`). */
    shellBefore?: string;
    /** The reader of stdout goes away at once, as `| head` does once it has its lines. */
    closeStdout?: boolean;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const [command, argv] = opts.shellBefore === undefined ? [process.execPath, [cliScript, ...args]] : ['/bin/sh', ['-c', `${opts.shellBefore}; exec "$0" "$@"`, process.execPath, cliScript, ...args]];
    const child = spawn(command, argv, {
      cwd: repoRoot,
      env: { ...process.env, HOME: opts.home, XDG_CONFIG_HOME: path.join(opts.home, '.config'), ...opts.env },
      stdio: ['ignore', opts.stdoutFd ?? 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    if (opts.closeStdout) child.stdout?.destroy();
    else child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    opts.started?.((signal) => child.kill(signal));
  });
}

export function parseJson<T>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${String(run.code)}):\n${run.stdout}\n--- stderr:\n${run.stderr}`);
  }
}

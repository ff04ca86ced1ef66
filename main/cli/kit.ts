import { InvalidArgumentError, type Command } from 'commander';
import type { CliSession } from './context';

/** What a command module gets to declare itself: the program, and `run` to wrap its action. */
export interface CommandKit {
  program: Command;
  /**
   * Wraps an action: opens the services on the user-data folder, runs `work`, prints its result or
   * error, and records the exit code. Commander passes the positional arguments, then the options.
   */
  run: <A extends unknown[]>(work: (session: CliSession, ...args: A) => Promise<void>) => (...args: A) => Promise<void>;
}

/** A command of the command line: one module under ./commands, listed once in ./commands/index.ts. */
export type CliCommand = (kit: CommandKit) => void;

/** `--json` and the help line every command carries. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print the result as JSON on stdout (for scripts)');
}

/** Parses `YYYY-MM` (a month) for options such as `--from`. */
export function monthArgument(value: string): string {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected a month as YYYY-MM, e.g. 2026-03.');
  return value;
}

export const exitCodesHelp = `
Exit codes:
  0  done
  1  failed (a provider refused the credentials, a document could not be fetched or saved, …)
  2  usage: a wrong command line or an unknown account id
  3  the OS keychain is not available
  4  a provider could not be reached`;


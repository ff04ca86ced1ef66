import { unreachableCodes, type ErrorCode } from '../../contract/errors';

/**
 * What `billfold` exits with. Scripts (cron, launchd, Task Scheduler) branch on these; the
 * README lists them.
 */
export const exitCodes = {
  /** The command did everything it was asked. */
  ok: 0,
  /** It ran, and something failed: a provider refused the credentials (a wrong password), a file could not be written, a document could not be fetched. */
  failed: 1,
  /** The command line is wrong: unknown command or option, a missing or malformed argument, an unknown account id. */
  usage: 2,
  /** The OS keychain (Secret Service, Keychain, Credential Manager) is not available, so no credential can be read or stored. */
  keychainUnavailable: 3,
  /** A provider could not be reached at all (connection refused, DNS, timeout). */
  providerUnreachable: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The exit code for one failure, by its error code. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  if (code === 'keychain_unavailable') return exitCodes.keychainUnavailable;
  if (unreachableCodes.has(code)) return exitCodes.providerUnreachable;
  if (code === 'invalid_args') return exitCodes.usage;
  return exitCodes.failed;
}

/**
 * The exit code for a run with several failures (one per account, say): the keychain first
 * (nothing can work without it), then "unreachable" only when every failure was one, else 1.
 */
export function exitCodeForAll(codes: readonly ErrorCode[]): ExitCode {
  if (codes.length === 0) return exitCodes.ok;
  const each = codes.map(exitCodeFor);
  if (each.includes(exitCodes.keychainUnavailable)) return exitCodes.keychainUnavailable;
  if (each.every((c) => c === exitCodes.providerUnreachable)) return exitCodes.providerUnreachable;
  if (each.every((c) => c === exitCodes.usage)) return exitCodes.usage;
  return exitCodes.failed;
}

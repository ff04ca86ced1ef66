/** Error codes that cross the IPC boundary inside a failed envelope. */
export const providerErrorCodes = [
  'auth_failed',
  'auth_expired',
  'forbidden',
  'not_found',
  'conflict',
  'validation',
  'rate_limited',
  'server',
  'network',
  'timeout',
  'invalid_response',
  'too_large',
  'cancelled',
  /** A write was sent but its answer never came (timeout, lost connection): it may or may not have happened. */
  'outcome_unknown',
] as const;

export const appErrorCodes = [
  'invalid_args',
  'unknown_channel',
  'not_allowed',
  'keychain_unavailable',
  'storage_corrupt',
  'io_error',
  /** The disk holding a folder Billfold writes to is full. */
  'disk_full',
  /** A folder Billfold writes to is read-only or not writable by the user. */
  'read_only',
  /** Another Billfold process is using the same user-data folder. */
  'in_use',
  'internal',
] as const;

export type ProviderErrorCode = (typeof providerErrorCodes)[number];
export type AppErrorCode = (typeof appErrorCodes)[number];
export type ErrorCode = ProviderErrorCode | AppErrorCode;

/**
 * Codes that mean "the provider could not be reached", where offline data is the right thing to
 * show. A server error is not one of them: the provider answered, with an error, and says so.
 */
export const unreachableCodes: ReadonlySet<string> = new Set<ErrorCode>(['network', 'timeout']);

export interface ErrorInfo {
  code: ErrorCode;
  /** Human-readable, safe to show: never contains a secret. */
  message: string;
  /** The provider's own error code and message, when the provider sent one. */
  providerCode?: string;
  providerMessage?: string;
  /** Field-level problems for `invalid_args`. */
  issues?: { path: string; message: string }[];
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

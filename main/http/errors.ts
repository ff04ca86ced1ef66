import type { ErrorCode, ErrorInfo, ProviderErrorCode } from '../../contract/errors';

/**
 * The one error type services throw. The router turns it into a failed envelope,
 * so its message must be safe to show: no tokens, passwords or auth headers.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly providerCode?: string;
  readonly providerMessage?: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly issues?: { path: string; message: string }[];

  constructor(
    code: ErrorCode,
    message: string,
    extra: {
      providerCode?: string;
      providerMessage?: string;
      status?: number;
      retryAfterMs?: number;
      issues?: { path: string; message: string }[];
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'AppError';
    this.code = code;
    if (extra.providerCode !== undefined) this.providerCode = extra.providerCode;
    if (extra.providerMessage !== undefined) this.providerMessage = extra.providerMessage;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra.issues !== undefined) this.issues = extra.issues;
  }

  toInfo(): ErrorInfo {
    const info: ErrorInfo = { code: this.code, message: this.message };
    if (this.providerCode !== undefined) info.providerCode = this.providerCode;
    if (this.providerMessage !== undefined) info.providerMessage = this.providerMessage;
    if (this.issues !== undefined) info.issues = this.issues;
    return info;
  }
}

export function isProviderError(e: unknown, code?: ProviderErrorCode): e is AppError {
  return e instanceof AppError && (code === undefined || e.code === code);
}

/**
 * Runs the read that follows a successful write (a changed plan, an added card). If that read
 * fails, the error says the write itself went through, so nobody repeats a money-moving action.
 */
export async function readAfterWrite<T>(done: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const extra: ConstructorParameters<typeof AppError>[2] = { cause: error };
    if (error.providerCode !== undefined) extra.providerCode = error.providerCode;
    if (error.providerMessage !== undefined) extra.providerMessage = error.providerMessage;
    throw new AppError(error.code, `${done} It went through, but the updated details could not be loaded (${error.message}). Refresh to see them; do not repeat it.`, extra);
  }
}

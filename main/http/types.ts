import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiRequest {
  method: HttpMethod;
  /** Path below the account's base URL, e.g. `/bills/202401`; path segments already encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialised as JSON when present (a bare string is sent as a JSON string). */
  body?: unknown;
  signal?: AbortSignal;
  /** Skip auth headers (login endpoints). */
  anonymous?: boolean;
}

/** How a provider authenticates: supplies headers and renews them once when the server says they expired. */
export interface AuthStrategy {
  /** Headers for the account's own API origin. Called before every attempt. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * Called at most once per request after a response the provider uses for an
   * expired token. Renews the credentials (refresh, or log in again) or throws
   * an AppError `auth_failed`.
   */
  renew(signal?: AbortSignal): Promise<void>;
  /**
   * Called when a request sent again after `renew` is still refused with 401, with the headers
   * it carried: those credentials are dead, so whatever stored them should drop them.
   */
  rejected?(sent: Record<string, string>): Promise<void>;
}

/** Reads a provider's error body into its own code and message. */
export type ProviderErrorParser = (
  status: number,
  body: unknown,
) => { providerCode?: string; providerMessage?: string; expiredToken?: boolean };

export interface RetryPolicy {
  /** Total attempts for an idempotent GET, first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** https URL, or http only for a loopback host. */
  baseUrl: string;
  provider: string;
  auth?: AuthStrategy;
  parseError: ProviderErrorParser;
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  retry?: RetryPolicy;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes?: number;
  /** `download()` has no total timeout: it fails once no data arrived for this long (default 60 s). */
  downloadStallTimeoutMs?: number;
  /**
   * The provider honours `Idempotency-Key` (Stripe-like): every authenticated write carries one
   * key per call (one user action), and a write whose connection was lost is sent once more with
   * the same key, which the provider answers with the first answer instead of acting twice.
   */
  idempotencyKeys?: boolean;
  /** Told when a request waits before it is tried again because the provider asked (Retry-After). */
  onRetryWait?: (wait: { ms: number; status: number }) => void;
}

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes?: number;
}

export interface DownloadResult {
  /** The body; empty when it went to `toFile`. */
  bytes: Uint8Array;
  /** Bytes received. */
  size: number;
  /** The file the body was streamed into (`toFile`). */
  file?: string;
  contentType?: string;
  /** File name from Content-Disposition, unsanitised. */
  suggestedName?: string;
  finalUrl: string;
}

export interface HttpClient {
  /** Sends the request, validates the JSON response with `schema`, returns the parsed value. */
  json<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.output<S>>;
  /** For 204 / empty / free-form bodies the app does not use: returns the parsed JSON or undefined. */
  send(req: ApiRequest): Promise<unknown>;
  /**
   * GETs an absolute URL. Credentials are attached only when the URL's origin is
   * the account's API origin; redirects are followed by hand and never carry
   * auth or custom headers to another origin.
   */
  download(
    url: string,
    opts?: {
      signal?: AbortSignal;
      onProgress?: (p: DownloadProgress) => void;
      maxBytes?: number;
      /**
       * Streams the body into this new file as it arrives instead of memory (big exports): the
       * file must not exist; it is removed again when the download fails or is cancelled.
       */
      toFile?: string;
    },
  ): Promise<DownloadResult>;
}

import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import type { z } from 'zod';
import type { ErrorCode } from '../../contract/errors';
import { AppError } from './errors';
import type {
  ApiRequest,
  DownloadProgress,
  DownloadResult,
  HttpClient,
  HttpClientOptions,
  HttpMethod,
  RetryPolicy,
} from './types';

const MiB = 1024 * 1024;
const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 300, maxDelayMs: 8000 };
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 60_000;
/** A file download may take long on a slow line; it fails only when data stops arriving for this long. */
const DEFAULT_DOWNLOAD_STALL_TIMEOUT_MS = 60_000;
const DEFAULT_JSON_MAX_BYTES = 20 * MiB;
const DEFAULT_DOWNLOAD_MAX_BYTES = 200 * MiB;
const ERROR_BODY_MAX_BYTES = MiB;
const MAX_REDIRECTS = 5;
/** A provider's Retry-After up to this long is waited out; a longer one fails at once. */
export const LONGEST_RETRY_WAIT_MS = 30_000;

/** "14:05" in the user's own time zone; with the date as well when that is half a day or more away. */
function localClock(at: number, now = Date.now()): string {
  const time = { hour: '2-digit', minute: '2-digit' } as const;
  if (at - now < 12 * 3_600_000) return new Date(at).toLocaleTimeString([], time);
  return new Date(at).toLocaleString([], { year: 'numeric', month: 'short', day: 'numeric', ...time });
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** https anywhere, http only on a loopback host; anything else throws AppError 'validation'. */
export function assertSafeUrl(url: URL): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return;
  throw new AppError('validation', `Refusing to connect to ${url.protocol}//${url.host}: only https (or http on this computer) is allowed.`);
}

function parseUrl(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new AppError('validation', 'The address is not a valid URL.');
  }
}

/** A provider asking for more than this is taken to ask for this: dates stay real and timers armable. */
export const LONGEST_RETRY_AFTER_MS = 30 * 24 * 3_600_000;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/** An HTTP-date as ms since the epoch; undefined when it is not one (or names no real moment). */
function parseHttpDate(v: string, now: number): number | undefined {
  let fields: string[] | undefined;
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(v))) fields = m.slice(1);
  else if ((m = RFC850_DATE.exec(v))) {
    const [, day = '', month = '', yy = '', ...time] = m;
    // A two-digit year more than 50 years ahead is the most recent such year in the past.
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(yy);
    if (year > thisYear + 50) year -= 100;
    fields = [day, month, String(year), ...time];
  } else if ((m = ASCTIME_DATE.exec(v))) {
    const [, month = '', day = '', h = '', min = '', sec = '', year = ''] = m;
    fields = [day.trim(), month, year, h, min, sec];
  }
  if (!fields) return undefined;
  const [day, month, year, h, min, sec] = fields.map((f, i) => (i === 1 ? MONTHS.indexOf(f) : Number(f)));
  if (day === undefined || month === undefined || year === undefined || h === undefined || min === undefined || sec === undefined) return undefined;
  const d = new Date(Date.UTC(year, month, day, h, min, sec));
  // 31 Feb or 25:00 would roll over into another moment: not a date.
  if (d.getUTCDate() !== day || d.getUTCHours() !== h || d.getUTCMinutes() !== min || d.getUTCSeconds() !== sec) return undefined;
  return d.getTime();
}

/**
 * Retry-After in ms: delay-seconds (digits only) or an HTTP-date, at most `LONGEST_RETRY_AFTER_MS`.
 * Undefined when absent or anything else ("1.5", "soon"), so the caller's normal back-off applies.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(LONGEST_RETRY_AFTER_MS, Number(v) * 1000);
  const at = parseHttpDate(v, now);
  if (at === undefined) return undefined;
  return Math.min(LONGEST_RETRY_AFTER_MS, Math.max(0, at - now));
}

/** File name from a Content-Disposition header, preferring `filename*` (RFC 5987); not sanitised. */
export function parseContentDisposition(value: string | null): string | undefined {
  if (value === null) return undefined;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(value);
  if (star) {
    const charset = (star[1] ?? '').trim().toLowerCase();
    const encoded = (star[2] ?? '').trim().replace(/^"(.*)"$/, '$1');
    try {
      if (charset === 'utf-8' || charset === '') return decodeURIComponent(encoded);
      if (charset === 'iso-8859-1') {
        return encoded.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      }
    } catch {
      // malformed percent-encoding: fall back to the plain parameter
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(value);
  if (quoted) return (quoted[1] ?? '').replace(/\\(.)/g, '$1');
  const token = /(?:^|;)\s*filename\s*=\s*([^;\s]+)/i.exec(value);
  return token ? token[1] : undefined;
}

function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelledError());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

function cancelledError(): AppError {
  return new AppError('cancelled', 'The request was cancelled.');
}

interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  url: URL;
  /** Bytes of a successful body, also when they went to a sink rather than into `bytes`. */
  size: number;
}

/**
 * A failure of the sink (a full or read-only disk), not of the response: the request stops and
 * the sink's own error reaches the caller unchanged, never as a provider or network problem.
 */
class SinkFailure extends Error {
  constructor(readonly error: unknown) {
    super('The body could not be written.', { cause: error });
  }
}

/** Where a successful body goes as it arrives, instead of memory. */
interface BodySink {
  /** Called when a successful body starts (again, if an attempt is repeated): start from empty. */
  begin(): Promise<void>;
  write(chunk: Uint8Array): Promise<void>;
}

/** Failures that happen before a request leaves this computer: nothing can have been recorded. */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function neverSent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && notSentCodes.has(code)) return true;
  }
  return false;
}

interface AttemptOptions {
  method: HttpMethod;
  /** A write whose outcome becomes unknown when its answer is lost (not a login). */
  write?: boolean;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal | undefined;
  maxBytes: number;
  onProgress?: (p: DownloadProgress) => void;
  /** Instead of the total timeout: fail once no data arrived for this long (file downloads). */
  stallTimeoutMs?: number;
  sink?: BodySink;
}

function tryParseJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.');
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const base = parseUrl(opts.baseUrl);
  assertSafeUrl(base);
  const baseHref = base.href.replace(/\/+$/, '');
  const provider = opts.provider;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const totalTimeoutMs = opts.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const jsonMaxBytes = opts.maxResponseBytes ?? DEFAULT_JSON_MAX_BYTES;

  function buildUrl(req: ApiRequest): URL {
    const path = req.path.startsWith('/') ? req.path : `/${req.path}`;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) params.append(k, String(v));
    }
    const qs = params.toString();
    const url = parseUrl(baseHref + path + (qs === '' ? '' : `?${qs}`));
    if (url.origin !== base.origin) {
      throw new AppError('validation', 'The request path leaves the account API address.');
    }
    return url;
  }

  async function readBody(
    res: Response,
    maxBytes: number,
    truncateAtMax: boolean,
    onProgress?: (p: DownloadProgress) => void,
    sink?: BodySink,
  ): Promise<{ bytes: Uint8Array; size: number }> {
    const lengthHeader = res.headers.get('content-length');
    const declared = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    if (!truncateAtMax && declared !== undefined && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    if (sink) {
      try {
        await sink.begin();
      } catch (error) {
        await res.body?.cancel().catch(() => undefined);
        throw new SinkFailure(error);
      }
    }
    if (res.body === null) return { bytes: new Uint8Array(), size: 0 };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => undefined);
        if (truncateAtMax) {
          chunks.push(value.subarray(0, value.byteLength - (received - maxBytes)));
          return { bytes: concat(chunks, maxBytes), size: maxBytes };
        }
        throw tooLarge(maxBytes);
      }
      // Streamed to the sink as it arrives (big downloads): only one chunk is ever in memory.
      if (sink) {
        try {
          await sink.write(value);
        } catch (error) {
          await reader.cancel().catch(() => undefined);
          throw new SinkFailure(error);
        }
      } else chunks.push(value);
      onProgress?.(declared === undefined ? { receivedBytes: received } : { receivedBytes: received, totalBytes: declared });
    }
    return { bytes: sink ? new Uint8Array() : concat(chunks, received), size: received };
  }

  function tooLarge(maxBytes: number): AppError {
    return new AppError('too_large', `The response from ${provider} is larger than the ${Math.round(maxBytes / MiB)} MiB limit.`);
  }

  /** One HTTP exchange with connect and total timeouts; the body is read in full. */
  async function attempt(url: URL, a: AttemptOptions): Promise<RawResponse> {
    if (a.signal?.aborted) throw cancelledError();
    const ac = new AbortController();
    let why: 'cancel' | 'connect' | 'total' | undefined;
    const onAbort = () => {
      why ??= 'cancel';
      ac.abort();
    };
    a.signal?.addEventListener('abort', onAbort, { once: true });
    const limitMs = a.stallTimeoutMs ?? totalTimeoutMs;
    const expire = () => {
      why ??= 'total';
      ac.abort();
    };
    let totalTimer = setTimeout(expire, limitMs);
    const onProgress = (p: DownloadProgress) => {
      if (a.stallTimeoutMs !== undefined) {
        clearTimeout(totalTimer);
        totalTimer = setTimeout(expire, limitMs);
      }
      a.onProgress?.(p);
    };
    const connectTimer = setTimeout(() => {
      why ??= 'connect';
      ac.abort();
    }, connectTimeoutMs);
    let phase: 'headers' | 'body' = 'headers';
    try {
      const init: RequestInit = { method: a.method, headers: a.headers, redirect: 'manual', signal: ac.signal };
      if (a.body !== undefined) init.body = a.body;
      const res = await fetch(url, init);
      clearTimeout(connectTimer);
      phase = 'body';
      let body: { bytes: Uint8Array; size: number };
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel().catch(() => undefined);
        body = { bytes: new Uint8Array(), size: 0 };
      } else if (res.status >= 200 && res.status < 300) {
        body = await readBody(res, a.maxBytes, false, onProgress, a.sink);
      } else {
        body = await readBody(res, ERROR_BODY_MAX_BYTES, true);
      }
      return { status: res.status, headers: res.headers, bytes: body.bytes, size: body.size, url };
    } catch (e) {
      if (e instanceof AppError) {
        ac.abort();
        throw e;
      }
      if (why === 'cancel') throw cancelledError();
      if (e instanceof SinkFailure) {
        ac.abort();
        throw e.error;
      }
      // A write that was (or may have been) sent and got no answer may have happened: saying it
      // failed would invite the user to do it twice.
      if (a.write && (why !== undefined || phase === 'body' || !neverSent(e))) {
        const lost = why === 'connect' || why === 'total' ? `did not answer within ${formatDuration(why === 'connect' ? connectTimeoutMs : limitMs)}` : 'closed the connection before answering';
        throw new AppError('outcome_unknown', `${provider} ${lost}, so Billfold cannot tell whether ${provider} recorded it. Check the list before trying again.`, { cause: e });
      }
      if (why === 'connect') {
        throw new AppError('timeout', `${provider} did not answer within ${formatDuration(connectTimeoutMs)}.`);
      }
      if (why === 'total') {
        throw new AppError(
          'timeout',
          a.stallTimeoutMs === undefined
            ? `The request to ${provider} took longer than ${formatDuration(totalTimeoutMs)}.`
            : `The download from ${url.host} stopped: no data arrived for ${formatDuration(a.stallTimeoutMs)}.`,
        );
      }
      if (phase === 'body') {
        throw new AppError('invalid_response', `The response from ${provider} was cut off.`, { cause: e });
      }
      throw new AppError('network', `Could not connect to ${provider} (${url.host}). Check the network connection.`, {
        cause: e,
      });
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      a.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** `attempt` plus retries for GET on network errors, 429 and 5xx. */
  async function withRetries(url: URL, a: AttemptOptions, headers: () => Promise<Record<string, string>>): Promise<RawResponse> {
    const keyed = a.write === true && a.headers['Idempotency-Key'] !== undefined;
    const attempts = a.method === 'GET' ? Math.max(1, retry.attempts) : keyed ? 2 : 1;
    for (let n = 1; ; n++) {
      const last = n >= attempts;
      let res: RawResponse;
      try {
        res = await attempt(url, { ...a, headers: await headers() });
      } catch (e) {
        // A keyed write is sent again with the same key: the provider answers what it did the first time.
        const retriable = e instanceof AppError && (e.code === 'network' || (keyed && e.code === 'outcome_unknown'));
        if (last || !retriable) throw e;
        await sleep(backoffDelay(retry, n), a.signal);
        continue;
      }
      if (!last && a.method === 'GET' && (res.status === 429 || res.status >= 500)) {
        const after = parseRetryAfter(res.headers.get('retry-after'));
        // A long wait fails at once, saying until when (see errorFor); a short one is waited out, visibly.
        if (after !== undefined && after > LONGEST_RETRY_WAIT_MS) return res;
        // With the default policy the cap (4 x 8 s) is above the longest wait, so the provider's is kept.
        const delay = after === undefined ? backoffDelay(retry, n) : Math.min(after, retry.maxDelayMs * 4);
        if (after !== undefined) opts.onRetryWait?.({ ms: delay, status: res.status });
        await sleep(delay, a.signal);
        continue;
      }
      return res;
    }
  }

  function errorFor(res: RawResponse, renewFailed = false): AppError {
    const parsed = tryParseJson(res.bytes);
    const info = opts.parseError(res.status, parsed.ok ? parsed.value : undefined);
    const extra: ConstructorParameters<typeof AppError>[2] = { status: res.status };
    if (info.providerCode !== undefined) extra.providerCode = info.providerCode;
    if (info.providerMessage !== undefined) extra.providerMessage = info.providerMessage;
    const s = res.status;
    let code: ErrorCode;
    let message: string;
    if (s === 401) {
      if (info.expiredToken && !renewFailed) {
        code = 'auth_expired';
        message = `The ${provider} session has expired. Sign in again.`;
      } else {
        code = 'auth_failed';
        message = `${provider} did not accept the credentials.`;
      }
    } else if (s === 403) {
      code = 'forbidden';
      message = `${provider} refused access to this resource.`;
    } else if (s === 404) {
      code = 'not_found';
      message = `${provider} could not find the requested item.`;
    } else if (s === 409) {
      code = 'conflict';
      message = `${provider} reported a conflict with the current state.`;
    } else if (s === 429) {
      code = 'rate_limited';
      message = `${provider} is limiting requests. Try again later.`;
      const after = parseRetryAfter(res.headers.get('retry-after'));
      if (after !== undefined) extra.retryAfterMs = after;
      if (after !== undefined && after > LONGEST_RETRY_WAIT_MS) message = `${provider} asks to wait until ${localClock(Date.now() + after)} before the next request. Try again then.`;
    } else if (s >= 500) {
      code = 'server';
      message = `${provider} had a server problem (HTTP ${s}).`;
      const after = parseRetryAfter(res.headers.get('retry-after'));
      if (after !== undefined && after > LONGEST_RETRY_WAIT_MS) {
        extra.retryAfterMs = after;
        message = `${provider} is unavailable (HTTP ${s}) and asks to wait until ${localClock(Date.now() + after)}. Try again then.`;
      }
    } else if (s >= 300 && s < 400) {
      code = 'invalid_response';
      message = `${provider} answered with an unexpected redirect (HTTP ${s}).`;
    } else {
      code = 'validation';
      message = `${provider} rejected the request (HTTP ${s}).`;
    }
    return new AppError(code, message, extra);
  }

  /** Sends an API request, renewing credentials once on an expired-token 401. Returns a 2xx response. */
  async function execute(req: ApiRequest): Promise<RawResponse> {
    const url = buildUrl(req);
    const fixed: Record<string, string> = { Accept: 'application/json' };
    const a: AttemptOptions = { method: req.method, headers: fixed, signal: req.signal, maxBytes: jsonMaxBytes };
    if (req.method !== 'GET' && !req.anonymous) {
      a.write = true;
      // One key per call, kept through the renew and the resend below.
      if (opts.idempotencyKeys) fixed['Idempotency-Key'] = randomUUID();
    }
    if (req.body !== undefined) {
      a.body = JSON.stringify(req.body);
      fixed['Content-Type'] = 'application/json';
    }
    const auth = req.anonymous ? undefined : opts.auth;
    let sent: Record<string, string> = fixed;
    const headers = async () => (sent = { ...fixed, ...(auth ? await auth.headers(req.signal) : {}) });
    let res = await withRetries(url, a, headers);
    if (res.status === 401 && auth) {
      const first = errorFor(res);
      if (first.code !== 'auth_expired') throw first;
      await renew(auth, req.signal);
      res = await withRetries(url, a, headers);
      if (res.status === 401) {
        await rejected(auth, sent);
        throw errorFor(res, true);
      }
    }
    if (res.status < 200 || res.status >= 300) throw errorFor(res);
    return res;
  }

  async function renew(auth: NonNullable<HttpClientOptions['auth']>, signal: AbortSignal | undefined): Promise<void> {
    try {
      await auth.renew(signal);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw new AppError('auth_failed', `Could not renew the ${provider} session. Sign in again.`, { cause: e });
    }
  }

  /** Tells the strategy its renewed credentials were refused too; the 401 is what the caller hears about. */
  async function rejected(auth: NonNullable<HttpClientOptions['auth']>, sent: Record<string, string>): Promise<void> {
    await auth.rejected?.(sent).catch(() => undefined);
  }

  function parseJsonBody(res: RawResponse): unknown {
    const parsed = tryParseJson(res.bytes);
    if (!parsed.ok) throw new AppError('invalid_response', `${provider} sent a response that is not valid JSON.`);
    return parsed.value;
  }

  return {
    async json<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.output<S>> {
      const value = parseJsonBody(await execute(req));
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      const issues = result.error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message }));
      const summary = issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ');
      const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
      throw new AppError('invalid_response', `${provider} sent data in an unexpected shape: ${summary}${more}.`, { issues });
    },

    async send(req: ApiRequest): Promise<unknown> {
      const res = await execute(req);
      const parsed = tryParseJson(res.bytes);
      return parsed.ok ? parsed.value : undefined;
    },

    async download(rawUrl, dlOpts = {}): Promise<DownloadResult> {
      if (dlOpts.toFile === undefined) return downloadTo(rawUrl, dlOpts, undefined);
      // Streamed into the file as it arrives: the file is created only when a successful body
      // starts, and removed again if the download does not finish. A file-system error (a full
      // disk) is thrown as it is, for the caller to say which folder could not be written.
      const file = dlOpts.toFile;
      let handle: fs.FileHandle | undefined;
      let began = false;
      const sink: BodySink = {
        async begin() {
          await handle?.close();
          handle = await fs.open(file, began ? 'w' : 'wx', 0o600);
          began = true;
        },
        async write(chunk) {
          await handle?.write(chunk);
        },
      };
      try {
        const result = await downloadTo(rawUrl, dlOpts, sink);
        await handle?.sync();
        await handle?.close();
        handle = undefined;
        return { ...result, file };
      } catch (error) {
        await handle?.close().catch(() => undefined);
        if (began) await fs.rm(file, { force: true }).catch(() => undefined);
        throw error;
      }
    },
  };

  async function downloadTo(rawUrl: string, dlOpts: Parameters<HttpClient['download']>[1] & object, sink: BodySink | undefined): Promise<DownloadResult> {
      const signal = dlOpts.signal;
      const maxBytes = dlOpts.maxBytes ?? DEFAULT_DOWNLOAD_MAX_BYTES;
      let url = parseUrl(rawUrl);
      // Once a redirect leaves the API origin, credentials never come back, even if a later hop returns.
      let leftOrigin = false;
      let renewed = false;
      for (let hop = 0; ; hop++) {
        assertSafeUrl(url);
        // Plain http is for the sandboxes on this computer: only an account whose own API is on loopback downloads over it.
        if (url.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
          throw new AppError('validation', `Refusing to download over plain http from ${url.host}: only an account whose API address is on this computer may.`);
        }
        if (url.origin !== base.origin) leftOrigin = true;
        const auth = leftOrigin ? undefined : opts.auth;
        const a: AttemptOptions = { method: 'GET', headers: {}, signal, maxBytes, stallTimeoutMs: opts.downloadStallTimeoutMs ?? DEFAULT_DOWNLOAD_STALL_TIMEOUT_MS };
        if (sink) a.sink = sink;
        if (dlOpts.onProgress) a.onProgress = dlOpts.onProgress;
        let sent: Record<string, string> = {};
        const headers = async () => (sent = auth ? { ...(await auth.headers(signal)) } : {});
        const res = await withRetries(url, a, headers);
        if (res.status >= 300 && res.status < 400 && res.status !== 304) {
          const location = res.headers.get('location');
          if (location === null) throw errorFor(res);
          if (hop >= MAX_REDIRECTS) {
            throw new AppError('invalid_response', `The download from ${provider} redirected too many times.`);
          }
          try {
            url = new URL(location, url);
          } catch {
            throw new AppError('invalid_response', `The download from ${provider} redirected to an invalid address.`);
          }
          continue;
        }
        if (res.status === 401 && auth && !renewed) {
          const err = errorFor(res);
          if (err.code !== 'auth_expired') throw err;
          await renew(auth, signal);
          renewed = true;
          hop--;
          continue;
        }
        if (res.status === 401 && auth && renewed) await rejected(auth, sent);
        if (res.status < 200 || res.status >= 300) throw errorFor(res, renewed);
        const result: DownloadResult = { bytes: res.bytes, size: res.size, finalUrl: url.href };
        const type = res.headers.get('content-type');
        if (type !== null) result.contentType = type;
        const name = parseContentDisposition(res.headers.get('content-disposition'));
        if (name !== undefined) result.suggestedName = name;
        return result;
      }
  }
}

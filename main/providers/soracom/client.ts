import { z } from 'zod';
import { createHttpClient } from '../../http/client';
import { AppError } from '../../http/errors';
import type { DownloadProgress, DownloadResult, HttpClient, HttpClientOptions } from '../../http/types';
import { memorySessionStore, type SessionStore } from '../session-store';
import {
  createSoracomAuth,
  DEFAULT_TOKEN_TIMEOUT_SECONDS,
  MAX_TOKEN_TIMEOUT_SECONDS,
  parseSoracomError,
  type SoracomAuth,
  type SoracomCredentials,
  type SoracomSession,
} from './auth';
import {
  billingHistorySchema,
  dailyBillResponseSchema,
  exportedFileSchema,
  fileExportResponseSchema,
  latestBillSchema,
  monthlyBillSchema,
  type BillingHistoryResponse,
  type DailyBillResponse,
  type FileExportResponse,
  type LatestBill,
  type MonthlyBill,
} from './schemas';

export type { SoracomAuth, SoracomCredentials, SoracomSession } from './auth';
export { createSoracomAuth, parseSoracomError } from './auth';

/** Soracom's two production API endpoints (spec `servers`). */
export const SORACOM_BASE_URLS = {
  japan: 'https://api.soracom.io/v1',
  global: 'https://g.api.soracom.io/v1',
} as const;
export const DEFAULT_SORACOM_BASE_URL = SORACOM_BASE_URLS.japan;

export type ExportMode = 'async' | 'sync';

export interface SoracomClientOptions {
  baseUrl: string;
  credentials: SoracomCredentials;
  session?: SessionStore<SoracomSession>;
  http?: Partial<HttpClientOptions>;
  /**
   * Currency for amounts sent without one (the seed-era API never sent it). Default: USD for the
   * Global endpoint (`g.api.soracom.io`), JPY otherwise.
   */
  defaultCurrency?: string;
  /** Lifetime asked for at login and refresh; default 86400, at most 172800. */
  tokenTimeoutSeconds?: number;
  /** Refresh once this share of the lifetime has passed; default 0.8. */
  refreshAt?: number;
  /** Language of error messages (`X-Soracom-Lang`). */
  lang?: 'en' | 'ja';
  /** Clock for token age; tests move it forward. */
  now?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ExportProgress {
  status: string;
  polls: number;
  elapsedMs: number;
}

export interface WaitForExportOptions extends CallOptions {
  onProgress?: (p: ExportProgress) => void;
  /** First delay between polls; grows by half each poll up to `maxPollIntervalMs`. Default 2000. */
  pollIntervalMs?: number;
  /** Default 10000. */
  maxPollIntervalMs?: number;
  /** Give up after this long; default 10 minutes. */
  timeoutMs?: number;
}

export interface SoracomClient {
  readonly baseUrl: string;
  readonly defaultCurrency: string;
  getBillingHistory(opts?: CallOptions): Promise<BillingHistoryResponse>;
  getBilling(yyyyMM: string, opts?: CallOptions): Promise<MonthlyBill>;
  getBillingPerDay(yyyyMM: string, opts?: CallOptions): Promise<DailyBillResponse>;
  getLatestBilling(opts?: CallOptions): Promise<LatestBill>;
  /** Starts a detailed-billing CSV export; `async` (the default here) returns an id to poll, `sync` a URL. */
  exportBilling(yyyyMM: string, opts?: CallOptions & { mode?: ExportMode }): Promise<FileExportResponse>;
  exportLatestBilling(opts?: CallOptions & { mode?: ExportMode }): Promise<FileExportResponse>;
  /** One poll of an async export. */
  getExportedFile(exportedFileId: string, opts?: CallOptions): Promise<{ status: string; url?: string }>;
  /** Polls until the export is `exported` (returns its URL) or `failed` (throws). */
  waitForExport(exportedFileId: string, opts?: WaitForExportOptions): Promise<{ url: string }>;
  /** Plain GET of the signed URL, without Soracom headers. */
  downloadExport(
    url: string,
    opts?: CallOptions & { onProgress?: (p: DownloadProgress) => void; maxBytes?: number; toFile?: string },
  ): Promise<DownloadResult>;
  /** One cheap authenticated read (`GET /bills/latest`); resolves with the operator id. */
  testConnection(opts?: CallOptions): Promise<{ operatorId: string }>;
  /** Logs in now (normally done on the first call). */
  login(opts?: CallOptions): Promise<{ operatorId: string; userName?: string }>;
  /** Revokes the API key and token (`POST /auth/logout`) and forgets the session. */
  logout(opts?: CallOptions): Promise<void>;
  /** The auth strategy, exposed for tests and the account service. */
  readonly auth: SoracomAuth;
}

const PROVIDER = 'Soracom';

function checkMonth(yyyyMM: string): string {
  if (!/^\d{4}(0[1-9]|1[0-2])$/.test(yyyyMM)) throw new AppError('validation', `Not a month in yyyyMM form: ${JSON.stringify(yyyyMM)}.`);
  return yyyyMM;
}

function checkExportId(id: string): string {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) throw new AppError('validation', 'Not a valid exported file id.');
  return encodeURIComponent(id);
}

function signalOf(opts: CallOptions | undefined): { signal?: AbortSignal } {
  return opts?.signal ? { signal: opts.signal } : {};
}

export function defaultCurrencyFor(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname === 'g.api.soracom.io' ? 'USD' : 'JPY';
  } catch {
    return 'JPY';
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new AppError('cancelled', 'The export was cancelled.');
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createSoracomClient(opts: SoracomClientOptions): SoracomClient {
  const baseUrl = opts.baseUrl.replace(/\/+$/, '');
  const tokenTimeoutSeconds = Math.min(MAX_TOKEN_TIMEOUT_SECONDS, opts.tokenTimeoutSeconds ?? DEFAULT_TOKEN_TIMEOUT_SECONDS);
  const defaultCurrency = (opts.defaultCurrency ?? defaultCurrencyFor(baseUrl)).toUpperCase();
  const common: HttpClientOptions = { ...opts.http, baseUrl, provider: PROVIDER, parseError: parseSoracomError };
  const lang: Record<string, string> = opts.lang ? { 'X-Soracom-Lang': opts.lang } : {};

  const anonymousHttp = createHttpClient(common);
  const strategy: SoracomAuth = createSoracomAuth({
    credentials: opts.credentials,
    session: opts.session ?? memorySessionStore<SoracomSession>(),
    tokenTimeoutSeconds,
    refreshAt: opts.refreshAt ?? 0.8,
    now: opts.now ?? Date.now,
    anonymousHttp,
    // The refresh call authenticates with the pair being refreshed; a 401 there must not loop back into renew().
    refreshHttp: createHttpClient({
      ...common,
      auth: {
        headers: async () => ({ ...lang, ...strategy.currentPair() }),
        renew: () => Promise.reject(new AppError('auth_expired', 'The Soracom API key is no longer valid.', { status: 401 })),
      },
    }),
  });
  const http: HttpClient = createHttpClient({
    ...common,
    auth: {
      headers: async (signal) => ({ ...lang, ...(await strategy.headers(signal)) }),
      renew: (signal) => strategy.renew(signal),
    },
  });

  const startExport = (path: string, o: (CallOptions & { mode?: ExportMode }) | undefined) =>
    http.json(
      { method: 'POST', path, query: { export_mode: o?.mode ?? 'async' }, ...signalOf(o) },
      fileExportResponseSchema,
    );

  const client: SoracomClient = {
    baseUrl,
    defaultCurrency,
    auth: strategy,

    getBillingHistory: (o) => http.json({ method: 'GET', path: '/bills', ...signalOf(o) }, billingHistorySchema),

    getBilling: async (yyyyMM, o) =>
      http.json({ method: 'GET', path: `/bills/${checkMonth(yyyyMM)}`, ...signalOf(o) }, monthlyBillSchema),

    getBillingPerDay: async (yyyyMM, o) =>
      http.json({ method: 'GET', path: `/bills/${checkMonth(yyyyMM)}/daily`, ...signalOf(o) }, dailyBillResponseSchema),

    getLatestBilling: (o) => http.json({ method: 'GET', path: '/bills/latest', ...signalOf(o) }, latestBillSchema),

    exportBilling: async (yyyyMM, o) => startExport(`/bills/${checkMonth(yyyyMM)}/export`, o),

    exportLatestBilling: (o) => startExport('/bills/latest/export', o),

    async getExportedFile(exportedFileId, o) {
      // Built from the id: `exportedFilePath` starts with `//`, which would resolve to another host.
      const res = await http.json(
        { method: 'GET', path: `/files/exported/${checkExportId(exportedFileId)}`, ...signalOf(o) },
        exportedFileSchema,
      );
      return res.url === undefined ? { status: res.status } : { status: res.status, url: res.url };
    },

    async waitForExport(exportedFileId, o = {}) {
      const started = Date.now();
      const timeoutMs = o.timeoutMs ?? 10 * 60_000;
      const maxInterval = o.maxPollIntervalMs ?? 10_000;
      let interval = o.pollIntervalMs ?? 2_000;
      for (let polls = 1; ; polls++) {
        const res = await client.getExportedFile(exportedFileId, o);
        o.onProgress?.({ status: res.status, polls, elapsedMs: Date.now() - started });
        if (res.status === 'exported') {
          if (res.url === undefined || res.url === '') {
            throw new AppError('invalid_response', 'Soracom reported the export as finished but sent no download address.');
          }
          return { url: res.url };
        }
        if (res.status === 'failed') {
          throw new AppError('server', 'Soracom could not prepare the billing CSV (the export failed). Start the export again.', {
            providerCode: 'failed',
          });
        }
        const waited = Date.now() - started;
        if (waited + interval > timeoutMs) {
          throw new AppError('timeout', `The Soracom billing export was not ready after ${Math.round(waited / 1000)} s.`);
        }
        await sleep(interval, o.signal);
        interval = Math.min(maxInterval, Math.round(interval * 1.5));
      }
    },

    downloadExport(url, o = {}) {
      // Through the client that has no auth strategy: no Soracom header can reach the storage host,
      // even if a URL ever pointed back at the API origin.
      const dl: { signal?: AbortSignal; onProgress?: (p: DownloadProgress) => void; maxBytes?: number; toFile?: string } = {};
      if (o.signal) dl.signal = o.signal;
      if (o.onProgress) dl.onProgress = o.onProgress;
      if (o.maxBytes !== undefined) dl.maxBytes = o.maxBytes;
      if (o.toFile !== undefined) dl.toFile = o.toFile;
      return anonymousHttp.download(url, dl);
    },

    async testConnection(o) {
      // Any readable answer proves the credentials: every field of the latest bill is optional.
      await http.json({ method: 'GET', path: '/bills/latest', ...signalOf(o) }, z.unknown());
      const s = await strategy.current(o?.signal);
      return { operatorId: s.operatorId };
    },

    async login(o) {
      const s = await strategy.login(o?.signal);
      return s.userName === undefined ? { operatorId: s.operatorId } : { operatorId: s.operatorId, userName: s.userName };
    },

    async logout(o) {
      try {
        await http.send({ method: 'POST', path: '/auth/logout', ...signalOf(o) });
      } finally {
        await strategy.forget();
      }
    },
  };
  return client;
}

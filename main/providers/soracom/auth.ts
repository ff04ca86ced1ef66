import { AppError } from '../../http/errors';
import type { AuthStrategy, HttpClient, ProviderErrorParser } from '../../http/types';
import type { SessionStore } from '../session-store';
import { authResponseSchema, generateTokenResponseSchema, readSoracomError } from './schemas';

/** The three ways `POST /auth` accepts. */
export type SoracomCredentials =
  | { kind: 'authKey'; authKeyId: string; authKey: string }
  | { kind: 'root'; email: string; password: string; mfaOTPCode?: string }
  | { kind: 'sam'; operatorId: string; userName: string; password: string };

/** What the client keeps between calls (and, through the SessionStore, between runs). */
export interface SoracomSession {
  apiKey: string;
  token: string;
  operatorId: string;
  userName?: string;
  /** When the current token was issued (ms since epoch, client clock). */
  issuedAt: number;
  /** The lifetime asked for when it was issued. */
  tokenTimeoutSeconds: number;
}

export const DEFAULT_TOKEN_TIMEOUT_SECONDS = 86_400;
export const MAX_TOKEN_TIMEOUT_SECONDS = 172_800;

/**
 * Soracom answers errors either as the spec's `APICallError {httpStatus, errorMessage:{code,message}}`
 * or flat `{code, message}`. A 401 on an authenticated call means the key/token pair is no longer
 * accepted (the API does not tell expired from revoked), so it always asks for a renewal.
 */
export const parseSoracomError: ProviderErrorParser = (status, body) => {
  const { code, message } = readSoracomError(body);
  const out: ReturnType<ProviderErrorParser> = {};
  if (code !== undefined) out.providerCode = code;
  if (message !== undefined) out.providerMessage = message;
  if (status === 401) out.expiredToken = true;
  return out;
};

function authRequestBody(c: SoracomCredentials, tokenTimeoutSeconds: number): Record<string, unknown> {
  switch (c.kind) {
    case 'authKey':
      return { authKeyId: c.authKeyId, authKey: c.authKey, tokenTimeoutSeconds };
    case 'root':
      return c.mfaOTPCode === undefined
        ? { email: c.email, password: c.password, tokenTimeoutSeconds }
        : { email: c.email, password: c.password, mfaOTPCode: c.mfaOTPCode, tokenTimeoutSeconds };
    case 'sam':
      return { operatorId: c.operatorId, userName: c.userName, password: c.password, tokenTimeoutSeconds };
  }
}

export interface SoracomAuthOptions {
  credentials: SoracomCredentials;
  session: SessionStore<SoracomSession>;
  tokenTimeoutSeconds: number;
  /** Refresh once this share of the token's lifetime has passed. */
  refreshAt: number;
  now: () => number;
  /** For `POST /auth`: sends no credentials. */
  anonymousHttp: HttpClient;
  /** For `POST /operators/{id}/token`: sends the current pair and never renews by itself. */
  refreshHttp: HttpClient;
}

export interface SoracomAuth extends AuthStrategy {
  /** The session in use, logging in first when there is none. */
  current(signal?: AbortSignal): Promise<SoracomSession>;
  /** The pair to send on the token-refresh call (no proactive refresh, no login). */
  currentPair(): Record<string, string>;
  login(signal?: AbortSignal): Promise<SoracomSession>;
  refresh(signal?: AbortSignal): Promise<SoracomSession>;
  forget(): Promise<void>;
}

/**
 * Logs in with `POST /auth`, refreshes with `POST /operators/{id}/token` when the token is past
 * `refreshAt` of its lifetime (the API returns no expiry time, so the client tracks it), and on a
 * 401 refreshes or, when the refresh answers 400 (token already expired), logs in again.
 */
export function createSoracomAuth(o: SoracomAuthOptions): SoracomAuth {
  let session: SoracomSession | undefined;
  let loaded = false;
  // Concurrent calls share one login/refresh instead of racing.
  let inflight: Promise<SoracomSession> | undefined;

  const headersOf = (s: SoracomSession): Record<string, string> => ({
    'X-Soracom-API-Key': s.apiKey,
    'X-Soracom-Token': s.token,
  });

  async function loadOnce(): Promise<SoracomSession | undefined> {
    if (!loaded) {
      session = await o.session.load();
      loaded = true;
    }
    return session;
  }

  async function save(s: SoracomSession): Promise<SoracomSession> {
    session = s;
    loaded = true;
    await o.session.save(s);
    return s;
  }

  function share(work: () => Promise<SoracomSession>): Promise<SoracomSession> {
    inflight ??= work().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function doLogin(signal?: AbortSignal): Promise<SoracomSession> {
    let res;
    try {
      res = await o.anonymousHttp.json(
        { method: 'POST', path: '/auth', body: authRequestBody(o.credentials, o.tokenTimeoutSeconds), anonymous: true, ...(signal ? { signal } : {}) },
        authResponseSchema,
      );
    } catch (e) {
      // A 401 on /auth is a refused login, not an expired session.
      if (e instanceof AppError && e.status === 401) {
        const extra: ConstructorParameters<typeof AppError>[2] = { status: 401, cause: e };
        if (e.providerCode !== undefined) extra.providerCode = e.providerCode;
        if (e.providerMessage !== undefined) extra.providerMessage = e.providerMessage;
        throw new AppError('auth_failed', 'Soracom did not accept the credentials (AuthKey, email or SAM user).', extra);
      }
      throw e;
    }
    const s: SoracomSession = {
      apiKey: res.apiKey,
      token: res.token,
      operatorId: res.operatorId,
      issuedAt: o.now(),
      tokenTimeoutSeconds: o.tokenTimeoutSeconds,
    };
    if (res.userName !== undefined) s.userName = res.userName;
    return save(s);
  }

  async function doRefresh(signal?: AbortSignal): Promise<SoracomSession> {
    const s = await loadOnce();
    if (s === undefined) return doLogin(signal);
    try {
      const res = await o.refreshHttp.json(
        {
          method: 'POST',
          path: `/operators/${encodeURIComponent(s.operatorId)}/token`,
          body: { tokenTimeoutSeconds: o.tokenTimeoutSeconds },
          ...(signal ? { signal } : {}),
        },
        generateTokenResponseSchema,
      );
      return save({ ...s, token: res.token, issuedAt: o.now(), tokenTimeoutSeconds: o.tokenTimeoutSeconds });
    } catch (e) {
      // 400: the token already expired; 401: the API key is gone too. Either way, log in again.
      if (e instanceof AppError && (e.status === 400 || e.status === 401)) return doLogin(signal);
      throw e;
    }
  }

  function age(s: SoracomSession): number {
    return (o.now() - s.issuedAt) / 1000;
  }

  async function current(signal?: AbortSignal): Promise<SoracomSession> {
    if (inflight) return inflight;
    const s = await loadOnce();
    if (s === undefined) return share(() => doLogin(signal));
    const elapsed = age(s);
    // Past its lifetime the refresh endpoint would answer 400: go straight to /auth.
    if (elapsed >= s.tokenTimeoutSeconds || elapsed < 0) return share(() => doLogin(signal));
    if (elapsed >= s.tokenTimeoutSeconds * o.refreshAt) return share(() => doRefresh(signal));
    return s;
  }

  return {
    async headers(signal) {
      return headersOf(await current(signal));
    },
    async renew(signal) {
      await share(() => doRefresh(signal));
    },
    current,
    currentPair() {
      if (session === undefined) throw new AppError('auth_expired', 'There is no Soracom session to refresh.');
      return headersOf(session);
    },
    login: (signal) => share(() => doLogin(signal)),
    refresh: (signal) => share(() => doRefresh(signal)),
    async forget() {
      session = undefined;
      loaded = true;
      await o.session.clear();
    },
  };
}

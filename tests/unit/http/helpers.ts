import type { AuthStrategy, HttpClientOptions, ProviderErrorParser } from '../../../main/http/types';

export const FAST_RETRY = { attempts: 4, baseDelayMs: 1, maxDelayMs: 20 };

/** Reads `{ code, message }` bodies; code 'TOKEN_EXPIRED' marks an expired token. */
export const parseError: ProviderErrorParser = (_status, body) => {
  const out: ReturnType<ProviderErrorParser> = {};
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    if (typeof b['code'] === 'string') out.providerCode = b['code'];
    if (typeof b['message'] === 'string') out.providerMessage = b['message'];
    if (b['code'] === 'TOKEN_EXPIRED') out.expiredToken = true;
  }
  return out;
};

export const SECRET_TOKEN = 'tok-SECRET-123';
export const SECRET_KEY = 'key-SECRET-456';

/** Soracom-style auth: two custom headers, renew swaps the token. */
export function soracomAuth(opts: { renewFails?: boolean } = {}) {
  const state = { token: SECRET_TOKEN, headerCalls: 0, renewCalls: 0 };
  const auth: AuthStrategy = {
    headers() {
      state.headerCalls++;
      return Promise.resolve({ 'X-Soracom-API-Key': SECRET_KEY, 'X-Soracom-Token': state.token });
    },
    renew() {
      state.renewCalls++;
      if (opts.renewFails) return Promise.reject(new Error('refresh endpoint said no'));
      state.token = `${SECRET_TOKEN}-renewed`;
      return Promise.resolve();
    },
  };
  return { auth, state };
}

export function baseOptions(baseUrl: string, extra: Partial<HttpClientOptions> = {}): HttpClientOptions {
  return { baseUrl, provider: 'Testprov', parseError, retry: FAST_RETRY, ...extra };
}

export { failure as catchError } from '../../support/errors';

export function expectNoSecrets(message: string): void {
  for (const s of [SECRET_TOKEN, SECRET_KEY, 'Bearer']) {
    if (message.includes(s)) throw new Error(`message leaks a secret: ${message}`);
  }
}

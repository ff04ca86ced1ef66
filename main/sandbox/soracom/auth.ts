/*
 * Auth of the Soracom sandbox: `POST /auth` in its three forms, the API key + token pair on every
 * call, token refresh and logout. Error codes other than AUM0001 are the sandbox's own (the real
 * ones are not documented).
 */
import type { SandboxRequest, SandboxResponse } from '../kit';
import { createPrng, deriveSeed, prngUuid } from '../prng';

export interface DemoLogins {
  authKey: { kind: 'authKey'; authKeyId: string; authKey: string };
  root: { kind: 'root'; email: string; password: string };
  sam: { kind: 'sam'; operatorId: string; userName: string; password: string };
}

interface ApiKeyRecord {
  operatorId: string;
  userName?: string;
  revoked: boolean;
}

interface TokenRecord {
  apiKey: string;
  expiresAt: number;
}

export interface Caller {
  operatorId: string;
  apiKey: string;
  token: string;
}

export const DEFAULT_TOKEN_TIMEOUT = 86_400;
export const MIN_TOKEN_TIMEOUT = 180;
export const MAX_TOKEN_TIMEOUT = 172_800;

const flat = (status: number, code: string, message: string): SandboxResponse => ({ status, json: { code, message } });

export function createSandboxAuth(seed: number, operatorId: string) {
  const r = createPrng(deriveSeed(seed, 'auth'));
  const logins: DemoLogins = {
    authKey: { kind: 'authKey', authKeyId: `keyId-${r.hex(32)}`, authKey: `secret-${r.hex(64)}` },
    root: { kind: 'root', email: 'billing@kitakaze-logistics.example', password: 'demo-Passw0rd!' },
    sam: { kind: 'sam', operatorId, userName: 'billing-reader', password: 'demo-SamPassw0rd!' },
  };
  const apiKeys = new Map<string, ApiKeyRecord>();
  const tokens = new Map<string, TokenRecord>();
  const issued = createPrng(deriveSeed(seed, 'tokens'));

  function issueToken(apiKey: string, timeoutSeconds: number): string {
    const token = `${issued.hex(40)}.${issued.hex(96)}.${issued.hex(43)}`;
    tokens.set(token, { apiKey, expiresAt: Date.now() + timeoutSeconds * 1000 });
    return token;
  }

  /** tokenTimeoutSeconds: undefined means the default; a value outside the allowed range is a 400. */
  function readTimeout(body: unknown): number | SandboxResponse {
    const raw = (body as { tokenTimeoutSeconds?: unknown } | undefined)?.tokenTimeoutSeconds;
    if (raw === undefined) return DEFAULT_TOKEN_TIMEOUT;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < MIN_TOKEN_TIMEOUT || raw > MAX_TOKEN_TIMEOUT) {
      return flat(400, 'AUM0004', `tokenTimeoutSeconds must be an integer from ${MIN_TOKEN_TIMEOUT} to ${MAX_TOKEN_TIMEOUT}`);
    }
    return raw;
  }

  function login(req: SandboxRequest): SandboxResponse {
    const b = req.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return flat(400, 'AUM0003', 'Request body is required');
    const s = (k: string): string | undefined => {
      const v = (b as Record<string, unknown>)[k];
      return typeof v === 'string' ? v : undefined;
    };
    const timeout = readTimeout(b);
    if (typeof timeout !== 'number') return timeout;
    let userName: string | undefined;
    let ok: boolean;
    if (s('authKeyId') !== undefined || s('authKey') !== undefined) {
      ok = s('authKeyId') === logins.authKey.authKeyId && s('authKey') === logins.authKey.authKey;
    } else if (s('email') !== undefined) {
      ok = s('email') === logins.root.email && s('password') === logins.root.password;
    } else if (s('userName') !== undefined || s('operatorId') !== undefined) {
      ok = s('operatorId') === operatorId && s('userName') === logins.sam.userName && s('password') === logins.sam.password;
      userName = logins.sam.userName;
    } else {
      return flat(400, 'AUM0003', 'Specify authKeyId and authKey, email and password, or operatorId, userName and password');
    }
    if (!ok) return flat(401, 'AUM0002', 'Invalid credentials');
    const apiKey = `api-${prngUuid(issued)}`;
    const record: ApiKeyRecord = { operatorId, revoked: false };
    if (userName !== undefined) record.userName = userName;
    apiKeys.set(apiKey, record);
    const json: Record<string, string> = { apiKey, operatorId, token: issueToken(apiKey, timeout) };
    if (userName !== undefined) json['userName'] = userName;
    return { status: 200, json };
  }

  function header(req: SandboxRequest, name: string): string | undefined {
    const v = req.headers[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  }

  /** The caller of an authenticated route, or the 401 the real API answers. */
  function authenticate(req: SandboxRequest): Caller | SandboxResponse {
    const apiKey = header(req, 'x-soracom-api-key');
    const token = header(req, 'x-soracom-token');
    if (apiKey === undefined || token === undefined) {
      return flat(401, 'AUM0001', 'API key and token are required in the request header');
    }
    const key = apiKeys.get(apiKey);
    const t = tokens.get(token);
    if (key === undefined || key.revoked || t === undefined || t.apiKey !== apiKey || t.expiresAt <= Date.now()) {
      return flat(401, 'AUM0001', 'Invalid or expired API key or token');
    }
    return { operatorId: key.operatorId, apiKey, token };
  }

  function refresh(req: SandboxRequest): SandboxResponse {
    const apiKey = header(req, 'x-soracom-api-key');
    const token = header(req, 'x-soracom-token');
    if (apiKey === undefined || token === undefined) {
      return flat(401, 'AUM0001', 'API key and token are required in the request header');
    }
    const key = apiKeys.get(apiKey);
    if (key === undefined || key.revoked) return flat(401, 'AUM0001', 'Invalid API key');
    const t = tokens.get(token);
    if (t === undefined || t.apiKey !== apiKey || t.expiresAt <= Date.now()) {
      return {
        status: 400,
        json: { httpStatus: 400, errorMessage: { code: 'AUM0007', message: 'The token has expired. Authenticate again with /auth.' } },
      };
    }
    if (req.params['operatorId'] !== key.operatorId) {
      return flat(403, 'AUM0006', 'The operator ID does not match the API key');
    }
    const timeout = readTimeout(req.body);
    if (typeof timeout !== 'number') return timeout;
    return { status: 200, json: { token: issueToken(apiKey, timeout) } };
  }

  function logout(req: SandboxRequest): SandboxResponse {
    const caller = authenticate(req);
    if ('status' in caller) return caller;
    const key = apiKeys.get(caller.apiKey);
    if (key) key.revoked = true;
    for (const [tok, rec] of tokens) if (rec.apiKey === caller.apiKey) tokens.delete(tok);
    return { status: 204 };
  }

  return {
    logins,
    login,
    authenticate,
    refresh,
    logout,
    /** Every token issued so far is expired: calls answer 401 and the refresh endpoint 400. */
    expireAll() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
  };
}

export type SandboxAuth = ReturnType<typeof createSandboxAuth>;

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient, parseContentDisposition, parseRetryAfter } from '../../../main/http/client';
import { AppError } from '../../../main/http/errors';
import { startSandbox } from '../../../main/sandbox/kit';
import type { SandboxServer } from '../../../main/sandbox/kit';
import { baseOptions, catchError, expectNoSecrets, SECRET_TOKEN, soracomAuth } from './helpers';

const Bill = z.looseObject({ yyyyMM: z.string(), amount: z.number() });

let sb: SandboxServer;
let requireRenewedToken = false;

beforeAll(async () => {
  sb = await startSandbox({
    routes: [
      { method: 'GET', pattern: '/v1/bills/:m', handler: (r) => ({ status: 200, json: { yyyyMM: r.params['m'], amount: 12.5, extra: true } }) },
      { method: 'GET', pattern: '/v1/wrong', handler: () => ({ status: 200, json: { yyyyMM: 202401, amount: 'lots-of-money-value' } }) },
      { method: 'GET', pattern: '/v1/big', handler: () => ({ status: 200, json: { pad: 'x'.repeat(5000) } }) },
      { method: 'GET', pattern: '/v1/items', handler: (r) => ({ status: 200, json: { q: Object.fromEntries(r.query) } }) },
      { method: 'POST', pattern: '/v1/items', handler: (r) => ({ status: 201, json: { got: r.body } }) },
      { method: 'PUT', pattern: '/v1/items', handler: () => ({ status: 200, json: {} }) },
      { method: 'DELETE', pattern: '/v1/items', handler: () => ({ status: 204 }) },
      {
        method: 'GET',
        pattern: '/v1/secure',
        handler: (r) =>
          requireRenewedToken && r.headers['x-soracom-token'] !== `${SECRET_TOKEN}-renewed`
            ? { status: 401, json: { code: 'TOKEN_EXPIRED', message: 'token expired' } }
            : { status: 200, json: { yyyyMM: '202401', amount: 1 } },
      },
      {
        method: 'POST',
        pattern: '/v1/secure',
        handler: (r) =>
          r.headers['x-soracom-token'] !== `${SECRET_TOKEN}-renewed`
            ? { status: 401, json: { code: 'TOKEN_EXPIRED', message: 'token expired' } }
            : { status: 200, json: { ok: true } },
      },
      { method: 'GET', pattern: '/v1/denied', handler: () => ({ status: 401, json: { code: 'BAD_CREDENTIALS', message: 'no' } }) },
      { method: 'GET', pattern: '/v1/always-expired', handler: () => ({ status: 401, json: { code: 'TOKEN_EXPIRED' } }) },
      { method: 'GET', pattern: '/v1/status/:s', handler: (r) => ({ status: Number(r.params['s']), json: { code: 'E' + (r.params['s'] ?? ''), message: 'provider says no' } }) },
      { method: 'GET', pattern: '/v1/redirect', handler: () => ({ status: 302, headers: { Location: 'https://elsewhere.invalid/' } }) },
    ],
  });
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.clearFaults();
  sb.exchanges.length = 0;
  requireRenewedToken = false;
});

const client = (extra: Parameters<typeof baseOptions>[1] = {}) => createHttpClient(baseOptions(`${sb.url}/v1`, extra));

describe('base URL', () => {
  it('accepts https and loopback http', () => {
    expect(() => createHttpClient(baseOptions('https://api.soracom.io/v1'))).not.toThrow();
    expect(() => createHttpClient(baseOptions('http://localhost:8080'))).not.toThrow();
    expect(() => createHttpClient(baseOptions('http://127.8.0.1'))).not.toThrow();
    expect(() => createHttpClient(baseOptions('http://[::1]:9000/api'))).not.toThrow();
  });

  it('refuses http to a non-loopback host and other schemes', () => {
    for (const u of ['http://api.soracom.io/v1', 'http://10.0.0.1', 'http://localhost.evil.com', 'ftp://x.org', 'nonsense']) {
      let err: unknown;
      try {
        createHttpClient(baseOptions(u));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('validation');
    }
  });
});

describe('json()', () => {
  it('builds the URL from base + path + query, skipping undefined values, and validates', async () => {
    const bill = await client().json({ method: 'GET', path: '/bills/202401' }, Bill);
    expect(bill).toMatchObject({ yyyyMM: '202401', amount: 12.5, extra: true });
    const out = await client().send({ method: 'GET', path: '/items', query: { a: 'x y', n: 3, b: true, skip: undefined } });
    expect(out).toEqual({ q: { a: 'x y', n: '3', b: 'true' } });
    expect(sb.exchanges[1]?.query).toBe('a=x+y&n=3&b=true');
  });

  it('sends JSON bodies with auth headers; anonymous requests carry none', async () => {
    const { auth } = soracomAuth();
    await client({ auth }).send({ method: 'POST', path: '/items', body: { a: 1 } });
    await client({ auth }).send({ method: 'POST', path: '/items', body: { a: 2 }, anonymous: true });
    const [withAuth, anon] = sb.exchanges;
    expect(withAuth?.requestBody).toEqual({ a: 1 });
    expect(withAuth?.requestHeaders['content-type']).toBe('application/json');
    expect(withAuth?.requestHeaders['x-soracom-token']).toBe(SECRET_TOKEN);
    expect(anon?.requestHeaders['x-soracom-token']).toBeUndefined();
    expect(anon?.requestHeaders['x-soracom-api-key']).toBeUndefined();
  });

  it('returns undefined from send() on 204', async () => {
    expect(await client().send({ method: 'DELETE', path: '/items' })).toBeUndefined();
  });

  it('maps a schema mismatch to invalid_response without response values', async () => {
    const err = await catchError(client().json({ method: 'GET', path: '/wrong' }, Bill));
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('yyyyMM');
    expect(err.message).toContain('amount');
    expect(err.message).not.toContain('lots-of-money-value');
    expect(err.issues?.map((i) => i.path)).toEqual(['yyyyMM', 'amount']);
  });

  it('maps malformed JSON and a truncated body to invalid_response', async () => {
    sb.setFaults([{ kind: 'malformed_json' }]);
    expect((await catchError(client().json({ method: 'GET', path: '/bills/1' }, Bill))).code).toBe('invalid_response');
    sb.setFaults([{ kind: 'truncated_body' }]);
    expect((await catchError(client().json({ method: 'GET', path: '/bills/1' }, Bill))).code).toBe('invalid_response');
  });

  it('refuses a body over the cap with too_large', async () => {
    const err = await catchError(client({ maxResponseBytes: 1000 }).send({ method: 'GET', path: '/big' }));
    expect(err.code).toBe('too_large');
  });

  it('does not follow redirects for API calls', async () => {
    const err = await catchError(client().send({ method: 'GET', path: '/redirect' }));
    expect(err.code).toBe('invalid_response');
  });

  it('keeps a path that looks like another host on the API origin', async () => {
    const err = await catchError(client().send({ method: 'GET', path: '//evil.example/x' }));
    expect(err.code).toBe('not_found');
    expect(sb.exchanges[0]?.path).toBe('/v1//evil.example/x');
  });
});

describe('status mapping', () => {
  const cases: [number, string][] = [
    [400, 'validation'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [409, 'conflict'],
    [422, 'validation'],
    [429, 'rate_limited'],
    [500, 'server'],
    [502, 'server'],
  ];
  it.each(cases)('HTTP %i -> %s, with the provider code and message', async (status, code) => {
    const { auth } = soracomAuth();
    const err = await catchError(client({ auth, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).send({ method: 'GET', path: `/status/${status}` }));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe(code);
    expect(err.status).toBe(status);
    expect(err.providerCode).toBe(`E${status}`);
    expect(err.providerMessage).toBe('provider says no');
    expectNoSecrets(err.message);
  });

  it('401 without expiry -> auth_failed, no renewal', async () => {
    const { auth, state } = soracomAuth();
    const err = await catchError(client({ auth }).send({ method: 'GET', path: '/denied' }));
    expect(err.code).toBe('auth_failed');
    expect(state.renewCalls).toBe(0);
    expectNoSecrets(err.message);
  });

  it('429 carries retryAfterMs', async () => {
    sb.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 7 }]);
    const err = await catchError(client({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }).send({ method: 'GET', path: '/bills/1' }));
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(7000);
  });
});

describe('retries', () => {
  it('retries GET on 503 up to the attempt count', async () => {
    sb.setFaults([{ kind: 'status', status: 503 }]);
    const err = await catchError(client().send({ method: 'GET', path: '/bills/1' }));
    expect(err.code).toBe('server');
    expect(sb.exchanges).toHaveLength(4);
  });

  it('retries GET on 503 then succeeds', async () => {
    sb.setFaults([{ kind: 'status', status: 503, times: 2 }]);
    await client().json({ method: 'GET', path: '/bills/1' }, Bill);
    expect(sb.exchanges.map((e) => e.status)).toEqual([503, 503, 200]);
  });

  it('retries GET on 429 and honours Retry-After, capped at 4 x maxDelayMs', async () => {
    sb.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 1, times: 2 }]);
    const t0 = Date.now();
    await client({ retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 25 } }).json({ method: 'GET', path: '/bills/1' }, Bill);
    const elapsed = Date.now() - t0;
    expect(sb.exchanges).toHaveLength(3);
    expect(elapsed).toBeGreaterThanOrEqual(190); // two waits of 100 ms (1 s capped to 4 x 25 ms)
    expect(elapsed).toBeLessThan(1500);
  });

  it('retries GET on network errors', async () => {
    sb.setFaults([{ kind: 'reset', times: 2 }]);
    await client().json({ method: 'GET', path: '/bills/1' }, Bill);
    expect(sb.exchanges).toHaveLength(3);
    sb.exchanges.length = 0;
    sb.setFaults([{ kind: 'reset' }]);
    const err = await catchError(client().send({ method: 'GET', path: '/bills/1' }));
    expect(err.code).toBe('network');
    expect(sb.exchanges).toHaveLength(4);
  });

  it('reports network when nothing listens, after retrying', async () => {
    const { auth, state } = soracomAuth();
    const dead = createHttpClient(baseOptions('http://127.0.0.1:1', { auth }));
    const err = await catchError(dead.send({ method: 'GET', path: '/x' }));
    expect(err.code).toBe('network');
    expect(state.headerCalls).toBe(4);
  });

  it.each(['POST', 'PUT', 'DELETE'] as const)('never retries %s', async (method) => {
    sb.setFaults([{ kind: 'status', status: 503 }]);
    const err = await catchError(client().send({ method, path: '/items', body: method === 'DELETE' ? undefined : { a: 1 } }));
    expect(err.code).toBe('server');
    expect(sb.exchanges).toHaveLength(1);
    sb.exchanges.length = 0;
    // Sent, then the connection dropped: it may have happened, and it is not sent again.
    sb.setFaults([{ kind: 'reset' }]);
    expect((await catchError(client().send({ method, path: '/items' }))).code).toBe('outcome_unknown');
    expect(sb.exchanges).toHaveLength(1);
    sb.exchanges.length = 0;
    sb.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 0 }]);
    expect((await catchError(client().send({ method, path: '/items' }))).code).toBe('rate_limited');
    expect(sb.exchanges).toHaveLength(1);
  });
});

describe('token renewal', () => {
  it('401 expired -> renew once -> repeat succeeds (GET)', async () => {
    requireRenewedToken = true;
    const { auth, state } = soracomAuth();
    const bill = await client({ auth }).json({ method: 'GET', path: '/secure' }, Bill);
    expect(bill.amount).toBe(1);
    expect(state.renewCalls).toBe(1);
    expect(sb.exchanges.map((e) => e.status)).toEqual([401, 200]);
  });

  it('repeats a POST once after renewal', async () => {
    const { auth, state } = soracomAuth();
    expect(await client({ auth }).send({ method: 'POST', path: '/secure', body: { x: 1 } })).toEqual({ ok: true });
    expect(state.renewCalls).toBe(1);
    expect(sb.exchanges).toHaveLength(2);
  });

  it('renew failing -> auth_failed', async () => {
    requireRenewedToken = true;
    const { auth, state } = soracomAuth({ renewFails: true });
    const err = await catchError(client({ auth }).send({ method: 'GET', path: '/secure' }));
    expect(err.code).toBe('auth_failed');
    expect(state.renewCalls).toBe(1);
    expect(sb.exchanges).toHaveLength(1);
    expectNoSecrets(err.message);
  });

  it('still expired after renewal -> auth_failed, renew called only once', async () => {
    const { auth, state } = soracomAuth();
    const err = await catchError(client({ auth }).send({ method: 'GET', path: '/always-expired' }));
    expect(err.code).toBe('auth_failed');
    expect(state.renewCalls).toBe(1);
    expect(sb.exchanges).toHaveLength(2);
  });

  it('expired without an auth strategy -> auth_expired', async () => {
    const err = await catchError(client().send({ method: 'GET', path: '/always-expired' }));
    expect(err.code).toBe('auth_expired');
  });
});

describe('timeouts and cancellation', () => {
  it('a hanging server -> timeout quickly (connect timeout)', async () => {
    sb.setFaults([{ kind: 'hang' }]);
    const t0 = Date.now();
    const err = await catchError(client({ connectTimeoutMs: 150 }).send({ method: 'GET', path: '/bills/1' }));
    expect(err.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(sb.exchanges).toHaveLength(1);
  });

  it('a slow response -> timeout (total timeout)', async () => {
    sb.setFaults([{ kind: 'latency', latencyMs: 400 }]);
    const err = await catchError(client({ totalTimeoutMs: 100 }).send({ method: 'GET', path: '/items' }));
    expect(err.code).toBe('timeout');
  });

  it('abort -> cancelled, during a request and during a retry wait', async () => {
    sb.setFaults([{ kind: 'hang' }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await catchError(client().send({ method: 'GET', path: '/bills/1', signal: ac.signal }))).code).toBe('cancelled');

    sb.setFaults([{ kind: 'status', status: 503 }]);
    const ac2 = new AbortController();
    const slow = client({ retry: { attempts: 4, baseDelayMs: 5000, maxDelayMs: 5000 } });
    setTimeout(() => ac2.abort(), 100);
    const t0 = Date.now();
    expect((await catchError(slow.send({ method: 'GET', path: '/bills/1', signal: ac2.signal }))).code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(1000);

    const ac3 = new AbortController();
    ac3.abort();
    expect((await catchError(client().send({ method: 'GET', path: '/bills/1', signal: ac3.signal }))).code).toBe('cancelled');
  });
});

describe('header parsing', () => {
  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Dec 2023 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('reads the two older HTTP date forms too', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('Monday, 01-Jan-24 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon Jan  1 00:02:00 2024', now)).toBe(120_000);
  });

  it('treats a Retry-After that is neither whole seconds nor an HTTP date as absent, so the normal back-off applies', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    for (const value of ['1.5', '-5', '+5', '5s', '0x10', 'garbage 2026', '2024-01-01T00:10:00Z', 'Mon, 01 Jan 2024 00:00:30', 'Mon, 32 Jan 2024 00:00:30 GMT', 'Mon, 01 Jan 2024 25:00:30 GMT', '']) {
      expect(parseRetryAfter(value, now), value).toBeUndefined();
    }
  });

  it('caps an absurdly long Retry-After at 30 days', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    const month = 30 * 24 * 3_600_000;
    expect(parseRetryAfter('2592000', now)).toBe(month);
    expect(parseRetryAfter('99999999999999999999', now)).toBe(month);
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(month);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(month);
  });

  it('parses Content-Disposition file names', () => {
    expect(parseContentDisposition('attachment; filename="a b.pdf"')).toBe('a b.pdf');
    expect(parseContentDisposition('attachment; filename=plain.csv')).toBe('plain.csv');
    expect(parseContentDisposition(`attachment; filename="x.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`)).toBe('Rechnung März.pdf');
    expect(parseContentDisposition(`attachment; filename*=UTF-8''..%2F..%2Fetc`)).toBe('../../etc');
    expect(parseContentDisposition('inline')).toBeUndefined();
    expect(parseContentDisposition(null)).toBeUndefined();
  });
});

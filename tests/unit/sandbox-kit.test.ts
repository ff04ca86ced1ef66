import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { startFileHost, startSandbox } from '../../main/sandbox/kit';
import type { FileHost, SandboxServer } from '../../main/sandbox/kit';

let sandbox: SandboxServer | undefined;
let host: FileHost | undefined;

afterEach(async () => {
  await sandbox?.close();
  await host?.close();
  sandbox = undefined;
  host = undefined;
});

async function start(): Promise<SandboxServer> {
  sandbox = await startSandbox({
    routes: [
      {
        method: 'GET',
        pattern: '/v1/bills/:yyyyMM',
        handler: (req) => ({ status: 200, json: { month: req.params['yyyyMM'], q: req.query.get('lang') } }),
      },
      { method: 'POST', pattern: '/v1/echo', handler: (req) => ({ status: 201, json: { got: req.body } }) },
      { method: 'DELETE', pattern: '/v1/echo', handler: () => ({ status: 204 }) },
      {
        method: 'GET',
        pattern: '/v1/boom',
        handler: () => {
          throw new Error('kaput');
        },
      },
    ],
  });
  return sandbox;
}

describe('startSandbox', () => {
  it('binds 127.0.0.1 on a random port', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('routes by method and pattern, passes params and query, records exchanges', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/v1/bills/202401?lang=en`, { headers: { 'X-Test': 'a' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ month: '202401', q: 'en' });
    const ex = s.exchanges[0];
    expect(ex).toMatchObject({ method: 'GET', path: '/v1/bills/202401', query: 'lang=en', status: 200, route: '/v1/bills/:yyyyMM' });
    expect(ex?.requestHeaders['x-test']).toBe('a');
    expect(ex?.responseBody).toEqual({ month: '202401', q: 'en' });
  });

  it('parses JSON request bodies and answers 400 to a body that is not JSON', async () => {
    const s = await start();
    const ok = await fetch(`${s.url}/v1/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }) });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ got: { a: 1 } });
    expect(s.exchanges[0]?.requestBody).toEqual({ a: 1 });
    const bad = await fetch(`${s.url}/v1/echo`, { method: 'POST', body: '{nope' });
    expect(bad.status).toBe(400);
    const empty = await fetch(`${s.url}/v1/echo`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(s.exchanges[2]?.requestBody).toBeUndefined();
  });

  it('answers 404 for unknown paths, 405 for a known path with another method, 500 when a handler throws', async () => {
    const s = await start();
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
    expect((await fetch(`${s.url}/v1/echo`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${s.url}/v1/boom`)).status).toBe(500);
  });

  it('uses a custom notFound', async () => {
    sandbox = await startSandbox({ routes: [], notFound: () => ({ status: 404, json: { detail: 'gone' } }) });
    const res = await fetch(`${sandbox.url}/x`);
    expect(await res.json()).toEqual({ detail: 'gone' });
  });

  it('injects status faults a limited number of times, by path and method, with Retry-After', async () => {
    const s = await start();
    s.setFaults([{ kind: 'status', status: 429, retryAfterSeconds: 3, times: 1, path: '/v1/bills', method: 'GET' }]);
    const first = await fetch(`${s.url}/v1/bills/202401`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(await first.json()).toHaveProperty('code');
    expect((await fetch(`${s.url}/v1/bills/202401`)).status).toBe(200);
    s.setFaults([{ kind: 'status', status: 503, path: '/v1/bills' }]);
    expect((await fetch(`${s.url}/v1/echo`, { method: 'POST', body: '1' })).status).toBe(201);
    expect((await fetch(`${s.url}/v1/bills/1`)).status).toBe(503);
    expect((await fetch(`${s.url}/v1/bills/1`)).status).toBe(503);
    s.clearFaults();
    expect((await fetch(`${s.url}/v1/bills/1`)).status).toBe(200);
  });

  it('adds latency before proceeding', async () => {
    const s = await start();
    s.setFaults([{ kind: 'latency', latencyMs: 120 }]);
    const t0 = Date.now();
    expect((await fetch(`${s.url}/v1/bills/1`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('sends malformed JSON', async () => {
    const s = await start();
    s.setFaults([{ kind: 'malformed_json' }]);
    const res = await fetch(`${s.url}/v1/bills/1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"broken":');
  });

  it('truncates the body', async () => {
    const s = await start();
    s.setFaults([{ kind: 'truncated_body' }]);
    const res = await fetch(`${s.url}/v1/bills/1`);
    await expect(res.text()).rejects.toThrow();
  });

  it('resets the connection', async () => {
    const s = await start();
    s.setFaults([{ kind: 'reset', times: 1 }]);
    await expect(fetch(`${s.url}/v1/bills/1`)).rejects.toThrow();
    expect(s.exchanges[0]?.fault).toBe('reset');
  });

  it('closes promptly while a request hangs and with keep-alive sockets open', async () => {
    const s = await start();
    await (await fetch(`${s.url}/v1/bills/1`)).text();
    s.setFaults([{ kind: 'hang' }]);
    const hanging = new Promise<string>((resolve) => {
      const r = request(`${s.url}/v1/bills/1`, () => resolve('answered'));
      r.on('error', () => resolve('error'));
      r.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await s.close();
    sandbox = undefined;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await hanging).toBe('error');
  });
});

describe('startFileHost', () => {
  it('serves files with type and Content-Disposition, lazily generated bodies, and redirects', async () => {
    host = await startFileHost();
    let generated = 0;
    const a = host.put('/bucket/a.pdf?X-Amz-Signature=abc', {
      body: '%PDF-1.4',
      contentType: 'application/pdf',
      fileName: 'Rechnung März.pdf',
    });
    expect(a).toBe(`${host.url}/bucket/a.pdf?X-Amz-Signature=abc`);
    const lazy = host.put('/lazy.csv', {
      body: () => {
        generated++;
        return 'a,b\n1,2\n';
      },
      contentType: 'text/csv',
    });
    expect(generated).toBe(0);
    const res = await fetch(a);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf");
    expect(await res.text()).toBe('%PDF-1.4');
    expect(await (await fetch(lazy)).text()).toBe('a,b\n1,2\n');
    expect(generated).toBe(1);

    const from = host.redirect('/go', lazy);
    const r = await fetch(from, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe(lazy);
    expect(host.requests.map((q) => q.path)).toEqual(['/bucket/a.pdf', '/lazy.csv', '/go']);
    expect(host.requests[0]?.query).toBe('X-Amz-Signature=abc');
    expect((await fetch(`${host.url}/missing`)).status).toBe(404);
  });
});

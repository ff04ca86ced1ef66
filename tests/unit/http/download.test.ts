import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IncomingHttpHeaders } from 'node:http';
import { createHttpClient } from '../../../main/http/client';
import { startFileHost, startSandbox } from '../../../main/sandbox/kit';
import type { FileHost, SandboxServer } from '../../../main/sandbox/kit';
import type { DownloadProgress } from '../../../main/http/types';
import { baseOptions, catchError, SECRET_TOKEN, soracomAuth } from './helpers';

let api: SandboxServer;
let files: FileHost;
let files2: FileHost;
let redirectTarget = '';
let requireRenewed = false;

const pdf = new TextEncoder().encode('%PDF-1.4 invoice');

beforeAll(async () => {
  files = await startFileHost();
  files2 = await startFileHost();
  api = await startSandbox({
    routes: [
      {
        method: 'GET',
        pattern: '/v1/files/own.csv',
        handler: (r) =>
          requireRenewed && r.headers['x-soracom-token'] !== `${SECRET_TOKEN}-renewed`
            ? { status: 401, json: { code: 'TOKEN_EXPIRED' } }
            : {
                status: 200,
                body: 'a,b\n1,2\n',
                headers: { 'Content-Type': 'text/csv', 'Content-Disposition': `attachment; filename="bill.csv"` },
              },
      },
      { method: 'GET', pattern: '/v1/files/export', handler: () => ({ status: 302, headers: { Location: redirectTarget } }) },
      { method: 'GET', pattern: '/v1/files/same', handler: () => ({ status: 302, headers: { Location: '/v1/files/own.csv' } }) },
      { method: 'GET', pattern: '/v1/files/loop', handler: () => ({ status: 302, headers: { Location: '/v1/files/loop' } }) },
    ],
  });
});
afterAll(async () => {
  await api.close();
  await files.close();
  await files2.close();
});
beforeEach(() => {
  api.exchanges.length = 0;
  files.requests.length = 0;
  files2.requests.length = 0;
  api.clearFaults();
  requireRenewed = false;
});

const client = () => createHttpClient(baseOptions(`${api.url}/v1`, { auth: soracomAuth().auth }));

function expectNoCredentials(headers: IncomingHttpHeaders): void {
  expect(headers['authorization']).toBeUndefined();
  for (const name of Object.keys(headers)) expect(name).not.toMatch(/^x-soracom-/);
  expect(JSON.stringify(headers)).not.toContain(SECRET_TOKEN);
}

describe('download()', () => {
  it('sends credentials to the API origin and returns type and file name', async () => {
    const res = await client().download(`${api.url}/v1/files/own.csv`);
    expect(new TextDecoder().decode(res.bytes)).toBe('a,b\n1,2\n');
    expect(res.contentType).toBe('text/csv');
    expect(res.suggestedName).toBe('bill.csv');
    expect(api.exchanges[0]?.requestHeaders['x-soracom-token']).toBe(SECRET_TOKEN);
  });

  it('follows a same-origin redirect keeping credentials', async () => {
    const res = await client().download(`${api.url}/v1/files/same`);
    expect(res.finalUrl).toBe(`${api.url}/v1/files/own.csv`);
    expect(api.exchanges.map((e) => e.requestHeaders['x-soracom-token'])).toEqual([SECRET_TOKEN, SECRET_TOKEN]);
  });

  it('renews once on an expired token for the API origin', async () => {
    requireRenewed = true;
    const { auth, state } = soracomAuth();
    const res = await createHttpClient(baseOptions(`${api.url}/v1`, { auth })).download(`${api.url}/v1/files/own.csv`);
    expect(res.bytes.byteLength).toBeGreaterThan(0);
    expect(state.renewCalls).toBe(1);
  });

  it('sends no credentials to another origin', async () => {
    const url = files.put('/bucket/inv.pdf?X-Amz-Signature=s', { body: pdf, contentType: 'application/pdf', fileName: 'inv.pdf' });
    const res = await client().download(url);
    expect(res.bytes).toEqual(pdf);
    expect(res.contentType).toBe('application/pdf');
    expect(res.suggestedName).toBe('inv.pdf');
    expect(files.requests).toHaveLength(1);
    expectNoCredentials(files.requests[0]!.headers);
  });

  it('drops credentials when the API origin redirects to the file host, and again on a second hop', async () => {
    const final = files2.put('/final/Rechnung.pdf', {
      body: () => pdf,
      contentType: 'application/pdf',
      fileName: 'Rechnung März 2024.pdf',
    });
    redirectTarget = files.redirect('/signed/abc', final);
    const res = await client().download(`${api.url}/v1/files/export`);
    expect(res.finalUrl).toBe(final);
    expect(res.suggestedName).toBe('Rechnung März 2024.pdf');
    expect(api.exchanges[0]?.requestHeaders['x-soracom-token']).toBe(SECRET_TOKEN);
    expect(files.requests).toHaveLength(1);
    expect(files2.requests).toHaveLength(1);
    expectNoCredentials(files.requests[0]!.headers);
    expectNoCredentials(files2.requests[0]!.headers);
  });

  it('never re-attaches credentials when a foreign host redirects back to the API origin', async () => {
    const back = files.redirect('/back', `${api.url}/v1/files/own.csv`);
    await client().download(back);
    expect(api.exchanges).toHaveLength(1);
    expectNoCredentials(api.exchanges[0]!.requestHeaders);
  });

  it('refuses a redirect to plain http on a non-loopback host', async () => {
    redirectTarget = 'http://example.com/file.pdf';
    const err = await catchError(client().download(`${api.url}/v1/files/export`));
    expect(err.code).toBe('validation');
  });

  it('stops after 5 redirects', async () => {
    const err = await catchError(client().download(`${api.url}/v1/files/loop`));
    expect(err.code).toBe('invalid_response');
    expect(api.exchanges).toHaveLength(6);
  });

  it('reports progress', async () => {
    const big = new Uint8Array(300_000).fill(7);
    const url = files.put('/big.bin', { body: big, contentType: 'application/octet-stream' });
    const seen: DownloadProgress[] = [];
    const res = await client().download(url, { onProgress: (p) => seen.push(p) });
    expect(res.bytes.byteLength).toBe(300_000);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual({ receivedBytes: 300_000, totalBytes: 300_000 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.receivedBytes).toBeGreaterThan(seen[i - 1]!.receivedBytes);
  });

  it('refuses a body over maxBytes with too_large', async () => {
    const url = files.put('/huge.bin', { body: new Uint8Array(50_000), contentType: 'application/octet-stream' });
    const err = await catchError(client().download(url, { maxBytes: 10_000 }));
    expect(err.code).toBe('too_large');
  });

  it('maps a missing file to not_found and aborts to cancelled', async () => {
    expect((await catchError(client().download(`${files.url}/nothing`))).code).toBe('not_found');
    const ac = new AbortController();
    ac.abort();
    const url = files.put('/x.pdf', { body: pdf, contentType: 'application/pdf' });
    expect((await catchError(client().download(url, { signal: ac.signal }))).code).toBe('cancelled');
  });

  it('refuses http downloads from non-loopback hosts', async () => {
    expect((await catchError(client().download('http://example.com/x.pdf'))).code).toBe('validation');
  });
});

describe('long downloads', () => {
  /** A file server that sends `chunks` pieces `gapMs` apart, then either ends or stalls. */
  async function trickle(chunks: number, gapMs: number, stallAfter?: number) {
    const http = await import('node:http');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/csv' });
      let sent = 0;
      const timer = setInterval(() => {
        if (stallAfter !== undefined && sent === stallAfter) return;
        res.write(`row ${sent}\n`);
        sent += 1;
        if (sent === chunks) {
          clearInterval(timer);
          res.end();
        }
      }, gapMs);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}/export.csv`, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it('goes on past the total timeout while data keeps arriving', async () => {
    const host = await trickle(12, 30);
    try {
      const client = createHttpClient(baseOptions(api.url, { totalTimeoutMs: 100, downloadStallTimeoutMs: 150 }));
      const result = await client.download(host.url);
      expect(new TextDecoder().decode(result.bytes).split('\n').filter(Boolean)).toHaveLength(12);
    } finally {
      await host.close();
    }
  });

  it('fails with a timeout once data stops arriving', async () => {
    const host = await trickle(12, 20, 3);
    try {
      const client = createHttpClient(baseOptions(api.url, { totalTimeoutMs: 10_000, downloadStallTimeoutMs: 120 }));
      const error = await catchError(client.download(host.url));
      expect(error.code).toBe('timeout');
      expect(error.message).toMatch(/no data arrived/);
    } finally {
      await host.close();
    }
  });
});

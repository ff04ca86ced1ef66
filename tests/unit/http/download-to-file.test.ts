import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHttpClient } from '../../../main/http/client';
import { smallDisk } from '../files/small-disk';
import { baseOptions, catchError } from './helpers';

/**
 * Big downloads go to a file as they arrive: the body never sits in memory, and a download that
 * fails or is cancelled leaves no file.
 */
const chunk = Buffer.alloc(64 * 1024, 'x');
const total = 320 * chunk.length; // 20 MiB
let server: http.Server;
let base = '';
let dir = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const cut = req.url === '/cut';
    const slow = req.url === '/slow';
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': String(total) });
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        if (cut && sent >= total / 4) {
          res.socket?.destroy();
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
        if (slow) {
          setTimeout(pump, 20);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-download-file-'));
});

const client = () => createHttpClient(baseOptions(base));

describe('downloads streamed to a file', () => {
  it('writes the body to the file as it arrives and keeps none of it in memory', async () => {
    const file = path.join(dir, 'export.part');
    const progress: number[] = [];
    const res = await client().download(`${base}/big.csv`, { toFile: file, onProgress: (p) => progress.push(p.receivedBytes) });
    expect(res.bytes.byteLength).toBe(0);
    expect(res.size).toBe(total);
    expect(res.file).toBe(file);
    expect(progress.at(-1)).toBe(total);
    const expected = createHash('sha256');
    for (let i = 0; i < 320; i++) expected.update(chunk);
    expect(createHash('sha256').update(await fs.readFile(file)).digest('hex')).toBe(expected.digest('hex'));
  });

  it('a body cut off half-way leaves no file', async () => {
    const file = path.join(dir, 'export.part');
    expect((await catchError(client().download(`${base}/cut`, { toFile: file }))).code).toBe('invalid_response');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a cancelled download leaves no file', async () => {
    const file = path.join(dir, 'export.part');
    const controller = new AbortController();
    const going = client().download(`${base}/slow`, {
      toFile: file,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.receivedBytes > total / 8) controller.abort();
      },
    });
    expect((await catchError(going)).code).toBe('cancelled');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a body over the limit stops and leaves no file', async () => {
    const file = path.join(dir, 'export.part');
    expect((await catchError(client().download(`${base}/big.csv`, { toFile: file, maxBytes: total / 2 }))).code).toBe('too_large');
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

describe('a download whose file cannot be written', () => {
  const mounted: string[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const d of mounted.splice(0)) await smallDisk.unmount(d);
  });

  /** The error the download rejected with, whatever its kind. */
  const rejection = (p: Promise<unknown>) => p.then(() => undefined, (error: unknown) => error);

  it('on a disk that fills up, fails with the disk’s own ENOSPC (not a cut-off response) and leaves no file', async (ctx) => {
    if (!(await smallDisk.available(dir))) ctx.skip('mounting a small disk needs root');
    const disk = path.join(dir, 'small');
    await smallDisk.mount(disk, 256);
    mounted.push(disk);
    const error = await rejection(client().download(`${base}/big.csv`, { toFile: path.join(disk, 'export.part') }));
    expect(error).toMatchObject({ code: 'ENOSPC' });
    expect(await fs.readdir(disk)).toEqual([]);
  });

  it.each(['EFBIG', 'EIO', 'EROFS', 'EDQUOT'])('a write failing with %s keeps that error, and the file is removed', async (code) => {
    const open = fs.open.bind(fs);
    vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const handle = await open(...args);
      const write = handle.write.bind(handle) as (chunk: Uint8Array) => Promise<unknown>;
      let writes = 0;
      // A few chunks are written, then the disk fails.
      const failing = (chunk: Uint8Array) => (++writes > 3 ? Promise.reject(Object.assign(new Error(`${code}: write`), { code })) : write(chunk));
      handle.write = failing as unknown as typeof handle.write;
      return handle;
    });
    const file = path.join(dir, 'export.part');
    expect(await rejection(client().download(`${base}/big.csv`, { toFile: file }))).toMatchObject({ code });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('a file that cannot be created keeps its own error (a read-only folder)', async () => {
    vi.spyOn(fs, 'open').mockRejectedValue(Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' }));
    expect(await rejection(client().download(`${base}/big.csv`, { toFile: path.join(dir, 'export.part') }))).toMatchObject({ code: 'EROFS' });
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect, test } from '@playwright/test';

// The harness's edges: malformed channel names and bodies are 400s (never 500s), and the endpoints
// that steer a test run exist only when the harness was started for the tests, not under `npm run web`.

async function start(args: string[]): Promise<{ url: string; token: string; child: ChildProcess; tmp: string; logs: string[] }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-edges-'));
  const child = spawn(process.execPath, [path.resolve('dist/harness/server.cjs'), '--dist', path.resolve('dist'), '--user-data', path.join(tmp, 'user-data'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`The harness exited with ${code}`)));
  });
  return { ...(JSON.parse(first) as { url: string; token: string }), child, tmp, logs };
}

async function stop(h: { child: ChildProcess; tmp: string }) {
  const exited = new Promise((resolve) => h.child.once('exit', resolve));
  h.child.kill('SIGTERM');
  await exited;
  await fs.rm(h.tmp, { recursive: true, force: true });
}

test('malformed channel names and bodies get 400, well-formed unknown channels an error envelope', async () => {
  const h = await start(['--test']);
  try {
    const post = (channel: string, body: string) => fetch(`${h.url}/rpc/${channel}`, { method: 'POST', headers: { 'X-Billfold-Token': h.token }, body });
    for (const channel of ['%E0%A4%A', '%', 'app.info%00', '..%2F..%2Fetc', 'app.', '.info', 'app..info', `app.${'a'.repeat(200)}`, '__proto__', 'constructor', 'app%20info', 'app.info%0A']) {
      expect((await post(channel, '{}')).status, channel).toBe(400);
    }
    for (const body of ['{', 'not json', '{"a":', '\u0000', '[1,', '{"x":1}}']) {
      expect((await post('app.info', body)).status, body).toBe(400);
    }
    const unknown = await post('app.nothing', '{}');
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    // The test endpoints refuse malformed bodies with 400 as well.
    for (const endpoint of ['dialog', 'faults', 'sandboxes/reachable']) {
      for (const body of ['{', '[]', '{"kind":"other"}', 'null']) {
        const res = await fetch(`${h.url}/__harness/${endpoint}`, { method: 'POST', headers: { 'X-Billfold-Token': h.token }, body });
        expect(res.status, `${endpoint} ${body}`).toBe(400);
      }
    }
    expect((await fetch(`${h.url}/%E0%A4%A`)).status).toBe(400);
    expect(h.logs.filter((l) => l.startsWith('[harness]'))).toEqual([]);
  } finally {
    await stop(h);
  }
});

test('under npm run web the endpoints that steer a test run do not exist; the drop upload does', async () => {
  const h = await start(['--web']);
  try {
    const headers = { 'X-Billfold-Token': h.token };
    for (const [method, endpoint] of [
      ['POST', 'dialog'],
      ['POST', 'faults'],
      ['POST', 'sandboxes/reachable'],
      ['GET', 'sandboxes'],
      ['GET', 'shell-log'],
      ['GET', 'opened-urls'],
    ] as const) {
      const res = await fetch(`${h.url}/__harness/${endpoint}`, { method, headers, ...(method === 'POST' ? { body: '{"kind":"file","path":"/etc/passwd"}' } : {}) });
      expect(res.status, endpoint).toBe(404);
    }
    const upload = await fetch(`${h.url}/__harness/upload?name=bill.csv`, { method: 'POST', headers, body: 'date,amount\n' });
    expect(upload.status).toBe(200);
    expect(await upload.json()).toMatchObject({ ok: true, value: { files: [{ fileName: 'bill.csv', size: 12, dropId: expect.any(String) }], refused: [] } });
  } finally {
    await stop(h);
  }
});

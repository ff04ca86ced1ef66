import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface Harness {
  url: string;
  token: string;
  userDataDir: string;
  /** Every line the harness wrote to stderr (logs). */
  logs: string[];
  /** Calls a channel over the harness's HTTP transport, as the bridge does, returning the raw reply. */
  rawCall(channel: string, body: string): Promise<unknown>;
}

const distDir = path.resolve('dist');

async function startHarness(): Promise<{ harness: Harness; child: ChildProcess; tmp: string }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-e2e-'));
  const child = spawn(process.execPath, [path.join(distDir, 'harness/server.cjs'), '--dist', distDir, '--user-data', path.join(tmp, 'user-data')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`The harness exited with ${code}: ${logs.join('\n')}`)));
  });
  const info = JSON.parse(first) as { url: string; token: string; userDataDir: string };
  const harness: Harness = {
    ...info,
    logs,
    async rawCall(channel, body) {
      const res = await fetch(`${info.url}/rpc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Billfold-Token': info.token },
        body,
      });
      return res.json();
    },
  };
  return { harness, child, tmp };
}

export const test = base.extend<{ cspViolations: string[] }, { harness: Harness }>({
  harness: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { harness, child, tmp } = await startHarness();
      await use(harness);
      child.kill('SIGTERM');
      await fs.rm(tmp, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  cspViolations: async ({ page }, use) => {
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) violations.push(msg.text());
    });
    await use(violations);
  },
  page: async ({ page, harness }, use) => {
    await page.addInitScript((token) => {
      (window as unknown as { __billfoldHarness: { token: string } }).__billfoldHarness = { token };
    }, harness.token);
    await page.addInitScript({ path: path.join(distDir, 'harness-bridge/bridge.js') });
    await use(page);
  },
});

export { expect };

import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export interface SandboxEndpoint {
  apiUrl: string;
  credentials: Record<string, string>;
}

export interface Harness {
  url: string;
  token: string;
  userDataDir: string;
  /** Every reply and event the harness sent to the page, one JSON document per line. */
  recordFile: string;
  /** Every line the harness wrote to stderr (its log). */
  logs: string[];
  /** Calls a channel over the harness's HTTP transport, as the bridge does, returning the raw reply. */
  rawCall(channel: string, body: string): Promise<unknown>;
  /** Calls a channel and answers its value; a refused call throws with the channel and the error. */
  call<T>(channel: string, args: unknown): Promise<T>;
  /** This run's sandbox servers (the ones demo accounts use), with working credentials. */
  sandboxes(): Promise<Record<'spatialflow' | 'agilicus' | 'soracom', SandboxEndpoint>>;
  /** Replaces the faults a demo sandbox injects (see `Fault` in main/sandbox/kit.ts); `[]` clears them. */
  setFaults(provider: 'spatialflow' | 'agilicus' | 'soracom', faults: Record<string, unknown>[]): Promise<void>;
  /** Answers the next file or folder dialog with `path` (null = the user cancels). */
  answerDialog(kind: 'file' | 'folder', path: string | null): Promise<void>;
  /** Paths the page asked the OS to open, reveal or move to the trash (`trashedTo`: the harness's trash folder). */
  shellLog(): Promise<{ action: 'openPath' | 'showItemInFolder' | 'trashItem'; path: string; trashedTo?: string }[]>;
  /** Stops (false) or restarts (true) every demo sandbox on its own port, keeping its data: the providers go offline and come back. */
  setSandboxesReachable(reachable: boolean): Promise<void>;
}

const distDir = path.resolve('dist');

/**
 * A fresh harness process per test, with its own user-data folder, so tests never share state.
 * `userDataDir` reuses a folder (a restart); `crash` kills the process without letting it finish.
 */
export async function startHarness(
  extraArgs: string[],
  env: Record<string, string>,
  opts: { userDataDir?: string } = {},
): Promise<{ harness: Harness; stop: () => Promise<void>; crash: () => Promise<void> }> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-e2e-'));
  const recordFile = path.join(tmp, 'payloads.jsonl');
  const child = spawn(
    process.execPath,
    [path.join(distDir, 'harness/server.cjs'), '--test', '--dist', distDir, '--user-data', opts.userDataDir ?? path.join(tmp, 'user-data'), '--record', recordFile, ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const logs: string[] = [];
  readline.createInterface({ input: child.stderr }).on('line', (line) => logs.push(line));
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`The harness exited with ${code}: ${logs.join('\n')}`)));
  });
  const info = JSON.parse(first) as { url: string; token: string; userDataDir: string };
  const authorized = { 'X-Billfold-Token': info.token };
  const harness: Harness = {
    ...info,
    recordFile,
    logs,
    async rawCall(channel, body) {
      const res = await fetch(`${info.url}/rpc/${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...authorized },
        body,
      });
      return res.json();
    },
    async call<T>(channel: string, args: unknown) {
      const reply = (await harness.rawCall(channel, JSON.stringify(args))) as { ok: boolean; value: T; error?: { code: string; message: string } };
      if (!reply.ok) throw new Error(`${channel}: ${reply.error?.code} ${reply.error?.message}`);
      return reply.value;
    },
    sandboxes: () => fetch(`${info.url}/__harness/sandboxes`, { headers: authorized }).then((r) => r.json()),
    async answerDialog(kind, answer) {
      const res = await fetch(`${info.url}/__harness/dialog`, { method: 'POST', headers: authorized, body: JSON.stringify({ kind, path: answer }) });
      if (!res.ok) throw new Error(`The harness refused the dialog answer: ${res.status}`);
    },
    shellLog: () => fetch(`${info.url}/__harness/shell-log`, { headers: authorized }).then((r) => r.json()),
    async setSandboxesReachable(reachable) {
      const res = await fetch(`${info.url}/__harness/sandboxes/reachable`, { method: 'POST', headers: authorized, body: JSON.stringify({ reachable }) });
      if (!res.ok) throw new Error(`The harness could not change the sandboxes: ${res.status}`);
    },
    async setFaults(provider, faults) {
      const res = await fetch(`${info.url}/__harness/faults`, { method: 'POST', headers: authorized, body: JSON.stringify({ provider, faults }) });
      if (!res.ok) throw new Error(`The harness refused the faults: ${res.status}`);
    },
  };
  const end = async (signal: NodeJS.Signals) => {
    const exited = child.exitCode === null && child.signalCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined;
    child.kill(signal);
    await exited;
    await fs.rm(tmp, { recursive: true, force: true });
  };
  return { harness, stop: () => end('SIGTERM'), crash: () => end('SIGKILL') };
}

/** Makes `page` talk to `harness` through the bridge, as the `page` fixture does. */
export async function bridgePage(page: Page, harness: Harness): Promise<void> {
  await page.addInitScript((token) => {
    (window as unknown as { __billfoldHarness: { token: string } }).__billfoldHarness = { token };
  }, harness.token);
  await page.addInitScript({ path: path.join(distDir, 'harness-bridge/bridge.js') });
}

/**
 * Pauses the page's installed clock. The clock runs on while the pause is asked for, so the pause is
 * set a few seconds ahead: a pause set in its past throws, as on a busy machine a short lead does.
 */
export async function pauseClock(page: Page): Promise<void> {
  await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 3_000);
}

export const test = base.extend<{ harness: Harness; harnessArgs: string[]; harnessEnv: Record<string, string>; cspViolations: string[] }>({
  harnessArgs: [[], { option: true }],
  harnessEnv: [{}, { option: true }],
  harness: async ({ harnessArgs, harnessEnv }, use) => {
    const { harness, stop } = await startHarness(harnessArgs, harnessEnv);
    await use(harness);
    await stop();
  },
  // Auto-used: every test's page is checked for Content-Security-Policy violations, whether or
  // not the spec names this fixture, and the test fails after its body if there were any. The one
  // exception is the shell spec's `/csp-probe.js`, a script that breaks the policy on purpose to
  // prove it is enforced; violations the app's own code causes are never exempt.
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (!msg.text().includes('Content Security Policy')) return;
        const source = msg.location().url;
        if (/^https?:\/\/[^/]+\/csp-probe\.js$/.test(source)) return;
        violations.push(`${msg.text()} [at ${source || 'unknown source'}]`);
      });
      await use(violations);
      expect(violations, 'Content-Security-Policy violations on the page').toEqual([]);
    },
    { auto: true },
  ],
  page: async ({ page, harness }, use) => {
    await bridgePage(page, harness);
    await use(page);
  },
});

/**
 * Where a view's screenshot goes: `docs/screenshots/` (shown in the README) when
 * BILLFOLD_UPDATE_SCREENSHOTS is set (`npm run screenshots`), otherwise beside the test results,
 * so a plain test run leaves the working tree as it was.
 */
export function screenshotPath(name: string): string {
  const dir = process.env['BILLFOLD_UPDATE_SCREENSHOTS'] ? path.join('docs', 'screenshots') : path.join('test-results', 'screenshots');
  return path.join(dir, name);
}

/**
 * Screenshots of `target` in view at 1200×760 (light) and 900×600 (dark), beside the test
 * results as `<name>-<size>-<scheme>.png`: views to look at, not compared.
 */
export async function shotsOf(page: Page, target: Locator, name: string): Promise<void> {
  for (const [width, height, scheme] of [
    [1200, 760, 'light'],
    [900, 600, 'dark'],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme: scheme });
    await target.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join('test-results', 'screenshots', `${name}-${width}x${height}-${scheme}.png`) });
  }
}

export { expect };

import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountList, AccountSummary } from '../../../contract/models/app';
import type { NewAccount } from '../../../contract/channels/accounts';
import { createMainServices } from '../../../main/compose';
import { startAgilicusSandbox } from '../../../main/sandbox/agilicus';
import { startSpatialFlowSandbox } from '../../../main/sandbox/spatialflow';
import type { DownloadSummary } from '../../../contract/models/download';
import type { ReviewedFile } from '../../../main/cli/commands/review';
import type { SyncOutcome } from '../../../main/cli/commands/sync';
import { cliFolders, ensureBuiltCli, parseJson, repoRoot, runBillfold } from './helpers';
import { testPlatform } from '../../support/platform';

// The built command against the built-in sandboxes, with the real Secret Service that
// scripts/with-keychain.sh starts for `npm test` (it refuses to write the developer's own keychain).
const inKeychainSession = process.env['BILLFOLD_IN_KEYCHAIN_SESSION'] === '1';

/** Adds an account to a user-data folder the way the window does (credentials into the keychain). */
async function addAccount(userData: string, account: NewAccount): Promise<AccountSummary> {
  const services = createMainServices({
    platform: testPlatform(userData),
    emit: () => undefined,
    log: () => undefined,
  });
  try {
    return await services.accounts.add(account);
  } finally {
    await services.close();
  }
}

/** Every file below `dir` (hidden ones, such as folder manifests, left out). */
async function readdirDeep(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => ensureBuiltCli(), 120_000);

describe('billfold command line: usage', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('shows help for the program and for each command, and exits 0', async () => {
    const { home } = await folders;
    const help = await runBillfold(['--help'], { home });
    expect(help.code).toBe(0);
    for (const command of ['accounts', 'sync', 'download', 'review', 'demo']) expect(help.stdout).toContain(command);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*3 {2}the OS keychain is not available/);
    const sync = await runBillfold(['sync', '--help'], { home });
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain('--account <id>');
    expect(sync.stdout).toContain('--json');
  });

  it.each([
    ['no command', []],
    ['an unknown command', ['frobnicate']],
    ['an unknown option', ['accounts', 'list', '--colour']],
    ['a missing argument', ['review']],
    ['an option without its value', ['sync', '--account']],
    ['download without a period', ['download']],
    ['a month that is not YYYY-MM', ['download', '--from', '2026-13', '--to', '2026-12']],
    ['a period that ends before it starts', ['download', '--from', '2026-05', '--to', '2026-01']],
    ['an empty user-data folder', ['--user-data=', 'accounts', 'list']],
  ])('exits 2 on %s, saying what is wrong on stderr', async (_what, args) => {
    const { home, userData } = await folders;
    const run = await runBillfold(['--user-data', userData, ...args], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).not.toBe('');
  });

  it.each([
    ['an unknown command', ['frobnicate', '--json']],
    ['an unknown option', ['accounts', 'list', '--colour', '--json']],
    ['a missing argument', ['review', '--json']],
    ['a month that is not YYYY-MM', ['download', '--from', '2026-13', '--to', '2026-12', '--json']],
    ['a format that is not a choice', ['export', 'focus', '--from', '2026-01', '--to', '2026-02', '--format', 'xml', '--out', 'focus.xml', '--json']],
    ['--json given as the account id', ['sync', '--account', '--json']],
  ])('with --json, %s is one JSON error on stdout, exit 2', async (_what, args) => {
    const { home, userData } = await folders;
    const run = await runBillfold(['--user-data', userData, ...args], { home });
    expect(run.code).toBe(2);
    const { error } = parseJson<{ error: { code: string; message: string } }>(run);
    expect(error.code).toBe('invalid_args');
    expect(error.message).not.toBe('');
    expect(run.stderr).toContain(error.message);
  });
});

describe.runIf(inKeychainSession)('billfold command line against the sandboxes, real keychain', () => {
  const folders = cliFolders();
  const sandboxes: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
    await (await folders).cleanup();
  });

  it('demo adds the demo accounts; accounts list and sync see them, as JSON, with no credential in the output', async () => {
    const { home, userData } = await folders;
    const demo = await runBillfold(['--user-data', userData, 'demo', '--json'], { home });
    expect(demo.code, demo.stderr).toBe(0);
    const added = parseJson<{ accounts: AccountSummary[] }>(demo).accounts;
    expect(added.map((a) => a.provider).sort()).toEqual(['agilicus', 'soracom', 'spatialflow']);

    const list = await runBillfold(['accounts', 'list', '--json', '--user-data', userData], { home });
    expect(list.code).toBe(0);
    const accounts = parseJson<AccountList>(list);
    expect(accounts.keychain).toEqual({ available: true });
    expect(accounts.accounts.map((a) => a.id).sort()).toEqual(added.map((a) => a.id).sort());
    expect(list.stdout).not.toMatch(/"(password|accessToken|refreshToken|authKeySecret)"\s*:/);

    const text = await runBillfold(['accounts', 'list', '--user-data', userData], { home });
    expect(text.stdout).toMatch(/ID +PROVIDER +NAME/);
    expect(text.stdout).toContain('Soracom (demo)');

    const sync = await runBillfold(['sync', '--json', '--user-data', userData], { home });
    expect(sync.code, sync.stderr).toBe(0);
    const outcomes = parseJson<{ accounts: SyncOutcome[] }>(sync).accounts;
    expect(outcomes).toHaveLength(3);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // The sync is recorded in the account list, as the sidebar shows it.
    const after = parseJson<AccountList>(await runBillfold(['accounts', 'list', '--json', '--user-data', userData], { home }));
    expect(after.accounts.every((a) => a.sync.lastSuccessAt !== undefined)).toBe(true);

    const unknown = await runBillfold(['sync', '--account', 'acc_nope', '--json', '--user-data', userData], { home });
    expect(unknown.code).toBe(2);
    expect(parseJson<{ error: { code: string } }>(unknown).error.code).toBe('invalid_args');
  });

  it('download saves a period’s documents once: a second run skips them all', async () => {
    const { home, userData } = await folders;
    const now = new Date();
    const month = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
    const args = ['--user-data', userData, 'download', '--from', month, '--to', month, '--json'];
    const first = await runBillfold(args, { home });
    expect(first.code, first.stderr).toBe(0);
    const summary = parseJson<DownloadSummary>(first);
    expect(summary).toMatchObject({ from: month, to: month, failed: 0, skipped: 0, cancelled: false });
    expect(summary.fetched).toBeGreaterThan(0);
    expect(new Set(summary.items.map((i) => i.provider))).toEqual(new Set(['spatialflow', 'agilicus', 'soracom']));
    // Not a terminal: no progress on stderr.
    expect(first.stderr).not.toMatch(/Downloading/);

    // Where each document went: the downloads folder, and each file's path in it.
    const folder = path.join(home, 'Documents', 'Billfold');
    expect(summary.folder).toBe(folder);
    for (const item of summary.items) {
      expect(item.path?.startsWith(folder + path.sep)).toBe(true);
      expect((await fs.stat(item.path!)).isFile()).toBe(true);
    }

    const second = parseJson<DownloadSummary>(await runBillfold(args, { home }));
    expect(second).toMatchObject({ fetched: 0, failed: 0, skipped: summary.fetched, folder });
    expect(second.items.map((i) => i.path).sort()).toEqual(summary.items.map((i) => i.path).sort());
    const saved = await readdirDeep(folder);
    expect(saved).toHaveLength(summary.fetched);
    // In text, the folder is said under the counts.
    const text = await runBillfold(args.filter((a) => a !== '--json'), { home });
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^0 fetched, \d+ already saved, 0 failed/), `  ${folder}`]);
  });

  it('Ctrl+C stops a download with what it saved, exit 1; download --resume goes on and saves each document once', async () => {
    const { home, userData } = await folders;
    const journal = path.join(userData, 'downloads-journal.json');
    const args = ['--user-data', userData, 'download', '--from', '2020-01', '--to', '2030-12', '--json'];
    const stopped = await runBillfold(args, {
      home,
      started: (kill) => {
        // Once the journal records a document, the user presses Ctrl+C.
        const poll = setInterval(() => {
          void fs.readFile(journal, 'utf8').then(
            (text) => {
              const state = JSON.parse(text) as { finished: boolean; done: Record<string, unknown> };
              if (!state.finished && Object.keys(state.done).length >= 3) {
                clearInterval(poll);
                kill('SIGINT');
              }
            },
            () => undefined,
          );
        }, 50);
      },
    });
    expect(stopped.code, stopped.stderr).toBe(1);
    const cancelled = parseJson<DownloadSummary>(stopped);
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.items.some((i) => i.state === 'cancelled')).toBe(true);
    expect(stopped.stderr).toContain('download --resume');

    const resumed = await runBillfold(['--user-data', userData, 'download', '--resume', '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = parseJson<DownloadSummary>(resumed);
    expect(summary).toMatchObject({ resumed: true, cancelled: false, failed: 0, from: '2020-01', to: '2030-12' });
    const keys = summary.items.map((i) => i.key);
    expect(new Set(keys).size).toBe(keys.length);
    const saved = await readdirDeep(path.join(home, 'Documents', 'Billfold'));
    expect(new Set(saved).size).toBe(saved.length);
    expect(saved).toHaveLength(summary.items.length);

    const nothingLeft = await runBillfold(['--user-data', userData, 'download', '--resume'], { home });
    expect(nothingLeft.code).toBe(2);
    expect(nothingLeft.stderr).toContain('no unfinished download');
  }, 240_000);

  it('a wrong password exits 1 with the provider’s refusal (auth_failed)', async () => {
    const { home, userData } = await folders;
    const sandbox = await startSpatialFlowSandbox();
    sandboxes.push(sandbox);
    const account = await addAccount(userData, {
      provider: 'spatialflow',
      name: 'Wrong password',
      baseUrl: sandbox.apiUrl,
      credentials: { kind: 'password', email: sandbox.credentials.email, password: `${sandbox.credentials.password}-wrong` },
    });
    const run = await runBillfold(['--user-data', userData, 'sync', '--account', account.id, '--json'], { home });
    expect(run.code).toBe(1);
    const [outcome] = parseJson<{ accounts: SyncOutcome[] }>(run).accounts;
    expect(outcome).toMatchObject({ accountId: account.id, ok: false, error: { code: 'auth_failed' } });
    expect(run.stdout).not.toContain(sandbox.credentials.password);
  });

  it('an unreachable provider exits 4 (network)', async () => {
    const { home, userData } = await folders;
    const sandbox = await startAgilicusSandbox();
    sandboxes.push(sandbox);
    const account = await addAccount(userData, {
      provider: 'agilicus',
      name: 'Nobody home',
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      credentials: sandbox.credentials,
    });
    const run = await runBillfold(['--user-data', userData, 'sync', '--account', account.id, '--json'], { home });
    expect(run.code).toBe(4);
    expect(parseJson<{ accounts: SyncOutcome[] }>(run).accounts[0]).toMatchObject({ ok: false, error: { code: 'network' } });
    const download = await runBillfold(['--user-data', userData, 'download', '--from', '2026-01', '--to', '2026-02', '--account', account.id, '--json'], { home });
    expect(download.code).toBe(4);
    expect(parseJson<DownloadSummary>(download).items).toEqual([expect.objectContaining({ kind: 'listing', state: 'failed', reason: expect.objectContaining({ code: 'network' }) })]);
  });

  it('exits 3 when the keychain is not available, and still lists the accounts; demo accounts need no keychain', async () => {
    const { home, userData } = await folders;
    const sandbox = await startAgilicusSandbox();
    sandboxes.push(sandbox);
    const own = await addAccount(userData, { provider: 'agilicus', name: 'Own', baseUrl: sandbox.apiUrl, credentials: sandbox.credentials });
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    // Demo accounts reach only the built-in sandboxes: their made-up credentials live in memory.
    const demo = await runBillfold(['--user-data', userData, 'demo', '--json'], { home, env });
    expect(demo.code, demo.stderr).toBe(0);
    const [first] = parseJson<{ accounts: AccountSummary[] }>(demo).accounts;
    const demoSync = await runBillfold(['--user-data', userData, 'sync', '--account', first!.id, '--json'], { home, env });
    expect(demoSync.code, demoSync.stderr).toBe(0);
    const sync = await runBillfold(['--user-data', userData, 'sync', '--account', own.id, '--json'], { home, env });
    expect(sync.code).toBe(3);
    expect(parseJson<{ error: { code: string } }>(sync).error).toMatchObject({ code: 'keychain_unavailable' });
    expect(sync.stderr).toMatch(/keychain/i);
    const list = await runBillfold(['--user-data', userData, 'accounts', 'list', '--json'], { home, env });
    expect(list.code).toBe(0);
    expect(parseJson<AccountList>(list).keychain.available).toBe(false);
  });

  it('review summarizes CSV files as JSON; a missing file makes it exit 2 (a wrong command line)', async () => {
    const { home, userData } = await folders;
    const fixture = path.join(repoRoot, 'tests', 'fixtures', 'review', 'quirks.csv');
    const run = await runBillfold(['--user-data', userData, 'review', fixture, '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    const [file] = parseJson<{ files: ReviewedFile[] }>(run).files;
    expect(file).toMatchObject({ ok: true, fileName: 'quirks.csv' });
    expect(file?.summary?.rows).toBeGreaterThan(0);
    expect(file?.summary?.byItem.length).toBeGreaterThan(0);
    // The totals are kept for the next review of the file, whole: no temporary file is left.
    const kept = await fs.readdir(path.join(userData, 'review-cache'));
    expect(kept.filter((n) => n.endsWith('.summary'))).toHaveLength(1);
    expect(kept.filter((n) => n.endsWith('.tmp'))).toEqual([]);

    const missing = await runBillfold(['--user-data', userData, 'review', fixture, path.join(home, 'nope.csv'), '--json'], { home });
    expect(missing.code).toBe(2);
    const files = parseJson<{ files: ReviewedFile[] }>(missing).files;
    expect(files.map((f) => f.ok)).toEqual([true, false]);
    expect(files[1]?.error).toMatchObject({ code: 'invalid_args', message: expect.stringContaining('does not exist') });
  });

  it('review in text says the currency is unknown when no bill of the month says it, as the window does, not yen', async () => {
    const { home, userData } = await folders;
    const fixture = path.join(repoRoot, 'tests', 'fixtures', 'review', 'quirks.csv');
    const run = await runBillfold(['--user-data', userData, 'review', fixture], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/total -?[\d.,]+ \(currency unknown: the file does not say it, and no bill of the month says it\)/);
    expect(run.stdout).not.toMatch(/total -?[\d.]+ JPY/);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireInstanceLock, inUseError, lockFileName } from '../../../main/fs/instance-lock';

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-lock-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await fs.rm(dir, { recursive: true, force: true });
});

/** Starts a process that takes the lock and adds `count` accounts; resolves with how it went. */
function holder(prefix: string, count: number): { child: ChildProcess; outcome: Promise<{ ready: true } | { exitCode: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [path.resolve('node_modules/jiti/lib/jiti-cli.mjs'), path.resolve('tests/unit/accounts/lock-holder.child.ts'), dir, prefix, String(count)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const outcome = new Promise<{ ready: true } | { exitCode: number | null; stderr: string }>((resolve) => {
    readline.createInterface({ input: child.stdout! }).once('line', () => resolve({ ready: true }));
    child.once('exit', (code) => resolve({ exitCode: code, stderr }));
  });
  return { child, outcome };
}

const accountIds = async () =>
  (JSON.parse(await fs.readFile(path.join(dir, 'accounts.json'), 'utf8')) as { accounts: { id: string }[] }).accounts.map((a) => a.id);

describe('one process per user-data folder', () => {
  it('says when the holder started as the command line writes times: date, time and offset from UTC', () => {
    const message = inUseError('/data', { pid: 42, hostname: '', holder: 'the Billfold window', startedAt: '2026-11-29T08:16:12.000Z' }).message;
    expect(message).toMatch(/\(process 42, started 2026-11-(28|29|30) \d{2}:\d{2} [+-]\d{2}:\d{2}\)/);
    expect(message).not.toMatch(/\d+\/\d+\/\d{4}|AM|PM/);
  });

  it('refuses a second process on the same folder with a message naming the folder and the holder, and loses no account', async () => {
    const first = holder('first-', 20);
    expect(await first.outcome).toEqual({ ready: true });

    const second = holder('second-', 20);
    const refused = await second.outcome;
    expect(refused).toMatchObject({ exitCode: 3 });
    const message = (refused as { stderr: string }).stderr;
    expect(message).toContain('in_use: Another Billfold is already using the folder');
    expect(message).toContain(dir);
    expect(message).toContain(`the command line (process ${first.child.pid}`);

    expect(await accountIds()).toEqual(Array.from({ length: 20 }, (_, i) => `first-${i}`));
  }, 60_000);

  it('takes over the lock of a process that was killed, keeping its accounts', async () => {
    const first = holder('first-', 3);
    expect(await first.outcome).toEqual({ ready: true });
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    // The killed process could not remove its lock file.
    expect(JSON.parse(await fs.readFile(path.join(dir, lockFileName), 'utf8'))).toMatchObject({ pid: first.child.pid });

    const next = holder('next-', 2);
    expect(await next.outcome).toEqual({ ready: true });
    expect(JSON.parse(await fs.readFile(path.join(dir, lockFileName), 'utf8'))).toMatchObject({ pid: next.child.pid });
    expect(await accountIds()).toEqual(['first-0', 'first-1', 'first-2', 'next-0', 'next-1']);
  }, 60_000);

  it('is released when its holder lets go, and a second holder in the same process is refused', async () => {
    const lock = await acquireInstanceLock(dir, 'the test harness');
    await expect(acquireInstanceLock(dir, 'the test harness')).rejects.toMatchObject({ code: 'in_use' });
    lock.release();
    await expect(fs.stat(path.join(dir, lockFileName))).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await acquireInstanceLock(dir, 'the test harness');
    again.release();
    // Nothing but the account data is left in the folder: no temporary lock files.
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('takes over a lock file nobody can read', async () => {
    await fs.writeFile(path.join(dir, lockFileName), '{"pid": ');
    const lock = await acquireInstanceLock(dir, 'the command line');
    expect(JSON.parse(await fs.readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, holder: 'the command line' });
    lock.release();
  });
});

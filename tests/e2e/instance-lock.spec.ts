import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, test } from './fixtures';

test.use({ harnessArgs: ['--demo'] });

test('a second harness on the same user-data folder is refused with a clear message, and the first keeps its accounts', async ({ harness }) => {
  const before = (await harness.rawCall('accounts.list', '{}')) as { ok: true; value: { accounts: { id: string }[] } };
  expect(before.value.accounts).toHaveLength(3);

  const second = spawn(process.execPath, [path.resolve('dist/harness/server.cjs'), '--dist', path.resolve('dist'), '--user-data', harness.userDataDir, '--demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  second.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  second.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Either it exits (refused) or it prints its address (it started, which is the bug): stop it then.
  const code = await new Promise<number | null | 'started'>((resolve) => {
    second.once('exit', resolve);
    second.stdout.once('data', () => resolve('started'));
  });
  if (second.exitCode === null) second.kill('SIGKILL');

  expect(code).toBe(3);
  expect(stdout).toBe('');
  const refusal = JSON.parse(stderr.split('\n')[0]!) as { error: { code: string; message: string } };
  expect(refusal.error.code).toBe('in_use');
  expect(refusal.error.message).toContain(`Another Billfold is already using the folder ${harness.userDataDir}`);
  expect(refusal.error.message).toMatch(/the test harness \(process \d+/);

  const after = (await harness.rawCall('accounts.list', '{}')) as { ok: true; value: { accounts: { id: string }[] } };
  expect(after.value.accounts.map((a) => a.id)).toEqual(before.value.accounts.map((a) => a.id));
});

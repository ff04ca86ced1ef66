import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliFolders, ensureBuiltCli, repoRoot, runBillfold } from './helpers';

const fixture = path.join(repoRoot, 'tests', 'fixtures', 'review', 'quirks.csv');

beforeAll(() => ensureBuiltCli(), 120_000);

describe('billfold command line: stdout that cannot be written', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it.runIf(existsSync('/dev/full'))('exits 1 and says so on stderr when the disk is full', async () => {
    const { home, userData } = await folders;
    const full = await fs.open('/dev/full', 'w');
    try {
      const run = await runBillfold(['--user-data', userData, 'review', fixture, '--json'], { home, stdoutFd: full.fd });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('billfold: could not write the output: the disk is full');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await full.close();
    }
  });

  it.runIf(process.platform !== 'win32')('exits 1 when only part of the JSON fits (a file size limit), not 0 with a cut document', async () => {
    const { home, userData } = await folders;
    const file = path.join(home, 'review.json');
    const out = await fs.open(file, 'w');
    try {
      // The review's JSON is several KB; the limit lets the first write take only part of it.
      const run = await runBillfold(['--user-data', userData, 'review', fixture, '--json'], { home, stdoutFd: out.fd, shellBefore: 'ulimit -f 2' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('could not write the output: the file reached its size limit');
    } finally {
      await out.close();
    }
    expect((await fs.stat(file)).size).toBeGreaterThan(0);
  });

  it('ends quietly with the command’s own exit code when the reader of a pipe goes away (| head)', async () => {
    const { home, userData } = await folders;
    const run = await runBillfold(['--user-data', userData, 'review', fixture, '--json'], { home, closeStdout: true });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});

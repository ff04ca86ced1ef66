import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliFolders, ensureBuiltCli, parseJson, runBillfold } from './helpers';

beforeAll(() => ensureBuiltCli(), 120_000);

const stackTrace = /\n\s+at /;

describe('billfold command line: a user-data folder it cannot use', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('a file given as --user-data is a clear error with a code, exit 1, no stack trace', async () => {
    const { home } = await folders;
    const file = path.join(home, 'not-a-folder');
    await fs.writeFile(file, 'x');
    const run = await runBillfold(['--user-data', file, 'accounts', 'list'], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`billfold: Billfold cannot use ${file} as its user-data folder: it, or a folder above it, is a file.\n`);

    const json = await runBillfold(['--user-data', path.join(file, 'below'), 'accounts', 'list', '--json'], { home });
    expect(json.code).toBe(1);
    expect(parseJson<{ error: { code: string } }>(json).error.code).toBe('io_error');
    expect(json.stderr).not.toMatch(stackTrace);
  });

  it.runIf(process.platform !== 'win32')('a folder it cannot write in (as on a full disk) is a clear error, and leaves no temporary lock file', async () => {
    const { home } = await folders;
    const dir = path.join(home, 'full');
    await fs.mkdir(dir);
    // A file size limit of 0 makes every write fail once the file exists, as a full disk does.
    const run = await runBillfold(['--user-data', dir, 'accounts', 'list', '--json'], { home, shellBefore: 'ulimit -f 0' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`billfold: Billfold could not take the lock on its user-data folder in ${dir}`);
    expect(run.stderr).not.toMatch(stackTrace);
    expect(parseJson<{ error: { code: string } }>(run).error.code).not.toBe('internal');
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewedFile } from '../../../main/cli/commands/review';
import { cliFolders, ensureBuiltCli, parseJson, repoRoot, runBillfold } from './helpers';

const fixture = path.join(repoRoot, 'tests', 'fixtures', 'review', 'quirks.csv');

beforeAll(() => ensureBuiltCli(), 120_000);

describe('billfold review: paths that name no CSV file', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('a file that does not exist is a usage error (exit 2) that says so', async () => {
    const { home, userData } = await folders;
    const missing = path.join(home, 'Export_202410.csv');
    const run = await runBillfold(['--user-data', userData, 'review', missing], { home });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`${missing} does not exist.`);
    expect(run.stdout).not.toContain('not a Soracom detailed billing CSV');
  });

  it('a folder is a usage error that says it is a folder, in JSON too', async () => {
    const { home, userData } = await folders;
    const run = await runBillfold(['--user-data', userData, 'review', home, '--json'], { home });
    expect(run.code).toBe(2);
    const [file] = parseJson<{ files: ReviewedFile[] }>(run).files;
    expect(file).toMatchObject({ ok: false, error: { code: 'invalid_args', message: `${home} is a folder; give the CSV files in it.` } });
  });

  it.runIf(process.platform !== 'win32')('a link is followed to the file it names; a link to nothing says so', async () => {
    const { home, userData } = await folders;
    const link = path.join(home, 'latest.csv');
    await fs.symlink(fixture, link);
    const run = await runBillfold(['--user-data', userData, 'review', link, '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson<{ files: ReviewedFile[] }>(run).files[0]).toMatchObject({ ok: true, fileName: 'quirks.csv' });

    const dangling = path.join(home, 'gone.csv');
    await fs.symlink(path.join(home, 'nothing-here.csv'), dangling);
    const broken = await runBillfold(['--user-data', userData, 'review', dangling], { home });
    expect(broken.code).toBe(2);
    expect(broken.stdout).toContain(`${dangling} is a link to a file that does not exist.`);
  });
});

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

describe('billfold review: a file that is not a bill says why, whatever its name', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());
  const bill = 'imsi,date,billItemName,amount\r\n001010123456789,20240501,Basic fee,10\r\n001010123456789,20240501,Data fee,2.5\r\n';

  it('gives the reason, with its code, instead of one sentence for every cause', async () => {
    const { home, userData } = await folders;
    const cases: [string, string | Buffer, string][] = [
      ['empty.csv', '', 'The file is empty.'],
      ['unicode.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bill, 'utf16le')]), "This file is saved as UTF-16 (Excel's Unicode text); save it as CSV UTF-8 and review it again."],
      ['old-mac.csv', bill.replaceAll('\r\n', '\r'), 'The lines of this file end in a carriage return alone (an old Mac format).'],
      ['other.csv', 'name,value\r\na,1\r\n', 'This is not a Soracom detailed billing CSV: it has no date, billItemName, amount column (found name, value).'],
    ];
    for (const [name, content] of cases) await fs.writeFile(path.join(home, name), content);
    const files = cases.map(([name]) => path.join(home, name));
    const text = await runBillfold(['--user-data', userData, 'review', ...files], { home });
    expect(text.code).toBe(1);
    for (const [name, , reason] of cases) expect(text.stdout).toContain(`${path.join(home, name)}\n  could not be reviewed (validation): ${reason}`);
    expect(text.stdout).not.toContain('not a Soracom detailed billing CSV, or it could not be read');

    const json = await runBillfold(['--user-data', userData, 'review', ...files, '--json'], { home });
    expect(json.code).toBe(1);
    expect(parseJson<{ files: ReviewedFile[] }>(json).files.map((f) => f.error)).toEqual([
      { code: 'validation', message: 'The file is empty.' },
      { code: 'validation', message: cases[1]?.[2] },
      { code: 'validation', message: expect.stringContaining(cases[2]?.[2] as string) },
      { code: 'validation', message: cases[3]?.[2] },
    ]);
  });

  it.runIf(process.platform !== 'win32')('reads a CSV whose name does not end in .csv: a .txt file, a file without an extension, a .csv link to a .txt file', async () => {
    const { home, userData } = await folders;
    const txt = path.join(home, 'export.txt');
    const bare = path.join(home, 'tmp.Xa81Qz');
    const link = path.join(home, 'latest.csv');
    await fs.writeFile(txt, bill);
    await fs.writeFile(bare, bill);
    await fs.symlink(txt, link);
    const run = await runBillfold(['--user-data', userData, 'review', txt, bare, link, '--json'], { home });
    expect(run.code, run.stdout).toBe(0);
    const files = parseJson<{ files: ReviewedFile[] }>(run).files;
    expect(files.map((f) => [f.ok, f.fileName, f.summary?.total])).toEqual([
      [true, 'export.txt', '12.5'],
      [true, 'tmp.Xa81Qz', '12.5'],
      [true, 'export.txt', '12.5'],
    ]);
  });

  it('reviews a file saved as Latin-1 or Shift_JIS with a note that it is not UTF-8, the second time too (from the saved totals)', async () => {
    const { home, userData } = await folders;
    const file = path.join(home, 'Export_202405.csv');
    await fs.writeFile(file, Buffer.from('imsi,date,billItemName,amount\r\n001010123456789,20240501,Grundgeb\xfchr,10\r\n', 'latin1'));
    const note = 'This file is not UTF-8: names may be garbled; save it as CSV UTF-8 and review it again.';
    for (let i = 0; i < 2; i++) {
      const text = await runBillfold(['--user-data', userData, 'review', file], { home });
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`  Note: ${note}`);
    }
    const json = await runBillfold(['--user-data', userData, 'review', file, '--json'], { home });
    expect(parseJson<{ files: ReviewedFile[] }>(json).files[0]?.summary?.notes).toEqual([note]);
    const plain = await runBillfold(['--user-data', userData, 'review', fixture, '--json'], { home });
    expect(parseJson<{ files: ReviewedFile[] }>(plain).files[0]?.summary?.notes).toEqual([]);
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewedFile } from '../../../main/cli/commands/review';
import { table } from '../../../main/cli/text';
import { cliFolders, ensureBuiltCli, parseJson, runBillfold } from './helpers';

beforeAll(() => ensureBuiltCli(), 120_000);

// An item name as a hostile CSV could carry it: clear the screen, retitle the window, turn the
// text red, a one-byte CSI (C1) and a right-to-left override.
const hostile = '\x1b[2J\x1b]0;PWNED\x07Basic\x1b[31m fee\u009b2J \u202efdp.exe';
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const terminalControls = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

async function csvWithItem(dir: string, item: string): Promise<string> {
  const file = path.join(dir, 'Export_202405.csv');
  const rows = [
    'imsi,iccid,date,billItemName,unitPrice,quantity,amount',
    `001010123456789,08981100000000000001,20240501,"${item}",10,1,10`,
    '001010123456789,08981100000000000001,20240501,Data fee,1,2,2',
  ];
  await fs.writeFile(file, `${rows.join('\n')}\n`);
  return file;
}

describe('billfold command line: text from files and providers cannot drive the terminal', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('review shows control characters of an item name as escapes, in text', async () => {
    const { home, userData } = await folders;
    const file = await csvWithItem(home, hostile);
    const run = await runBillfold(['--user-data', userData, 'review', file], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(terminalControls);
    expect(run.stdout).toContain('\\x1b[2J\\x1b]0;PWNED\\x07Basic\\x1b[31m fee\\x9b2J \\u202efdp.exe');
    // The table stays a table: the amount column lines up under its header (right-aligned).
    const lines = run.stdout.split('\n');
    const header = lines.find((l) => l.includes('ITEM'))!;
    const row = lines.find((l) => l.includes('PWNED'))!;
    expect(row.indexOf(' 10 ') + 3).toBe(header.indexOf('AMOUNT') + 'AMOUNT'.length);
  });

  it('review keeps the name exact in JSON, with no raw C1 or bidi control in the document', async () => {
    const { home, userData } = await folders;
    const file = await csvWithItem(home, hostile);
    const run = await runBillfold(['--user-data', userData, 'review', file, '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(terminalControls);
    const [reviewed] = parseJson<{ files: ReviewedFile[] }>(run).files;
    expect(reviewed?.summary?.byItem.map((t) => t.key)).toContain(hostile);
  });

  it('tables of download labels and account names escape them too, and keep one line per row', () => {
    const text = table(['ACCOUNT', 'DOCUMENT'], [['Ops\x1b]0;x\x07', 'Invoice\nINV-1\u2066']]);
    expect(text).not.toMatch(terminalControls);
    expect(text.split('\n')).toEqual([`ACCOUNT${' '.repeat(10)}DOCUMENT`, 'Ops\\x1b]0;x\\x07  Invoice\\x0aINV-1\\u2066']);
  });
});

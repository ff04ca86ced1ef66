import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadSummary } from '../../../contract/models/download';
import { filesBelow, smallDisk } from '../files/small-disk';
import { cliFolders, ensureBuiltCli, parseJson, runBillfold } from './helpers';

const run = promisify(execFile);

/**
 * The command line on a full or read-only documents disk (a small tmpfs mounted as the home's
 * Documents folder): a script gets the same codes as the window, `disk_full` or `read_only`,
 * with the folder named, and nothing half-written is left.
 */
let canMount = false;
const mounted: string[] = [];

beforeAll(async () => {
  ensureBuiltCli();
  const probe = await cliFolders();
  canMount = await smallDisk.available(probe.home);
  await probe.cleanup();
}, 120_000);
afterEach(async () => {
  for (const dir of mounted.splice(0)) await smallDisk.unmount(dir);
});

/** A home whose Documents folder is a small disk, and a user-data folder with the demo accounts. */
async function homeOnSmallDisk(folders: Awaited<ReturnType<typeof cliFolders>>) {
  const documents = path.join(folders.home, 'Documents');
  await smallDisk.mount(documents);
  mounted.push(documents);
  const demo = await runBillfold(['--user-data', folders.userData, 'demo', '--json'], { home: folders.home });
  expect(demo.code, demo.stderr).toBe(0);
  return { documents, downloads: path.join(documents, 'Billfold') };
}

describe('billfold download on a disk that fills up', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('says the disk is full (disk_full, the folder named), not that Soracom cut the response off, and exits 1 leaving no part of the file', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const f = await folders;
    const { downloads } = await homeOnSmallDisk(f);
    // The previous month's detailed CSV is several MB: it cannot fit in 512 KiB.
    const now = new Date();
    const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const folder = path.join(downloads, 'Soracom (demo)');
    const expected = `Billfold could not save Soracom billing CSV ${previous}: the disk that holds ${folder} is full. Free some space, then try again.`;
    const soracom = (await runBillfold(['--user-data', f.userData, 'accounts', 'list', '--json'], { home: f.home })).stdout;
    const accountId = (JSON.parse(soracom) as { accounts: { id: string; provider: string }[] }).accounts.find((a) => a.provider === 'soracom')!.id;

    const json = await runBillfold(['--user-data', f.userData, 'download', '--from', previous, '--to', previous, '--account', accountId, '--json'], { home: f.home });
    expect(json.code, json.stderr).toBe(1);
    const csv = parseJson<DownloadSummary>(json).items.find((i) => i.kind === 'soracom-bill-csv');
    expect(csv).toMatchObject({ state: 'failed', reason: { code: 'disk_full', message: expected } });

    const text = await runBillfold(['--user-data', f.userData, 'download', '--from', previous, '--to', previous, '--account', accountId], { home: f.home });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`Soracom billing CSV ${previous}  disk_full: ${expected}`);
    expect(text.stdout).not.toContain('cut off');
    expect((await filesBelow(downloads)).filter((name) => name.endsWith('.part') || name.endsWith('.csv'))).toEqual([]);
  }, 120_000);
});

describe('billfold pack on a full or read-only disk', () => {
  const folders = cliFolders();
  afterAll(async () => (await folders).cleanup());

  it('answers disk_full, then read_only, with the Packs folder named as every other save does, and leaves no pack', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const f = await folders;
    const { documents, downloads } = await homeOnSmallDisk(f);
    const packs = path.join(downloads, 'Packs');
    const pack = async () => {
      const run = await runBillfold(['--user-data', f.userData, 'pack', '2026-09', '--zip', '--json'], { home: f.home });
      expect(run.code, run.stderr).toBe(1);
      return parseJson<{ error: { code: string; message: string } }>(run).error;
    };

    await smallDisk.fill(documents);
    expect(await pack()).toEqual({ code: 'disk_full', message: `Billfold could not write the 2026-09 pack: the disk that holds ${packs} is full. Free some space, then try again.` });
    expect(await filesBelow(downloads)).toEqual([]);

    // Read-only before Billfold ever made its folders there: still said as read-only, not as a missing folder.
    await fs.rm(downloads, { recursive: true, force: true });
    await smallDisk.readOnly(documents);
    expect(await pack()).toEqual({ code: 'read_only', message: `Billfold could not write the 2026-09 pack: ${packs} is on a read-only disk.` });
    expect(await filesBelow(downloads)).toEqual([]);
  }, 120_000);
});

describe('billfold pack over a previous pack it cannot delete', () => {
  const folders = cliFolders();
  afterAll(async () => {
    const f = await folders;
    await run('chattr', ['-R', '-i', f.home]).catch(() => undefined);
    await f.cleanup();
  });

  it('puts the new folder and the new zip in place together, exits 0, and names the folder left over', async (ctx) => {
    const f = await folders;
    const demo = await runBillfold(['--user-data', f.userData, 'demo', '--json'], { home: f.home });
    expect(demo.code, demo.stderr).toBe(0);
    const packs = path.join(f.home, 'Documents', 'Billfold', 'Packs');
    const pack = () => runBillfold(['--user-data', f.userData, 'pack', '2026-09', '--zip', '--json'], { home: f.home });
    expect((await pack()).code).toBe(0);
    const before = await fs.readFile(path.join(packs, '2026-09', 'missing.txt'), 'utf8');
    if (await run('chattr', ['+i', path.join(packs, '2026-09', 'index.csv')]).then(() => false, () => true)) ctx.skip('needs root and a disk that keeps the immutable flag');
    // After a sync, the pack says something else is missing: the bill is known now.
    expect((await runBillfold(['--user-data', f.userData, 'sync', '--json'], { home: f.home })).code).toBe(0);

    const again = await pack();
    expect(again.code, again.stderr).toBe(0);
    const left = (await fs.readdir(packs)).filter((n) => n.startsWith('.'));
    expect(left).toEqual([expect.stringMatching(/^\.2026-09\.old-[0-9a-f]{8}$/)]);
    expect(parseJson<{ notes: string[] }>(again).notes).toEqual([`Billfold could not delete the previous pack, ${path.join(packs, left[0]!)} (permission denied). Delete it yourself.`]);
    const missing = await fs.readFile(path.join(packs, '2026-09', 'missing.txt'), 'utf8');
    expect(missing).not.toBe(before);
    expect((await run('unzip', ['-p', path.join(packs, '2026-09.zip'), '2026-09/missing.txt'])).stdout).toBe(missing);
  }, 120_000);
});

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import type { SavedFile } from '../../../contract/models/files';
import { buildPack, type PackDeps } from '../../../main/archive/pack';
import { smallDisk } from '../files/small-disk';

const run = promisify(execFile);

/**
 * Building a pack again over the previous one: the folder and the zip are replaced together or
 * not at all, a zip left from before never stands beside a newer folder, and what could not be
 * deleted is said.
 */
const account: AccountSummary = { id: 'acc_ag', name: 'Tunnels', provider: 'agilicus', baseUrl: 'https://api.example.test', credentialKind: 'token', demo: false, sync: {} };
const isRoot = process.getuid?.() === 0;

let dir: string;
let files: SavedFile[];
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-pack-replace-'));
  files = [];
  for (const name of ['Agilicus usage statement A 2026-09.pdf', 'Agilicus usage statement B 2026-09.pdf']) {
    const saved = path.join(dir, 'library', name);
    await fs.mkdir(path.dirname(saved), { recursive: true });
    await fs.writeFile(saved, `%PDF ${name}`);
    files.push({ id: name, kind: 'statement-pdf', accountId: account.id, accountName: account.name, fileName: name, path: saved, size: 1, savedAt: '2026-10-02T00:00:00.000Z', period: '2026-09' });
  }
});
const mounted: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const disk of mounted.splice(0)) await smallDisk.unmount(disk);
  await run('chattr', ['-R', '-i', dir]).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const packs = () => path.join(dir, 'Packs');
const pack = (zip: boolean, deps: Partial<PackDeps> = {}) =>
  buildPack({ listAccounts: () => Promise.resolve([account]), libraryFiles: () => Promise.resolve(files), snapshots: { list: () => Promise.resolve([]) }, root: () => Promise.resolve(dir), ...deps }, '2026-09', { zip });
const zipList = async () => (await run('unzip', ['-Z1', path.join(packs(), '2026-09.zip')])).stdout.trim().split('\n');
const hidden = async () => (await fs.readdir(packs())).filter((n) => n.startsWith('.'));
/** The Library lost a statement since the previous pack. */
const dropOne = () => {
  files = files.slice(0, 1);
};

/** Runs `work` as an ordinary user (nobody) when the tests run as root, so file permissions apply. */
async function asUser<T>(work: () => Promise<T>): Promise<T> {
  if (!isRoot) return work();
  await run('chown', ['-R', '65534:65534', dir]);
  process.seteuid!(65534);
  try {
    return await work();
  } finally {
    process.seteuid!(0);
  }
}

describe('building a pack again', () => {
  it('without a zip: the previous zip is removed, and the result says so', async () => {
    await pack(true);
    dropOne();
    const again = await pack(false);
    await expect(fs.stat(path.join(packs(), '2026-09.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(again.zip).toBeUndefined();
    expect(again.notes).toEqual(['The previous 2026-09.zip was removed: it held the pack as it was before. Build the pack again with a zip to have one of this pack.']);
    expect(await hidden()).toEqual([]);
    // Nothing to say when there was no zip.
    expect((await pack(false)).notes).toEqual([]);
  });

  it('over a pack the user made read-only: folder and zip are both the new pack, and nothing is left over', async () => {
    await asUser(async () => {
      await pack(true);
      await run('chmod', ['-R', 'a-w', path.join(packs(), '2026-09')]);
      dropOne();
      const again = await pack(true);
      expect(again.notes).toEqual([]);
      expect(again.documents).toHaveLength(1);
    });
    expect(await fs.readdir(path.join(packs(), '2026-09', 'documents', 'Agilicus', 'Tunnels'))).toEqual(['Agilicus usage statement A 2026-09.pdf']);
    expect((await zipList()).filter((n) => n.endsWith('.pdf'))).toEqual(['2026-09/documents/Agilicus/Tunnels/Agilicus usage statement A 2026-09.pdf']);
    expect(await hidden()).toEqual([]);
  });

  it('over a pack that cannot be deleted: the new pack is in place all the same, the result names what is left, and a later build removes it once it can', async (ctx) => {
    await pack(true);
    const locked = path.join(packs(), '2026-09', 'index.csv');
    if (!isRoot || (await run('chattr', ['+i', locked]).then(() => false, () => true))) ctx.skip('needs root and a disk that keeps the immutable flag');
    dropOne();
    const again = await pack(true);
    const [left] = await hidden();
    expect(left).toMatch(/^\.2026-09\.old-[0-9a-f]{8}$/);
    expect(again.notes).toEqual([`Billfold could not delete the previous pack, ${path.join(packs(), left!)} (permission denied). Delete it yourself.`]);
    expect((await zipList()).filter((n) => n.endsWith('.pdf'))).toEqual(['2026-09/documents/Agilicus/Tunnels/Agilicus usage statement A 2026-09.pdf']);
    expect(await fs.readdir(path.join(packs(), '2026-09', 'documents', 'Agilicus', 'Tunnels'))).toEqual(['Agilicus usage statement A 2026-09.pdf']);

    // An hour later it is still there and still cannot be deleted: said again.
    const hourAgo = new Date(Date.now() - 2 * 3_600_000);
    await fs.utimes(path.join(packs(), left!), hourAgo, hourAgo);
    expect((await pack(true)).notes).toEqual([`Billfold could not delete what is left of an earlier pack, ${path.join(packs(), left!)} (permission denied). Delete it yourself.`]);
    // Once it can be deleted, it is.
    await run('chattr', ['-i', path.join(packs(), left!, 'index.csv')]);
    expect((await pack(true)).notes).toEqual([]);
    expect(await hidden()).toEqual([]);
  });

  it('a previous pack left read-only by an earlier version is cleaned up', async () => {
    await asUser(async () => {
      await pack(true);
      const left = path.join(packs(), '.2026-09.old-0123abcd');
      await fs.rename(path.join(packs(), '2026-09'), left);
      await run('chmod', ['-R', 'a-w', left]);
      const hourAgo = new Date(Date.now() - 2 * 3_600_000);
      await fs.utimes(left, hourAgo, hourAgo);
      expect((await pack(true)).notes).toEqual([]);
    });
    expect(await hidden()).toEqual([]);
  });
});

/** The folders in Packs holding a whole pack (sha256sum -c accepts it) whose index.csv is `index`. */
async function holding(index: Buffer): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await fs.readdir(packs()).catch(() => [] as string[])).sort()) {
    const folder = path.join(packs(), name);
    const held = await fs.readFile(path.join(folder, 'index.csv')).catch(() => undefined);
    if (held?.equals(index) && (await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: folder }).then(() => true, () => false))) out.push(name);
  }
  return out;
}

/** The one pack in place: its statements, those of its zip, and nothing else beside it. */
async function onePack() {
  const folder = path.join(packs(), '2026-09');
  await run('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: folder });
  return {
    folder: await fs.readdir(path.join(folder, 'documents', 'Agilicus', 'Tunnels')),
    zip: (await zipList()).filter((n) => n.endsWith('.pdf')),
    hidden: await hidden(),
  };
}
const statementA = { folder: ['Agilicus usage statement A 2026-09.pdf'], zip: ['2026-09/documents/Agilicus/Tunnels/Agilicus usage statement A 2026-09.pdf'], hidden: [] };

/** How a build ended, for comparing. */
const outcome = (build: Promise<unknown>) => build.then(() => 'built', (error: unknown) => String(error));

describe('two builds of one period at once', () => {
  it('the second reaching its swap while the first moves folders: both finish, and one whole pack is left', async () => {
    await pack(true);
    dropOne();
    const rename = fs.rename.bind(fs);
    let second: Promise<string> | undefined;
    let secondRenames = () => {};
    vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      if (second !== undefined) secondRenames();
      await rename(from, to);
      if (second !== undefined || from !== path.join(packs(), '2026-09')) return;
      // The first build has moved the previous pack aside; the second gets as far as it can meanwhile.
      let written = () => {};
      const indexed = new Promise<void>((resolve) => (written = resolve));
      const renaming = new Promise<void>((resolve) => (secondRenames = resolve));
      second = outcome(pack(true, { onProgress: (_done, _total, what) => what === 'index' && written() }));
      await indexed;
      await Promise.race([renaming, new Promise((resolve) => setTimeout(resolve, 100))]);
    });
    const first = await outcome(pack(true));
    expect([first, await (second ?? 'not started')]).toEqual(['built', 'built']);
    expect(await onePack()).toEqual(statementA);
  });

  it('while one replaces the previous pack, the other never deletes it, even a pack built long ago', async () => {
    await pack(true);
    const previous = await fs.readFile(path.join(packs(), '2026-09', 'index.csv'));
    const yesterday = new Date(Date.now() - 24 * 3_600_000);
    for (const name of ['2026-09', '2026-09.zip']) await fs.utimes(path.join(packs(), name), yesterday, yesterday);
    dropOne();
    const rename = fs.rename.bind(fs);
    let second: Promise<string> | undefined;
    let whileReplacing: string[] = [];
    vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      await rename(from, to);
      if (second !== undefined || from !== path.join(packs(), '2026-09')) return;
      // The first build has just moved the previous pack aside. The second starts now and, before
      // it reads the accounts, tidies the Packs folder.
      let tidied = () => {};
      const started = new Promise<void>((resolve) => (tidied = resolve));
      second = outcome(
        pack(true, {
          listAccounts: () => {
            tidied();
            return Promise.resolve([account]);
          },
        }),
      );
      await started;
      whileReplacing = await holding(previous);
    });
    const first = await outcome(pack(true));
    expect([first, await (second ?? 'not started')]).toEqual(['built', 'built']);
    expect(whileReplacing).toEqual([expect.stringMatching(/^\.2026-09\.old-[0-9a-f]{8}$/)]);
    expect(await onePack()).toEqual(statementA);
  });
});

describe('a build stopped between moving the previous pack aside and putting the new one in place', () => {
  /** What a build killed minutes ago left: the previous pack moved aside, and its zip too when the second move was made. */
  async function interrupted(zipToo: boolean) {
    await pack(true);
    const before = { index: await fs.readFile(path.join(packs(), '2026-09', 'index.csv')), zip: await fs.readFile(path.join(packs(), '2026-09.zip')) };
    const aside = path.join(packs(), '.2026-09.old-0123abcd');
    await fs.rename(path.join(packs(), '2026-09'), aside);
    if (zipToo) await fs.rename(path.join(packs(), '2026-09.zip'), `${aside}.zip`);
    const minutesAgo = new Date(Date.now() - 5 * 60_000);
    for (const moved of zipToo ? [aside, `${aside}.zip`] : [aside]) await fs.utimes(moved, minutesAgo, minutesAgo);
    return before;
  }

  it.each([
    ['the folder', false],
    ['the folder and the zip', true],
  ])('with %s moved aside, the next build that fails puts the previous pack back, whole', async (_moved, zipToo) => {
    const before = await interrupted(zipToo);
    // The next build fails too: a statement is no longer where the Library says.
    await fs.rm(files[1]!.path);
    await expect(pack(true)).rejects.toMatchObject({ code: 'io_error', message: expect.stringContaining('could not put Agilicus usage statement B 2026-09.pdf into the pack') as unknown });
    expect(await holding(before.index)).toEqual(['2026-09']);
    expect(await fs.readFile(path.join(packs(), '2026-09.zip'))).toEqual(before.zip);
    expect(await hidden()).toEqual([]);
  });

  it('the next build that succeeds puts its pack in place and leaves nothing of the previous one', async () => {
    await interrupted(true);
    dropOne();
    expect((await pack(true)).notes).toEqual([]);
    expect(await onePack()).toEqual(statementA);
  });
});

describe('a pack on a full disk', () => {
  it('fails with disk_full and takes away the folders it made, keeping those that were there', async (ctx) => {
    if (!(await smallDisk.available(dir))) ctx.skip('mounting a small disk needs root');
    const disk = path.join(dir, 'disk');
    await smallDisk.mount(disk);
    mounted.push(disk);
    await smallDisk.fill(disk);
    const root = path.join(disk, 'Billfold');
    const onDisk = { root: () => Promise.resolve(root) };
    await expect(pack(true, onDisk)).rejects.toMatchObject({ code: 'disk_full', message: `Billfold could not write the 2026-09 pack: the disk that holds ${path.join(root, 'Packs')} is full. Free some space, then try again.` });
    expect(await fs.readdir(disk)).toEqual(['filler.bin']);
    // A Packs folder that was there before stays, empty as it was.
    await fs.mkdir(path.join(root, 'Packs'), { recursive: true });
    await expect(pack(true, onDisk)).rejects.toMatchObject({ code: 'disk_full' });
    expect(await fs.readdir(path.join(root, 'Packs'))).toEqual([]);
  });
});

describe('a zip that fails while it is written', () => {
  /** Builds the previous pack, then the next one, calling `meanwhile` once `name` is written into the new pack's temporary folder. */
  async function failingBuild(name: string, meanwhile: (temp: string) => Promise<unknown>) {
    await pack(true);
    const before = { index: await fs.readFile(path.join(packs(), '2026-09', 'index.csv')), zip: await fs.readFile(path.join(packs(), '2026-09.zip')) };
    dropOne();
    const writeFile = fs.writeFile.bind(fs);
    vi.spyOn(fs, 'writeFile').mockImplementation(async (file, ...rest) => {
      await writeFile(file, ...rest);
      if (typeof file === 'string' && path.basename(file) === name) await meanwhile(path.dirname(file));
    });
    return before;
  }
  async function previousPackAsItWas(before: { index: Buffer; zip: Buffer }) {
    expect(await holding(before.index)).toEqual(['2026-09']);
    expect(await fs.readFile(path.join(packs(), '2026-09.zip'))).toEqual(before.zip);
    expect(await hidden()).toEqual([]);
  }

  it('its temporary folder removed as the zip starts: the build fails with io_error, and the previous pack and zip are as they were', async () => {
    const before = await failingBuild('SHA256SUMS', (temp) => fs.rm(temp, { recursive: true }));
    await expect(pack(true)).rejects.toMatchObject({ code: 'io_error', message: 'Billfold could not put SHA256SUMS into 2026-09.zip: the folder does not exist.' });
    await previousPackAsItWas(before);
  });

  it('a file of the pack that cannot be read when its turn comes: the build fails with io_error naming it, and the previous pack and zip are as they were', async () => {
    const before = await asUser(async () => {
      const previous = await failingBuild('index.csv', (temp) => fs.chmod(path.join(temp, 'index.csv'), 0));
      await expect(pack(true)).rejects.toMatchObject({ code: 'io_error', message: 'Billfold could not put index.csv into 2026-09.zip: permission denied.' });
      return previous;
    });
    await previousPackAsItWas(before);
  });

  it('a disk that fills up while the zip is written: disk_full, and all the space the build took is free again', async (ctx) => {
    if (!(await smallDisk.available(dir))) ctx.skip('mounting a small disk needs root');
    const disk = path.join(dir, 'disk');
    await smallDisk.mount(disk, 2048);
    mounted.push(disk);
    // A statement that does not compress, larger than what is left for the zip once the pack folder holds its copy.
    await fs.writeFile(files[0]!.path, randomBytes(1200 * 1024));
    const free = async () => {
      const stat = await fs.statfs(disk);
      return stat.bavail * stat.bsize;
    };
    const before = await free();
    const root = path.join(disk, 'Billfold');
    await expect(pack(true, { root: () => Promise.resolve(root) })).rejects.toMatchObject({
      code: 'disk_full',
      message: `Billfold could not write the 2026-09 pack: the disk that holds ${path.join(root, 'Packs')} is full. Free some space, then try again.`,
    });
    expect(await fs.readdir(disk)).toEqual([]);
    expect(await free()).toBe(before);
  });
});

describe.runIf(process.platform !== 'win32')('a pack on disk', () => {
  it('is private to the user: its folders 0700 and its own files and zip 0600, whatever the umask', async () => {
    const before = process.umask(0o022);
    try {
      const built = await pack(true);
      const modeOf = async (p: string) => ((await fs.stat(p)).mode & 0o777).toString(8);
      expect(await modeOf(packs())).toBe('700');
      expect(await modeOf(built.dir)).toBe('700');
      expect(await modeOf(path.join(built.dir, 'documents', 'Agilicus'))).toBe('700');
      for (const name of ['index.csv', 'reconciliation.csv', 'missing.txt', 'SHA256SUMS']) expect(await modeOf(path.join(built.dir, name))).toBe('600');
      expect(await modeOf(path.join(packs(), '2026-09.zip'))).toBe('600');
    } finally {
      process.umask(before);
    }
  });
});

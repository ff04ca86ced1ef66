import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SavedFile } from '../../../contract/models/files';
import { createLibraryIndex, fileIdOf, manifestName } from '../../../main/files/library-index';
import { createSettingsStore } from '../../../main/files/settings';
import { createTaskRegistry } from '../../../main/files/tasks';
import { writeNewFile } from '../../../main/files/write';
import { createFilesService } from '../../../main/services/files';
import { createLibraryHandlers } from '../../../main/services/library';
import { tempDir } from './helpers';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function setup() {
  const dir = await tempDir('library-index');
  dirs.push(dir);
  const root = path.join(dir, 'Documents');
  const userData = path.join(dir, 'user-data');
  await fs.mkdir(root, { recursive: true });
  await fs.mkdir(userData, { recursive: true });
  const library = createLibraryIndex(userData, { downloadsRoot: () => Promise.resolve(root) });
  return { dir, root, userData, library };
}

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

describe('the library takes in only what Billfold saved', () => {
  it('never adopts a folder it did not create: an account named like the user’s own folder gets “<name> (2)”', async () => {
    const { root, library } = await setup();
    // The downloads folder is the user's Documents, which already has a folder called "Fleet".
    const own = path.join(root, 'Fleet');
    await fs.mkdir(own);
    await fs.writeFile(path.join(own, 'bill 2024-01.csv'), 'date,amount\n');
    await fs.writeFile(path.join(own, 'tax statement.pdf'), '%PDF-1.4\n');
    const dir = await library.folderFor(root, { id: 'acc-1', name: 'Fleet' });
    expect(dir).toBe(path.join(root, 'Fleet (2)'));
    expect(await exists(path.join(own, manifestName))).toBe(false);
    // The same account finds its folder again.
    expect(await library.folderFor(root, { id: 'acc-1', name: 'Fleet' })).toBe(dir);
    // A rebuild lists nothing from the user's folder, so library.delete can never reach those files.
    expect(await library.rebuild()).toEqual({ files: 0, removedPartial: 0 });
    expect(await library.all()).toEqual([]);
  });

  it('names account folders after the whole account name: a slash is no subfolder, a dot no extension', async () => {
    const { root, library } = await setup();
    expect(await library.folderFor(root, { id: 'acc-1', name: 'Acme/EU' })).toBe(path.join(root, 'Acme-EU'));
    await fs.mkdir(path.join(root, 'Acme v1.2'));
    expect(await library.folderFor(root, { id: 'acc-2', name: 'Acme v1.2' })).toBe(path.join(root, 'Acme v1.2 (2)'));
    expect((await fs.readdir(root)).sort()).toEqual(['Acme v1.2', 'Acme v1.2 (2)', 'Acme-EU']);
  });

  it('a rebuild indexes only the files a folder’s manifest lists, not other PDFs and CSVs in any subfolder', async () => {
    const { root, library } = await setup();
    const dir = await library.folderFor(root, { id: 'acc-1', name: 'Fleet' });
    const written = await writeNewFile(dir, 'Soracom billing 2024-05.csv', new TextEncoder().encode('a,b\n'));
    const saved = await library.add({ kind: 'bill-csv', fileName: written.fileName, path: written.path, size: written.size, savedAt: '2024-06-01T00:00:00.000Z', accountId: 'acc-1', accountName: 'Fleet', period: '2024-05' });
    // Put there by hand: next to a saved file, and in a folder without a manifest.
    await fs.writeFile(path.join(dir, 'my notes 2024-05.pdf'), '%PDF-1.4\n');
    await fs.mkdir(path.join(root, 'Taxes'));
    await fs.writeFile(path.join(root, 'Taxes', 'export 2023-12.csv'), 'x\n');
    await fs.rm(path.join(path.dirname(dir), '..', 'user-data', 'library.json'), { force: true });
    expect((await library.rebuild()).files).toBe(1);
    expect((await library.all()).map((f) => f.path)).toEqual([saved.path]);
    // A fresh index (the old one lost) is rebuilt the same way.
    const again = createLibraryIndex(path.join(root, '..', 'user-data-2'), { downloadsRoot: () => Promise.resolve(root) });
    expect((await again.all()).map((f) => f.id)).toEqual([saved.id]);
    await expect(again.delete(fileIdOf(path.join(dir, 'my notes 2024-05.pdf')))).rejects.toMatchObject({ code: 'not_found' });
    expect(await exists(path.join(dir, 'my notes 2024-05.pdf'))).toBe(true);
  });
});

describe('a folder whose first manifest write was stopped', () => {
  /** What a process killed after creating the temporary manifest, before renaming it, leaves. */
  const leftover = (pid: number, content = '') => ({ name: `.${manifestName}.${pid}-0123456789ab.tmp`, content });
  const gone = 999_999;
  const manifestOf = (accountId: string, accountName: string) => JSON.stringify({ version: 1, files: {}, accountId, accountName });

  it('is that account’s folder again: its files are not split into “<name> (2)”', async () => {
    const { root, library } = await setup();
    for (const [name, content] of [['Fleet', ''], ['Depot', manifestOf('acc-2', 'Depot')]] as const) {
      await fs.mkdir(path.join(root, name));
      const temp = leftover(gone, content);
      await fs.writeFile(path.join(root, name, temp.name), temp.content);
    }
    const fleet = await library.folderFor(root, { id: 'acc-1', name: 'Fleet' });
    expect(fleet).toBe(path.join(root, 'Fleet'));
    expect(await library.folderFor(root, { id: 'acc-2', name: 'Depot' })).toBe(path.join(root, 'Depot'));
    expect((await fs.readdir(root)).sort()).toEqual(['Depot', 'Fleet']);
    expect(await fs.readdir(fleet)).toEqual([manifestName]);

    const written = await writeNewFile(fleet, 'Soracom billing 2024-05.csv', new TextEncoder().encode('a,b\n'));
    await library.add({ kind: 'bill-csv', fileName: written.fileName, path: written.path, size: written.size, savedAt: '2024-06-01T00:00:00.000Z', accountId: 'acc-1', accountName: 'Fleet', period: '2024-05' });
    expect(await library.folderFor(root, { id: 'acc-1', name: 'Fleet' })).toBe(fleet);
    expect((await library.rebuild()).files).toBe(1);
  });

  it('is not taken when it holds anything else, when the write may still be going on, or when that write was for another account', async () => {
    const { root, library } = await setup();
    const folders: [string, { name: string; content: string }[]][] = [
      ['Fleet', [leftover(gone), { name: 'tax statement.pdf', content: '%PDF-1.4\n' }]],
      // process.ppid: a Billfold that is still running, in the middle of its first save there.
      ['Busy', [leftover(process.ppid)]],
      ['Other', [leftover(gone, manifestOf('acc-9', 'Other'))]],
      // Another program's file written the same way is not Billfold's manifest.
      ['Notes', [{ name: `.notes.txt.${gone}-0123456789ab.tmp`, content: '' }]],
    ];
    for (const [name, files] of folders) {
      await fs.mkdir(path.join(root, name));
      for (const f of files) await fs.writeFile(path.join(root, name, f.name), f.content);
    }
    for (const [name, files] of folders) {
      expect(await library.folderFor(root, { id: 'acc-1', name })).toBe(path.join(root, `${name} (2)`));
      expect((await fs.readdir(path.join(root, name))).sort()).toEqual(files.map((f) => f.name).sort());
    }
  });
});

describe('renaming an account', () => {
  it('records the new name with its files, in the index and in the folder’s manifest, so a rebuild keeps it; other accounts’ files keep theirs', async () => {
    const { root, userData, library } = await setup();
    const save = async (account: { id: string; name: string }, fileName: string) => {
      const dir = await library.folderFor(root, account);
      const written = await writeNewFile(dir, fileName, new TextEncoder().encode('a,b\n'));
      return library.add({ kind: 'bill-csv', fileName: written.fileName, path: written.path, size: written.size, savedAt: '2024-06-01T00:00:00.000Z', accountId: account.id, accountName: account.name, period: '2024-05' });
    };
    const mine = await save({ id: 'acc-1', name: 'Fleet' }, 'bill 2024-05.csv');
    const other = await save({ id: 'acc-2', name: 'Fleet' }, 'bill 2024-05.csv');
    await library.renameAccount('acc-1', 'Fleet backup');
    const names = async (l: typeof library) => Object.fromEntries((await l.all()).map((f) => [f.id, f.accountName]));
    expect(await names(library)).toEqual({ [mine.id]: 'Fleet backup', [other.id]: 'Fleet' });
    // The folder keeps its name; its manifest has the new one.
    expect(path.dirname(mine.path)).toBe(path.join(root, 'Fleet'));
    expect(JSON.parse(await fs.readFile(path.join(root, 'Fleet', manifestName), 'utf8'))).toMatchObject({ accountId: 'acc-1', accountName: 'Fleet backup' });
    // Written to disk: a new run reads it, and a rebuild from the folders finds it too.
    const again = createLibraryIndex(userData, { downloadsRoot: () => Promise.resolve(root) });
    expect(await names(again)).toEqual({ [mine.id]: 'Fleet backup', [other.id]: 'Fleet' });
    await again.rebuild();
    expect(await names(again)).toEqual({ [mine.id]: 'Fleet backup', [other.id]: 'Fleet' });
  });
});

describe('the library index under concurrent changes', () => {
  it('listing while a save finishes keeps the new file and drops only the missing ones', async () => {
    const { root, userData, library } = await setup();
    const dir = await library.folderFor(root, { id: 'acc-1', name: 'Fleet' });
    const gone = path.join(dir, 'Invoice-gone.pdf');
    const stale: SavedFile = { id: fileIdOf(gone), kind: 'invoice-pdf', fileName: 'Invoice-gone.pdf', path: gone, size: 1, savedAt: '2024-01-01T00:00:00.000Z' };
    await fs.writeFile(path.join(userData, 'library.json'), JSON.stringify({ version: 1, files: [stale] }));
    const written = await writeNewFile(dir, 'Invoice-new.pdf', new TextEncoder().encode('%PDF-1.4\n'));
    const entry = { kind: 'invoice-pdf' as const, fileName: written.fileName, path: written.path, size: written.size, savedAt: '2024-06-01T00:00:00.000Z' };
    // The listing reads the index before the save writes it, and prunes after it.
    const [saved, listed] = await Promise.all([library.add(entry), library.all()]);
    expect(listed.map((f) => f.id)).not.toContain(stale.id);
    expect((await library.all()).map((f) => f.id)).toEqual([saved.id]);
    const onDisk = JSON.parse(await fs.readFile(path.join(userData, 'library.json'), 'utf8')) as { files: SavedFile[] };
    expect(onDisk.files.map((f) => f.id)).toEqual([saved.id]);
  });
});

describe('a cancel that comes after the file was saved', () => {
  it('reports the save as done: the file is on disk and in the library', async () => {
    const { dir, root, userData, library } = await setup();
    const settings = createSettingsStore(userData, path.join(dir, 'Documents-default'));
    await settings.setDownloadsFolder(root);
    const tasks = createTaskRegistry();
    const progress: { taskId: string; state: string }[] = [];
    const ctx = { events: { emit: (event: string, payload: unknown) => void (event === 'task.progress' && progress.push(payload as { taskId: string; state: string })) } };
    let cancelAnswer: { cancelled: boolean } | undefined;
    const { handlers: files } = createFilesService({
      platform: { chooseFolder: () => Promise.resolve(undefined) },
      accounts: { list: () => Promise.resolve({ accounts: [], keychain: { available: true }, notices: [] }), client: () => Promise.reject(new Error('unused')) },
      // The cancel arrives just after the file went into the library.
      library: {
        ...library,
        add: async (entry) => {
          const saved = await library.add(entry);
          cancelAnswer = await files['files.cancel']({ taskId: progress[0]!.taskId }, ctx);
          return saved;
        },
      },
      settings,
      soracomExports: { newFile: () => Promise.resolve(''), put: () => undefined, get: () => undefined, take: () => undefined, clear: () => Promise.resolve() },
      tasks,
    });
    const saved = await files['files.saveTableCsv']({ title: 'Totals', columns: ['a'], rows: [['1']] }, ctx);
    expect(cancelAnswer).toEqual({ cancelled: true });
    expect(await exists(saved.path)).toBe(true);
    expect((await library.all()).map((f) => f.id)).toEqual([saved.id]);
    expect(progress.at(-1)).toMatchObject({ state: 'done' });
    // The library service sees it like any other saved file.
    const lib = createLibraryHandlers({ platform: { openPath: () => Promise.resolve(), showItemInFolder: () => Promise.resolve() }, accounts: { list: () => Promise.resolve({ accounts: [], keychain: { available: true }, notices: [] }) }, library, settings });
    expect((await lib['library.list']({}, ctx)).files.map((f) => f.id)).toEqual([saved.id]);
  });
});

// The library opens, reveals and deletes only Billfold's own files: those in a folder with
// Billfold's manifest that lists them. An index entry that points anywhere else (an edited or
// damaged library.json) is dropped when the index is loaded, with a notice, and never acted on.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SavedFile } from '../../../contract/models/files';
import { createLibraryIndex, fileIdOf, isBillfoldFile } from '../../../main/files/library-index';
import { createSettingsStore } from '../../../main/files/settings';
import { writeNewFile } from '../../../main/files/write';
import { createLibraryHandlers } from '../../../main/services/library';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const exists = (p: string) => fs.lstat(p).then(() => true, () => false);

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-own-files-'));
  dirs.push(dir);
  const root = path.join(dir, 'Documents', 'Billfold');
  const userData = path.join(dir, 'user-data');
  await fs.mkdir(root, { recursive: true });
  await fs.mkdir(userData, { recursive: true });
  // One real saved file, through the library.
  const first = createLibraryIndex(userData, { downloadsRoot: () => Promise.resolve(root) });
  const folder = await first.folderFor(root, { id: 'acc-1', name: 'Fleet' });
  const written = await writeNewFile(folder, 'Soracom billing 2024-05.csv', new TextEncoder().encode('a,b\n'));
  const saved = await first.add({ kind: 'bill-csv', fileName: written.fileName, path: written.path, size: written.size, savedAt: '2024-06-01T00:00:00.000Z', accountId: 'acc-1' });

  // Files that are not Billfold's, each reachable through a crafted index entry.
  const outside = path.join(dir, 'secrets');
  await fs.mkdir(outside);
  const secret = path.join(outside, 'bill 2024-05.csv');
  await fs.writeFile(secret, 'not yours\n');
  const unlisted = path.join(folder, 'my own 2024-05.csv');
  await fs.writeFile(unlisted, 'put here by hand\n');
  const link = path.join(folder, 'link 2024-05.csv');
  await fs.symlink(secret, link);
  const entry = (file: string, fileName = path.basename(file)): SavedFile => ({ id: fileIdOf(file), kind: 'bill-csv', fileName, path: file, size: 1, savedAt: '2024-06-02T00:00:00.000Z', accountId: 'acc-1' });
  const foreign = [entry(secret), entry(unlisted), entry(link), entry(secret, saved.fileName)];
  // The renamed entry claims the saved file's name but points elsewhere.
  foreign[3]!.id = 'crafted-id-1';
  const indexFile = path.join(userData, 'library.json');
  const index = JSON.parse(await fs.readFile(indexFile, 'utf8')) as { files: SavedFile[] };
  index.files.push(...foreign);
  await fs.writeFile(indexFile, JSON.stringify(index));

  const notices: string[] = [];
  const library = createLibraryIndex(userData, { downloadsRoot: () => Promise.resolve(root), onNotice: (m) => notices.push(m) });
  const shell: string[] = [];
  const settings = createSettingsStore(userData, path.join(dir, 'Documents'));
  const handlers = createLibraryHandlers({
    platform: {
      openPath: (p) => (shell.push(`open ${p}`), Promise.resolve()),
      showItemInFolder: (p) => (shell.push(`show ${p}`), Promise.resolve()),
      offerDownload: (f) => (shell.push(`download ${f.path}`), Promise.resolve('/download')),
    },
    accounts: { list: () => Promise.resolve({ accounts: [], keychain: { available: true }, notices: [] }) },
    library,
    settings,
  });
  return { saved, foreign, secret, unlisted, link, library, notices, shell, handlers, indexFile };
}

const ctx = { events: { emit: () => undefined } };

describe('the library acts only on Billfold’s own files', () => {
  it('drops index entries that point outside Billfold’s folders when it loads, with a notice, and touches none of their files', async () => {
    const { saved, secret, unlisted, link, library, notices, indexFile } = await setup();
    expect((await library.all()).map((f) => f.id)).toEqual([saved.id]);
    expect(notices).toEqual([expect.stringMatching(/^4 library entries pointed to a file outside Billfold’s folders/)]);
    for (const file of [secret, unlisted, link]) expect(await exists(file)).toBe(true);
    // The cleaned index is kept.
    expect((JSON.parse(await fs.readFile(indexFile, 'utf8')) as { files: unknown[] }).files).toHaveLength(1);
  });

  it('refuses to open, reveal or delete through a crafted entry', async () => {
    const { foreign, secret, unlisted, link, handlers, shell } = await setup();
    for (const f of foreign) {
      for (const channel of ['library.open', 'library.showInFolder', 'library.download', 'library.delete'] as const) {
        await expect(handlers[channel]({ id: f.id }, ctx), `${channel} ${f.path}`).rejects.toMatchObject({ code: 'not_found' });
      }
    }
    expect(shell).toEqual([]);
    for (const file of [secret, unlisted, link]) expect(await exists(file)).toBe(true);
  });

  it('still opens and deletes the files it saved', async () => {
    const { saved, handlers, shell } = await setup();
    await handlers['library.open']({ id: saved.id }, ctx);
    expect(shell).toEqual([`open ${saved.path}`]);
    expect(await handlers['library.download']({ id: saved.id }, ctx)).toEqual({ url: '/download' });
    expect(shell).toEqual([`open ${saved.path}`, `download ${saved.path}`]);
    await handlers['library.delete']({ id: saved.id }, ctx);
    expect(await exists(saved.path)).toBe(false);
  });

  it('tells Billfold’s files from others', async () => {
    const { saved, secret, unlisted, link } = await setup();
    expect(await isBillfoldFile(saved)).toBe(true);
    for (const file of [secret, unlisted, link]) expect(await isBillfoldFile({ path: file, fileName: path.basename(file) }), file).toBe(false);
    expect(await isBillfoldFile({ path: saved.path, fileName: 'other.csv' })).toBe(false);
    expect(await isBillfoldFile({ path: path.relative(process.cwd(), saved.path), fileName: saved.fileName })).toBe(false);
  });
});

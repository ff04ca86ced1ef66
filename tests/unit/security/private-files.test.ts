// Files private to the user: saved documents are 0600 in 0700 folders (POSIX). A provider's CSV
// that holds spreadsheet formulas is saved byte for byte, marked in the library, and opens only
// after the user confirmed.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountSummary } from '../../../contract/models/app';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { csvHasFormulas } from '../../../main/files/csv';
import { createLibraryIndex } from '../../../main/files/library-index';
import { createSettingsStore } from '../../../main/files/settings';
import { createFilesService } from '../../../main/services/files';
import { createLibraryHandlers } from '../../../main/services/library';
import { createDownloadedExports } from '../../../main/services/soracom';
import { routerCall, testPlatform } from '../../support/platform';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';
const modeOf = async (p: string) => (await fs.stat(p)).mode & 0o777;
const ctx = { events: { emit: () => undefined } };
const account: AccountSummary = { id: 'acc-1', name: 'Fleet', provider: 'soracom', baseUrl: 'https://api.soracom.io', credentialKind: 'authKey', demo: false, sync: {} };

async function setup() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-private-'));
  dirs.push(dir);
  const userData = path.join(dir, 'user-data');
  const documents = path.join(dir, 'Documents');
  await fs.mkdir(documents);
  const settings = createSettingsStore(userData, documents);
  const library = createLibraryIndex(userData, { downloadsRoot: async () => (await settings.get()).downloadsFolder });
  const exports = createDownloadedExports();
  const accounts = { list: () => Promise.resolve({ accounts: [account], keychain: { available: true as const }, notices: [] }), client: () => Promise.reject(new Error('unused')) };
  const files = createFilesService({ platform: { chooseFolder: () => Promise.resolve(undefined) }, accounts, library, settings, soracomExports: exports }).handlers;
  const opened: string[] = [];
  const lib = createLibraryHandlers({
    platform: { openPath: (p) => (opened.push(p), Promise.resolve()), showItemInFolder: () => Promise.resolve() },
    accounts,
    library,
    settings,
  });
  return { dir, userData, documents, settings, library, exports, files, lib, opened };
}

describe.runIf(posix)('saved files are private to the user', () => {
  it('creates saved documents 0600 in 0700 folders, and keeps Billfold’s own data 0600 in a 0700 folder', async () => {
    const { userData, settings, files } = await setup();
    const saved = await files['files.saveTableCsv']({ accountId: 'acc-1', title: 'Totals', columns: ['a'], rows: [['1']] }, ctx);
    const root = (await settings.get()).downloadsFolder;
    expect((await modeOf(saved.path)).toString(8)).toBe('600');
    expect((await modeOf(path.dirname(saved.path))).toString(8)).toBe('700');
    expect((await modeOf(root)).toString(8)).toBe('700');
    expect((await modeOf(path.join(userData, 'library.json'))).toString(8)).toBe('600');
    expect((await modeOf(userData)).toString(8)).toBe('700');
  });

  it('makes an existing Billfold folder private again, and never changes the user’s own folders', async () => {
    const { documents, settings, files } = await setup();
    await settings.setDownloadsFolder(documents);
    const first = await files['files.saveTableCsv']({ accountId: 'acc-1', title: 'Totals', columns: ['a'], rows: [['1']] }, ctx);
    await fs.chmod(path.dirname(first.path), 0o755);
    await fs.chmod(documents, 0o755);
    await files['files.saveTableCsv']({ accountId: 'acc-1', title: 'Totals', columns: ['a'], rows: [['2']] }, ctx);
    expect((await modeOf(path.dirname(first.path))).toString(8)).toBe('700');
    expect((await modeOf(documents)).toString(8)).toBe('755');
  });
});

describe.runIf(posix)('Billfold’s own data in a user-data folder others may read (--user-data naming an existing folder)', () => {
  it('keeps the Soracom exports waiting to be saved and the review cache 0600 in 0700 folders, also folders an older version made open', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'billfold-private-'));
    dirs.push(dir);
    const userData = path.join(dir, 'user-data');
    await fs.mkdir(userData);
    await fs.chmod(userData, 0o755);
    const exportsDir = path.join(userData, 'exports');
    const cacheDir = path.join(userData, 'review-cache');
    const octal = async (p: string) => (await modeOf(p)).toString(8);
    const open = async () => {
      const services = createMainServices({
        platform: testPlatform(userData, { documentsDir: path.join(dir, 'Documents') }),
        emit: () => undefined,
        log: () => undefined,
        secrets: memorySecretStore(),
        demo: createDemoSandboxes(),
        backgroundSync: false,
      });
      const soracom = (await services.accounts.startDemo()).find((a) => a.provider === 'soracom')!;
      const call = routerCall(services);
      const exported = await call<{ exportedFileId: string }>('soracom.exportLatestBilling', { accountId: soracom.id });
      const waiting = await fs.readdir(exportsDir);
      const modes = { exportsDir: await octal(exportsDir), exportFiles: await Promise.all(waiting.map((n) => octal(path.join(exportsDir, n)))) };
      const saved = await call<{ id: string }>('files.saveSoracomExport', { accountId: soracom.id, exportedFileId: exported.exportedFileId });
      const opened = await call<{ sessionId: string }>('review.openLibrary', { id: saved.id });
      await call('review.summary', { sessionId: opened.sessionId });
      // Closing waits for the summary being kept in the cache.
      await services.close();
      const cached = await fs.readdir(cacheDir);
      expect(cached.filter((n) => n.endsWith('.summary'))).toHaveLength(1);
      return { ...modes, cacheDir: await octal(cacheDir), cacheFiles: await Promise.all(cached.map((n) => octal(path.join(cacheDir, n)))) };
    };
    const owner = { exportsDir: '700', exportFiles: ['600'], cacheDir: '700', cacheFiles: ['600'] };

    expect(await open()).toEqual(owner);
    expect(await octal(userData)).toBe('755');
    // Made readable by others (by an older version): private again from the next write on.
    for (const d of [exportsDir, cacheDir]) await fs.chmod(d, 0o755);
    await fs.rm(cacheDir, { recursive: true });
    await fs.mkdir(cacheDir, { mode: 0o755 });
    await fs.chmod(cacheDir, 0o755);
    expect(await open()).toEqual(owner);
  }, 60_000);
});

describe('a provider CSV with spreadsheet formulas', () => {
  const withFormulas = new TextEncoder().encode('\uFEFFimsi,date,billItemName,amount,tag:name\r\n001,20240501,"=HYPERLINK(""http://evil.example"",""x"")",1.5,=1+1\r\n002,20240502,Data,-0.37,@SUM(A1)\r\n');
  const plain = new TextEncoder().encode('imsi,date,billItemName,amount\r\n001,20240501,Data,-0.37\r\n002,20240502,"SMS fee, +81",+12.5\r\n');

  it('is told from one without: = + - @ at the start of a cell, but not signed numbers', async () => {
    expect(await csvHasFormulas(withFormulas)).toBe(true);
    expect(await csvHasFormulas(plain)).toBe(false);
    for (const cell of ['=1+1', '+cmd|x', '-2+3', '@SUM(A1)', '\tx']) expect(await csvHasFormulas(new TextEncoder().encode(`a\n${cell}\n`)), cell).toBe(true);
  });

  it('is saved byte for byte, marked in the library (also after a rebuild), and opens only once confirmed', async () => {
    const { exports, files, lib, library, opened } = await setup();
    for (const [exportedFileId, yyyyMM, bytes] of [['fe_formulas', '202405', withFormulas], ['fe_plain', '202404', plain]] as const) {
      const file = await exports.newFile();
      await fs.writeFile(file, bytes);
      exports.put({ exportedFileId, accountId: 'acc-1', yyyyMM, file, byteLength: bytes.byteLength });
    }
    const marked = await files['files.saveSoracomExport']({ accountId: 'acc-1', exportedFileId: 'fe_formulas' }, ctx);
    const unmarked = await files['files.saveSoracomExport']({ accountId: 'acc-1', exportedFileId: 'fe_plain' }, ctx);
    expect(new Uint8Array(await fs.readFile(marked.path))).toEqual(withFormulas);
    expect(marked.formulas).toBe(true);
    expect(unmarked.formulas).toBeUndefined();
    expect((await lib['library.list']({}, ctx)).files.find((f) => f.id === marked.id)?.formulas).toBe(true);

    await expect(lib['library.open']({ id: marked.id }, ctx)).rejects.toMatchObject({ code: 'not_allowed', message: expect.stringMatching(/spreadsheet formulas/) });
    expect(opened).toEqual([]);
    await lib['library.open']({ id: marked.id, formulasConfirmed: true }, ctx);
    await lib['library.open']({ id: unmarked.id }, ctx);
    expect(opened).toEqual([marked.path, unmarked.path]);

    await library.rebuild();
    expect((await library.all()).find((f) => f.id === marked.id)?.formulas).toBe(true);
  });
});

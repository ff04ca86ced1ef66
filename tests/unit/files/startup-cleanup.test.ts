import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { LibraryList } from '../../../contract/models/files';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices, type MainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { tempDir } from './helpers';
import { filesBelow } from './small-disk';
import { testPlatform } from '../../support/platform';

const jiti = path.resolve('node_modules/jiti/lib/jiti-cli.mjs');
let services: MainServices | undefined;
afterEach(async () => {
  await services?.close();
  services = undefined;
});

/** Starts a child script, waits for its first line on stdout, then kills it with SIGKILL. Answers its pid. */
async function killAfterFirstLine(script: string, args: string[]): Promise<number> {
  const child = spawn(process.execPath, [jiti, path.resolve(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited early (${code}).`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  return child.pid!;
}

describe('start-up cleanup', () => {
  it('removes what killed writes left in the user-data and account folders, and the library lists the whole file a kill left unrecorded', async () => {
    const dir = await tempDir('startup');
    const userDataDir = path.join(dir, 'user-data');
    const documentsDir = path.join(dir, 'Documents');
    const downloads = path.join(documentsDir, 'Billfold');
    const accountDir = path.join(downloads, 'Soracom (demo)');

    // Killed after the file got its name, before the library recorded it.
    const deadPid = await killAfterFirstLine('tests/unit/files/kill-after-name.child.ts', [userDataDir, downloads, 'Soracom billing 2026-10.csv']);
    // Killed half-way through a download in the same folder.
    await killAfterFirstLine('tests/unit/files/slow-writer.child.ts', [accountDir, 'big export.csv']);
    // Killed in the middle of atomic writes: the account list, the settings (an older version's name), offline data.
    await fs.mkdir(path.join(userDataDir, 'snapshots'), { recursive: true });
    await fs.writeFile(path.join(userDataDir, `.accounts.json.${deadPid}-0123456789ab.tmp`), '{"version": 2, "acc');
    await fs.writeFile(path.join(userDataDir, '.settings.json.0123456789ab.tmp'), '{');
    await fs.writeFile(path.join(userDataDir, 'snapshots', `.acc_soracom.json.${deadPid}-abcdefabcdef.tmp`), '{"ver');
    await fs.writeFile(path.join(accountDir, `..billfold-folder.json.${deadPid}-abcdef012345.tmp`), '{');
    // A file the user put in the folder is theirs: never taken into the library.
    await fs.writeFile(path.join(accountDir, 'my notes 2026-10.csv'), 'mine');

    const left = (await filesBelow(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.part'));
    expect(left).toHaveLength(6);

    const platform = testPlatform(userDataDir, { version: 'test', documentsDir });
    services = createMainServices({ platform, emit: () => undefined, log: () => undefined, secrets: memorySecretStore(), demo: createDemoSandboxes() });
    await services.cleanedUp;

    expect((await filesBelow(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.part'))).toEqual([]);
    expect(await fs.readFile(path.join(accountDir, 'Soracom billing 2026-10.csv'), 'utf8')).toBe('a,b\r\n1,2\r\n');

    const rebuilt = await services.router.handle('library.rebuild', {});
    expect(rebuilt).toMatchObject({ ok: true, value: { files: 1 } });
    const list = await services.router.handle('library.list', {});
    expect(list.ok).toBe(true);
    const files = (list.ok ? (list.value as LibraryList) : { files: [] }).files;
    expect(files.map((f) => ({ fileName: f.fileName, kind: f.kind, period: f.period, accountId: f.accountId }))).toEqual([
      { fileName: 'Soracom billing 2026-10.csv', kind: 'bill-csv', period: '2026-10', accountId: 'acc_soracom' },
    ]);
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('at start-up and on a library rebuild, leaves files of other programs alone: in the user’s own folders of the downloads folder, and in Billfold’s folders those not named like its own', async () => {
    const dir = await tempDir('startup-theirs');
    const userDataDir = path.join(dir, 'user-data');
    const documentsDir = path.join(dir, 'Documents');
    const downloads = path.join(documentsDir, 'Billfold');
    const theirs = path.join(downloads, 'My taxes');
    const ours = path.join(downloads, 'Soracom (demo)');
    const exportsDir = path.join(downloads, 'Exports');
    for (const d of [theirs, ours, exportsDir]) await fs.mkdir(d, { recursive: true });
    await fs.writeFile(path.join(ours, '.billfold-folder.json'), JSON.stringify({ version: 1, files: {} }));
    // Another program's temporary or recovery files, shaped like Billfold's half-written ones, of
    // no process (or one that is gone).
    const foreign = ['.notes.0123456789ab.tmp', '.report.docx.99999999-a1b2c3d4e5f6.tmp', '.billfold-99999999-0123456789abcdef.part'];
    const put = async () => {
      for (const d of [theirs, ours]) for (const name of foreign) await fs.writeFile(path.join(d, name), 'theirs');
      // What stopped runs of Billfold left: a half-written folder manifest, a half-written FOCUS export.
      await fs.writeFile(path.join(ours, '..billfold-folder.json.99999999-abcdef012345.tmp'), '{');
      await fs.writeFile(path.join(exportsDir, '.FOCUS 2026-10.csv.99999999-abcdef012345.tmp'), 'Billed');
    };
    const expectTheirsKept = async () => {
      expect((await fs.readdir(theirs)).sort()).toEqual([...foreign].sort());
      expect((await fs.readdir(ours)).sort()).toEqual(['.billfold-folder.json', ...foreign.slice(0, 2)].sort());
    };
    await put();

    const platform = testPlatform(userDataDir, { version: 'test', documentsDir });
    services = createMainServices({ platform, emit: () => undefined, log: () => undefined, secrets: memorySecretStore(), demo: createDemoSandboxes() });
    await services.cleanedUp;
    await expectTheirsKept();
    expect(await fs.readdir(exportsDir)).toEqual([]);

    await put();
    expect(await services.router.handle('library.rebuild', {})).toMatchObject({ ok: true, value: { files: 0 } });
    await expectTheirsKept();
    await fs.rm(dir, { recursive: true, force: true });
  }, 60_000);
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../contract/events';
import type { DownloadSummary } from '../../../contract/models/download';
import type { SavedFile } from '../../../contract/models/files';
import type { SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { memorySecretStore } from '../../../main/accounts/keychain';
import { createMainServices } from '../../../main/compose';
import { createDemoSandboxes } from '../../../main/demo';
import { writeFailure } from '../../../main/fs/io-errors';
import { tempDir } from './helpers';
import { filesBelow, smallDisk } from './small-disk';
import { testPlatform } from '../../support/platform';

/**
 * Full and read-only disks, for real: the user-data and documents folders are small tmpfs disks
 * that the tests fill up or remount read-only. Every write must answer `disk_full` or
 * `read_only` naming the folder, never "Something went wrong inside Billfold", and a save that
 * failed leaves no file behind.
 */
let canMount = false;
let root: string;
const mounted: string[] = [];

beforeAll(async () => {
  root = await tempDir('disks');
  canMount = await smallDisk.available(root);
});

afterEach(async () => {
  for (const dir of mounted.splice(0).reverse()) await smallDisk.unmount(dir);
});

async function setUp() {
  const dir = await tempDir('disk');
  const userDataDir = path.join(dir, 'user-data');
  const documentsDir = path.join(dir, 'Documents');
  for (const d of [userDataDir, documentsDir]) {
    await smallDisk.mount(d);
    mounted.push(d);
  }
  const platform = testPlatform(userDataDir, { version: 'test', documentsDir });
  const events: EventMessage[] = [];
  const services = createMainServices({ platform, emit: (m) => events.push(m), log: () => undefined, secrets: memorySecretStore(), demo: createDemoSandboxes() });
  const accounts = await services.accounts.startDemo();
  const ids = Object.fromEntries(accounts.map((a) => [a.provider, a.id])) as Record<'spatialflow' | 'agilicus' | 'soracom', string>;
  const reply = (channel: string, args: unknown) => services.router.handle(channel, args);
  const failure = async (channel: string, args: unknown) => {
    const r = await reply(channel, args);
    if (r.ok) throw new Error(`${channel} worked on a full or read-only disk`);
    return r.error;
  };
  const downloads = path.join(documentsDir, 'Billfold');
  return { userDataDir, documentsDir, downloads, services, events, ids, reply, failure, close: () => services.close().catch(() => undefined) };
}

const newAccount = {
  account: { provider: 'agilicus', name: 'Second Agilicus', baseUrl: 'https://api.agilicus.com', credentials: { kind: 'token', accessToken: 'tok' } },
};
const table = (accountId: string) => ({ accountId, title: 'Daily charges', columns: ['Day', 'Amount'], rows: [['2026-11-01', 1.5]] });

describe('a full user-data disk', () => {
  it('refuses account, settings and library writes with disk_full naming the folder, keeps the old files, and leaves no file behind', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const s = await setUp();
    const accountsBefore = await fs.readFile(path.join(s.userDataDir, 'accounts.json'), 'utf8');
    await smallDisk.fill(s.userDataDir);

    const add = await s.failure('accounts.add', newAccount);
    expect(add.code).toBe('disk_full');
    expect(add.message).toContain(`the disk that holds ${s.userDataDir} is full`);
    expect(add.message).toContain('Nothing was added');
    const rename = await s.failure('accounts.update', { id: s.ids.soracom, name: 'Renamed' });
    expect(rename).toMatchObject({ code: 'disk_full' });
    expect(rename.message).toContain(s.userDataDir);
    expect(await s.failure('accounts.setActive', { id: s.ids.agilicus })).toMatchObject({ code: 'disk_full' });
    expect(await s.failure('settings.resetDownloadsFolder', {})).toMatchObject({ code: 'disk_full' });

    // The account list on disk is the old one, whole.
    expect(await fs.readFile(path.join(s.userDataDir, 'accounts.json'), 'utf8')).toBe(accountsBefore);
    const list = await s.reply('accounts.list', {});
    expect(list.ok && (list.value as { accounts: { name: string }[] }).accounts.map((a) => a.name).sort()).toEqual(['Agilicus (demo)', 'Soracom (demo)', 'SpatialFlow (demo)']);

    // The documents disk has room, but the library index cannot be written: the save fails and its file is gone.
    const save = await s.failure('files.saveTableCsv', table(s.ids.soracom));
    expect(save.code).toBe('disk_full');
    expect(save.message).toContain(s.userDataDir);
    expect((await filesBelow(s.downloads)).filter((f) => !f.endsWith('.billfold-folder.json'))).toEqual([]);

    // A read still works; its offline copy cannot be kept, and the user is told once.
    const page = await s.reply('spatialflow.listInvoices', { accountId: s.ids.spatialflow });
    expect(page.ok && (page.value as SpatialFlowInvoicePage).invoices.length).toBeGreaterThan(0);
    await s.reply('spatialflow.listInvoices', { accountId: s.ids.spatialflow });
    const told = s.events.filter((e) => e.event === 'app.notice' && (e.payload as { message: string }).message.includes(`the disk that holds ${path.join(s.userDataDir, 'snapshots')} is full`));
    expect(told).toHaveLength(1);

    // No temporary file of any failed write is left in the folder.
    expect((await filesBelow(s.userDataDir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.part'))).toEqual([]);
    await s.close();
  }, 60_000);
});

describe('a full documents disk', () => {
  it('fails saves and downloads with disk_full naming the folder, and neither the folder nor the library holds a file', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const s = await setUp();
    // The account folder exists already (an earlier save), then the disk fills up.
    const first = await s.reply('files.saveTableCsv', table(s.ids.soracom));
    expect(first.ok).toBe(true);
    await smallDisk.fill(s.documentsDir);

    const save = await s.failure('files.saveTableCsv', { ...table(s.ids.soracom), rows: Array.from({ length: 2000 }, (_, i) => [`day ${i}`, i]) });
    expect(save.code).toBe('disk_full');
    expect(save.message).toContain(`the disk that holds ${path.join(s.downloads, 'Soracom (demo)')} is full`);

    const page = await s.reply('spatialflow.listInvoices', { accountId: s.ids.spatialflow });
    const invoiceId = page.ok ? (page.value as SpatialFlowInvoicePage).invoices[0]!.id : '';
    const pdf = await s.failure('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId });
    expect(pdf.code).toBe('disk_full');
    expect(pdf.message).toContain(s.downloads);

    const onDisk = (await filesBelow(s.downloads)).filter((f) => !f.endsWith('.billfold-folder.json'));
    expect(onDisk).toEqual([path.join('Soracom (demo)', (first.ok ? (first.value as SavedFile) : undefined)!.fileName)]);
    const library = await s.reply('library.list', {});
    expect(library.ok && (library.value as { files: SavedFile[] }).files.map((f) => f.fileName)).toEqual([(first.ok ? (first.value as SavedFile) : undefined)!.fileName]);
    await s.close();
  }, 60_000);

  it('leaves no empty account folder behind, so once there is room the save goes to the account’s own folder', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const s = await setUp();
    await fs.mkdir(s.downloads);
    await smallDisk.fill(s.documentsDir);

    for (let i = 0; i < 3; i++) expect(await s.failure('files.saveTableCsv', table(s.ids.soracom))).toMatchObject({ code: 'disk_full' });
    expect(await fs.readdir(s.downloads)).toEqual([]);

    const month = new Date().toISOString().slice(0, 7);
    for (let i = 0; i < 3; i++) {
      const run = await s.reply('download.everything', { from: month, to: month, accountId: s.ids.soracom });
      expect(run.ok && (run.value as DownloadSummary).fetched).toBe(0);
      expect(run.ok && (run.value as DownloadSummary).items.map((item) => item.reason?.code)).toContain('disk_full');
    }
    expect(await fs.readdir(s.downloads)).toEqual([]);

    await fs.rm(path.join(s.documentsDir, 'filler.bin'));
    const saved = await s.reply('files.saveTableCsv', table(s.ids.soracom));
    expect(saved.ok && (saved.value as SavedFile).path).toBe(path.join(s.downloads, 'Soracom (demo)', (saved.ok ? (saved.value as SavedFile) : undefined)!.fileName));
    expect(await fs.readdir(s.downloads)).toEqual(['Soracom (demo)']);
    await s.close();
  }, 60_000);
});

describe('a documents disk that fills up while a provider file is downloaded', () => {
  it('fails the file with disk_full naming the folder, not as a response that was cut off, and keeps nothing of it', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const s = await setUp();
    // The previous month's detailed CSV is the big one (50,000 rows, several MB): it cannot fit in 512 KiB.
    const now = new Date();
    const previous = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const run = await s.reply('download.everything', { from: previous, to: previous, accountId: s.ids.soracom });
    expect(run.ok).toBe(true);
    const csv = (run.ok ? (run.value as DownloadSummary) : undefined)!.items.find((i) => i.kind === 'soracom-bill-csv');
    expect(csv).toMatchObject({
      state: 'failed',
      reason: {
        code: 'disk_full',
        message: `Billfold could not save Soracom billing CSV ${previous}: the disk that holds ${path.join(s.downloads, 'Soracom (demo)')} is full. Free some space, then try again.`,
      },
    });
    const left = await filesBelow(s.downloads);
    expect(left.filter((f) => f.endsWith('.part') || f.endsWith('.csv'))).toEqual([]);
    const library = await s.reply('library.list', {});
    expect(library.ok && (library.value as { files: SavedFile[] }).files.filter((f) => f.kind === 'bill-csv')).toEqual([]);
    await s.close();
  }, 60_000);
});

describe('read-only folders', () => {
  it('answer read_only naming the folder, for the account list and for saves', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const s = await setUp();
    await smallDisk.readOnly(s.userDataDir);
    await smallDisk.readOnly(s.documentsDir);

    const add = await s.failure('accounts.add', newAccount);
    expect(add.code).toBe('read_only');
    expect(add.message).toContain(`${s.userDataDir} is on a read-only disk`);
    expect(await s.failure('accounts.remove', { id: s.ids.agilicus })).toMatchObject({ code: 'read_only' });

    const save = await s.failure('files.saveTableCsv', table(s.ids.soracom));
    expect(save.code).toBe('read_only');
    expect(save.message).toContain(s.downloads);
    expect(await filesBelow(s.documentsDir)).toEqual([]);
    await s.close();
  }, 60_000);

  it('a folder the user may not write to is read_only too, with the folder named', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(writeFailure(denied, 'save the account list', '/home/me/.config/Billfold')).toMatchObject({
      code: 'read_only',
      message: 'Billfold could not save the account list: it is not allowed to write in /home/me/.config/Billfold.',
    });
  });

  it('a file over the size limit of its disk (EFBIG) is said in words, not as an error code', () => {
    const tooBig = Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG' });
    expect(writeFailure(tooBig, 'save Soracom billing CSV 2026-10', '/mnt/usb/Billfold/Soracom')).toMatchObject({
      code: 'io_error',
      message: 'Billfold could not save Soracom billing CSV 2026-10 in /mnt/usb/Billfold/Soracom: the file is larger than that disk, or the file size limit, allows.',
    });
  });
});

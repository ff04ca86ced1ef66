import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { writeFilesAtomic } from '../../../main/fs/atomic-write';
import { mainServices } from '../files/helpers';
import { smallDisk } from '../files/small-disk';

/**
 * A FOCUS export on a full disk (a small tmpfs): the cost file and its usage file are written
 * together or not at all, and a failed export leaves what was there before, whole.
 */
let canMount = false;
let s: Awaited<ReturnType<typeof mainServices>>;
let withInvoice: string;
const mounted: string[] = [];

beforeAll(async () => {
  s = await mainServices();
  canMount = await smallDisk.available(s.dir);
  // Synced invoices give a month with cost rows; a month long before has none.
  const page = await s.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: s.ids.spatialflow, limit: 24 });
  withInvoice = page.invoices.find((i) => i.status === 'paid')!.periodStart.slice(0, 7);
}, 60_000);
afterEach(async () => {
  for (const dir of mounted.splice(0)) await smallDisk.unmount(dir);
});
afterAll(() => s.close());

async function outDisk(name: string) {
  const dir = path.join(s.dir, name);
  await smallDisk.mount(dir);
  mounted.push(dir);
  return dir;
}

/** Fills the disk, then frees one page: room for a small file, not for two. */
async function leaveOnePage(dir: string) {
  await smallDisk.fill(dir);
  const filler = path.join(dir, 'filler.bin');
  await fs.truncate(filler, (await fs.stat(filler)).size - 4096);
}

const exportTo = (file: string, month: string) => s.services.archive.exportFocusTo(file, { from: month, to: month, format: 'csv' });

describe('a FOCUS export on a full disk', () => {
  it('fails with disk_full naming the folder, and leaves neither the cost file nor its usage file', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const out = await outDisk('full-new');
    await leaveOnePage(out);
    const failure: unknown = await exportTo(path.join(out, 'f.csv'), '2020-01').then(() => undefined, (error: unknown) => error);
    expect(await fs.readdir(out)).toEqual(['filler.bin']);
    expect(failure).toMatchObject({ code: 'disk_full', message: expect.stringContaining(`the disk that holds ${out} is full`) as unknown });
  });

  it('keeps the previous export and its usage file as they were', async (ctx) => {
    if (!canMount) ctx.skip('mounting a small disk needs root');
    const out = await outDisk('full-previous');
    const file = path.join(out, 'f.csv');
    await exportTo(file, withInvoice);
    const before = [await fs.readFile(file, 'utf8'), await fs.readFile(path.join(out, 'f.usage.csv'), 'utf8')];
    expect(before[0]).toContain('SpatialFlow');
    await leaveOnePage(out);
    await expect(exportTo(file, '2020-01')).rejects.toMatchObject({ code: 'disk_full' });
    expect([await fs.readFile(file, 'utf8'), await fs.readFile(path.join(out, 'f.usage.csv'), 'utf8')]).toEqual(before);
    expect((await fs.readdir(out)).sort()).toEqual(['f.csv', 'f.usage.csv', 'filler.bin']);
  });
});

describe('files written together', () => {
  it('when the second cannot be put in place, the first gets its old content back and no temporary file is left', async () => {
    const dir = path.join(s.dir, 'together');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'f.csv'), 'old costs\n');
    const rename = fs.rename.bind(fs);
    let calls = 0;
    const spy = vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      calls += 1;
      if (calls === 2) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return rename(from, to);
    });
    try {
      const failure: unknown = await writeFilesAtomic(
        [
          { file: path.join(dir, 'f.csv'), data: 'new costs\n' },
          { file: path.join(dir, 'f.usage.csv'), data: 'new usage\n' },
        ],
        'f.csv and f.usage.csv',
      ).then(() => undefined, (error: unknown) => error);
      expect(failure).toMatchObject({ code: 'io_error', message: `Billfold could not save f.csv and f.usage.csv in ${dir}: EIO.` });
    } finally {
      spy.mockRestore();
    }
    expect(await fs.readdir(dir)).toEqual(['f.csv']);
    expect(await fs.readFile(path.join(dir, 'f.csv'), 'utf8')).toBe('old costs\n');
  });
});

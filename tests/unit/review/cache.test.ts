import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SummaryCache } from '../../../main/review/cache';
import { formatScaled } from '../../../main/review/decimal';
import { Tables } from '../../../main/review/engine';
import { openReviewFile } from '../../../main/review/session';
import { inlineRunner } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-cache-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function open(file: string, cache: SummaryCache) {
  const session = await openReviewFile(file, { runner: inlineRunner, workers: 1, cache });
  const summary = await session.summary;
  await session.cacheWrite;
  session.close();
  return { cached: session.cached, summary, total: formatScaled(summary.total, summary.scale) };
}

describe('the summary cache', () => {
  it('a file already summarized opens its totals from the cache, and rows read back through its index', async () => {
    const file = path.join(tmp, 'month.csv');
    fs.writeFileSync(file, generateDetailedCsv({ yyyyMM: '202405', seed: 9, sims: 25 }));
    const cache = new SummaryCache(path.join(tmp, 'cache-a'));
    const first = await open(file, cache);
    expect(first.cached).toBe(false);
    expect(cache.has(file)).toBe(true);
    const again = await open(file, cache);
    expect(again.cached).toBe(true);
    expect(again.summary).toEqual(first.summary);
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1, cache });
    await session.summary;
    const page = await session.rows(500, 3);
    const fresh = await openReviewFile(file, { runner: inlineRunner, workers: 1 });
    await fresh.summary;
    expect(page).toEqual(await fresh.rows(500, 3));
    session.close();
    fresh.close();
  });

  it('gives every amount to its own item, SIM and tag when a key holds a NUL or any other character', async () => {
    const file = path.join(tmp, 'odd-keys.csv');
    fs.writeFileSync(
      file,
      [
        'imsi,date,billItemName,amount,tag:name',
        '001010123\u0000\u0000\u0000456789,20240501,Basic\u0000fee,10,meter\u0000a',
        '001010123456790,20240501,Data fee,2.5,\u0000',
        '001010123456791,20240501,SMS fee,7,',
        '001010123456792,20240501,"a,b\u0001\u001f\uffff😀",1,x\u0000y\u0000',
      ].join('\r\n') + '\r\n',
    );
    const cache = new SummaryCache(path.join(tmp, 'cache-nul'));
    const first = await open(file, cache);
    expect(first.cached).toBe(false);
    const items = (s: typeof first.summary) => s.byItem.map((t) => [t.key, formatScaled(t.amount, s.scale)]);
    expect(items(first.summary)).toEqual([
      ['Basic\u0000fee', '10'],
      ['Data fee', '2.5'],
      ['SMS fee', '7'],
      ['a,b\u0001\u001f\uffff😀', '1'],
    ]);
    const again = await open(file, cache);
    expect(again.cached).toBe(true);
    expect(items(again.summary)).toEqual(items(first.summary));
    expect(again.summary.byDevice.map((t) => t.key)).toEqual(['001010123\u0000\u0000\u0000456789', '001010123456790', '001010123456791', '001010123456792']);
    expect(again.summary.deviceGroups).toEqual({
      devices: ['001010123\u0000\u0000\u0000456789', '001010123456790', '001010123456791', '001010123456792'],
      values: [['meter\u0000a', '\u0000', '', 'x\u0000y\u0000']],
    });
    expect(again.summary).toEqual(first.summary);
  });

  it('is dropped when the file changes: a new row, or different bytes of the same size and time', async () => {
    const file = path.join(tmp, 'changing.csv');
    const text = 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,10\r\n2,20240501,Basic fee,20\r\n';
    fs.writeFileSync(file, text);
    const cache = new SummaryCache(path.join(tmp, 'cache-b'));
    expect((await open(file, cache)).total).toBe('30');

    fs.appendFileSync(file, '3,20240502,Basic fee,5\r\n');
    const appended = await open(file, cache);
    expect(appended).toMatchObject({ cached: false, total: '35' });
    expect((await open(file, cache)).cached).toBe(true);

    // Same size, same modification time, one digit changed.
    const stat = fs.statSync(file);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Basic fee,10', 'Basic fee,90'));
    fs.utimesSync(file, stat.atime, stat.mtime);
    expect(fs.statSync(file).size).toBe(stat.size);
    const edited = await open(file, cache);
    expect(edited).toMatchObject({ cached: false, total: '115' });
  });

  it('a file cut or written while it is read is refused with its name, and nothing of it is kept', async () => {
    const cache = new SummaryCache(path.join(tmp, 'cache-e'));
    const file = path.join(tmp, 'cut.csv');
    const rows = Array.from({ length: 200 }, (_, i) => `${i},20240501,Basic fee,10\r\n`).join('');
    for (const change of [() => fs.truncateSync(file, 2000), () => fs.appendFileSync(file, '9,20240502,Basic fee,5\r\n')]) {
      fs.writeFileSync(file, `imsi,date,billItemName,amount\r\n${rows}`);
      const session = await openReviewFile(file, { runner: inlineRunner, workers: 1, cache });
      // The summary has not started reading yet.
      change();
      await expect(session.summary).rejects.toThrow(/cut\.csv changed while it was being read/);
      await session.cacheWrite;
      session.close();
      expect(cache.has(file)).toBe(false);
    }
    expect((await open(file, cache)).total).toBe('2005');
  });

  it('keeps at most its number of entries, dropping the least recently used', async () => {
    const dir = path.join(tmp, 'cache-c');
    const cache = new SummaryCache(dir, 2);
    const files = [0, 1, 2].map((i) => {
      const file = path.join(tmp, `small-${i}.csv`);
      fs.writeFileSync(file, `imsi,date,billItemName,amount\r\n1,20240501,Basic fee,${i}\r\n`);
      return file;
    });
    for (const file of files) await open(file, cache);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.summary'))).toHaveLength(2);
    expect(cache.has(files[2] as string)).toBe(true);
  });

  it('a write that fails leaves no temporary file behind, and the entry is not kept', async () => {
    const dir = path.join(tmp, 'cache-d');
    const cache = new SummaryCache(dir);
    const file = path.join(tmp, 'failing.csv');
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,7\r\n');
    const { summary } = await open(file, cache);
    // The entry's name taken by a folder with something in it: the write cannot be renamed into place.
    const [entry] = fs.readdirSync(dir);
    fs.rmSync(path.join(dir, entry as string));
    fs.mkdirSync(path.join(dir, entry as string, 'inside'), { recursive: true });
    await expect(cache.put(file, 'another key', summary)).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([entry]);
  });

  it('a temporary file a stopped process left is removed when the next entry is written; a recent one stays', async () => {
    const dir = path.join(tmp, 'cache-e');
    fs.mkdirSync(dir, { recursive: true });
    const left = path.join(dir, 'aaaa.summary.99999.tmp');
    const writing = path.join(dir, 'bbbb.summary.88888.tmp');
    fs.writeFileSync(left, 'half an entry');
    fs.writeFileSync(writing, 'an entry being written');
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    fs.utimesSync(left, hourAgo, hourAgo);
    const file = path.join(tmp, 'after-a-crash.csv');
    fs.writeFileSync(file, 'imsi,date,billItemName,amount\r\n1,20240501,Basic fee,3\r\n');
    await open(file, new SummaryCache(dir));
    expect(fs.existsSync(left)).toBe(false);
    expect(fs.existsSync(writing)).toBe(true);
  });

  it('settles once every entry being written is in place', async () => {
    const dir = path.join(tmp, 'cache-f');
    const cache = new SummaryCache(dir);
    const file = path.join(tmp, 'settle.csv');
    fs.writeFileSync(file, generateDetailedCsv({ yyyyMM: '202405', seed: 4, sims: 25 }));
    const session = await openReviewFile(file, { runner: inlineRunner, workers: 1, cache });
    await session.summary;
    session.close();
    await cache.settled();
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.summary'))).toHaveLength(1);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(0);
  });

  it('a summary whose entry cannot be written still makes the SIMs\' tag values right after its totals, and keeps nothing behind them', async () => {
    const file = path.join(tmp, 'unwritable-cache.csv');
    fs.writeFileSync(file, generateDetailedCsv({ yyyyMM: '202405', seed: 4, sims: 12 }));
    // The cache folder's place is taken by a file: the entry's write fails before anything is written.
    const blocked = path.join(tmp, 'blocked-cache');
    fs.writeFileSync(blocked, '');
    const settle = vi.spyOn(Tables.prototype, 'settle');
    try {
      const session = await openReviewFile(file, { runner: inlineRunner, workers: 2, minSplitBytes: 0, cache: new SummaryCache(blocked) } as Parameters<typeof openReviewFile>[1]);
      const summary = await session.summary;
      const before = settle.mock.calls.length;
      await session.cacheWrite;
      await new Promise((resolve) => setImmediate(resolve));
      // Made without anyone reading them: the merged tables they come from are not kept with the review.
      expect(settle.mock.calls.length).toBeGreaterThan(before);
      expect(summary.deviceGroups.devices.filter((d) => d !== '')).toHaveLength(12);
      session.close();
    } finally {
      settle.mockRestore();
    }
  });
});

// Dropped files reach the main process only as paths the preload got from Electron (or files the
// harness stored); the page gets opaque ids back and never names a path itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { argSchemas } from '../../../contract';
import { createDroppedFileStore, isPlainLocalPath } from '../../../main/files/dropped';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-drops-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const a = path.join(tmp, 'a.csv');
const b = path.join(tmp, 'b.csv');
fs.writeFileSync(a, 'one');
fs.writeFileSync(b, 'three');

describe('the drop store', () => {
  it('answers an id for each dropped file, several at once, and keeps the path to itself', async () => {
    const store = createDroppedFileStore();
    const reply = await store.receive({ files: [{ name: 'a.csv', path: a }, { name: 'b.csv', path: b }] });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.value.refused).toEqual([]);
    expect(reply.value.files.map((f) => [f.fileName, f.size])).toEqual([
      ['a.csv', 3],
      ['b.csv', 5],
    ]);
    expect(JSON.stringify(reply)).not.toContain(tmp);
    const [first, second] = reply.value.files;
    expect(first!.dropId).not.toBe(second!.dropId);
    expect(argSchemas['review.openDropped'].safeParse({ dropId: first!.dropId }).success).toBe(true);
    expect(store.pathOf(first!.dropId)).toBe(a);
    expect(store.pathOf(second!.dropId)).toBe(b);
  });

  it('refuses a File the page made (no path), relative, network and device paths, folders and missing files', async () => {
    const store = createDroppedFileStore();
    const drops = [
      { name: 'made-up.csv', path: '' },
      { name: 'x', path: 'relative.csv' },
      { name: 'x', path: `/${a}` },
      { name: 'x', path: '\\\\server\\share\\a.csv' },
      { name: 'x', path: `${a}\0.csv` },
      { name: 'x', path: tmp },
      { name: 'x', path: path.join(tmp, 'missing.csv') },
    ];
    const reply = await store.receive({ files: drops });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(reply.value.files).toEqual([]);
    expect(reply.value.refused).toHaveLength(drops.length);
    expect(reply.value.refused[0]).toEqual({ fileName: 'made-up.csv', message: expect.stringMatching(/no file on this computer behind it/) });
  });

  it('answers invalid_args, never an exception, for anything that is not a list of dropped files', async () => {
    const store = createDroppedFileStore();
    const tooMany = { files: Array.from({ length: 51 }, () => ({ name: 'a.csv', path: a })) };
    for (const bad of [undefined, null, 'a.csv', [a], { files: [] }, { files: [{ path: a }] }, { files: [{ name: 'a', path: 7 }] }, { files: [{ name: 'a', path: a }], extra: 1 }, tooMany]) {
      expect(await store.receive(bad), JSON.stringify(bad)?.slice(0, 60)).toMatchObject({ ok: false, error: { code: 'invalid_args' } });
    }
  });

  it('does not know ids it did not give', () => {
    expect(() => createDroppedFileStore().pathOf('A'.repeat(24))).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('takes plain local paths only', () => {
    expect(isPlainLocalPath('/home/me/a.csv', 'linux')).toBe(true);
    expect(isPlainLocalPath('C:\\Users\\me\\a.csv', 'win32')).toBe(true);
    for (const bad of ['a.csv', '//host/a.csv', '\\\\?\\C:\\a.csv', 'C:a.csv', 'C:\\a.csv:stream']) expect(isPlainLocalPath(bad, 'win32'), bad).toBe(false);
  });
});

describe('the contract', () => {
  it('has no channel that takes a file path from the page', () => {
    const channels = Object.keys(argSchemas);
    expect(channels).not.toContain('review.openPath');
    for (const channel of channels) {
      const shape = (argSchemas[channel as keyof typeof argSchemas] as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      expect(Object.keys(shape).filter((k) => /^(path|file|folder|dir|directory)$|(Path|Folder|Dir|Directory)$/.test(k)), channel).toEqual([]);
    }
  });
});

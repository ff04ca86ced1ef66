import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLibraryIndex, manifestName } from '../../../main/files/library-index';
import { maxNameBytes, numberedName, safeFileName, safeFolderName } from '../../../main/files/safe-name';
import { expectContent, sniff } from '../../../main/files/sniff';
import { isTempName, writeNewFile } from '../../../main/files/write';
import { tempDir } from './helpers';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('safe file names', () => {
  it.each([
    ['../../etc/passwd', '.pdf', 'etc-passwd.pdf'],
    ['..\\..\\Windows\\system32\\evil.pdf', '.pdf', 'Windows-system32-evil.pdf'],
    ['Agilicus usage statement Acme/EU 2026-10', '.pdf', 'Agilicus usage statement Acme-EU 2026-10.pdf'],
    ['Invoice INV/2026/0042', '.pdf', 'Invoice INV-2026-0042.pdf'],
    ['/', '.csv', 'file.csv'],
    ['-rf', '.csv', 'rf.csv'],
    ['in\u0000voice.pdf', '.pdf', 'in voice.pdf'],
    ['CON.pdf', '.pdf', '_CON.pdf'],
    ['con', '.csv', '_con.csv'],
    ['lpt1.report.csv', '.csv', '_lpt1.report.csv'],
    ['..', '.pdf', 'file.pdf'],
    ['.hidden', '.csv', 'hidden.csv'],
    ['a<b>c:d"e|f?g*h.pdf', '.pdf', 'a b c d e f g h.pdf'],
    ['trailing dots... ', '.pdf', 'trailing dots.pdf'],
    ['report.pdf.exe', '.pdf', 'report.pdf.exe.pdf'],
    ['gpj\u202Eexe.pdf', '.pdf', 'gpjexe.pdf'],
    ['請求書 2024年5月.PDF', '.pdf', '請求書 2024年5月.pdf'],
    ['', '.pdf', 'file.pdf'],
  ])('%j → %s', (raw, ext, expected) => {
    expect(safeFileName(raw, ext)).toBe(expected);
  });

  it('an account named with a slash gets one folder with the whole name, not a folder inside another', () => {
    expect(safeFolderName('Acme/EU')).toBe('Acme-EU');
    expect(safeFolderName('Acme\\EU')).toBe('Acme-EU');
  });

  it('numbers a second file before its extension, and a second folder at the end: a dot in a name is no extension', () => {
    expect(numberedName('Invoice 42.pdf', 2)).toBe('Invoice 42 (2).pdf');
    expect(numberedName('Soracom billing 2026-10.CSV', 3)).toBe('Soracom billing 2026-10 (3).CSV');
    expect(numberedName('Acme v1.2', 2, 'folder')).toBe('Acme v1.2 (2)');
    expect(numberedName('Statement v1.2', 2)).toBe('Statement v1.2 (2)');
    expect(numberedName('Acme Inc.pdf', 2, 'folder')).toBe('Acme Inc.pdf (2)');
  });

  it('cuts 300-character names (and multi-byte ones) to a length every file system takes, keeping the extension', () => {
    const long = safeFileName(`${'a'.repeat(300)}.pdf`, '.pdf');
    expect(long.endsWith('.pdf')).toBe(true);
    expect(utf8(long).length).toBeLessThanOrEqual(maxNameBytes);
    const japanese = safeFileName(`${'請'.repeat(300)}.csv`, '.csv');
    expect(utf8(japanese).length).toBeLessThanOrEqual(maxNameBytes);
    expect(japanese).toMatch(/^請+\.csv$/);
  });
});

describe('content sniffing', () => {
  it('tells a PDF, an HTML error page, CSV text and binary apart', () => {
    expect(sniff(utf8('%PDF-1.7\n...'))).toBe('pdf');
    expect(sniff(utf8('\n  <!DOCTYPE html><html><body>Access denied</body></html>'))).toBe('html');
    expect(sniff(utf8('<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>'))).toBe('html');
    expect(sniff(utf8('\uFEFFdate,amount\r\n2024-05-01,12.5\r\n'))).toBe('csv');
    expect(sniff(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))).toBe('binary');
    expect(sniff(new Uint8Array())).toBe('empty');
  });

  it('refuses an HTML page that was meant to be a PDF, saying why', () => {
    expect(() => expectContent(utf8('<html><body>502 Bad Gateway</body></html>'), 'pdf', 'The invoice file')).toThrow(/web page.*not a PDF/);
    expect(() => expectContent(utf8('%PDF-1.4'), 'csv', 'The export')).toThrow(/not a CSV/);
  });
});

describe('writing files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('write');
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('never overwrites: the second and third files get (2) and (3)', async () => {
    const a = await writeNewFile(dir, 'Invoice.pdf', utf8('%PDF-first'));
    const b = await writeNewFile(dir, 'Invoice.pdf', utf8('%PDF-second'));
    const c = await writeNewFile(dir, 'Invoice.pdf', utf8('%PDF-third'));
    expect([a.fileName, b.fileName, c.fileName]).toEqual(['Invoice.pdf', 'Invoice (2).pdf', 'Invoice (3).pdf']);
    expect(await fs.readFile(path.join(dir, 'Invoice.pdf'), 'utf8')).toBe('%PDF-first');
    expect(await fs.readFile(path.join(dir, 'Invoice (3).pdf'), 'utf8')).toBe('%PDF-third');
    expect((await fs.readdir(dir)).sort()).toEqual(['Invoice (2).pdf', 'Invoice (3).pdf', 'Invoice.pdf']);
  });

  it('twenty saves of the same name at once all land, each under its own name', async () => {
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => writeNewFile(dir, 'same.csv', utf8(`row ${i}\n`))));
    expect(new Set(all.map((w) => w.fileName)).size).toBe(20);
    const contents = await Promise.all(all.map((w) => fs.readFile(w.path, 'utf8')));
    expect(contents.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `row ${i}\n`).sort());
  });

  it('a write killed half-way leaves no partial file in the folder or the library', async () => {
    // The account's folder, made as every save makes it: with Billfold's manifest.
    const library = createLibraryIndex(path.join(dir, 'user-data'), { downloadsRoot: () => Promise.resolve(dir) });
    const accountDir = await library.folderFor(dir, { id: 'acc_soracom', name: 'Soracom (demo)' });
    expect(accountDir).toBe(path.join(dir, 'Soracom (demo)'));
    const child = spawn(process.execPath, [path.resolve('node_modules/jiti/lib/jiti-cli.mjs'), path.resolve('tests/unit/files/slow-writer.child.ts'), accountDir, 'big export.csv'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`The writer exited early (${code}).`)));
    });
    const during = await fs.readdir(accountDir);
    const temps = during.filter(isTempName);
    expect(temps).toHaveLength(1);
    expect((await fs.stat(path.join(accountDir, temps[0]!))).size).toBeGreaterThan(0);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    expect(await fs.readdir(accountDir)).not.toContain('big export.csv');
    // The index is rebuilt from the folder (it has none yet): the abandoned temporary file is not listed, and is cleaned up.
    expect(await library.all()).toEqual([]);
    expect(await fs.readdir(accountDir)).toEqual([manifestName]);
    expect(await library.rebuild()).toEqual({ files: 0, removedPartial: 0 });
  }, 30_000);

  it('a failed or cancelled write leaves nothing behind', async () => {
    const controller = new AbortController();
    async function* chunks() {
      yield utf8('a,b\r\n');
      controller.abort();
      yield utf8('1,2\r\n');
    }
    await expect(writeNewFile(dir, 'x.csv', chunks(), { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    async function* broken() {
      yield utf8('a,b\r\n');
      throw new Error('the connection dropped');
    }
    await expect(writeNewFile(dir, 'y.csv', broken())).rejects.toThrow();
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchivePackResult, FocusExportResult } from '../../../contract/models/archive';
import type { AccountSummary } from '../../../contract/models/app';
import type { SoracomBillingHistory, SoracomExportResult } from '../../../contract/models/soracom';
import type { SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { toDecimalString } from '../../../contract/money';
import { createMainServices } from '../../../main/compose';
import { cliFolders, ensureBuiltCli, parseJson, runBillfold } from './helpers';
import { routerCall, testPlatform } from '../../support/platform';

const run = promisify(execFile);

/** Saves a closed month's documents (its CSV, its statement, its invoices) into the user-data folder's Library, as the window does. */
async function saveMonth(userData: string, home: string, accounts: AccountSummary[]) {
  const services = createMainServices({
    platform: testPlatform(userData, { documentsDir: path.join(home, 'Documents') }),
    emit: () => undefined,
    log: () => undefined,
  });
  const call = routerCall(services);
  const id = (p: string) => accounts.find((a) => a.provider === p)!.id;
  try {
    const history = await call<SoracomBillingHistory>('soracom.getBillingHistory', { accountId: id('soracom') });
    const bill = history.bills.filter((b) => b.state === 'closed')[1]!;
    const exported = await call<SoracomExportResult>('soracom.exportBilling', { accountId: id('soracom'), yyyyMM: bill.yearMonth });
    await call('files.saveSoracomExport', { accountId: id('soracom'), exportedFileId: exported.exportedFileId });
    await call('files.saveSoracomStatement', { accountId: id('soracom'), yyyyMM: bill.yearMonth });
    const label = `${bill.yearMonth.slice(0, 4)}-${bill.yearMonth.slice(4)}`;
    const page = await call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: id('spatialflow'), limit: 24 });
    const invoices = page.invoices.filter((i) => i.periodStart.slice(0, 7) === label && i.hasPdf);
    for (const inv of invoices) await call('files.saveInvoicePdf', { accountId: id('spatialflow'), invoiceId: inv.id });
    return { bill, label, invoices };
  } finally {
    await services.close();
  }
}

beforeAll(() => ensureBuiltCli(), 120_000);

describe('billfold pack and billfold export focus', () => {
  const folders = cliFolders();
  let saved: Awaited<ReturnType<typeof saveMonth>>;
  beforeAll(async () => {
    const { home, userData } = await folders;
    const demo = await runBillfold(['--user-data', userData, 'demo', '--json'], { home });
    expect(demo.code, demo.stderr).toBe(0);
    saved = await saveMonth(userData, home, parseJson<{ accounts: AccountSummary[] }>(demo).accounts);
  }, 120_000);
  afterAll(async () => (await folders).cleanup());

  it('pack writes the period pack as JSON; sha256sum -c accepts it and its checks match the bills', async () => {
    const { home, userData } = await folders;
    const pack = await runBillfold(['--user-data', userData, 'pack', saved.label, '--zip', '--json'], { home });
    expect(pack.code, pack.stderr).toBe(0);
    const result = parseJson<ArchivePackResult>(pack);
    expect(result).toMatchObject({ period: saved.label, documents: 2 + saved.invoices.length, missing: [] });
    expect(result.location).toBe(path.join(home, 'Documents', 'Billfold', 'Packs', saved.label));
    expect(result.checks.map((c) => c.status)).toEqual(result.checks.map(() => 'match'));
    expect(result.checks.find((c) => c.provider === 'Soracom')?.expected).toBe(toDecimalString(saved.bill.amount!));
    expect(result.zip?.location).toBe(`${result.location}.zip`);
    const { stdout } = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: result.location });
    expect(stdout.trim().split('\n').every((l) => l.endsWith(': OK'))).toBe(true);
    // Without --json: a readable summary on stdout. Built without --zip, the zip of the earlier build goes, and the summary says so.
    const text = await runBillfold(['--user-data', userData, 'pack', saved.label], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Pack ${saved.label}: ${2 + saved.invoices.length} documents`);
    // The checks' amounts in their currency, grouped, right-aligned under EXPECTED and ACTUAL.
    const lines = text.stdout.split('\n');
    const header = lines.find((l) => l.startsWith('CHECK'))!;
    const csvCheck = lines.find((l) => l.includes('detailed CSV') && l.includes(' match '))!;
    expect(csvCheck).toMatch(/ match +¥\d{1,3}(,\d{3})* +¥\d{1,3}(,\d{3})*$/);
    expect(csvCheck.replace(/^.* match +/, '').split(/ +/)).toEqual([`¥${Number(toDecimalString(saved.bill.amount!)).toLocaleString('en-US')}`, `¥${Number(toDecimalString(saved.bill.amount!)).toLocaleString('en-US')}`]);
    for (const l of lines.filter((x) => / (match|differs|missing) /.test(x))) expect(l.length).toBe(header.length);
    expect(text.stdout).toContain(`Notes:\n  The previous ${saved.label}.zip was removed: it held the pack as it was before.`);
    await expect(fs.stat(result.zip!.location)).rejects.toMatchObject({ code: 'ENOENT' });
    // Built again from the same Library: the same index, byte for byte.
    expect(createHash('sha256').update(await fs.readFile(path.join(result.location, 'index.csv'))).digest('hex')).toBe(result.indexSha256);
  }, 60_000);

  it('export focus writes Parquet that DuckDB reads, each bill and invoice adding up to its total', async () => {
    const { home, userData } = await folders;
    const out = path.join(home, 'exports', 'focus.parquet');
    const exported = await runBillfold(['--user-data', userData, 'export', 'focus', '--from', saved.label, '--to', saved.label, '--format', 'parquet', '--out', out, '--json'], { home });
    expect(exported.code, exported.stderr).toBe(0);
    const result = parseJson<FocusExportResult>(exported);
    expect(result).toMatchObject({ format: 'parquet', location: out, usage: { location: path.join(home, 'exports', 'focus.usage.parquet') } });
    expect(result.invoices).toHaveLength(1 + saved.invoices.length);
    expect(result.invoices.every((i) => i.billed === i.total)).toBe(true);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const rows = (await connection.runAndReadAll(`SELECT COUNT(*) AS n, typeof(BilledCost) AS t FROM read_parquet('${out}') GROUP BY t`)).getRowObjectsJson();
      expect(rows).toEqual([{ n: String(result.costRows), t: 'DECIMAL(38,12)' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }, 60_000);

  it('a wrong period, format or range is a usage error (exit 2)', async () => {
    const { home, userData } = await folders;
    expect((await runBillfold(['--user-data', userData, 'pack', '2026-13', '--json'], { home })).code).toBe(2);
    // A period that has not begun: refused, and no empty pack is written.
    const future = await runBillfold(['--user-data', userData, 'pack', '2099-Q4', '--json'], { home });
    expect(future.code).toBe(2);
    expect(parseJson<{ error: { code: string; message: string } }>(future).error).toMatchObject({ code: 'invalid_args', message: expect.stringMatching(/^2099-Q4 has not begun \(today is \d{4}-\d{2}-\d{2}, UTC\): there is nothing to pack yet\.$/) });
    await expect(fs.stat(path.join(home, 'Documents', 'Billfold', 'Packs', '2099-Q4'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runBillfold(['--user-data', userData, 'export', 'focus', '--from', '2099-01', '--to', '2099-02', '--format', 'csv', '--out', path.join(home, 'x.csv')], { home })).code).toBe(2);
    expect((await runBillfold(['--user-data', userData, 'export', 'focus', '--from', '2026-10', '--to', '2026-10', '--format', 'xlsx', '--out', path.join(home, 'x')], { home })).code).toBe(2);
    expect((await runBillfold(['--user-data', userData, 'export', 'focus', '--from', '2026-10', '--to', '2026-09', '--format', 'csv', '--out', path.join(home, 'x'), '--json'], { home })).code).toBe(2);
    const help = await runBillfold(['export', 'focus', '--help'], { home });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--format <format>');
  }, 60_000);

  it('an --out named for the other format is a usage error (exit 2) saying so, and nothing is written', async () => {
    const { home, userData } = await folders;
    const dir = path.join(home, 'named');
    await fs.mkdir(dir);
    const focus = (format: string, out: string, json = true) =>
      runBillfold(['--user-data', userData, 'export', 'focus', '--from', saved.label, '--to', saved.label, '--format', format, '--out', out, ...(json ? ['--json'] : [])], { home });

    const parquetInCsv = await focus('parquet', path.join(dir, 'f.csv'), false);
    expect(parquetInCsv.code).toBe(2);
    expect(parquetInCsv.stderr).toBe(`billfold: --out ${path.join(dir, 'f.csv')} ends in .csv, but --format is parquet: name the file .parquet, or give --format csv.
`);
    const csvInParquet = await focus('csv', path.join(dir, 'f.PARQUET'));
    expect(csvInParquet.code).toBe(2);
    expect(parseJson<{ error: { code: string; message: string } }>(csvInParquet).error).toEqual({
      code: 'invalid_args',
      message: `--out ${path.join(dir, 'f.PARQUET')} ends in .parquet, but --format is csv: name the file .csv, or give --format parquet.`,
    });
    expect(await fs.readdir(dir)).toEqual([]);
  }, 60_000);

  it('an --out that is a folder, or whose usage twin is one, is a usage error (exit 2) in words, not EISDIR', async () => {
    const { home, userData } = await folders;
    const dir = path.join(home, 'out');
    await fs.mkdir(dir);
    const focus = (out: string) => runBillfold(['--user-data', userData, 'export', 'focus', '--from', saved.label, '--to', saved.label, '--format', 'parquet', '--out', out], { home });

    const folder = await focus(dir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`billfold: --out ${dir} is a folder: give the file to write, such as ${path.join(dir, 'focus.parquet')}.
`);
    expect(folder.stderr).not.toContain('EISDIR');
    expect(await fs.readdir(dir)).toEqual([]);

    await fs.mkdir(path.join(dir, 'f.usage.parquet'));
    const twin = await focus(path.join(dir, 'f.parquet'));
    expect(twin.code).toBe(2);
    expect(twin.stderr).toBe(`billfold: ${path.join(dir, 'f.usage.parquet')} is a folder, and the Agilicus usage of --out ${path.join(dir, 'f.parquet')} is written there: choose another --out.
`);
    expect(await fs.readdir(dir)).toEqual(['f.usage.parquet']);
  }, 60_000);
});

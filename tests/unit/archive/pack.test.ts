import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ArchivePackResult, FocusExportResult } from '../../../contract/models/archive';
import type { AgilicusBillingAccountList } from '../../../contract/models/agilicus';
import type { SavedFile } from '../../../contract/models/files';
import type { SoracomBillingHistory, SoracomExportResult, SoracomMonthlyBill } from '../../../contract/models/soracom';
import type { SpatialFlowInvoice, SpatialFlowInvoicePage } from '../../../contract/models/spatialflow';
import { toDecimalString } from '../../../contract/money';
import { mandatoryColumns } from '../../../main/archive/focus';
import { mainServices } from '../files/helpers';

const run = promisify(execFile);

let s: Awaited<ReturnType<typeof mainServices>>;
/** A closed month of the demo Soracom account (yyyyMM; not the previous month, whose CSV is the 50,000-row one) and its bill. */
let month: string;
let bill: SoracomMonthlyBill;
let invoices: SpatialFlowInvoice[];
let label: string;

/** Syncs the demo accounts and saves the documents of one closed month, as a user would. */
beforeAll(async () => {
  s = await mainServices();
  const history = await s.call<SoracomBillingHistory>('soracom.getBillingHistory', { accountId: s.ids.soracom });
  bill = history.bills.filter((b) => b.state === 'closed')[1]!;
  month = bill.yearMonth;
  label = `${month.slice(0, 4)}-${month.slice(4)}`;
  const exported = await s.call<SoracomExportResult>('soracom.exportBilling', { accountId: s.ids.soracom, yyyyMM: month });
  await s.call<SavedFile>('files.saveSoracomExport', { accountId: s.ids.soracom, exportedFileId: exported.exportedFileId });
  await s.call<SavedFile>('files.saveSoracomStatement', { accountId: s.ids.soracom, yyyyMM: month });
  const page = await s.call<SpatialFlowInvoicePage>('spatialflow.listInvoices', { accountId: s.ids.spatialflow, limit: 24 });
  invoices = page.invoices.filter((i) => i.periodStart.slice(0, 7) === label);
  for (const inv of invoices.filter((i) => i.hasPdf)) await s.call('files.saveInvoicePdf', { accountId: s.ids.spatialflow, invoiceId: inv.id });
  const bas = await s.call<AgilicusBillingAccountList>('agilicus.listBillingAccounts', { accountId: s.ids.agilicus });
  for (const ba of bas.accounts) await s.call('agilicus.getUsageRecords', { accountId: s.ids.agilicus, billingAccountId: ba.id });
  // The providers go away: a pack is built from what Billfold holds, never fetched.
  await s.services.close();
}, 120_000);
afterAll(() => s.close());

const packDir = () => path.join(s.platform.documentsDir, 'Billfold', 'Packs', label);

async function index(): Promise<Record<string, string>[]> {
  return Papa.parse<Record<string, string>>(await fs.readFile(path.join(packDir(), 'index.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
}

describe('a period pack of the demo accounts', () => {
  let first: ArchivePackResult;
  beforeAll(async () => {
    first = await s.call<ArchivePackResult>('archive.pack', { period: label, zip: true, taskId: 'pack-1' });
  }, 60_000);

  it('holds every saved document of the month, and sha256sum -c accepts its SHA256SUMS', async () => {
    expect(invoices.length).toBeGreaterThan(0);
    const rows = await index();
    const kinds = rows.map((r) => `${r['provider']} ${r['document kind']}`).sort();
    expect(kinds).toEqual([...invoices.filter((i) => i.hasPdf).map(() => 'SpatialFlow Invoice PDF'), 'Soracom Bill export CSV', 'Soracom Statement PDF'].sort());
    expect(first.documents).toBe(rows.length);
    const { stdout } = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: packDir() });
    const lines = stdout.trim().split('\n');
    expect(lines.every((l) => l.endsWith(': OK'))).toBe(true);
    expect(lines).toHaveLength(rows.length + 3);
    for (const r of rows) expect((await fs.stat(path.join(packDir(), r['file']!))).isFile()).toBe(true);
  });

  it('its index totals equal the bills and the invoices', async () => {
    const rows = await index();
    const csv = rows.find((r) => r['document kind'] === 'Bill export CSV')!;
    expect(`${csv['amount']} ${csv['currency']}`).toBe(`${toDecimalString(bill.amount!)} ${bill.amount!.currency}`);
    for (const inv of invoices.filter((i) => i.hasPdf)) {
      const row = rows.find((r) => r['provider id'] === inv.number)!;
      expect(`${row['amount']} ${row['currency']}`).toBe(`${toDecimalString(inv.amountDue)} ${inv.amountDue.currency}`);
    }
    const checks = Papa.parse<Record<string, string>>(await fs.readFile(path.join(packDir(), 'reconciliation.csv'), 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(checks.map((c) => c['status'])).toEqual(checks.map(() => 'match'));
    expect(checks.filter((c) => c['provider'] === 'Soracom')).toHaveLength(1);
    expect(checks.filter((c) => c['provider'] === 'SpatialFlow')).toHaveLength(invoices.filter((i) => i.status !== 'void' && i.status !== 'draft').length);
  });

  it('built again from the same Library, its index and its zip are the same, byte for byte', async () => {
    const before = await fs.readFile(path.join(packDir(), 'index.csv'));
    const zipBefore = await fs.readFile(`${packDir()}.zip`);
    const again = await s.call<ArchivePackResult>('archive.pack', { period: label, zip: true });
    expect(again.indexSha256).toBe(first.indexSha256);
    expect(await fs.readFile(path.join(packDir(), 'index.csv'))).toEqual(before);
    expect(await fs.readFile(`${packDir()}.zip`)).toEqual(zipBefore);
    expect(again.notes).toEqual([]);
    // Replaced whole: no temporary or old folder is left beside it.
    expect((await fs.readdir(path.dirname(packDir()))).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 60_000);

  it('comes as one zip too, and the window can reveal it by id only', async () => {
    expect(first.zip?.bytes).toBeGreaterThan(0);
    const zip = await fs.readFile(path.join(path.dirname(packDir()), `${label}.zip`));
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    expect(zip.includes(Buffer.from(`${label}/SHA256SUMS`))).toBe(true);
    await s.call('archive.reveal', { id: first.id });
    expect(s.shell.at(-1)).toEqual({ action: 'showItemInFolder', path: packDir() });
    await expect(s.call('archive.reveal', { id: 'f'.repeat(24) })).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.call('archive.reveal', { id: '../../etc' })).rejects.toMatchObject({ code: 'invalid_args' });
  });

  it('reports progress, and says what a period without documents lacks', async () => {
    const progress = s.events.filter((e) => e.event === 'task.progress' && (e.payload as { taskId: string }).taskId === 'pack-1');
    expect(progress.at(-1)?.payload).toMatchObject({ state: 'done' });
    const empty = await s.call<ArchivePackResult>('archive.pack', { period: '2019-Q1' });
    expect(empty.documents).toBe(0);
    expect(empty.missing.join('\n')).toMatch(/Soracom \(demo\): neither the 2019-01 bill nor its detailed CSV/);
    await expect(s.call('archive.pack', { period: '2026-13' })).rejects.toMatchObject({ code: 'invalid_args' });
  }, 60_000);

  it('a FOCUS export of months with neither a bill nor an export says so for each, as the pack does', async () => {
    const empty = await s.call<FocusExportResult>('archive.exportFocus', { from: '2019-01', to: '2019-02', format: 'csv' });
    const missing = empty.missing.join('\n');
    expect(missing).toMatch(/Soracom \(demo\): neither the 2019-01 bill nor its detailed CSV is in Billfold/);
    expect(missing).toMatch(/Soracom \(demo\): neither the 2019-02 bill nor its detailed CSV is in Billfold/);
  }, 60_000);

  it('refuses a year no bill can be in, saying which years can, and writes nothing', async () => {
    const packs = path.join(s.platform.documentsDir, 'Billfold', 'Packs');
    const before = (await fs.readdir(packs)).sort();
    for (const period of ['0000-01', '0099-Q4', '1999-12', '2100-01', '9999-Q1']) {
      await expect(s.call('archive.pack', { period }), period).rejects.toMatchObject({
        code: 'invalid_args',
        message: `“${period}” is outside the years Billfold keeps bills for: use a year from 2000 to 2099.`,
      });
    }
    await expect(s.call('archive.exportFocus', { from: '0001-01', to: '0001-02', format: 'csv' })).rejects.toMatchObject({ code: 'invalid_args', message: expect.stringContaining('“0001-01” is outside') as unknown });
    expect((await fs.readdir(packs)).sort()).toEqual(before);
  });
});

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('the FOCUS export of the demo accounts', () => {
  let parquet: FocusExportResult;
  let csvFile: string;
  beforeAll(async () => {
    parquet = await s.call<FocusExportResult>('archive.exportFocus', { from: label, to: label, format: 'parquet' });
    csvFile = path.join(s.dir, 'out', 'focus.csv');
    await s.services.archive.exportFocusTo(csvFile, { from: label, to: label, format: 'csv' });
  }, 60_000);

  const parquetFile = () => path.join(s.platform.documentsDir, 'Billfold', 'Exports', `FOCUS ${label}.parquet`);

  it('DuckDB reads every Mandatory column with FOCUS types: decimals for money, UTC timestamps', async () => {
    const columns = await query(`DESCRIBE SELECT * FROM read_parquet('${parquetFile()}')`);
    const types = Object.fromEntries(columns.map((c) => [c['column_name'], c['column_type']]));
    for (const name of mandatoryColumns) expect(types, name).toHaveProperty(name);
    for (const name of ['BilledCost', 'ContractedCost', 'EffectiveCost', 'ListCost', 'ListUnitPrice', 'PricingQuantity']) expect(types[name], name).toBe('DECIMAL(38,12)');
    for (const name of ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']) expect(types[name], name).toBe('TIMESTAMP WITH TIME ZONE');
    expect(Object.keys(types).filter((n) => !/^[A-Z]/.test(n)).every((n) => n.startsWith('x_'))).toBe(true);
    const categories = await query(`SELECT DISTINCT ChargeCategory AS c FROM read_parquet('${parquetFile()}') ORDER BY c`);
    expect(categories.map((r) => r['c']).every((c) => ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'].includes(c as string))).toBe(true);
    const periods = await query(`SELECT DISTINCT strftime(BillingPeriodStart AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS s, strftime(BillingPeriodEnd AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS e FROM read_parquet('${parquetFile()}') WHERE ProviderName = 'Soracom'`);
    const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4)), 1)).toISOString().replace('.000Z', 'Z');
    expect(periods).toEqual([{ s: `${label}-01T00:00:00Z`, e: next }]);
  });

  it('the BilledCost of each bill and invoice adds up to its total, in its own currency', async () => {
    const sums = await query(`SELECT ProviderName AS p, InvoiceId AS i, BillingCurrency AS c, CAST(SUM(BilledCost) AS VARCHAR) AS total, COUNT(*) AS n FROM read_parquet('${parquetFile()}') GROUP BY ALL ORDER BY p, i`);
    const expected = [
      { p: 'Soracom', i: month, c: bill.amount!.currency, total: toDecimalString(bill.amount!) },
      ...invoices.filter((i) => ['open', 'paid', 'uncollectible'].includes(i.status)).map((i) => ({ p: 'SpatialFlow', i: i.number, c: i.amountDue.currency, total: toDecimalString(i.amountDue) })),
    ].sort((a, b) => a.p.localeCompare(b.p) || a.i.localeCompare(b.i));
    expect(sums.map((r) => ({ p: r['p'], i: r['i'], c: r['c'], total: Number(r['total']).toFixed(r['c'] === 'JPY' ? 0 : 2) }))).toEqual(expected);
    expect(parquet.invoices.every((i) => i.billed === i.total)).toBe(true);
    const tags = await query(`SELECT Tags FROM read_parquet('${parquetFile()}') WHERE ResourceId IS NOT NULL LIMIT 1`);
    expect(Object.keys(JSON.parse(String(tags[0]?.['Tags'])) as object)).toContain('name');
  });

  it('every row keeps the FOCUS price rules: ListCost is ListUnitPrice × PricingQuantity exactly, in the Parquet file and the CSV', async () => {
    const sources = { parquet: `read_parquet('${parquetFile()}')`, csv: `read_csv('${csvFile}', all_varchar = true)` };
    for (const [format, source] of Object.entries(sources)) {
      const d = (column: string) => `CAST(${column} AS DECIMAL(38,12))`;
      const [counts] = await query(`SELECT COUNT(*) AS rows,
          COUNT(*) FILTER (WHERE ListUnitPrice IS NOT NULL AND PricingQuantity IS NOT NULL) AS priced,
          COUNT(*) FILTER (WHERE ListUnitPrice IS NOT NULL AND PricingQuantity IS NOT NULL AND ${d('ListUnitPrice')} * ${d('PricingQuantity')} <> ${d('BilledCost')}) AS rounded
        FROM ${source}`);
      // The demo's per-byte data prices make the provider's rounded amounts differ from list price × quantity.
      expect(Number(counts?.['priced']), format).toBeGreaterThan(0);
      expect(Number(counts?.['rounded']), format).toBeGreaterThan(0);
      const broken = await query(`SELECT ProviderName, ChargeCategory, ChargeDescription, CAST(ListUnitPrice AS VARCHAR) AS ListUnitPrice, CAST(PricingQuantity AS VARCHAR) AS PricingQuantity,
          CAST(ListCost AS VARCHAR) AS ListCost, CAST(ContractedCost AS VARCHAR) AS ContractedCost, CAST(BilledCost AS VARCHAR) AS BilledCost
        FROM ${source}
        WHERE (ChargeClass IS NULL OR ChargeClass <> 'Correction') AND (
          (ListUnitPrice IS NOT NULL AND PricingQuantity IS NOT NULL AND ${d('ListUnitPrice')} * ${d('PricingQuantity')} <> ${d('ListCost')})
          OR ${d('ListUnitPrice')} < 0
          OR (ChargeCategory IN ('Usage', 'Purchase') AND (ListUnitPrice IS NULL OR PricingQuantity IS NULL))
          OR (ListUnitPrice IS NULL AND ChargeCategory <> 'Tax' AND ${d('ListCost')} <> ${d('BilledCost')})
          -- No negotiated prices: ContractedCost is the ListCost.
          OR ${d('ContractedCost')} <> ${d('ListCost')}
          OR ${d('EffectiveCost')} <> ${d('BilledCost')})
        LIMIT 5`);
      expect(broken, format).toEqual([]);
    }
  });

  it('the CSV holds the same rows, and Agilicus usage goes to its own file, never as costs', async () => {
    const csvSum = await query(`SELECT COUNT(*) AS n, CAST(SUM(CAST(BilledCost AS DECIMAL(38,12))) AS VARCHAR) AS total FROM read_csv('${csvFile}', all_varchar = true)`);
    const pqSum = await query(`SELECT COUNT(*) AS n, CAST(SUM(BilledCost) AS VARCHAR) AS total FROM read_parquet('${parquetFile()}')`);
    expect(csvSum).toEqual(pqSum);
    // For cost tools: no byte-order mark, unlike the pack's own CSVs.
    expect((await fs.readFile(csvFile)).subarray(0, 3).toString('latin1')).not.toBe('\xef\xbb\xbf');
    expect(Number(pqSum[0]?.['n'])).toBe(parquet.costRows);
    expect((await query(`SELECT COUNT(*) AS n FROM read_parquet('${parquetFile()}') WHERE ProviderName = 'Agilicus'`))[0]?.['n']).toBe('0');
    if (parquet.usage) {
      const usage = await query(`SELECT DISTINCT ProviderName AS p FROM read_parquet('${parquetFile().replace(/\.parquet$/, '.usage.parquet')}')`);
      expect(usage).toEqual([{ p: 'Agilicus' }]);
    } else {
      expect(parquet.notes.concat(parquet.missing).join('\n')).not.toMatch(/Agilicus \(demo\): no usage records have been synced/);
    }
  });
});

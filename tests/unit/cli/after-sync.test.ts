import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountList, AccountSummary } from '../../../contract/models/app';
import type { FocusExportResult } from '../../../contract/models/archive';
import type { InsightOverview } from '../../../contract/models/insight';
import { createMainServices } from '../../../main/compose';
import { AppError } from '../../../main/http/errors';
import type { ReviewedFile } from '../../../main/cli/commands/review';
import type { SyncOutcome } from '../../../main/cli/commands/sync';
import { cliFolders, ensureBuiltCli, parseJson, runBillfold } from './helpers';
import { routerCall, testPlatform } from '../../support/platform';

beforeAll(() => ensureBuiltCli(), 120_000);

/** `iso` as a clock in `timeZone` shows it, with the zone's offset: `2026-11-28 21:16 -08:00`. */
function wallClock(iso: string, timeZone: string): string {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' });
  const p = Object.fromEntries(format.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  const offset = p['timeZoneName'] === 'GMT' ? '+00:00' : (p['timeZoneName'] ?? '').slice(3);
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']} ${offset}`;
}

/** The window's overview over a user-data folder, with every provider out of reach: only what a sync kept counts. */
async function offlineOverview(userData: string, home: string): Promise<InsightOverview> {
  const services = createMainServices({
    platform: testPlatform(userData, { documentsDir: path.join(home, 'Documents') }),
    emit: () => undefined,
    log: () => undefined,
    backgroundSync: false,
    demo: { ensure: () => Promise.reject(new AppError('network', 'The demo providers cannot be reached.')), close: () => Promise.resolve() },
  });
  try {
    return await routerCall(services)<InsightOverview>('insight.overview', {});
  } finally {
    await services.close();
  }
}

describe('after a scheduled billfold sync', () => {
  const folders = cliFolders();
  let accounts: AccountSummary[];
  beforeAll(async () => {
    const { home, userData } = await folders;
    const demo = await runBillfold(['--user-data', userData, 'demo', '--json'], { home });
    expect(demo.code, demo.stderr).toBe(0);
    accounts = parseJson<{ accounts: AccountSummary[] }>(demo).accounts;
    const sync = await runBillfold(['--user-data', userData, 'sync', '--json'], { home });
    expect(sync.code, sync.stderr).toBe(0);
    expect(parseJson<{ accounts: SyncOutcome[] }>(sync).accounts.map((o) => o.ok)).toEqual([true, true, true]);
  }, 120_000);
  afterAll(async () => (await folders).cleanup());

  it('the window’s overview, computed offline, has every account’s forecast and the totals of every currency, offline', async () => {
    const { home, userData } = await folders;
    const overview = await offlineOverview(userData, home);
    expect(overview.accounts.map((a) => a.accountId).sort()).toEqual(accounts.map((a) => a.id).sort());
    for (const a of overview.accounts) {
      expect(a.missing, a.accountName).toEqual([]);
      expect(a.forecast.state, `${a.accountName}: ${a.forecast.madeFrom ?? ''}`).toBe('value');
    }
    const soracom = overview.accounts.find((a) => a.provider === 'soracom')!;
    expect(soracom.soFar.state).toBe('value');
    expect(overview.totals.map((t) => t.currency)).toEqual(['CAD', 'JPY', 'USD']);
    for (const t of overview.totals) expect(t.forecast, t.currency).toBeDefined();
  });

  it('export focus writes the Agilicus usage records', async () => {
    const { home, userData } = await folders;
    const now = new Date();
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const out = path.join(home, 'exports', 'focus.csv');
    const run = await runBillfold(['--user-data', userData, 'export', 'focus', '--from', month, '--to', month, '--format', 'csv', '--out', out, '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    const result = parseJson<FocusExportResult>(run);
    expect(result.missing.join('\n')).not.toMatch(/no usage records have been synced/);
    expect(result.usage?.rows).toBeGreaterThan(0);
  });

  it('accounts list shows the last sync in local time with its offset from UTC; the JSON keeps the ISO time', async () => {
    const { home, userData } = await folders;
    const listed = parseJson<AccountList>(await runBillfold(['--user-data', userData, 'accounts', 'list', '--json'], { home }));
    const soracom = listed.accounts.find((a) => a.provider === 'soracom')!;
    expect(soracom.sync.lastSuccessAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    for (const timeZone of ['America/Los_Angeles', 'Asia/Kolkata', 'UTC']) {
      const text = await runBillfold(['--user-data', userData, 'accounts', 'list'], { home, env: { TZ: timeZone } });
      expect(text.code, text.stderr).toBe(0);
      const row = text.stdout.split('\n').find((l) => l.startsWith(soracom.id))!;
      expect(row, timeZone).toMatch(new RegExp(`ok ${wallClock(soracom.sync.lastSuccessAt!, timeZone).replace('+', '\\+')}$`));
    }
  });

  it('review says the bill of a month still open is preliminary, next to whether the file matches it; a closed month’s line says nothing more', async () => {
    const { home, userData } = await folders;
    const now = new Date();
    const yyyyMM = (monthsBack: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, 1));
      return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    const line = async (month: string) => {
      const file = path.join(home, `Export_${month}.csv`);
      await fs.writeFile(file, `imsi,date,billItemName,unitPrice,quantity,amount\n440103000000001,${month}01,Basic fee,10,1,10\n`);
      const run = await runBillfold(['--user-data', userData, 'review', file], { home });
      expect(run.code, run.stderr).toBe(0);
      return run.stdout.split('\n').find((l) => l.includes('Against Soracom (demo)'));
    };
    expect(await line(yyyyMM(0))).toMatch(/: bill .+, file .+, (they match|difference .+); the bill is preliminary \(temporary\): it may still change until the month is closed$/);
    const closed = await line(yyyyMM(1));
    expect(closed).toMatch(/: bill .+, file .+, (they match|difference .+)$/);
    expect(closed).not.toMatch(/preliminary/);
  });

  it('review shows the total and the AMOUNT column in the bill’s currency, grouped and right-aligned; --json keeps the exact decimals', async () => {
    const { home, userData } = await folders;
    const d = new Date();
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
    const month = `${last.getUTCFullYear()}${String(last.getUTCMonth() + 1).padStart(2, '0')}`;
    const file = path.join(home, `Export_${month}_items.csv`);
    const rows = [`440103000000001,${month}01,Basic fee,166780,1,166780`, `440103000000001,${month}02,Data fee,1,1500,1500`, `440103000000001,${month}03,Discount,-200,1,-200`];
    await fs.writeFile(file, `imsi,date,billItemName,unitPrice,quantity,amount\n${rows.join('\n')}\n`);
    const run = await runBillfold(['--user-data', userData, 'review', file], { home });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[1]).toBe(`  3 rows, 0 malformed; total ¥168,080 for ${month.slice(0, 4)}-${month.slice(4)}`);
    const header = lines.find((l) => l.includes('AMOUNT'))!;
    const end = header.indexOf('AMOUNT') + 'AMOUNT'.length;
    for (const [item, amount] of [['Basic fee', '¥166,780'], ['Data fee', '¥1,500'], ['Discount', '-¥200']] as const) {
      const row = lines.find((l) => l.includes(item))!;
      expect(row.indexOf(amount) + amount.length, item).toBe(end);
    }
    const json = parseJson<{ files: ReviewedFile[] }>(await runBillfold(['--user-data', userData, 'review', file, '--json'], { home }));
    expect(json.files[0]?.summary?.total).toBe('168080');
    expect(json.files[0]?.summary?.byItem.map((t) => t.amount)).toEqual(['166780', '1500', '-200']);
  });
});

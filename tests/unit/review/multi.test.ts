/**
 * Several files summed as one, against an independent reading of each (papaparse + BigInt),
 * on files with quirky quoting, a BOM, Japanese and emoji, malformed rows, a month split across
 * two files and the same file twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled } from '../../../main/review/decimal';
import { summarizeFiles, type Total } from '../../../main/review/summarize';
import { inlineRunner } from '../../../main/review/threads';
import { generateDetailedCsv } from '../../../main/sandbox/soracom/csv';
import { independentSummary, scaled } from './independent';
import { toSum } from './to-sum';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'billfold-review-multi-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const add = (map: Map<string, bigint>, key: string, v: bigint) => map.set(key, (map.get(key) ?? 0n) + v);
const asMap = (list: Total[], scale: number) => new Map(list.map((t) => [t.key, scaled(formatScaled(t.amount, scale))]));

/** What the files hold together, read independently. */
function expectedOf(files: string[], groupColumns: string[]) {
  const out = {
    rows: 0,
    malformed: 0,
    total: 0n,
    byItem: new Map<string, bigint>(),
    byMonthItem: new Map<string, bigint>(),
    byDevice: new Map<string, bigint>(),
    byDeviceMonth: new Map<string, bigint>(),
    byGroup: new Map(groupColumns.map((c) => [c, new Map<string, bigint>()])),
    byGroupMonth: new Map(groupColumns.map((c) => [c, new Map<string, bigint>()])),
  };
  for (const file of files) {
    const e = independentSummary(fs.readFileSync(file), []);
    const col = (name: string) => e.header.indexOf(name);
    out.rows += e.rows.length;
    out.malformed += e.malformed.length;
    for (const { cells } of e.rows) {
      const v = scaled(cells[col('amount')] as string);
      const month = (cells[col('date')] as string).slice(0, 6);
      const item = cells[col('billItemName')] as string;
      const device = col('imsi') >= 0 ? (cells[col('imsi')] as string) : '';
      out.total += v;
      add(out.byItem, item, v);
      add(out.byMonthItem, month + item, v);
      add(out.byDevice, device, v);
      add(out.byDeviceMonth, month + device, v);
      for (const c of groupColumns) {
        if (col(c) < 0) continue;
        add(out.byGroup.get(c) as Map<string, bigint>, cells[col(c)] as string, v);
        add(out.byGroupMonth.get(c) as Map<string, bigint>, month + (cells[col(c)] as string), v);
      }
    }
  }
  return out;
}

describe('several files, one summary', () => {
  const quirks = path.resolve('tests/fixtures/review/quirks.csv');
  const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const april = write('april.csv', generateDetailedCsv({ yyyyMM: '202404', seed: 7, sims: 30 }));
  // June in two files: the first half of the month, then the second.
  const juneA = write('june-a.csv', generateDetailedCsv({ yyyyMM: '202406', seed: 7, sims: 30, throughDay: 15 }));
  const juneB = write('june-b.csv', generateDetailedCsv({ yyyyMM: '202406', seed: 7, sims: 30, fromDay: 16 }));
  const text = write(
    'text.csv',
    '\uFEFFimsi,date,billItemName,amount,tag:name\r\n440103000000001,20240501,基本料金,10,"冷蔵庫 ""A"", 🧊"\r\n440103000000001,20240501,基本料金,x,冷蔵庫\r\n440103000000002,202405,データ通信料 📶,-2.125,\r\n',
  );
  const files = [quirks, april, juneA, juneB, text, april];
  const groups = ['tag:name', 'tag:location', 'tag:owner', 'group'];

  for (const workers of [1, 2, 3]) {
    it(`totals equal the independent computation (${workers} worker${workers > 1 ? 's' : ''})`, async () => {
      const s = await summarizeFiles(files.map(toSum), { runner: inlineRunner, workers });
      const e = expectedOf(files, groups);
      expect(s.rows).toBe(e.rows);
      expect(s.malformedCount).toBe(e.malformed);
      expect(scaled(formatScaled(s.total, s.scale))).toBe(e.total);
      expect(asMap(s.byItem, s.scale)).toEqual(e.byItem);
      expect(asMap(s.byMonthItem, s.scale)).toEqual(e.byMonthItem);
      expect(asMap(s.byDevice, s.scale)).toEqual(e.byDevice);
      expect(asMap(s.byDeviceMonth, s.scale)).toEqual(e.byDeviceMonth);
      expect([...s.groupColumns].sort()).toEqual([...groups].sort());
      for (const c of groups) {
        const g = s.groupColumns.indexOf(c);
        expect(asMap(s.byGroup[g] ?? [], s.scale)).toEqual(e.byGroup.get(c));
        expect(asMap(s.byGroupMonth[g] ?? [], s.scale)).toEqual(e.byGroupMonth.get(c));
      }
      expect(s.months).toEqual(['202402', '202404', '202405', '202406']);
      // Each file keeps its own counts and months, in the order given.
      expect(s.files.map((f) => [path.basename(f.path), f.months])).toEqual([
        ['quirks.csv', ['202402', '202405']],
        ['april.csv', ['202404']],
        ['june-a.csv', ['202406']],
        ['june-b.csv', ['202406']],
        ['text.csv', ['202405']],
        ['april.csv', ['202404']],
      ]);
      expect(s.files[4]?.malformed.map((m) => [m.line, m.reason, m.raw])).toEqual([[3, 'amount', '440103000000001,20240501,基本料金,x,冷蔵庫']]);
      expect(s.byGroup[s.groupColumns.indexOf('tag:name')]?.map((t) => t.key)).toContain('冷蔵庫 "A", 🧊');
      // Each SIM's tag and group values, as `groupColumns` ('' in a column its files lack).
      const { devices, values } = s.deviceGroups;
      const sim = devices.indexOf('440103000000001');
      expect(values[s.groupColumns.indexOf('tag:name')]?.[sim]).toBe('冷蔵庫 "A", 🧊');
      expect(values[s.groupColumns.indexOf('group')]?.[sim]).toBe('');
      expect(new Set(devices)).toEqual(new Set(e.byDevice.keys()));
      expect(values.map((column) => column.length)).toEqual(groups.map(() => devices.length));
    });
  }
});
